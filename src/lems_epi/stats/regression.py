r"""Poisson (and negative binomial) regression of event counts with a person-time offset.

.. math:: \log E[Y_i] = \log T_i + x_i^\top \beta

so that :math:`\exp(\beta_j)` is an incidence rate ratio (IRR). Fitting is done by
statsmodels' GLM; this module validates the input, adds the offset, and returns the
coefficients as a tidy table together with the goodness-of-fit figures that tell whether the
Poisson variance assumption holds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from lems_epi._validation import (
    as_count_array,
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
)
from lems_epi.exceptions import ConvergenceWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame

__all__ = ["FAMILIES", "PoissonRegressionResult", "poisson_regression",
           "OVERDISPERSION_THRESHOLD"]

FAMILIES = ("poisson", "negative-binomial")
#: A Poisson fit gets a note when Pearson chi2 / df exceeds this and the Pearson
#: goodness-of-fit test rejects at the 5% level.
OVERDISPERSION_THRESHOLD = 1.5


@dataclass(frozen=True, repr=False)
class PoissonRegressionResult(AnalysisResult):
    r"""Result of :func:`poisson_regression`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model term on the output contract: ``term``, ``measure`` ("irr"),
        ``estimate`` (:math:`\exp(\beta)`), ``lower, upper`` (Wald, :math:`\exp(\beta
        \mp z\,\mathrm{se})`), ``conf_level, method, per``, the Wald test ``statistic``
        (z), ``p_value``, ``alternative``, then ``coef`` and ``std_err`` on the log scale.
    deviance : float
        Residual deviance.
    df_resid : float
        Residual degrees of freedom.
    dispersion : float
        Pearson chi-square divided by ``df_resid``; about 1 when the variance assumption of
        the family holds.
    family : str
        ``"poisson"`` or ``"negative-binomial"``.
    alpha_nb : float or None
        Negative binomial only: the estimated heterogeneity :math:`\alpha` of
        :math:`\mathrm{Var}(Y) = \mu + \alpha\mu^2` (R's ``glm.nb`` reports
        :math:`\theta = 1/\alpha`).
    note : str
        Empty, or a sentence on what the fit suggests (overdispersion: refit with
        ``family="negative-binomial"``).
    model : statsmodels GLMResults
        The fitted statsmodels result, for anything else (residuals, predictions, ...).
    """

    deviance: float = np.nan
    df_resid: float = np.nan
    dispersion: float = np.nan
    family: str = "poisson"
    alpha_nb: float | None = None
    note: str = ""
    model: Any = field(default=None, repr=False, compare=False)

    def summary(self) -> Summary:
        """Coefficients and fit statistics, laid out as statsmodels' summaries."""
        facts = {"family": self.family, "deviance": self.deviance,
                 "residual df": self.df_resid,
                 "dispersion (Pearson chi2 / df)": self.dispersion}
        if self.alpha_nb is not None:
            facts["negative binomial alpha"] = self.alpha_nb
        shown = self.table[["term", "coef", "std_err", "statistic", "p_value", "estimate",
                            "lower", "upper"]].rename(columns={"statistic": "z",
                                                               "estimate": "irr"})
        return Summary(f"{self.family.capitalize()} regression (log link, person-time "
                       "offset)", facts, (("Coefficients", shown),),
                       notes=(self.note,) if self.note else ())


def _outcome_name(formula: str, *, caller: str) -> str:
    if not isinstance(formula, str) or "~" not in formula:
        raise ValueError(f"{caller}: 'formula' must be a string such as 'events ~ age + sex' "
                         f"with the count column left of '~'; got {formula!r}.")
    return formula.split("~", 1)[0].strip()


