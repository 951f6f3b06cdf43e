"""lems_epi: epidemiology of Lambert-Eaton myasthenic syndrome, from sources to statistics.

The public API is listed in ``__all__``; importing the package changes no global state.
"""

from lems_epi import plots, sensitivity
from lems_epi.evidence import conflicts, evidence
from lems_epi.model import calibration_report, expected_counts
from lems_epi.populations import (
    age_bands,
    band_ages,
    band_population,
    life_table,
    population,
    standard_population,
)
from lems_epi.scenario import Scenario, scenarios
from lems_epi.simulate.case_control import sample_case_control, simulate_case_control
from lems_epi.simulate.cohort import simulate_cohort
from lems_epi.simulate.counts import simulate_counts
from lems_epi.simulate.followup import simulate_followup
from lems_epi.simulate.io import write_simulation
from lems_epi.stats.compare import (
    attributable_fraction,
    odds_ratio,
    rate_difference,
    rate_ratio,
    risk_difference,
    risk_ratio,
)
from lems_epi.stats.intervals import poisson_ci, proportion_ci
from lems_epi.stats.person_time import split_person_time
from lems_epi.stats.pid import (
    incidence_rates,
    period_prevalence,
    point_prevalence,
    prevalence_incidence_duration,
)
from lems_epi.stats.rates import rates
from lems_epi.stats.regression import PoissonRegressionResult, poisson_regression
from lems_epi.stats.standardize import smr, standardize_direct, standardize_indirect
from lems_epi.stats.stratified import mantel_haenszel, mantel_haenszel_strata
from lems_epi.stats.survival import kaplan_meier, median_survival
from lems_epi.stats.tables import two_by_two

__version__ = "0.1.0"

__all__ = [
    "simulate_followup",
    "prevalence_incidence_duration",
    "point_prevalence",
    "period_prevalence",
    "incidence_rates",
    "kaplan_meier",
    "median_survival",
    "__version__",
    "plots",
    "sensitivity",
    "attributable_fraction",
    "mantel_haenszel",
    "mantel_haenszel_strata",
    "odds_ratio",
    "rate_difference",
    "rate_ratio",
    "risk_difference",
    "risk_ratio",
    "PoissonRegressionResult",
    "poisson_regression",
    "two_by_two",
    "Scenario",
    "age_bands",
    "band_ages",
    "band_population",
    "conflicts",
    "evidence",
    "calibration_report",
    "expected_counts",
    "life_table",
    "poisson_ci",
    "population",
    "proportion_ci",
    "rates",
    "smr",
    "split_person_time",
    "standardize_direct",
    "standardize_indirect",
    "sample_case_control",
    "scenarios",
    "simulate_case_control",
    "simulate_cohort",
    "simulate_counts",
    "write_simulation",
    "standard_population",
]
