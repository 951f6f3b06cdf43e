"""lems_epi: epidemiology of Lambert-Eaton myasthenic syndrome, from sources to statistics.

The public API is listed in ``__all__``. Names are loaded lazily, on first use (Scientific
Python SPEC 1): ``import lems_epi`` costs little more than importing pandas and scipy.stats,
and statsmodels, plotly and dask are imported only by the functions that need them. Importing
the package changes no global state.

The disease-agnostic statistics are also available on their own as :mod:`lems_epi.stats`.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

#: public name -> module that defines it (add new public names here, keep it sorted by module)
_LAZY: dict[str, str] = {
    # evidence
    "conflicts": "lems_epi.sources",
    "evidence": "lems_epi.sources",
    "source_label": "lems_epi.sources",
    "pooled_evidence": "lems_epi.sources.pooled",
    # scenario and model
    "DEFAULT_POPULATION": "lems_epi.scenario",
    "Scenario": "lems_epi.scenario",
    "coerce_scenario": "lems_epi.scenario",
    "register_scenario": "lems_epi.scenario",
    "scenario_names": "lems_epi.scenario",
    "scenarios": "lems_epi.scenario",
    "calibration_report": "lems_epi.model",
    "expected_counts": "lems_epi.model",
    # populations
    "age_bands": "lems_epi.populations",
    "band_ages": "lems_epi.populations",
    "band_population": "lems_epi.populations",
    "life_table": "lems_epi.populations",
    "population": "lems_epi.populations",
    "standard_population": "lems_epi.populations",
    # synthetic data
    "sample_case_control": "lems_epi.simulate.case_control",
    "simulate_case_control": "lems_epi.simulate.case_control",
    "simulate_cohort": "lems_epi.simulate.cohort",
    "simulate_areas": "lems_epi.simulate.areas",
    "simulate_counts": "lems_epi.simulate.counts",
    "simulate_followup": "lems_epi.simulate.followup",
    "simulate_sclc_cohort": "lems_epi.simulate.sclc_cohort",
    "read_simulation": "lems_epi.simulate.io",
    "write_simulation": "lems_epi.simulate.io",
    "TestCharacteristics": "lems_epi.screening",
    "screening_characteristics": "lems_epi.screening",
    "delta_p_model": "lems_epi.simulate.delta_p",
    "delta_p_score": "lems_epi.simulate.delta_p",
    "simulate_delta_p": "lems_epi.simulate.delta_p",
    # statistics (disease-agnostic; also in lems_epi.stats)
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
    "life_expectancy": "lems_epi.stats.life_tables",
}
_SUBPACKAGES = ("plots", "sensitivity", "stats")

__all__ = ["__version__", *_SUBPACKAGES, *sorted(_LAZY)]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"lems_epi.{name}")
    elif name in _LAZY:
        module = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'lems_epi' has no attribute {name!r}")
    globals()[name] = module
    return module


def __dir__():
    return sorted(set(globals()) | set(__all__))
