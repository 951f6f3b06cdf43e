"""Input distributions fitted to the pooled evidence, beside the low-high ranges.

The default distributions of :func:`lems_epi.sensitivity.probabilistic` and
:func:`lems_epi.sensitivity.sobol` spread each parameter between the lowest and the highest
source (:func:`lems_epi.sensitivity.default_distributions`): a lay page's figure weighs as much
as a nationwide survey. :func:`fitted_distributions` instead fits, for each parameter that
:func:`lems_epi.sources.pooled.pooled_evidence` pools, a distribution whose median is the
pooled estimate and whose central 95% is the pooled *prediction* interval (where the value of a
new population is expected to fall: the uncertainty of the mean plus the between-study spread):

* a log-normal for the prevalence (pooled on the log scale, so the fit is exact);
* a logit-normal (exact, the shares are pooled on the logit scale) or a beta distribution
  (matched to the two 2.5% and 97.5% quantiles) for the shares.

Examples
--------
>>> d = fitted_distributions()
>>> sorted(d)
['paraneoplastic_share', 'prevalence', 'sclc_share']
>>> bool(1e-6 < d["prevalence"].median() < 1e-5)
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from lems_epi._validation import check_method

__all__ = ["FITTED_PARAMETERS", "fitted_distributions", "fitted_table", "logitnorm"]

#: Scenario parameter -> (pooled evidence parameter, factor from the pooled scale).
FITTED_PARAMETERS = {
    "prevalence": ("prevalence", 1e-6),
    "paraneoplastic_share": ("paraneoplastic_share", 1.0),
    "sclc_share": ("sclc_share", 1.0),
}
_Z = 1.959963984540054


class _LogitNormal(stats.rv_continuous):
    r"""Logit-normal distribution: :math:`\mathrm{logit}(X) \sim N(m, s^2)` on (0, 1)."""

    def _argcheck(self, m, s):
        return np.isfinite(m) & (s > 0)

    def _pdf(self, x, m, s):
        z = (special.logit(x) - m) / s
        return np.exp(-0.5 * z**2) / (s * np.sqrt(2 * np.pi) * x * (1 - x))

    def _cdf(self, x, m, s):
        return special.ndtr((special.logit(x) - m) / s)

    def _ppf(self, q, m, s):
        return special.expit(m + s * special.ndtri(q))


#: The logit-normal distribution (shapes ``m``, ``s``: mean and SD of the logit).
logitnorm = _LogitNormal(a=0.0, b=1.0, name="logitnorm")


def _beta_matching(low: float, high: float):
    """Beta distribution whose 2.5% and 97.5% quantiles are ``low`` and ``high``."""
    def gap(p):
        a, b = np.exp(p)
        return [stats.beta.ppf(0.025, a, b) - low, stats.beta.ppf(0.975, a, b) - high]

    mid = (low + high) / 2
    spread = max((high - low) / (2 * _Z), 1e-6)
    k = max(mid * (1 - mid) / spread**2 - 1, 1.0)
    res = optimize.least_squares(gap, np.log([mid * k, (1 - mid) * k]), xtol=1e-14,
                                 ftol=1e-14)
    a, b = np.exp(res.x)
    return stats.beta(a, b)


def fitted_table(*, kind: str = "logit-normal", pooled=None) -> pd.DataFrame:
    """The fitted distributions as a table: what was matched, and the fit.

    Parameters
    ----------
    kind : {"logit-normal", "beta"}, default "logit-normal"
        Shape for the shares (the prevalence is always log-normal).
    pooled : PooledEvidence, optional
        The pooled evidence (default :func:`lems_epi.sources.pooled.pooled_evidence`).

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``parameter``, ``distribution``, ``estimate``, ``pi_lower``,
        ``pi_upper`` (the pooled figures, on the scenario's scale), the fitted ``median``,
        ``q025``, ``q975``, and ``studies``.

    Examples
    --------
    >>> t = fitted_table()
    >>> t["distribution"].tolist()
    ['log-normal', 'logit-normal', 'logit-normal']
    """
    check_method(kind, ("logit-normal", "beta"), caller="fitted_table", name="kind")
    if pooled is None:
        from lems_epi.sources.pooled import pooled_evidence

        pooled = pooled_evidence()
    t = pooled.table.set_index("parameter")
    rows = []
    for name, (param, factor) in FITTED_PARAMETERS.items():
        if param not in t.index:
            continue
        est, lo, hi = (float(t.loc[param, c]) * factor for c in ("estimate", "pi_lower",
                                                                 "pi_upper"))
        if name == "prevalence":
            dist, label = stats.lognorm(s=(np.log(hi) - np.log(lo)) / (2 * _Z), scale=est), \
                "log-normal"
        elif kind == "logit-normal":
            s = (special.logit(hi) - special.logit(lo)) / (2 * _Z)
            dist, label = logitnorm(special.logit(est), s), "logit-normal"
        else:
            dist, label = _beta_matching(lo, hi), "beta"
        rows.append({"parameter": name, "distribution": label, "estimate": est,
                     "pi_lower": lo, "pi_upper": hi, "median": float(dist.median()),
                     "q025": float(dist.ppf(0.025)), "q975": float(dist.ppf(0.975)),
                     "studies": t.loc[param, "studies"], "_dist": dist})
    return pd.DataFrame(rows)


def fitted_distributions(kind: str = "logit-normal", *, parameters=None, pooled=None) -> dict:
    """Distributions fitted to the pooled estimates and prediction intervals.

    Parameters
    ----------
    kind : {"logit-normal", "beta"}, default "logit-normal"
        Shape for the shares; the prevalence is log-normal.
    parameters : list of str, optional
        Subset of :data:`FITTED_PARAMETERS` (default: all that are pooled).
    pooled : PooledEvidence, optional
        The pooled evidence (default :func:`lems_epi.sources.pooled.pooled_evidence`).

    Returns
    -------
    dict
        Scenario parameter -> scipy.stats frozen distribution, ready for
        :func:`lems_epi.sensitivity.probabilistic` and :func:`lems_epi.sensitivity.sobol`;
        combine with :func:`lems_epi.sensitivity.default_distributions` for the parameters not
        pooled (``{**default_distributions(), **fitted_distributions()}``).

    Raises
    ------
    ValueError
        For an unknown kind or parameter.

    Examples
    --------
    >>> d = fitted_distributions("beta", parameters=["sclc_share"])
    >>> round(float(d["sclc_share"].ppf(0.5)), 2)
    0.81
    """
    table = fitted_table(kind=kind, pooled=pooled).set_index("parameter")
    if parameters is None:
        parameters = list(table.index)
    unknown = [p for p in parameters if p not in table.index]
    if unknown:
        raise ValueError(f"fitted_distributions: no pooled evidence for {unknown}; choose from "
                         f"{list(table.index)}.")
    return {p: table.loc[p, "_dist"] for p in parameters}