def _fit(formula, data, family, offset, *, caller):
    """Fit one GLM, turning statsmodels' convergence warnings into ours."""
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as _SmConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", _SmConvergenceWarning)
        try:
            model = smf.glm(formula, data=data, family=family, offset=offset,
                            missing="raise")
        except Exception as err:  # patsy and statsmodels raise several types
            raise ValueError(f"{caller}: could not build the model from formula {formula!r}: "
                             f"{err}. Check the column names and remove missing values.") \
                from None
        try:
            with np.errstate(over="raise"):  # an overflowing fit fails with a named error
                result = model.fit()
        except (ValueError, np.linalg.LinAlgError, FloatingPointError) as err:
            raise ValueError(f"{caller}: the model could not be fitted ({err}). Person-time "
                             "or counts spanning too many orders of magnitude (see "
                             "'person_time'), or a term that predicts a count of 0 exactly, "
                             "make the fit overflow; rescale or regroup the data.") from None
    converged = bool(getattr(result, "converged", True))
    if not converged or any(issubclass(w.category, _SmConvergenceWarning) for w in caught):
        warnings.warn(f"{caller}: the fit did not converge; estimates may be unreliable "
                      "(check for strata without events or collinear terms).",
                      ConvergenceWarning, stacklevel=3)
    for w in caught:
        if not issubclass(w.category, _SmConvergenceWarning):
            warnings.warn(w.message, w.category, stacklevel=3)
    return result


def _nb_alpha(formula, data, offset, *, caller) -> float:
    """Maximum likelihood heterogeneity of an NB2 model (statsmodels' NegativeBinomial)."""
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as _SmConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = smf.negativebinomial(formula, data=data, offset=offset,
                                   missing="raise").fit(disp=0, maxiter=200)
    converged = bool(fit.mle_retvals.get("converged", True))
    if not converged or any(issubclass(w.category, (_SmConvergenceWarning, RuntimeWarning))
                            for w in caught):
        warnings.warn(f"{caller}: the negative binomial heterogeneity did not converge; "
                      "alpha_nb may be unreliable.", ConvergenceWarning, stacklevel=3)
    return float(fit.params["alpha"])


