r"""Meta-analysis of rates and proportions: pool single-group studies, with their spread.

:func:`meta_analysis` pools one count per study (events over person-time, or events over
persons) into a common-effect or random-effects estimate, with a confidence interval, a test,
a prediction interval for the value in a new study, the between-study variance
:math:`\tau^2`, :math:`I^2`, :math:`H^2` and Cochran's Q. It returns a
:class:`MetaAnalysisResult`: ``.table`` holds the pooled row(s) on the output contract,
``.studies`` each study with its weight and its own interval, ``.plot()`` draws a forest plot,
``.leave_one_out()`` refits without each study in turn.

Two families of methods:

* inverse-variance pooling of a transformed estimate ``yi`` with variance ``vi``
  (:mod:`lems_epi.stats.meta_estimators`): ``method="common"`` (common effect),
  ``"dl"`` (DerSimonian-Laird), ``"pm"`` (Paule-Mandel), ``"ml"``, ``"reml"``, each with a z
  test or the Knapp-Hartung t test (``test="knha"``);
* ``method="glmm"`` (:mod:`lems_epi.stats.meta_glmm`): the Poisson-normal (rates) or
  binomial-normal (proportions, logit scale) random-intercept model on the raw counts, by
  maximum likelihood with 7-point adaptive Gauss-Hermite quadrature. With 0-10 events a study
  the normal approximation behind inverse-variance pooling is poor (a study's variance
  ``1/x`` is estimated from its own count, so studies with few events get too much or too
  little weight and a zero needs an arbitrary 0.5); the GLMM needs neither.

The numbers follow R's metafor, whose conventions are stated in
:mod:`lems_epi.stats.meta_estimators`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import ConvergenceWarning
from lems_epi.stats._core import binomial_exact_limits, poisson_exact_limits, z_value
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame, stack_measures
from lems_epi.stats.meta_estimators import (
    INVERSE_VARIANCE_METHODS,
    MEASURES,
    back_transform,
    effect_sizes,
    heterogeneity,
    inverse_variance_fit,
)
from lems_epi.stats.meta_glmm import glmm_fit

__all__ = ["META_METHODS", "META_MEASURES", "MetaAnalysisResult", "meta_analysis",
           "leave_one_out"]

_CALLER = "meta_analysis"
#: Estimators: the inverse-variance ones and the GLMM.
META_METHODS = (*INVERSE_VARIANCE_METHODS, "glmm")
#: Analysis scales.
META_MEASURES = tuple(MEASURES)
_METHOD_ALIASES = {"fe": "common", "fixed": "common", "ee": "common", "equal": "common",
                   "dersimonian-laird": "dl", "paule-mandel": "pm", "restricted-ml": "reml",
                   "maximum-likelihood": "ml", "glmm-ml": "glmm"}
_MEASURE_ALIASES = {"irln": "log-rate", "log-incidence-rate": "log-rate", "pln": "log",
                    "plo": "logit", "pft": "freeman-tukey", "double-arcsine": "freeman-tukey",
                    "pr": "raw", "ir": "raw"}
_TEST_ALIASES = {"knapp-hartung": "knha", "hksj": "knha", "hartung-knapp": "knha",
                 "wald": "z"}


# ---------------------------------------------------------------------------------------
# inputs


def _resolve(value, allowed, aliases, name):
    """Canonical option name: case, spaces and underscores do not matter; aliases accepted."""
    if not isinstance(value, str):
        raise TypeError(f"{_CALLER}: {name!r} must be a string, one of {list(allowed)}; got "
                        f"{value!r}.")
    key = "-".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    key = aliases.get(key, key)
    return check_method(key, allowed, caller=_CALLER, name=name)


def _options(measure, method, test, n, person_time, conf_level, per):
    measure = _resolve(measure, META_MEASURES, _MEASURE_ALIASES, "measure")
    method = _resolve(method, META_METHODS, _METHOD_ALIASES, "method")
    test = _resolve(test, ("z", "knha"), _TEST_ALIASES, "test")
    conf_level = check_conf_level(conf_level, caller=_CALLER)
    per = check_positive_number(per, name="per", caller=_CALLER)
    if (n is None) == (person_time is None):
        raise ValueError(f"{_CALLER}: give exactly one of 'n' (persons, for proportions) and "
                         "'person_time' (for rates).")
    rates = person_time is not None
    if rates and measure not in ("log-rate", "raw"):
        raise ValueError(f"{_CALLER}: measure {measure!r} is for proportions (give 'n'); "
                         "rates take measure='log-rate' or 'raw'.")
    if not rates and measure == "log-rate":
        raise ValueError(f"{_CALLER}: measure 'log-rate' needs 'person_time'; proportions "
                         "take 'logit', 'log', 'freeman-tukey' or 'raw'.")
    if method == "glmm" and measure not in ("log-rate", "logit"):
        raise ValueError(f"{_CALLER}: method='glmm' models log rates (Poisson-normal) or "
                         f"logits (binomial-normal); use measure='log-rate' or 'logit', not "
                         f"{measure!r}.")
    if method == "glmm" and test == "knha":
        raise ValueError(f"{_CALLER}: the Knapp-Hartung test is for inverse-variance methods; "
                         "use test='z' with method='glmm'.")
    return measure, method, test, conf_level, per, rates


def _column_or_values(data, value, name):
    if data is None:
        return value
    if not isinstance(value, str):
        raise TypeError(f"{_CALLER}: with a DataFrame, {name!r} must name a column (a string), "
                        f"got {type(value).__name__}.")
    return data[value]


def _read_studies(data, events, denom, rates, study, by) -> pd.DataFrame:
    by = as_column_list(by, caller=_CALLER)
    if data is not None:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"{_CALLER}: 'data' must be a DataFrame (or None with arrays for "
                            f"'events' and 'n'/'person_time'), got {type(data).__name__}.")
        names = [c for c in (events, denom, study) if isinstance(c, str)] + by
        check_columns(data, names, caller=_CALLER)
    elif by:
        raise ValueError(f"{_CALLER}: 'by' names columns of 'data'; pass a DataFrame.")
    dname = "person_time" if rates else "n"
    x = as_count_array(_column_or_values(data, events, "events"), name="events",
                       caller=_CALLER)
    d = as_float_array(_column_or_values(data, denom, dname), name=dname, caller=_CALLER,
                       allow_zero=False)
    if x.size != d.size:
        raise ValueError(f"{_CALLER}: 'events' has {x.size} values and {dname!r} {d.size}; "
                         "give one of each per study.")
    if not rates:
        frac = d != np.round(d)
        if frac.any():
            raise ValueError(f"{_CALLER}: 'n' must hold whole numbers of persons; "
                             f"{describe_rows(frac)} are not (e.g. {d[frac][:3].tolist()}).")
        bad = x > d
        if bad.any():
            raise ValueError(f"{_CALLER}: more events than persons at {describe_rows(bad)}; "
                             "check 'events' and 'n'.")
    if study is None:
        labels = (data.index.astype(str).to_numpy() if data is not None
                  else np.array([str(i + 1) for i in range(x.size)]))
    else:
        labels = np.asarray(_column_or_values(data, study, "study")).astype(str)
    frame = pd.DataFrame({g: data[g].to_numpy() for g in by})
    frame["study"], frame["events"], frame[dname] = labels, x, d
    return frame


# ---------------------------------------------------------------------------------------
# one meta-analysis


@dataclass(frozen=True)
class _Pooled:
    k: int
    mu: float
    se: float
    statistic: float
    p_value: float
    df: float
    ci: tuple
    pi: tuple
    tau2: float
    i2: float
    h2: float
    q: float
    q_p: float
    q_lrt: float
    q_lrt_p: float
    weights: np.ndarray
    yi: np.ndarray
    vi: np.ndarray
    corrected: np.ndarray
    converged: bool = True


def _fit_glmm(x, d, rates, measure, conf_level):
    yi, vi, corrected = effect_sizes(measure, x, d, rates=rates)
    fit = glmm_fit(x, d, rates=rates)
    k = x.size
    crit = z_value(conf_level)
    informative = (x > 0) if rates else (x > 0) & (x < d)
    if informative.sum() >= 2:
        yq, vq, _ = effect_sizes(measure, x[informative], d[informative], rates=rates)
        q_wald = heterogeneity(yq, vq, 0.0, True)[0]
    else:
        q_wald = 0.0
    _, _, i2, h2 = heterogeneity(yi, vi, fit.tau2, False)
    q_lrt = max(0.0, -2 * (fit.loglik_common - fit.loglik_saturated))
    half_pi = crit * np.sqrt(fit.se**2 + fit.tau2)
    stat = fit.beta / fit.se
    w = 1.0 / (vi + fit.tau2)
    return _Pooled(k=k, mu=fit.beta, se=fit.se, statistic=stat,
                   p_value=float(2 * stats.norm.sf(abs(stat))), df=np.nan,
                   ci=(fit.beta - crit * fit.se, fit.beta + crit * fit.se),
                   pi=(fit.beta - half_pi, fit.beta + half_pi), tau2=fit.tau2, i2=i2, h2=h2,
                   q=q_wald, q_p=float(stats.chi2.sf(q_wald, k - 1)), q_lrt=q_lrt,
                   q_lrt_p=float(stats.chi2.sf(q_lrt, k - 1)), weights=w / w.sum(), yi=yi,
                   vi=vi, corrected=corrected, converged=fit.converged)


def fit_one(x, d, *, rates, measure, method, test, conf_level) -> _Pooled:
    """Pool one set of studies (the core of :func:`meta_analysis`, without inputs checks).

    Examples
    --------
    >>> import numpy as np
    >>> f = fit_one(np.array([3., 5.]), np.array([40., 50.]), rates=False, measure="logit",
    ...             method="common", test="z", conf_level=0.95)
    >>> f.k
    2
    """
    if method == "glmm":
        return _fit_glmm(x, d, rates, measure, conf_level)
    yi, vi, corrected = effect_sizes(measure, x, d, rates=rates)
    f = inverse_variance_fit(yi, vi, method=method, test=test, conf_level=conf_level)
    return _Pooled(k=f.k, mu=f.mu, se=f.se, statistic=f.statistic, p_value=f.p_value,
                   df=f.df, ci=f.ci, pi=f.pi, tau2=f.tau2, i2=f.i2, h2=f.h2, q=f.q, q_p=f.q_p,
                   q_lrt=np.nan, q_lrt_p=np.nan, weights=f.weights, yi=yi, vi=vi,
                   corrected=corrected)


def _pooled_row(fit: _Pooled, x, d, *, rates, measure, method, test, conf_level, per,
                groups=None) -> pd.DataFrame:
    dname = "person_time" if rates else "n"
    n_hm = float(1.0 / np.mean(1.0 / d))

    def bt(v):
        return back_transform(measure, v, n_harmonic=n_hm) * per

    space = (0.0, None) if rates else (0.0, 1.0)
    pi = np.clip(bt(np.array(fit.pi)), space[0] * per,
                 np.inf if space[1] is None else space[1] * per)
    label = method if method == "glmm" else f"{method}-{test}"
    return contract_frame(
        {"events": [x.sum()], dname: [d.sum()]}, groups=groups,
        measure="rate" if rates else "proportion", estimate=bt(fit.mu),
        lower=bt(fit.ci[0]), upper=bt(fit.ci[1]), conf_level=conf_level, method=label,
        per=per, statistic=fit.statistic, p_value=fit.p_value, space=space,
        extra={"pi_lower": pi[0], "pi_upper": pi[1], "k": fit.k, "tau2": fit.tau2,
               "i2": fit.i2, "h2": fit.h2, "q": fit.q, "q_df": fit.k - 1, "q_p": fit.q_p,
               "q_lrt": fit.q_lrt, "q_lrt_p": fit.q_lrt_p, "df": fit.df, "scale": measure,
               "model_estimate": fit.mu, "model_se": fit.se, "model_lower": fit.ci[0],
               "model_upper": fit.ci[1], "model_pi_lower": fit.pi[0],
               "model_pi_upper": fit.pi[1]})


def _exact_interval(x, d, rates, conf_level):
    if rates:
        lo, hi = poisson_exact_limits(x, conf_level)
        return lo / d, hi / d
    return binomial_exact_limits(x, d, conf_level)


def _study_rows(frame, fit: _Pooled, *, rates, conf_level, per, group_cols) -> pd.DataFrame:
    dname = "person_time" if rates else "n"
    x, d = frame["events"].to_numpy(float), frame[dname].to_numpy(float)
    lo, hi = _exact_interval(x, d, rates, conf_level)
    groups = {g: frame[g].to_numpy() for g in group_cols}
    groups["study"] = frame["study"].to_numpy()
    return contract_frame(
        {"events": x, dname: d}, groups=groups, measure="rate" if rates else "proportion",
        estimate=x / d * per, lower=lo * per, upper=hi * per, conf_level=conf_level,
        method="garwood" if rates else "clopper-pearson", per=per,
        extra={"weight": 100 * fit.weights, "model_estimate": fit.yi,
               "model_variance": fit.vi, "corrected": fit.corrected})


# ---------------------------------------------------------------------------------------
# the result


@dataclass(frozen=True, repr=False)
class MetaAnalysisResult(AnalysisResult):
    """A meta-analysis: pooled rows, study rows, heterogeneity, forest plot.

    Attributes
    ----------
    table : pandas.DataFrame
        One pooled row per group on the output contract (``measure`` "rate" or "proportion",
        back-transformed), then ``pi_lower, pi_upper`` (the prediction interval), ``k``,
        ``tau2, i2, h2, q, q_df, q_p`` (and ``q_lrt, q_lrt_p`` for the GLMM), ``df``,
        ``scale`` and the analysis-scale ``model_*`` columns.
    studies : pandas.DataFrame
        One row per study: its own exact interval (Garwood for rates, Clopper-Pearson for
        proportions), its weight in percent and its ``model_estimate``/``model_variance``
        (``yi``, ``vi``; ``corrected`` marks the 0.5 added to zero cells).
    scale, method, test : str
        The options used.
    group_columns : tuple of str
        The ``by`` columns.
    subgroup_test : mapping
        With ``by``: Q between subgroups (weights 1/SE^2 of the subgroup estimates on the
        analysis scale), its df and p-value; empty otherwise.
    """

    studies: pd.DataFrame = field(default_factory=pd.DataFrame)
    scale: str = ""
    method: str = ""
    test: str = "z"
    group_columns: tuple = ()
    subgroup_test: Mapping = field(default_factory=dict)
    options: Mapping = field(default_factory=dict, repr=False)

    def _stat(self, name):
        col = self.table[name]
        if not self.group_columns:
            return float(col.iloc[0])
        keys = self.table[list(self.group_columns)].astype(str).agg(" / ".join, axis=1)
        return pd.Series(col.to_numpy(), index=keys.to_numpy(), name=name)

    @property
    def tau2(self):
        """Between-study variance (a Series by group with ``by``)."""
        return self._stat("tau2")

    @property
    def i2(self):
        """I^2 in percent."""
        return self._stat("i2")

    @property
    def h2(self):
        """H^2."""
        return self._stat("h2")

    @property
    def q(self):
        """Cochran's Q (weights 1/vi; for the GLMM metafor's Wald-type test)."""
        return self._stat("q")

    @property
    def q_p(self):
        """p-value of Q on k - 1 degrees of freedom."""
        return self._stat("q_p")

    @property
    def k(self):
        """Number of studies."""
        return self._stat("k")

    def summary(self) -> Summary:
        """Pooled estimate(s), heterogeneity and the studies, as text or HTML."""
        head = list(self.group_columns) + ["k", "estimate", "lower", "upper", "pi_lower",
                                           "pi_upper", "tau2", "i2", "q", "q_p"]
        studies = list(self.group_columns) + ["study", "events", self._denominator(),
                                              "estimate", "lower", "upper", "weight"]
        notes = [_zero_note(self.scale, self.method)]
        if self.subgroup_test:
            t = self.subgroup_test
            notes.append(f"Test for subgroup differences: Q = {t['q']:.3f} on {t['df']} df, "
                         f"p = {t['p_value']:.3g}.")
        facts = {"measure": self.table["measure"].iloc[0], "scale": self.scale,
                 "method": self.method, "test": self.test,
                 "conf_level": float(self.table["conf_level"].iloc[0]),
                 "per": float(self.table["per"].iloc[0])}
        return Summary(f"Meta-analysis ({self.table['method'].iloc[0]})", facts,
                       (("Pooled", self.table[head]), ("Studies", self.studies[studies])),
                       tuple(notes))

    def _denominator(self) -> str:
        return "person_time" if "person_time" in self.studies.columns else "n"

    def plot(self, *, context=None, title=None, log_x=None, x_title=None):
        """Forest plot: studies, pooled estimate (diamond), prediction interval.

        Parameters
        ----------
        context : pandas.DataFrame, optional
            Figures shown apart, below the analysis, never pooled (e.g. reviews and lay
            pages): columns ``label``, ``estimate`` and optionally ``lower``, ``upper``, on
            the scale of ``estimate`` (times ``per``).
        title : str, optional
        log_x : bool, optional
            Log scale (default for rates).
        x_title : str, optional
            Title of the x axis (default: the measure and ``per``).
        """
        from lems_epi.stats.meta_forest import forest_figure

        return forest_figure(self, context=context, title=title, log_x=log_x, x_title=x_title)

    def leave_one_out(self) -> pd.DataFrame:
        """The pooled row refitted without each study in turn (column ``left_out``)."""
        return leave_one_out(self)


def _zero_note(scale: str, method: str) -> str:
    if method == "glmm":
        return ("The GLMM uses the raw counts (no correction); I^2 and H^2 use the "
                "escalc variances, Q is metafor's Wald-type test.")
    if scale == "freeman-tukey":
        return "Freeman-Tukey needs no zero-cell correction; none was added."
    if scale in ("log-rate",) or scale == "raw":
        return ("Studies with 0 events (for proportions also events = n) got 0.5 added to "
                "events and non-events (metafor's add = 0.5, to = 'only0').")
    return ("Studies with 0 events or events = n got 0.5 added to events and non-events "
            "(metafor's add = 0.5, to = 'only0').")


def _subgroup_test(fits) -> dict:
    if len(fits) < 2:
        return {}
    mu = np.array([f.mu for f in fits])
    w = 1.0 / np.array([f.se for f in fits]) ** 2
    q = float(np.sum(w * (mu - np.sum(w * mu) / np.sum(w)) ** 2))
    return {"q": q, "df": len(fits) - 1, "p_value": float(stats.chi2.sf(q, len(fits) - 1))}


def _analyse(frame, *, group_cols, rates, measure, method, test, conf_level, per):
    dname = "person_time" if rates else "n"
    pooled, studies, fits = [], [], []
    parts = frame.groupby(group_cols, sort=False, dropna=False) if group_cols else [((), frame)]
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        where = f" in group {dict(zip(group_cols, key, strict=True))}" if group_cols else ""
        if len(part) < 2:
            raise ValueError(f"{_CALLER}: {len(part)} study{where}; pooling needs at least 2.")
        x, d = part["events"].to_numpy(float), part[dname].to_numpy(float)
        if method == "glmm" and x.sum() == 0:
            raise ValueError(f"{_CALLER}: no events in any study{where}; the GLMM has no "
                             "finite estimate.")
        if method == "glmm" and not rates and (x == d).all():
            raise ValueError(f"{_CALLER}: events = n in every study{where}; the GLMM has no "
                             "finite estimate.")
        fit = fit_one(x, d, rates=rates, measure=measure, method=method, test=test,
                      conf_level=conf_level)
        if not fit.converged:
            warnings.warn(f"{_CALLER}: the GLMM fit{where} did not converge (tau may be at "
                          "the edge of its search range); read it with care.",
                          ConvergenceWarning, stacklevel=3)
        groups = {g: [v] for g, v in zip(group_cols, key, strict=True)} or None
        pooled.append(_pooled_row(fit, x, d, rates=rates, measure=measure, method=method,
                                  test=test, conf_level=conf_level, per=per, groups=groups))
        studies.append(_study_rows(part, fit, rates=rates, conf_level=conf_level, per=per,
                                   group_cols=group_cols))
        fits.append(fit)
    return (stack_measures(pooled), pd.concat(studies, ignore_index=True), fits)


def meta_analysis(data=None, *, events, n=None, person_time=None, measure, method,
                  test="z", by=None, conf_level=0.95, study=None, per=1.0
                  ) -> MetaAnalysisResult:
    r"""Pool rates or proportions of several studies (common-effect, random-effects or GLMM).

    Parameters
    ----------
    data : pandas.DataFrame, optional
        One row per study. Without it, ``events`` and ``n``/``person_time`` are arrays.
    events : str or array_like
        Column name (with ``data``) or the events of each study.
    n, person_time : str or array_like
        Persons (proportions) or person-time (rates): give exactly one.
    measure : {"log-rate", "log", "logit", "freeman-tukey", "raw"}
        Analysis scale: log rate (rates), log or logit proportion, Freeman-Tukey double
        arcsine (metafor's PFT: the *average* of the two arcsines, back-transformed at the
        harmonic mean of the study sizes), or untransformed (``"raw"``: the rate or the
        proportion). metafor's names (IRLN, PLN, PLO, PFT, PR, IR) are accepted.
    method : {"common", "dl", "reml", "pm", "ml", "glmm"}
        Common effect, DerSimonian-Laird, restricted maximum likelihood, Paule-Mandel,
        maximum likelihood, or the Poisson-normal / binomial-normal GLMM (``"log-rate"`` or
        ``"logit"`` only). Aliases: "fe", "fixed", "dersimonian-laird", "paule-mandel"...
    test : {"z", "knha"}, default "z"
        Normal quantiles, or Knapp-Hartung (t(k - 1) quantiles and the variance scaled by
        :math:`\sum w^*(y - \hat\mu)^2/(k - 1)`, not truncated at 1) for the interval, the
        test and the prediction interval. Not with the GLMM.
    by : str or list of str, optional
        Subgroup analysis: one pooled row per group, and a test for subgroup differences.
    conf_level : float, default 0.95
    study : str or array_like, optional
        Study labels (default: the index of ``data``, or 1, 2, ...).
    per : float, default 1
        Multiplier of the rates/proportions in the output (e.g. 1e6 for per million).

    Returns
    -------
    MetaAnalysisResult
        ``.table`` (pooled rows on the output contract with ``pi_lower``/``pi_upper`` and the
        heterogeneity statistics), ``.studies``, ``.tau2``, ``.i2``, ``.h2``, ``.q``,
        ``.q_p``, ``.summary()``, ``.plot()``, ``.leave_one_out()``.

    Raises
    ------
    ValueError
        For an unknown option, a measure that does not fit the data, fewer than 2 studies in
        a group, more events than persons, or negative or missing counts.
    TypeError
        For column arguments that are not names when ``data`` is given.

    Notes
    -----
    Zero cells, as metafor's ``escalc`` (``add = 0.5, to = "only0"``): for ``"log-rate"`` and
    ``"raw"`` rates a study with 0 events gets 0.5 events; for ``"logit"``, ``"log"`` and
    ``"raw"`` proportions a study with 0 events or with events = n gets 0.5 added to its
    events and to its non-events (``x + 0.5`` out of ``n + 1``); ``"freeman-tukey"`` needs and
    gets no correction; the GLMM uses the raw counts. Cochran's Q always uses the weights
    ``1/vi``; :math:`I^2` and :math:`H^2` compare :math:`\tau^2` with metafor's typical
    within-study variance, so they depend on the estimator of :math:`\tau^2`. The prediction
    interval is :math:`\hat\mu \pm q \sqrt{SE^2 + \tau^2}` (q from t(k - 1) with Knapp-Hartung,
    normal otherwise), the range in which the value of a new study's population is expected
    to fall; the confidence interval only says where the *mean* lies.

    Each study's own interval in ``.studies`` is exact (Garwood, Clopper-Pearson); the model
    uses ``yi`` and ``vi`` (columns ``model_estimate``, ``model_variance``).

    Coverage of the 95% interval of the mean log rate, by simulation
    (``benchmarks/bench_meta_coverage.py``, 1000 replicates, 5-10 studies, Monte Carlo SE
    about 0.7 points): with 20-200 events a study and tau 0.2-0.5, Knapp-Hartung covers
    94-96% (DL, PM, REML), the z intervals 87-91%, the GLMM's z interval 88%, the
    common-effect interval 18-53%. In the rare-count design of the LEMS studies (3 per
    million, 1e5-1e7 person-years, 0-30 events, tau 0.3) every inverse-variance method
    overestimates the rate by about 0.11 on the log scale (about 12%) and covers 83-87%
    (Knapp-Hartung does not help: 83-85%); the GLMM's error is -0.02 and it covers 90%.

    The values match metafor 3.8 (``rma(measure = "IRLN"/"PLO"/"PFT"/"PR", xi, ti or ni,
    method, test)``, ``predict(res, transf = ...)``; ``rma.glmm(measure = "IRLN"/"PLO", xi,
    ti or ni, model = "UM.FS")`` with lme4's nAGQ = 7): see ``tests/test_meta_analysis.py``.

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
       Journal of Statistical Software 36(3):1-48. doi:10.18637/jss.v036.i03
    .. [2] Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). A re-evaluation of
       random-effects meta-analysis. Journal of the Royal Statistical Society A
       172(1):137-159. doi:10.1111/j.1467-985X.2008.00552.x
    .. [3] Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event
       outcome in the framework of the generalized linear mixed model with applications in
       sparse data. Statistics in Medicine 29(29):3046-3067. doi:10.1002/sim.4040
    .. [4] IntHout J, Ioannidis JPA, Borm GF (2014). The Hartung-Knapp-Sidik-Jonkman method
       for random effects meta-analysis is straightforward and considerably outperforms the
       standard DerSimonian-Laird method. BMC Medical Research Methodology 14:25.
       doi:10.1186/1471-2288-14-25

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"study": ["A", "B", "C", "D"], "sclc": [54, 21, 44, 23],
    ...                   "patients": [100, 50, 87, 50]})
    >>> r = meta_analysis(d, events="sclc", n="patients", measure="logit", method="reml",
    ...                   study="study")
    >>> round(float(r.table["estimate"].iloc[0]), 3), round(r.tau2, 4)
    (0.495, 0.0)
    >>> r.studies["study"].tolist()
    ['A', 'B', 'C', 'D']
    """
    measure, method, test, conf_level, per, rates = _options(measure, method, test, n,
                                                             person_time, conf_level, per)
    denom = person_time if rates else n
    frame = _read_studies(data, events, denom, rates, study, by)
    group_cols = [c for c in frame.columns if c not in ("study", "events", "n", "person_time")]
    table, studies, fits = _analyse(frame, group_cols=group_cols, rates=rates, measure=measure,
                                    method=method, test=test, conf_level=conf_level, per=per)
    options = {"rates": rates, "measure": measure, "method": method, "test": test,
               "conf_level": conf_level, "per": per, "frame": frame}
    return MetaAnalysisResult(table, studies=studies, scale=measure, method=method, test=test,
                              group_columns=tuple(group_cols),
                              subgroup_test=_subgroup_test(fits) if group_cols else {},
                              options=options)


def leave_one_out(result: MetaAnalysisResult) -> pd.DataFrame:
    """Refit a meta-analysis without each study in turn.

    Parameters
    ----------
    result : MetaAnalysisResult

    Returns
    -------
    pandas.DataFrame
        One pooled row (as in ``result.table``) per group and left-out study, with the
        column ``left_out`` first after the groups. Groups with fewer than 3 studies are
        skipped (2 are needed to pool).

    Examples
    --------
    >>> r = meta_analysis(events=[54, 21, 44, 81], n=[100, 50, 87, 150], measure="logit",
    ...                   method="dl", study=["A", "B", "C", "D"])
    >>> leave_one_out(r)["left_out"].tolist()
    ['A', 'B', 'C', 'D']
    """
    if not isinstance(result, MetaAnalysisResult):
        raise TypeError("leave_one_out: 'result' must be what meta_analysis returns, got "
                        f"{type(result).__name__}.")
    o = result.options
    frame, group_cols = o["frame"], list(result.group_columns)
    dname = "person_time" if o["rates"] else "n"
    rows = []
    parts = frame.groupby(group_cols, sort=False, dropna=False) if group_cols else [((), frame)]
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        if len(part) < 3:
            continue
        for i in range(len(part)):
            keep = np.arange(len(part)) != i
            x = part["events"].to_numpy(float)[keep]
            d = part[dname].to_numpy(float)[keep]
            if o["method"] == "glmm" and x.sum() == 0:
                continue
            fit = fit_one(x, d, rates=o["rates"], measure=o["measure"], method=o["method"],
                          test=o["test"], conf_level=o["conf_level"])
            groups = {g: [v] for g, v in zip(group_cols, key, strict=True)}
            groups["left_out"] = [part["study"].iloc[i]]
            rows.append(_pooled_row(fit, x, d, rates=o["rates"], measure=o["measure"],
                                    method=o["method"], test=o["test"],
                                    conf_level=o["conf_level"], per=o["per"], groups=groups))
    return stack_measures(rows)
