r"""Confidence intervals for directly standardised rates, vectorised over groups.

:func:`direct_limits` computes, for G groups at once (G x K arrays of events and person-time,
K standard weights), the directly standardised rate :math:`R = \sum_k w_k d_k / n_k` and its
limits by any of :data:`DIRECT_METHODS`: the gamma intervals of Fay & Feuer and their variants
(Tiwari, Clegg & Zou; Fay & Kim's mid-p; dsrTest's weight modifications), Dobson's interval with
exact, Byar or mid-p limits of the total count, normal intervals on several scales, beta
intervals and Swift's approximate bootstrap. :func:`lems_epi.standardize_direct` validates the
data and calls it. The weight of each count is :math:`w_k / n_k` (``wk``); the variance of
:math:`R` is :math:`V = \sum_k w_k^2 d_k / n_k^2`.

References
----------
.. [1] Fay MP, Feuer EJ (1997). Confidence intervals for directly standardized rates: a
   method based on the gamma distribution. Statistics in Medicine 16(7):791-801.
.. [2] Tiwari RC, Clegg LX, Zou Z (2006). Efficient interval estimation for age-adjusted
   cancer rates. Statistical Methods in Medical Research 15(6):547-569.
   https://doi.org/10.1177/0962280206070621
.. [3] Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991). Confidence intervals for
   weighted sums of Poisson parameters. Statistics in Medicine 10(3):457-462.
.. [4] Fay MP, Kim S (2017). Confidence intervals for directly standardized rates using
   mid-p gamma intervals. Biometrical Journal 59(2):377-387.
.. [5] Ng HKT, Filardo G, Zheng G (2008). Confidence interval estimating procedures for
   standardized incidence rates. Computational Statistics & Data Analysis 52(7):3501-3516.
.. [6] Swift MB (1995). Simple confidence intervals for standardized rates based on the
   approximate bootstrap method. Statistics in Medicine 14(17):1875-1888.

Examples
--------
>>> import numpy as np
>>> rate, lower, upper = direct_limits(np.array([[2.0, 30.0]]), np.array([[1e4, 5e3]]),
...                                    np.array([0.8, 0.2]), 0.95, "fay-feuer")
>>> [round(float(v) * 1000, 3) for v in (rate[0], lower[0], upper[0])]
[1.36, 0.92, 1.991]
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats
from scipy.optimize import elementwise

from lems_epi.stats._core import poisson_exact_limits, z_value
from lems_epi.stats.intervals import _poisson_limits

__all__ = ["DIRECT_METHODS", "DIRECT_ALIASES", "DIRECT_METHOD_NOTES", "direct_limits"]

#: Interval methods of :func:`standardize_direct`; the first is the default.
DIRECT_METHODS = ("fay-feuer", "tiwari", "dobson", "normal", "gamma-mean", "gamma-minmaxavg",
                  "dobson-byar", "dobson-mid-p", "normal-log", "normal-loglog", "normal-logit",
                  "normal-binomial", "fay-feuer-mid-p", "beta", "beta-tiwari", "beta-mean",
                  "beta-minmaxavg", "beta-max", "approximate-bootstrap")
#: Other names of the direct-standardisation methods.
DIRECT_ALIASES = {"gamma": "fay-feuer", "fay-feuer-gamma": "fay-feuer", "tcz": "tiwari",
                  "asymptotic": "normal", "wald": "normal", "phe": "dobson-byar",
                  "gamma-mid-p": "fay-feuer-mid-p", "fay-kim": "fay-feuer-mid-p",
                  "bootstrap": "approximate-bootstrap", "abc": "approximate-bootstrap",
                  "beta-tcz": "beta-tiwari"}
#: One line on each interval method of :func:`standardize_direct`.
DIRECT_METHOD_NOTES = {
    "fay-feuer": "gamma interval of Fay & Feuer (1997), upper limit adds max(w/n)",
    "tiwari": "modified gamma interval of Tiwari, Clegg & Zou (2006), adds mean(w/n)",
    "dobson": "Dobson et al. (1991), exact Poisson limits of the total count",
    "normal": "symmetric normal interval with Poisson variance",
    "gamma-mean": "gamma interval whose upper limit adds mean(w/n) (dsrTest wmtype='mean')",
    "gamma-minmaxavg": "gamma interval whose upper limit adds (min + max)(w/n)/2 "
                       "(dsrTest wmtype='minmaxavg')",
    "dobson-byar": "Dobson et al. (1991) with Byar's limits of the total count "
                   "(PHEindicatormethods calculate_dsr)",
    "dobson-mid-p": "Dobson et al. (1991) with mid-p limits of the total count",
    "normal-log": "normal interval for log(DSR), back-transformed (Ng, Filardo & Zheng 2008)",
    "normal-loglog": "normal interval for log(-log(DSR)), back-transformed",
    "normal-logit": "normal interval for logit(DSR), back-transformed",
    "normal-binomial": "symmetric normal interval with binomial variance r(1 - r)/n "
                       "(popEpi's test formula)",
    "fay-feuer-mid-p": "mid-p version of the gamma interval (Fay & Kim 2017): the average of "
                       "the lower and upper gamma distributions",
    "beta": "beta distribution with the DSR's mean and variance (Tiwari, Clegg & Zou 2006)",
    "beta-tiwari": "beta interval with mean + mean(w/n), variance + mean((w/n)^2)",
    "beta-mean": "beta interval with mean + mean(w/n), variance + mean(w/n)^2",
    "beta-minmaxavg": "beta interval with wm = (min + max)(w/n)/2 added",
    "beta-max": "beta interval with wm = max(w/n) added (for the beta variants the lower "
                "limit is 0 at zero events)",
    "approximate-bootstrap": "approximate bootstrap (ABC) interval of Swift (1995)",
}


def _gamma_limits(rate, var, wm, wm2, alpha):
    """Fay-Feuer gamma limits: lower from (y, v), upper from (y + wm, v + wm2)."""
    lower = np.zeros_like(rate)
    pos = rate > 0
    lower[pos] = stats.gamma.ppf(alpha / 2, rate[pos] ** 2 / var[pos],
                                 scale=var[pos] / rate[pos])
    ystar, vstar = rate + wm, var + wm2
    upper = stats.gamma.ppf(1 - alpha / 2, ystar**2 / vstar, scale=vstar / ystar)
    return lower, upper


def _dobson(d, rate, var, conf_level, count_limits):
    total = d.sum(axis=1)
    o_low, o_upp = count_limits(total, conf_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(var / total)
    lower = np.where(total > 0, rate + scale * (o_low - total), 0.0)
    upper = np.where(total > 0, rate + scale * (o_upp - total), np.nan)
    return lower, upper


def _transformed_normal(rate, var, z, transform):
    """Delta-method normal limits on the log, log-log or logit scale, back-transformed."""
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform == "log":
            half = z * sd / rate
            return rate * np.exp(-half), rate * np.exp(half)
        if transform == "loglog":
            g, se = np.log(-np.log(rate)), sd / np.abs(rate * np.log(rate))
            return np.exp(-np.exp(g + z * se)), np.exp(-np.exp(g - z * se))
        g, se = special.logit(rate), sd / (rate * (1.0 - rate))
        return special.expit(g - z * se), special.expit(g + z * se)


def direct_limits(d, n, w, conf_level: float, method: str):
    """Vectorised direct standardisation over rows (groups) of ``d`` and ``n`` (G x K arrays).

    ``w`` holds the K standard weights summing to 1. Returns (rate, lower, upper) per group.
    """
    wk = w / n                      # weight of each count, G x K
    rate = (d * wk).sum(axis=1)
    var = (d * wk * wk).sum(axis=1)
    alpha = 1.0 - conf_level
    z = z_value(conf_level)
    if method == "fay-feuer":
        wm = wk.max(axis=1)
        lower, upper = _gamma_limits(rate, var, wm, wm * wm, alpha)
    elif method == "tiwari":
        lower, upper = _gamma_limits(rate, var, wk.mean(axis=1), (wk * wk).mean(axis=1), alpha)
    elif method == "gamma-mean":
        wm = wk.mean(axis=1)
        lower, upper = _gamma_limits(rate, var, wm, wm * wm, alpha)
    elif method == "gamma-minmaxavg":
        wm = (wk.min(axis=1) + wk.max(axis=1)) / 2.0
        lower, upper = _gamma_limits(rate, var, wm, wm * wm, alpha)
    elif method in _DSR_EXTRA:
        lower, upper = _DSR_EXTRA[method](d, n, w, wk, rate, var, conf_level)
    elif method.startswith("dobson"):
        limits = {"dobson": poisson_exact_limits,
                  "dobson-byar": lambda x, c: _poisson_limits(x, c, "byar"),
                  "dobson-mid-p": lambda x, c: _poisson_limits(x, c, "mid-p")}[method]
        lower, upper = _dobson(d, rate, var, conf_level, limits)
    elif method.startswith("normal-") and method != "normal-binomial":
        lower, upper = _transformed_normal(rate, var, z, method[len("normal-"):])
    elif method == "normal-binomial":
        r = d / n
        var_b = (w * w * r * (1.0 - r) / n).sum(axis=1)
        with np.errstate(invalid="ignore"):  # r > 1: nan, named by standardize_direct
            half = z * np.sqrt(var_b)
        lower, upper = rate - half, rate + half
    else:  # normal
        half = z * np.sqrt(var)
        lower, upper = np.maximum(rate - half, 0.0), rate + half
    return rate, lower, upper


def _gamma_mid_p(d, n, w, wk, rate, var, conf_level):
    """Fay & Kim's mid-p gamma limits: roots of (G_L + G_U)/2 = alpha/2 and 1 - alpha/2.

    G_L is the gamma of the lower Fay-Feuer limit (mean y, variance v), G_U that of the upper
    one (y + wm, v + wm^2, wm = max w/n); at y = 0 G_L is a point mass at 0.
    """
    half = (1.0 - conf_level) / 2.0
    wm = wk.max(axis=1)
    ys, vs = rate + wm, var + wm * wm
    up = stats.gamma(ys**2 / vs, scale=vs / ys)
    lower, upper = np.zeros_like(rate), up.ppf(1.0 - 2.0 * half)   # y = 0
    pos = rate > 0
    if pos.any():
        shapes = (rate[pos] ** 2 / var[pos], var[pos] / rate[pos],
                  ys[pos] ** 2 / vs[pos], vs[pos] / ys[pos])

        def fmid(theta, p, a_lo, s_lo, a_hi, s_hi):
            return 0.5 * (stats.gamma.cdf(theta, a_lo, scale=s_lo)
                          + stats.gamma.cdf(theta, a_hi, scale=s_hi)) - p

        for p, out in ((half, lower), (1.0 - half, upper)):
            bracket = (stats.gamma.ppf(p, shapes[0], scale=shapes[1]),
                       stats.gamma.ppf(p, shapes[2], scale=shapes[3]))
            res = elementwise.find_root(fmid, bracket, args=(np.full(pos.sum(), p), *shapes),
                                        tolerances={"xrtol": 1e-13})
            out[pos] = res.x
    return lower, upper


def _beta_limits(wm_type):
    """Beta limits of Tiwari, Clegg & Zou (2006), with dsrTest's weight modifications."""
    def limits(d, n, w, wk, rate, var, conf_level):
        half = (1.0 - conf_level) / 2.0
        if wm_type == "none":
            yb, vb = rate, var
        elif wm_type == "tcz":
            yb, vb = rate + wk.mean(axis=1), var + (wk * wk).mean(axis=1)
        else:
            wm = {"mean": wk.mean(axis=1), "max": wk.max(axis=1),
                  "minmaxavg": (wk.min(axis=1) + wk.max(axis=1)) / 2.0}[wm_type]
            yb, vb = rate + wm, var + wm * wm
        with np.errstate(divide="ignore", invalid="ignore"):
            k = yb * (1.0 - yb) / vb - 1.0
            a, b = yb * k, (1.0 - yb) * k
            lower, upper = stats.beta.ppf(half, a, b), stats.beta.ppf(1.0 - half, a, b)
        # dsrTest's shifted mean gives a positive lower limit at zero events, which would
        # exclude the estimate 0: the lower limit is 0 there, as for the gamma intervals
        if wm_type != "none":
            lower = np.where(rate > 0, lower, 0.0)
        return lower, upper
    return limits


def _approximate_bootstrap(d, n, w, wk, rate, var, conf_level):
    """Swift's (1995) approximate bootstrap (ABC) limits, acceleration = bias = skewness/6."""
    half = (1.0 - conf_level) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        acc = (d * wk**3).sum(axis=1) / (6.0 * var**1.5)
        out = []
        for q in (stats.norm.ppf(half), stats.norm.ppf(1.0 - half)):
            num = acc + q
            out.append(rate + np.sqrt(var) * num / (1.0 - acc * num) ** 2)
    return out[0], out[1]


_DSR_EXTRA: dict = {
    "fay-feuer-mid-p": _gamma_mid_p,
    "beta": _beta_limits("none"),
    "beta-tiwari": _beta_limits("tcz"),
    "beta-mean": _beta_limits("mean"),
    "beta-minmaxavg": _beta_limits("minmaxavg"),
    "beta-max": _beta_limits("max"),
    "approximate-bootstrap": _approximate_bootstrap,
}