def poisson_regression(data, formula, *, person_time="person_time", family="poisson",
                       conf_level=0.95) -> PoissonRegressionResult:
    r"""Fit a log-linear model of counts with :math:`\log(\text{person-time})` as offset.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per cell (e.g. age band x period) or per person, with the event count, the
        person-time and the covariates.
    formula : str
        Patsy formula with the event count on the left, e.g.
        ``"cases ~ C(age) + C(period)"`` (``C()`` makes a numeric column categorical).
    person_time : str, default "person_time"
        Column of person-time (> 0), entered as the offset :math:`\log T`.
    family : {"poisson", "negative-binomial"}, default "poisson"
        ``"negative-binomial"`` estimates the heterogeneity :math:`\alpha` of
        :math:`\mathrm{Var}(Y) = \mu + \alpha \mu^2` by maximum likelihood (statsmodels'
        discrete ``NegativeBinomial``), then fits the GLM with that :math:`\alpha`, so that
        coefficients, standard errors and deviance are those of R's ``MASS::glm.nb`` [2]_.
    conf_level : float, default 0.95
        Confidence level of the Wald intervals of the IRRs.

    Returns
    -------
    PoissonRegressionResult
        Frozen result with ``table`` (one row per term, named as patsy names them, e.g.
        ``C(age)[T.45]``: ``measure`` "irr", ``estimate``, ``lower``, ``upper``, the Wald
        ``statistic`` and ``p_value``, ``coef``, ``std_err``), ``deviance``, ``df_resid``,
        ``dispersion``, ``family``, ``alpha_nb``, ``note``, the statsmodels result ``model``
        and ``.summary()``.

    Notes
    -----
    Overdispersion is reported in ``note`` (not as a warning, so that teaching notebooks stay
    quiet and the message travels with the result): a Poisson fit gets a note when the Pearson
    dispersion exceeds ``OVERDISPERSION_THRESHOLD`` (1.5) and the Pearson goodness-of-fit
    test, :math:`X^2` against :math:`\chi^2_{df}`, rejects at the 5% level [1]_. The Poisson
    standard errors are then too small; refit with ``family="negative-binomial"``.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        On missing columns, negative or non-integer counts, person-time that is not > 0,
        missing values, or a formula that patsy cannot build.

    Warns
    -----
    lems_epi.exceptions.ConvergenceWarning
        When the iterations do not converge.

    References
    ----------
    .. [1] McCullagh P, Nelder JA (1989). Generalized Linear Models, 2nd edition. London:
       Chapman and Hall. Chapter 6 (log-linear models) and Section 4.5 (overdispersion).
    .. [2] Venables WN, Ripley BD (2002). Modern Applied Statistics with S, 4th edition.
       New York: Springer. Section 7.4.
    .. [3] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon:
       IARC. Chapter 4.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import poisson_regression
    >>> d = pd.DataFrame({"smoker": [0, 1, 0, 1], "old": [0, 0, 1, 1],
    ...                   "cases": [4, 12, 20, 55], "person_time": [1e4, 1e4, 1e4, 1e4]})
    >>> fit = poisson_regression(d, "cases ~ smoker + old")
    >>> fit.table[["term", "estimate", "lower", "upper"]].round(3)
            term  estimate  lower  upper
    0  Intercept  0.000  0.000  0.001
    1     smoker  2.792  1.751  4.450
    2        old  4.687  2.732  8.042
    >>> round(fit.deviance, 3), fit.note
    (0.019, '')
    """
    caller = "poisson_regression"
    family = check_method(family, FAMILIES, caller=caller, name="family")
    conf_level = check_conf_level(conf_level, caller=caller)
    outcome = _outcome_name(formula, caller=caller)
    check_columns(data, [person_time], caller=caller)
    if outcome in data.columns:
        as_count_array(data[outcome], name=outcome, caller=caller)
    pt = as_float_array(data[person_time], name=person_time, caller=caller, allow_zero=False)
    offset = np.log(pt)
    if outcome in data.columns and float(np.sum(data[outcome])) == 0:
        raise ValueError(f"{caller}: the count column {outcome!r} is 0 in every row; a "
                         "log-linear model needs at least one event.")
    import statsmodels.api as sm

    if family == "poisson":
        alpha_nb = None
        result = _fit(formula, data, sm.families.Poisson(), offset, caller=caller)
    else:
        alpha_nb = _nb_alpha(formula, data, offset, caller=caller)
        result = _fit(formula, data, sm.families.NegativeBinomial(alpha=alpha_nb), offset,
                      caller=caller)

    coef = result.params.to_numpy()
    se = result.bse.to_numpy()
    half = z_value(conf_level) * se
    with np.errstate(over="ignore", invalid="ignore"):
        wild = ~np.isfinite(np.exp(coef - half)) | ~np.isfinite(np.exp(coef + half)) | \
            ~np.isfinite(se)
    if wild.any():  # a near-separated or badly scaled fit: limits of 0 or inf, never silently
        terms = [str(t) for t in np.asarray(result.params.index)[wild]]
        warnings.warn(f"{caller}: the Wald limits of {terms} are 0 or infinite (standard "
                      f"errors {se[wild].tolist()}): the data barely inform those terms "
                      "(near-separation, or person-time spanning many orders of magnitude); "
                      "rescale 'person_time' or regroup.", ConvergenceWarning, stacklevel=2)
    with np.errstate(over="ignore"):
        table = contract_frame(
            {"term": list(result.params.index)}, measure="irr", estimate=np.exp(coef),
            lower=np.exp(coef - half), upper=np.exp(coef + half), conf_level=conf_level,
            method="wald", statistic=coef / se, p_value=2.0 * stats.norm.sf(np.abs(coef / se)),
            extra={"coef": coef, "std_err": se})
    df_resid = float(result.df_resid)
    dispersion = float(result.pearson_chi2 / df_resid) if df_resid > 0 else np.nan
    note = ""
    if family == "poisson" and df_resid > 0:
        p_fit = stats.chi2.sf(result.pearson_chi2, df_resid)
        if dispersion > OVERDISPERSION_THRESHOLD and p_fit < 0.05:
            shown = "p < 1e-16" if p_fit < 1e-16 else f"p = {p_fit:.2g}"
            note = (f"overdispersion: Pearson chi2 / df = {dispersion:.3g} (goodness-of-fit "
                    f"{shown}), so the Poisson standard errors are too small; "
                    "consider family='negative-binomial'.")
    return PoissonRegressionResult(table=table, deviance=float(result.deviance),
                                   df_resid=df_resid, dispersion=dispersion, family=family,
                                   alpha_nb=alpha_nb, note=note, model=result)
