"""The closed-form LEMS risk model.

For each LEMS type the case probability of an age x sex x smoking stratum is a constant times
an age profile times a male and a smoking relative risk; the constants are solved in closed form
so that the scenario's prevalence and paraneoplastic share hold exactly in its reference
population, and shares of cases (e.g. 72% of paraneoplastic cases are men) are turned into the
relative risks that reproduce them. See :mod:`lems_epi.model.core` (model and batch API),
:mod:`lems_epi.model.profiles` (age profiles), :mod:`lems_epi.model.api` (one scenario),
:mod:`lems_epi.model.calibration` (targets vs model) and :mod:`lems_epi.model.literature` (how
the ``literature`` scenario's solved constants are derived).

Public functions: :func:`expected_counts`, :func:`calibration_report`, :func:`resolve`,
:func:`batch_expected` (many scenarios at once, for sensitivity analysis).
"""

from lems_epi.model.api import expected_counts, model_figures, resolve, run_scenario
from lems_epi.model.calibration import calibration_report
from lems_epi.model.core import (
    PARAMETERS,
    TEXT_PARAMETERS,
    BatchResult,
    Strata,
    batch_expected,
    make_strata,
    scenario_params,
)
from lems_epi.model.profiles import NONPARANEOPLASTIC_PROFILES, age_profile

__all__ = [
    "NONPARANEOPLASTIC_PROFILES",
    "PARAMETERS",
    "TEXT_PARAMETERS",
    "BatchResult",
    "Strata",
    "age_profile",
    "batch_expected",
    "calibration_report",
    "expected_counts",
    "make_strata",
    "model_figures",
    "resolve",
    "run_scenario",
    "scenario_params",
]
