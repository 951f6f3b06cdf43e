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
}
#: statistics re-exported at the top level; lems_epi.stats says which module holds each
_FROM_STATS = (
    "attributable_fraction", "number_needed_to_treat", "population_attributable_risk",
    "risk_difference", "risk_ratio", "odds_ratio", "rate_difference", "rate_ratio",
    "rate_ratio_test", "poisson_ci", "proportion_ci", "split_person_time", "incidence_rates",
    "period_prevalence", "point_prevalence", "prevalence_incidence_duration", "rates",
    "meta_analysis", "MetaAnalysisResult", "PoissonRegressionResult", "poisson_regression", "smr",
    "standardize_direct", "standardize_indirect", "mantel_haenszel", "MantelHaenszelResult",
    "KaplanMeierResult", "kaplan_meier", "log_rank", "LogRankResult", "survival_quantile",
    "median_survival", "NetSurvivalResult", "icss_weights", "net_survival", "TwoByTwoResult",
    "two_by_two", "DiagnosticTestResult", "diagnostic_test", "predictive_values",
    "true_prevalence", "RocResult", "roc_curve", "roc_test", "funnel_limits", "compare_dsr",
    "dsr_difference", "dsr_ratio", "life_expectancy",
)
_LAZY.update(dict.fromkeys(_FROM_STATS, "lems_epi.stats"))
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
