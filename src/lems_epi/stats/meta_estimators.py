r"""Effect sizes of single-group studies and the inverse-variance meta-analysis model.

The building blocks of :func:`lems_epi.stats.meta_pooling.meta_analysis` for every method but
the GLMM: each study's estimate ``yi`` on the analysis scale with its sampling variance ``vi``
(:func:`effect_sizes`), the between-study variance :math:`\tau^2` by the common-effect,
DerSimonian-Laird, Paule-Mandel, maximum-likelihood and restricted maximum-likelihood
estimators (:func:`estimate_tau2`), and the pooled mean with its z or Knapp-Hartung test, the
prediction interval and the heterogeneity statistics (:func:`inverse_variance_fit`).

The conventions are metafor's (Viechtbauer 2010), so the numbers match ``rma()``:

* zero cells: a study with 0 events (for proportions also one with events = n) gets 0.5 added
  to its events and to its non-events (``add = 0.5, to = "only0"``); the Freeman-Tukey
  transformation needs no correction and gets none;
* Cochran's Q uses the weights ``1/vi`` whatever the estimator of :math:`\tau^2`;
* :math:`I^2 = 100\,\tau^2/(\tau^2 + s^2)` and :math:`H^2 = (\tau^2 + s^2)/s^2` with the
  "typical" within-study variance :math:`s^2 = (k-1)\sum w/((\sum w)^2 - \sum w^2)`,
  ``w = 1/vi`` (for the common-effect model, :math:`I^2 = (Q - (k-1))/Q` and
  :math:`H^2 = Q/(k-1)`);
* Knapp-Hartung multiplies the variance of the mean by
  :math:`\sum w^*(y - \hat\mu)^2/(k-1)`, ``w* = 1/(vi + tau2)``, without truncating it at 1,
  and uses t(k - 1) quantiles for the interval, the test and the prediction interval;
* the prediction interval is :math:`\hat\mu \pm q\sqrt{SE^2 + \tau^2}`.

References
----------
.. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
   of Statistical Software 36(3):1-48. doi:10.18637/jss.v036.i03
.. [2] DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical
   Trials 7(3):177-188. doi:10.1016/0197-2456(86)90046-2
.. [3] Paule RC, Mandel J (1982). Consensus values and weighting factors. Journal of Research
   of the National Bureau of Standards 87(5):377-385. doi:10.6028/jres.087.022
.. [4] Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
   single covariate. Statistics in Medicine 22(17):2693-2710. doi:10.1002/sim.1482
.. [5] Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
   Statistics in Medicine 21(11):1539-1558. doi:10.1002/sim.1186
.. [6] Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation. The
   American Statistician 32(4):138. doi:10.1080/00031305.1978.10479283

Examples
--------
>>> import numpy as np
>>> yi, vi, _ = effect_sizes("logit", np.array([10., 20.]), np.array([50., 60.]))
>>> round(estimate_tau2(yi, vi, "dl"), 4)
0.1402
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from lems_epi.stats._core import z_value

__all__ = [
    "MEASURES",
    "INVERSE_VARIANCE_METHODS",
    "effect_sizes",
    "estimate_tau2",
    "inverse_variance_fit",
    "back_transform",
    "MetaFit",
]

#: Analysis scales: name -> kind of denominator ("n" or "person_time").
MEASURES = {"log-rate": "person_time", "log": "n", "logit": "n", "freeman-tukey": "n",
            "raw": "either"}
#: Estimators of tau^2 of the inverse-variance model.
INVERSE_VARIANCE_METHODS = ("common", "dl", "reml", "pm", "ml")
_TOL = 1e-12
_MAXITER = 1000


def effect_sizes(measure: str, events: np.ndarray, denom: np.ndarray, *,
                 rates: bool = False):
    """Each study's estimate ``yi`` and sampling variance ``vi`` on the analysis scale.

    Parameters
    ----------
    measure : {"log-rate", "log", "logit", "freeman-tukey", "raw"}
        Analysis scale (metafor's IRLN, PLN, PLO, PFT, and PR or IR for ``"raw"``).
    events, denom : numpy.ndarray
        Events and number of persons (or person-time when ``rates``).
    rates : bool, default False
        ``denom`` is person-time (for ``"raw"``: the rate itself, metafor's IR).

    Returns
    -------
    yi, vi : numpy.ndarray
    corrected : numpy.ndarray of bool
        Studies that got 0.5 added (metafor's ``to = "only0"``).

    Examples
    --------
    >>> import numpy as np
    >>> yi, vi, c = effect_sizes("log-rate", np.array([0., 4.]), np.array([1e5, 2e5]),
    ...                          rates=True)
    >>> vi.tolist(), c.tolist()
    ([2.0, 0.25], [True, False])
    """
    x = np.asarray(events, dtype=float)
    d = np.asarray(denom, dtype=float)
    if measure == "freeman-tukey":
        yi = 0.5 * (np.arcsin(np.sqrt(x / (d + 1))) + np.arcsin(np.sqrt((x + 1) / (d + 1))))
        return yi, 1.0 / (4 * d + 2), np.zeros(x.size, dtype=bool)
    corrected = (x == 0) if rates else (x == 0) | (x == d)
    x = np.where(corrected, x + 0.5, x)
    if rates:
        if measure == "log-rate":
            return np.log(x / d), 1.0 / x, corrected
        return x / d, x / d**2, corrected
    d = np.where(corrected, d + 1.0, d)
    p = x / d
    if measure == "logit":
        return np.log(x / (d - x)), 1.0 / x + 1.0 / (d - x), corrected
    if measure == "log":
        return np.log(p), 1.0 / x - 1.0 / d, corrected
    return p, p * (1 - p) / d, corrected


def back_transform(measure: str, values, *, n_harmonic: float | None = None,
                   study_n=None) -> np.ndarray:
    """From the analysis scale back to a rate or proportion.

    ``"freeman-tukey"`` uses Miller's (1978) inverse at the harmonic mean ``n_harmonic`` of the
    studies' sizes, or at each study's own ``study_n``; as metafor's ``transf.ipft.hm``, values
    below the transform of a proportion of 0 become 0 and above that of 1 become 1.

    Examples
    --------
    >>> back_transform("logit", [0.0]).tolist()
    [0.5]
    """
    v = np.asarray(values, dtype=float)
    if measure in ("log-rate", "log"):
        return np.exp(v)
    if measure == "logit":
        return 1.0 / (1.0 + np.exp(-v))
    if measure == "raw":
        return v.copy()
    n = np.asarray(study_n if study_n is not None else n_harmonic, dtype=float)
    s = np.sin(2 * v)
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = 1 - (s + (s - 1 / s) / n) ** 2
        z = 0.5 * (1 - np.sign(np.cos(2 * v)) * np.sqrt(inner))
    low = 0.5 * (np.arcsin(0.0) + np.arcsin(np.sqrt(1 / (n + 1))))
    high = 0.5 * (np.arcsin(np.sqrt(n / (n + 1))) + np.arcsin(1.0))
    z = np.where(v < low, 0.0, np.where(v > high, 1.0, z))
    return np.where(np.isnan(v), np.nan, z)


def _q_statistic(yi, vi) -> float:
    return _generalised_q(0.0, yi, vi)


def _tau2_dl(yi, vi) -> float:
    w = 1.0 / vi
    q = _q_statistic(yi, vi)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, (q - (yi.size - 1)) / c)


def _generalised_q(tau2, yi, vi) -> float:
    w = 1.0 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mu) ** 2))


def _tau2_pm(yi, vi) -> float:
    k = yi.size
    f = lambda t: _generalised_q(t, yi, vi) - (k - 1)  # noqa: E731
    if f(0.0) <= 0:
        return 0.0
    hi = max(1.0, 10 * np.var(yi, ddof=1) + 10 * np.max(vi))
    while f(hi) > 0:
        hi *= 10
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps,
                                 maxiter=_MAXITER))


def _score(tau2, yi, vi, reml: bool) -> float:
    """Derivative of the (restricted) log-likelihood with respect to tau^2."""
    w = 1.0 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    r = yi - mu
    if reml:
        trace_p = np.sum(w) - np.sum(w**2) / np.sum(w)
        return 0.5 * (np.sum(w**2 * r**2) - trace_p)
    return 0.5 * (np.sum(w**2 * r**2) - np.sum(w))


def _tau2_likelihood(yi, vi, reml: bool) -> float:
    if _score(0.0, yi, vi, reml) <= 0:
        return 0.0
    hi = max(1.0, 10 * np.var(yi, ddof=1) + 10 * np.max(vi))
    while _score(hi, yi, vi, reml) > 0:
        hi *= 10
    root = optimize.brentq(_score, 0.0, hi, args=(yi, vi, reml), xtol=1e-15,
                           rtol=4 * np.finfo(float).eps, maxiter=_MAXITER)
    # the score may have several roots: keep the one with the highest likelihood
    grid = np.concatenate([[0.0], np.geomspace(1e-8, hi, 200)])
    signs = np.sign([_score(t, yi, vi, reml) for t in grid])
    candidates = [root]
    for i in np.flatnonzero((signs[:-1] > 0) & (signs[1:] <= 0)):
        candidates.append(optimize.brentq(_score, grid[i], grid[i + 1], args=(yi, vi, reml),
                                          xtol=1e-15, rtol=4 * np.finfo(float).eps))
    lls = [_loglik(t, yi, vi, reml) for t in candidates]
    return float(candidates[int(np.argmax(lls))])


def _loglik(tau2, yi, vi, reml: bool) -> float:
    w = 1.0 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    ll = -0.5 * np.sum(np.log(vi + tau2)) - 0.5 * np.sum(w * (yi - mu) ** 2)
    if reml:
        ll -= 0.5 * np.log(np.sum(w))
    return float(ll)


def estimate_tau2(yi, vi, method: str) -> float:
    r"""Between-study variance :math:`\tau^2` of the random-effects model.

    ``"common"`` returns 0; ``"dl"`` DerSimonian-Laird's moment estimator; ``"pm"``
    Paule-Mandel's (the generalised Q equals k - 1); ``"ml"`` and ``"reml"`` the (restricted)
    maximum-likelihood estimate, found as the root of the score equation to machine precision
    (metafor's Fisher scoring with ``threshold = 1e-12``). Estimates below 0 are set to 0.

    Examples
    --------
    >>> import numpy as np
    >>> round(estimate_tau2(np.array([0.0, 1.0, 2.0]), np.array([0.1, 0.1, 0.1]), "dl"), 6)
    0.9
    """
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    if method == "common" or yi.size < 2:
        return 0.0
    if method == "dl":
        return float(_tau2_dl(yi, vi))
    if method == "pm":
        return float(_tau2_pm(yi, vi))
    return float(_tau2_likelihood(yi, vi, reml=(method == "reml")))


@dataclass(frozen=True)
class MetaFit:
    """The pooled mean on the analysis scale and its companions (one meta-analysis)."""

    k: int
    mu: float
    se: float
    statistic: float
    p_value: float
    df: float
    ci: tuple[float, float]
    pi: tuple[float, float]
    tau2: float
    i2: float
    h2: float
    q: float
    q_p: float
    weights: np.ndarray


def heterogeneity(yi, vi, tau2: float, common: bool):
    """Cochran's Q (weights 1/vi), its p-value, and I^2 (percent) and H^2 as metafor has them.

    Examples
    --------
    >>> import numpy as np
    >>> q, p, i2, h2 = heterogeneity(np.array([0.0, 1.0]), np.array([0.5, 0.5]), 0.0, True)
    >>> q, i2, h2
    (1.0, 0.0, 1.0)
    """
    k = yi.size
    w = 1.0 / vi
    q = _q_statistic(yi, vi) if k > 1 else 0.0
    q_p = float(stats.chi2.sf(q, k - 1)) if k > 1 else np.nan
    if k < 2:
        return q, q_p, 0.0, 1.0
    if common:
        i2 = max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0
        return q, q_p, i2, q / (k - 1)
    s2 = (k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2))
    return q, q_p, float(100 * tau2 / (tau2 + s2)), float((tau2 + s2) / s2)


def inverse_variance_fit(yi, vi, *, method: str, test: str, conf_level: float) -> MetaFit:
    """Pool ``yi`` with variances ``vi``: mean, interval, test, prediction interval.

    Examples
    --------
    >>> import numpy as np
    >>> f = inverse_variance_fit(np.array([0.1, 0.3, 0.2]), np.array([0.01, 0.02, 0.01]),
    ...                          method="common", test="z", conf_level=0.95)
    >>> round(f.mu, 6)
    0.18
    """
    yi, vi = np.asarray(yi, dtype=float), np.asarray(vi, dtype=float)
    k = yi.size
    tau2 = estimate_tau2(yi, vi, method)
    w = 1.0 / (vi + tau2)
    mu = float(np.sum(w * yi) / np.sum(w))
    se = float(np.sqrt(1.0 / np.sum(w)))
    alpha = 1 - conf_level
    if test == "knha" and k > 1:
        se = se * float(np.sqrt(np.sum(w * (yi - mu) ** 2) / (k - 1)))
        df = float(k - 1)
        crit = float(stats.t.ppf(1 - alpha / 2, df))
        stat = mu / se if se > 0 else np.nan
        p = float(2 * stats.t.sf(abs(stat), df)) if se > 0 else np.nan
    else:
        df = np.nan
        crit = z_value(conf_level)
        stat = mu / se
        p = float(2 * stats.norm.sf(abs(stat)))
    half_pi = crit * np.sqrt(se**2 + tau2)
    q, q_p, i2, h2 = heterogeneity(yi, vi, tau2, method == "common")
    return MetaFit(k=k, mu=mu, se=se, statistic=float(stat), p_value=p, df=df,
                   ci=(mu - crit * se, mu + crit * se), pi=(mu - half_pi, mu + half_pi),
                   tau2=float(tau2), i2=float(i2), h2=float(h2), q=float(q), q_p=q_p,
                   weights=w / np.sum(w))
