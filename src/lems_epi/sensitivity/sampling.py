"""Input distributions and sampling designs for the sensitivity analysis.

Distributions are scipy.stats frozen distributions, so that a user can pass any of scipy's own;
the helpers below build the usual ones from an evidence range (a low and a high value, with an
optional most likely value):

===============  ==========================================================================
``uniform``      every value between low and high equally likely
``triangular``   linear rise to the mode and fall to the high value
``pert``         beta-PERT: a beta distribution on [low, high] with its mode at ``mode`` and
                 shape weight ``lamb`` (4 by default), smoother than the triangle
``loguniform``   uniform on the log scale; for prevalence, whose sources differ by a factor
===============  ==========================================================================

:func:`draw` samples them by Monte Carlo or Latin hypercube, and :func:`iman_conover` induces a
rank correlation between the columns without changing any marginal distribution.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from lems_epi._rng import as_generator
from lems_epi._validation import check_method, check_whole_number

__all__ = [
    "DISTRIBUTION_KINDS",
    "SAMPLING_METHODS",
    "distribution_from_range",
    "draw",
    "iman_conover",
    "loguniform",
    "pert",
    "triangular",
    "uniform",
]

DISTRIBUTION_KINDS = ("uniform", "triangular", "pert", "loguniform")
SAMPLING_METHODS = ("lhs", "mc")


def _check_bounds(low, high, *, caller: str, positive: bool = False) -> tuple[float, float]:
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"{caller}: '{name}' must be a finite number, got {v!r}.")
    low, high = float(low), float(high)
    if not low < high:
        raise ValueError(f"{caller}: 'low' must be smaller than 'high', got low={low!r}, "
                         f"high={high!r}. For a fixed value, leave the parameter out of the "
                         "analysis.")
    if positive and low <= 0:
        raise ValueError(f"{caller}: 'low' must be > 0 on a log scale, got {low!r}.")
    return low, high


def _check_mode(mode, low, high, *, caller: str) -> float:
    if mode is None:
        return (low + high) / 2
    if isinstance(mode, bool) or not isinstance(mode, numbers.Real) or not low <= mode <= high:
        raise ValueError(f"{caller}: 'mode' must lie between low={low!r} and high={high!r}, "
                         f"got {mode!r}.")
    return float(mode)


def uniform(low, high):
    """Uniform distribution on [low, high].

    Examples
    --------
    >>> uniform(0.5, 0.6).mean()
    np.float64(0.55)
    """
    low, high = _check_bounds(low, high, caller="uniform")
    return stats.uniform(loc=low, scale=high - low)


def triangular(low, mode, high):
    """Triangular distribution on [low, high] with its peak at ``mode``.

    Examples
    --------
    >>> round(float(triangular(0, 1, 2).mean()), 6)
    1.0
    """
    low, high = _check_bounds(low, high, caller="triangular")
    mode = _check_mode(mode, low, high, caller="triangular")
    return stats.triang(c=(mode - low) / (high - low), loc=low, scale=high - low)


def pert(low, mode, high, *, lamb: float = 4.0):
    r"""Beta-PERT distribution on [low, high] with its mode at ``mode``.

    A beta distribution scaled to [low, high] with shapes

    .. math:: \alpha = 1 + \lambda \frac{m - a}{b - a}, \qquad
              \beta = 1 + \lambda \frac{b - m}{b - a},

    so that its mode is :math:`m` and its mean :math:`(a + \lambda m + b) / (\lambda + 2)`.

    Parameters
    ----------
    low, mode, high : float
        Minimum :math:`a`, most likely value :math:`m` and maximum :math:`b`.
    lamb : float, default 4
        Weight of the mode (4 in the classical PERT).

    Returns
    -------
    scipy.stats frozen distribution

    References
    ----------
    .. [1] Malcolm DG, Roseboom JH, Clark CE, Fazar W (1959). Application of a technique for
       research and development program evaluation. Operations Research 7(5):646-669.
    .. [2] Vose D (2008). Risk Analysis: A Quantitative Guide, 3rd ed. Wiley.

    Examples
    --------
    >>> d = pert(0.4, 0.5, 0.8)
    >>> round(float(d.mean()), 6)
    0.533333
    """
    low, high = _check_bounds(low, high, caller="pert")
    mode = _check_mode(mode, low, high, caller="pert")
    if isinstance(lamb, bool) or not isinstance(lamb, numbers.Real) or not lamb > 0:
        raise ValueError(f"pert: 'lamb' must be a number > 0, got {lamb!r}.")
    a = 1 + lamb * (mode - low) / (high - low)
    b = 1 + lamb * (high - mode) / (high - low)
    return stats.beta(a, b, loc=low, scale=high - low)


def loguniform(low, high):
    """Log-uniform distribution on [low, high] (both > 0).

    Examples
    --------
    >>> d = loguniform(2e-6, 8e-6)
    >>> round(float(d.median()) * 1e6, 6)
    4.0
    """
    low, high = _check_bounds(low, high, caller="loguniform", positive=True)
    return stats.loguniform(low, high)


def distribution_from_range(kind, low, high, mode=None):
    """Build a distribution of one of :data:`DISTRIBUTION_KINDS` from a range.

    Parameters
    ----------
    kind : {"uniform", "triangular", "pert", "loguniform"}
        The shape (the mode is ignored by ``uniform`` and ``loguniform``).
    low, high : float
        The range, for example the lowest and highest figure of the sources.
    mode : float, optional
        Most likely value for ``triangular`` and ``pert`` (default: the midpoint).

    Returns
    -------
    scipy.stats frozen distribution

    Examples
    --------
    >>> float(distribution_from_range("triangular", 0, 1).ppf(0.5))
    0.5
    """
    check_method(kind, DISTRIBUTION_KINDS, caller="distribution_from_range", name="kind")
    if kind == "uniform":
        return uniform(low, high)
    if kind == "loguniform":
        return loguniform(low, high)
    if kind == "triangular":
        return triangular(low, mode, high)
    return pert(low, mode, high)


def check_distributions(distributions, *, caller: str) -> dict:
    """Check a mapping of parameter names to frozen distributions with a ``ppf``."""
    if not isinstance(distributions, Mapping) or not distributions:
        raise TypeError(f"{caller}: 'distributions' must be a non-empty mapping of parameter "
                        f"names to scipy.stats frozen distributions, got "
                        f"{type(distributions).__name__}.")
    out = {}
    for name, dist in distributions.items():
        if not isinstance(name, str):
            raise TypeError(f"{caller}: distribution names must be strings, got {name!r}.")
        if not callable(getattr(dist, "ppf", None)):
            raise TypeError(f"{caller}: distributions[{name!r}] must be a frozen distribution "
                            f"with a 'ppf' method (e.g. scipy.stats.uniform(0, 1)), got "
                            f"{type(dist).__name__}.")
        out[name] = dist
    return out


def _check_n(n, *, caller: str, minimum: int = 2) -> int:
    return check_whole_number(n, name="n", caller=caller, minimum=minimum)


def draw(distributions, n, *, rng=None, method="lhs", correlation=None) -> pd.DataFrame:
    """Draw ``n`` samples of the parameters, one column each.

    Parameters
    ----------
    distributions : mapping of str to scipy.stats frozen distribution
        Parameter name -> distribution (anything with a ``ppf``).
    n : int
        Number of samples.
    rng : {None, int, numpy.random.Generator}, optional
        Source of randomness.
    method : {"lhs", "mc"}, default "lhs"
        Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`: each of the ``n`` equal
        probability strata of every parameter holds one sample) or plain Monte Carlo.
    correlation : array_like or pandas.DataFrame, optional
        Target rank correlation between the parameters (square, in the order of
        ``distributions`` or labelled with their names), induced with :func:`iman_conover`.

    Returns
    -------
    pandas.DataFrame
        ``n`` rows, one column per parameter.

    References
    ----------
    .. [1] McKay MD, Beckman RJ, Conover WJ (1979). A comparison of three methods for
       selecting values of input variables in the analysis of output from a computer code.
       Technometrics 21(2):239-245.

    Examples
    --------
    >>> s = draw({"a": uniform(0, 1), "b": uniform(10, 20)}, 4, rng=1)
    >>> sorted((s["a"] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    caller = "draw"
    dists = check_distributions(distributions, caller=caller)
    n = _check_n(n, caller=caller)
    check_method(method, SAMPLING_METHODS, caller=caller)
    gen = as_generator(rng, caller=caller)
    d = len(dists)
    if method == "lhs":
        u = qmc.LatinHypercube(d, rng=gen).random(n)
    else:
        u = gen.random((n, d))
    u = np.clip(u, np.finfo(float).tiny, 1 - np.finfo(float).eps)
    out = pd.DataFrame({name: np.asarray(dist.ppf(u[:, j]), dtype=float)
                        for j, (name, dist) in enumerate(dists.items())})
    if correlation is not None:
        out = iman_conover(out, correlation, rng=gen)
    return out


def _check_correlation(correlation, names, *, caller: str) -> np.ndarray:
    k = len(names)
    if isinstance(correlation, pd.DataFrame):
        missing = sorted(set(names) - set(correlation.index) | set(names) - set(correlation.columns))
        if missing:
            raise ValueError(f"{caller}: 'correlation' must be labelled with every parameter; "
                             f"missing {missing}.")
        c = correlation.loc[list(names), list(names)].to_numpy(float)
    else:
        try:
            c = np.asarray(correlation, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"{caller}: 'correlation' must be a numeric square matrix.") from None
    if c.shape != (k, k):
        raise ValueError(f"{caller}: 'correlation' must be a {k} x {k} matrix (one row and "
                         f"column per parameter: {list(names)}), got shape {c.shape}.")
    if not np.all(np.isfinite(c)) or np.any(np.abs(c) > 1):
        raise ValueError(f"{caller}: 'correlation' must hold finite values in [-1, 1].")
    if not np.allclose(c, c.T) or not np.allclose(np.diag(c), 1):
        raise ValueError(f"{caller}: 'correlation' must be symmetric with ones on the diagonal.")
    if np.linalg.eigvalsh(c).min() <= 1e-10:
        raise ValueError(f"{caller}: 'correlation' is not positive definite, so no set of "
                         "inputs can have it (e.g. a and b strongly correlated, b and c strongly "
                         "correlated, a and c not). Make it consistent, or drop one of the "
                         "parameters that are (almost) perfectly correlated.")
    return c


def iman_conover(samples, correlation, *, rng=None) -> pd.DataFrame:
    r"""Reorder each column of ``samples`` to induce a target rank correlation.

    Iman and Conover's method: van der Waerden scores
    :math:`\Phi^{-1}(i / (n + 1))` are shuffled in each column, transformed so that their
    correlation matrix is exactly the target (with the Cholesky factors of the target and of the
    scores' own correlation), and each column of ``samples`` is then rearranged to take the ranks
    of its scores. The marginal distributions (the values in each column) are unchanged; the
    rank correlation is close to the target, within sampling error.

    Parameters
    ----------
    samples : pandas.DataFrame
        One column per parameter, independent draws.
    correlation : array_like or pandas.DataFrame
        Target rank correlation, symmetric positive definite with unit diagonal.
    rng : {None, int, numpy.random.Generator}, optional
        Randomness for the shuffle of the scores.

    Returns
    -------
    pandas.DataFrame
        The same values, rearranged within each column.

    References
    ----------
    .. [1] Iman RL, Conover WJ (1982). A distribution-free approach to inducing rank
       correlation among input variables. Communications in Statistics - Simulation and
       Computation 11(3):311-334.

    Examples
    --------
    >>> s = draw({"a": uniform(0, 1), "b": uniform(0, 1)}, 2000, rng=5)
    >>> t = iman_conover(s, [[1, 0.7], [0.7, 1]], rng=5)
    >>> round(float(t.corr(method="spearman").iloc[0, 1]), 1)
    0.7
    """
    caller = "iman_conover"
    if not isinstance(samples, pd.DataFrame):
        raise TypeError(f"{caller}: 'samples' must be a DataFrame with one column per "
                        f"parameter, got {type(samples).__name__}.")
    names = list(samples.columns)
    n, k = samples.shape
    if n < k + 2:
        raise ValueError(f"{caller}: need more samples than parameters + 1 to induce a "
                         f"correlation, got {n} samples for {k} parameters.")
    c = _check_correlation(correlation, names, caller=caller)
    gen = as_generator(rng, caller=caller)
    base = stats.norm.ppf(np.arange(1, n + 1) / (n + 1))
    scores = np.column_stack([gen.permutation(base) for _ in range(k)])
    e = np.corrcoef(scores, rowvar=False)
    p = np.linalg.cholesky(c)
    q = np.linalg.cholesky(e)
    target = scores @ np.linalg.inv(q).T @ p.T
    values = samples.to_numpy(float)
    out = np.empty_like(values)
    for j in range(k):
        ranks = np.argsort(np.argsort(target[:, j], kind="stable"), kind="stable")
        out[:, j] = np.sort(values[:, j], kind="stable")[ranks]
    return pd.DataFrame(out, columns=names, index=samples.index)
