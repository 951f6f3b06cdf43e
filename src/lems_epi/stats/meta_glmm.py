r"""Random-intercept GLMMs for meta-analysis of counts, by adaptive Gauss-Hermite quadrature.

Poisson-normal model for rates, :math:`x_i \sim \mathrm{Poisson}(t_i e^{\beta + u_i})`, and
binomial-normal model for proportions, :math:`x_i \sim \mathrm{Bin}(n_i,
\mathrm{logit}^{-1}(\beta + u_i))`, with :math:`u_i \sim N(0, \tau^2)`. Each study's likelihood
integrates the random intercept out by 7-point adaptive Gauss-Hermite quadrature (Liu & Pierce
1994): centred at the mode of the integrand and scaled by its curvature there, as lme4's
``glmer(nAGQ = 7)`` does, which is what metafor's ``rma.glmm(model = "UM.FS")`` calls. The
maximum-likelihood estimates of :math:`\beta` and :math:`\tau` are found by profiling
(:math:`\beta` maximised for each :math:`\tau`), and the standard error of :math:`\beta` comes
from the observed information of :math:`(\beta, \tau)` (a central-difference Hessian), as
lme4's ``vcov`` does.

The model uses the raw counts: a study with 0 events (or with events = n) needs no
correction. Between 0 and about 10 events a study, the normal approximation behind the
inverse-variance methods fails (the variance 1/x depends on the count itself), and this is
the model to use (Stijnen, Hamza & Ozdemir 2010).

References
----------
.. [1] Liu Q, Pierce DA (1994). A note on Gauss-Hermite quadrature. Biometrika
   81(3):624-629. doi:10.1093/biomet/81.3.624
.. [2] Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome
   in the framework of the generalized linear mixed model with applications in sparse data.
   Statistics in Medicine 29(29):3046-3067. doi:10.1002/sim.4040
.. [3] Bates D, Maechler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models
   using lme4. Journal of Statistical Software 67(1):1-48. doi:10.18637/jss.v067.i01

Examples
--------
>>> import numpy as np
>>> fit = glmm_fit(np.array([3., 8., 1., 5.]), np.array([1e6, 2e6, 5e5, 1e6]), rates=True)
>>> round(float(np.exp(fit.beta)) * 1e6, 2), fit.tau2  # homogeneous: 17 events in 4.5e6
(3.78, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = ["GlmmFit", "glmm_fit", "glmm_loglik"]

NODES, WEIGHTS = np.polynomial.hermite.hermgauss(7)
_LOG_TAU = (np.log(1e-5), np.log(50.0))


def _log_density(eta, x, d, rates: bool):
    """Log f(x | eta) and its first two derivatives in eta (constants included)."""
    if rates:
        mu = d * np.exp(eta)
        ll = x * (eta + np.log(d)) - mu - special.gammaln(x + 1)
        return ll, x - mu, -mu
    p = special.expit(eta)
    ll = (special.gammaln(d + 1) - special.gammaln(x + 1) - special.gammaln(d - x + 1)
          + x * eta - d * np.logaddexp(0.0, eta))
    return ll, x - d * p, -d * p * (1 - p)


def _modes(beta, tau, x, d, rates: bool) -> np.ndarray:
    """Mode of log f(x | beta + u) - u^2 / (2 tau^2) for every study (safeguarded Newton)."""
    inv = 1.0 / tau**2
    lo = np.full(x.size, -60.0)
    hi = np.full(x.size, 60.0)
    if rates:
        y, v = np.log((x + 0.5) / d), 1.0 / (x + 0.5)
    else:
        y, v = np.log((x + 0.5) / (d - x + 0.5)), 1.0 / (x + 0.5) + 1.0 / (d - x + 0.5)
    u = np.clip((y - beta) * tau**2 / (tau**2 + v), -59.0, 59.0)
    for _ in range(200):
        _, g1, g2 = _log_density(beta + u, x, d, rates)
        grad = g1 - u * inv
        step = grad / (-(g2 - inv))
        if np.max(np.abs(step)) < 1e-11:
            return u + step
        lo = np.where(grad > 0, u, lo)
        hi = np.where(grad < 0, u, hi)
        new = u + step
        outside = (new < lo) | (new > hi)
        u = np.where(outside, 0.5 * (lo + hi), new)
    return u


def glmm_loglik(beta: float, tau: float, x, d, *, rates: bool) -> float:
    """Marginal log-likelihood by 7-point adaptive Gauss-Hermite quadrature (``tau = 0``: none).

    Examples
    --------
    >>> import numpy as np
    >>> x, d = np.array([2.0]), np.array([10.0])
    >>> a = glmm_loglik(0.0, 0.0, x, d, rates=False)
    >>> b = glmm_loglik(0.0, 1e-5, x, d, rates=False)
    >>> bool(abs(a - b) < 1e-8)
    True
    """
    if tau <= 0:
        return float(np.sum(_log_density(beta, x, d, rates)[0]))
    u_hat = _modes(beta, tau, x, d, rates)
    _, _, g2 = _log_density(beta + u_hat, x, d, rates)
    sigma = 1.0 / np.sqrt(-g2 + 1.0 / tau**2)
    u = u_hat[:, None] + np.sqrt(2.0) * sigma[:, None] * NODES[None, :]
    logf = _log_density(beta + u, x[:, None], d[:, None], rates)[0]
    log_prior = -0.5 * np.log(2 * np.pi * tau**2) - u**2 / (2 * tau**2)
    terms = logf + log_prior + NODES[None, :] ** 2 + np.log(WEIGHTS)[None, :]
    top = terms.max(axis=1)
    log_sum = top + np.log(np.exp(terms - top[:, None]).sum(axis=1))
    return float(np.sum(np.log(np.sqrt(2.0) * sigma) + log_sum))


def _log_tau_start(x, d, rates: bool) -> float:
    """Log tau of DerSimonian-Laird on the 0.5-corrected log rates or logits (at least 0.1)."""
    if rates:
        y, v = np.log((x + 0.5) / d), 1.0 / (x + 0.5)
    else:
        y, v = np.log((x + 0.5) / (d - x + 0.5)), 1.0 / (x + 0.5) + 1.0 / (d - x + 0.5)
    w = 1.0 / v
    q = np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2)
    tau2 = max(0.0, (q - (x.size - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    return float(np.log(max(np.sqrt(tau2), 0.1)))


def _derivatives(fun, p, h=1e-4):
    """Value, gradient and Hessian of a function of two variables by central differences."""
    f0 = fun(p)
    e = [np.array([h, 0.0]), np.array([0.0, h])]
    fp = [fun(p + e[i]) for i in range(2)]
    fm = [fun(p - e[i]) for i in range(2)]
    grad = np.array([(fp[i] - fm[i]) / (2 * h) for i in range(2)])
    hess = np.empty((2, 2))
    for i in range(2):
        hess[i, i] = (fp[i] - 2 * f0 + fm[i]) / h**2
    cross = (fun(p + e[0] + e[1]) - fun(p + e[0] - e[1]) - fun(p - e[0] + e[1])
             + fun(p - e[0] - e[1])) / (4 * h * h)
    hess[0, 1] = hess[1, 0] = cross
    return f0, grad, hess


def _newton(fun, p, maxiter: int = 100):
    """Minimise ``fun(beta, log_tau)``: Newton steps with halving, log tau kept in range."""
    lo, hi = _LOG_TAU
    f0, grad, hess = _derivatives(fun, p)
    for _ in range(maxiter):
        try:
            step = -np.linalg.solve(hess, grad)
            if grad @ step >= 0 or not np.all(np.isfinite(step)):
                raise np.linalg.LinAlgError
        except np.linalg.LinAlgError:
            step = -grad / max(np.max(np.abs(np.diag(hess))), 1.0)
        step = np.clip(step, -2.0, 2.0)
        t = 1.0
        for _ in range(40):
            cand = p + t * step
            cand[1] = min(max(cand[1], lo), hi)
            f1 = fun(cand)
            if f1 <= f0 + 1e-12:
                break
            t /= 2
        else:
            return p, f0, bool(np.max(np.abs(grad)) < 1e-4)
        moved = np.max(np.abs(cand - p))
        p = cand
        f0, grad, hess = _derivatives(fun, p)
        at_edge = p[1] <= lo + 1e-9 or p[1] >= hi - 1e-9
        if moved < 1e-9 or (abs(grad[0]) < 1e-7 and (abs(grad[1]) < 1e-7 or at_edge)):
            return p, f0, True
    return p, f0, bool(np.max(np.abs(grad)) < 1e-4)


@dataclass(frozen=True)
class GlmmFit:
    """Maximum-likelihood fit of the random-intercept model."""

    beta: float
    se: float
    tau2: float
    loglik: float
    loglik_common: float
    loglik_saturated: float
    converged: bool


def _beta_start(x, d, rates: bool) -> float:
    xs, ds = np.sum(x), np.sum(d)
    xs = max(xs, 0.5)
    if rates:
        return float(np.log(xs / ds))
    xs = min(xs, np.sum(d) - 0.5)
    return float(np.log(xs / (ds - xs)))


def _profile(tau, x, d, rates, start):
    """Maximise over beta at fixed tau; return (beta, loglik)."""
    f = lambda b: -glmm_loglik(b, tau, x, d, rates=rates)  # noqa: E731
    res = optimize.minimize_scalar(f, bracket=(start - 1.0, start + 1.0),
                                   options={"xtol": 1e-12, "maxiter": 500})
    return float(res.x), float(-res.fun)


def _hessian(fun, point, steps) -> np.ndarray:
    point = np.asarray(point, dtype=float)
    m = point.size
    h = np.zeros((m, m))
    for i in range(m):
        for j in range(i, m):
            ei = np.eye(m)[i] * steps[i]
            ej = np.eye(m)[j] * steps[j]
            val = (fun(point + ei + ej) - fun(point + ei - ej) - fun(point - ei + ej)
                   + fun(point - ei - ej)) / (4 * steps[i] * steps[j])
            h[i, j] = h[j, i] = val
    return h


def _saturated_loglik(x, d, rates: bool) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        if rates:
            eta = np.where(x > 0, np.log(x / d), -np.inf)
            ll = np.where(x > 0, x * np.log(x) - x - special.gammaln(x + 1), 0.0)
            del eta
            return float(np.sum(ll))
        p = x / d
        ll = special.gammaln(d + 1) - special.gammaln(x + 1) - special.gammaln(d - x + 1)
        ll = ll + np.where(x > 0, x * np.log(np.where(p > 0, p, 1)), 0.0)
        ll = ll + np.where(d - x > 0, (d - x) * np.log(np.where(p < 1, 1 - p, 1)), 0.0)
        return float(np.sum(ll))


def glmm_fit(events, denom, *, rates: bool) -> GlmmFit:
    r"""Fit the Poisson-normal (``rates``) or binomial-normal model by maximum likelihood.

    Parameters
    ----------
    events, denom : numpy.ndarray
        Events and person-time (``rates``) or number of persons per study.
    rates : bool
        Poisson-normal with offset log person-time when true, binomial-normal (logit link)
        otherwise.

    Returns
    -------
    GlmmFit
        ``beta`` (log rate or logit of the proportion), its ``se``, ``tau2`` and the
        log-likelihoods of the fitted, the common-effect and the saturated model.

    Examples
    --------
    >>> import numpy as np
    >>> fit = glmm_fit(np.array([5., 9., 2., 14.]), np.array([40., 50., 30., 60.]),
    ...                rates=False)
    >>> fit.tau2 >= 0
    True
    """
    x, d = np.asarray(events, dtype=float), np.asarray(denom, dtype=float)
    start = _beta_start(x, d, rates)
    beta0, ll0 = _profile(0.0, x, d, rates, start)

    def neg(p):
        return -glmm_loglik(p[0], float(np.exp(p[1])), x, d, rates=rates)

    point, value, converged = _newton(neg, np.array([beta0, _log_tau_start(x, d, rates)]))
    if not converged:  # flat in log tau near 0: maximise the profile over tau itself
        res = optimize.minimize_scalar(
            lambda t: -_profile(t, x, d, rates, point[0])[1], bounds=(0.0, 3 * np.exp(
                point[1]) + 1.0), method="bounded", options={"xatol": 1e-7})
        b, ll_t = _profile(float(res.x), x, d, rates, point[0])
        if -ll_t <= value:
            point, value = np.array([b, np.log(max(float(res.x), 1e-300))]), -ll_t
        converged = bool(res.success)
    if -value <= ll0 + 1e-10 or point[1] <= _LOG_TAU[0] + 1e-6:
        beta, tau, ll = beta0, 0.0, ll0
        converged = True
    else:
        beta, tau, ll = float(point[0]), float(np.exp(point[1])), float(-value)
        converged = converged and point[1] < _LOG_TAU[1] - 1e-6
    if tau > 0:
        fun = lambda p: -glmm_loglik(p[0], p[1], x, d, rates=rates)  # noqa: E731
        h = _hessian(fun, [beta, tau], [1e-4, 1e-4 * max(tau, 1e-2)])
        try:
            cov = np.linalg.inv(h)
            var = cov[0, 0] if cov[0, 0] > 0 else 1.0 / h[0, 0]
        except np.linalg.LinAlgError:
            var = 1.0 / h[0, 0]
    else:
        fun1 = lambda p: -glmm_loglik(p[0], 0.0, x, d, rates=rates)  # noqa: E731
        var = 1.0 / _hessian(fun1, [beta], [1e-4])[0, 0]
    return GlmmFit(beta=beta, se=float(np.sqrt(var)), tau2=tau**2, loglik=ll,
                   loglik_common=ll0, loglik_saturated=_saturated_loglik(x, d, rates),
                   converged=converged)
