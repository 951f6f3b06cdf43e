"""Sensitivity analysis across the conflicting source figures.

Scenario-level methods (:func:`scenario_grid`, :func:`one_way`, :func:`probabilistic`,
:func:`sobol`) evaluate named outputs of a scenario on the closed-form risk model; bias analysis
(:func:`e_value`, misclassification) works on synthetic records and counts.
"""

from lems_epi.sensitivity.bias import (
    correct_misclassification,
    e_value,
    misclassify_outcome,
    outcome_misclassification,
)
from lems_epi.sensitivity.sampling import (
    distribution_from_range,
    draw,
    iman_conover,
    loguniform,
    pert,
    triangular,
    uniform,
)
from lems_epi.sensitivity.variance import sobol

__all__ = [
    "correct_misclassification",
    "distribution_from_range",
    "draw",
    "e_value",
    "iman_conover",
    "loguniform",
    "misclassify_outcome",
    "outcome_misclassification",
    "pert",
    "sobol",
    "triangular",
    "uniform",
]
