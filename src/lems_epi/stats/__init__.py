"""Disease-agnostic epidemiological statistics, usable without the LEMS layer.

Intervals for counts and proportions, rates, direct and indirect standardisation, Lexis
person-time splitting, comparisons of two groups, stratified (Mantel-Haenszel) analysis,
regression and survival. Nothing here imports the LEMS layer (evidence, scenario, model,
simulate, sensitivity).

Every estimator returns a table on the output contract of :mod:`lems_epi.stats.contract`:
the grouping columns, the input counts, then ``measure, estimate, lower, upper, conf_level,
method, per`` (and ``statistic, p_value, alternative`` where a test goes with the estimate).
Names load lazily, on first use.

Examples
--------
>>> from lems_epi import stats
>>> "poisson_ci" in stats.__all__
True
"""

from __future__ import annotations

import importlib

#: public name -> module that defines it (add new public names here)
_LAZY: dict[str, str] = {
    "CONTRACT_COLUMNS": "lems_epi.stats.contract",
    "AnalysisResult": "lems_epi.stats.contract",
    "Summary": "lems_epi.stats.contract",
    "contract_frame": "lems_epi.stats.contract",
    "attributable_fraction": "lems_epi.stats.risk_comparison",
    "number_needed_to_treat": "lems_epi.stats.risk_comparison",
    "population_attributable_risk": "lems_epi.stats.risk_comparison",
    "risk_difference": "lems_epi.stats.risk_comparison",
    "risk_ratio": "lems_epi.stats.risk_comparison",
    "odds_ratio": "lems_epi.stats.odds_ratios",
    "rate_difference": "lems_epi.stats.rate_comparison",
    "rate_ratio": "lems_epi.stats.rate_comparison",
    "rate_ratio_test": "lems_epi.stats.rate_comparison",
    "poisson_ci": "lems_epi.stats.intervals",
    "proportion_ci": "lems_epi.stats.intervals",
    "split_person_time": "lems_epi.stats.person_time",
    "incidence_rates": "lems_epi.stats.prevalence",
    "period_prevalence": "lems_epi.stats.prevalence",
    "point_prevalence": "lems_epi.stats.prevalence",
    "prevalence_incidence_duration": "lems_epi.stats.prevalence",
    "rates": "lems_epi.stats.rate_tables",
    "meta_analysis": "lems_epi.stats.meta_pooling",
    "MetaAnalysisResult": "lems_epi.stats.meta_pooling",
    "leave_one_out": "lems_epi.stats.meta_pooling",
    "PoissonRegressionResult": "lems_epi.stats.regression",
    "poisson_regression": "lems_epi.stats.regression",
    "smr": "lems_epi.stats.standardize",
    "standardize_direct": "lems_epi.stats.standardize",
    "standardize_indirect": "lems_epi.stats.standardize",
    "mantel_haenszel": "lems_epi.stats.stratified",
    "MantelHaenszelResult": "lems_epi.stats.stratified",
    "KaplanMeierResult": "lems_epi.stats.survival",
    "kaplan_meier": "lems_epi.stats.survival",
    "log_rank": "lems_epi.stats.survival",
    "LogRankResult": "lems_epi.stats.survival",
    "survival_quantile": "lems_epi.stats.survival",
    "median_survival": "lems_epi.stats.survival",
    "NetSurvivalResult": "lems_epi.stats.relative_survival",
    "icss_weights": "lems_epi.stats.relative_survival",
    "net_survival": "lems_epi.stats.relative_survival",
    "TwoByTwoResult": "lems_epi.stats.tables",
    "two_by_two": "lems_epi.stats.tables",
    "DiagnosticTestResult": "lems_epi.stats.diagnostic",
    "diagnostic_test": "lems_epi.stats.diagnostic",
    "predictive_values": "lems_epi.stats.diagnostic",
    "true_prevalence": "lems_epi.stats.diagnostic",
    "RocResult": "lems_epi.stats.roc",
    "roc_curve": "lems_epi.stats.roc",
    "roc_test": "lems_epi.stats.roc",
    "funnel_limits": "lems_epi.stats.funnel",
    "compare_dsr": "lems_epi.stats.dsr_compare",
    "dsr_difference": "lems_epi.stats.dsr_compare",
    "dsr_ratio": "lems_epi.stats.dsr_compare",
    "chiang_life_table": "lems_epi.stats.life_tables",
    "life_expectancy": "lems_epi.stats.life_tables",
    "funnel_outliers": "lems_epi.stats.funnel",
    "overdispersion_estimate": "lems_epi.stats.funnel",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'lems_epi.stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
