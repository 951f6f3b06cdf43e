"""Small numerical building blocks shared by the interval, rate and comparison modules.

These take and return plain arrays; validation happens in the public functions.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = ["z_value", "poisson_exact_limits", "binomial_exact_limits"]


def z_value(conf_level: float) -> float:
    """Two-sided standard normal quantile for ``conf_level``.

    Examples
    --------
    >>> round(z_value(0.95), 6)
    1.959964
    """
    return float(stats.norm.isf((1.0 - conf_level) / 2.0))


def poisson_exact_limits(x, conf_level: float):
    """Garwood exact limits for a Poisson count ``x`` (chi-square / gamma form).

    Lower limit is 0 when ``x`` is 0.

    References
    ----------
    .. [1] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
       28(3/4):437-442. https://doi.org/10.1093/biomet/28.3-4.437

    Examples
    --------
    >>> lo, hi = poisson_exact_limits(0, 0.95)
    >>> float(lo), round(float(hi), 6)
    (0.0, 3.688879)
    """
    x = np.asarray(x, dtype=float)
    alpha = 1.0 - conf_level
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, special.gammaincinv(np.maximum(x, 1e-300), alpha / 2), 0.0)
    upper = special.gammaincinv(x + 1.0, 1.0 - alpha / 2)
    return lower, upper


def binomial_exact_limits(x, n, conf_level: float):
    """Clopper-Pearson limits for ``x`` successes out of ``n`` (beta form).

    References
    ----------
    .. [1] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
       in the case of the binomial. Biometrika 26(4):404-413.
       https://doi.org/10.1093/biomet/26.4.404

    Examples
    --------
    >>> lo, hi = binomial_exact_limits(0, 10, 0.95)
    >>> float(lo), round(float(hi), 6)
    (0.0, 0.308497)
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1.0 - conf_level
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = np.where(x > 0, stats.beta.ppf(alpha / 2, np.maximum(x, 1e-300), n - x + 1), 0.0)
        upper = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, np.maximum(n - x, 1e-300)),
                         1.0)
    return lower, upper
