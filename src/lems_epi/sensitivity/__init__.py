"""Sensitivity analysis across the conflicting source figures.

The sources disagree on prevalence, the paraneoplastic and SCLC shares, age, sex and smoking.
This package shows which disagreement changes which conclusion, and by how much, from one
specification that comes from the evidence table:

* :func:`scenario_grid`: every combination of the sources' values, each labelled with its
  source;
* :func:`one_way`: tornado data, each parameter moved alone to its lowest and highest figure;
* :func:`probabilistic`: Monte Carlo or Latin hypercube over evidence-based distributions,
  optionally rank-correlated (Iman-Conover);
* :func:`sobol`: first- and total-order variance-based indices with bootstrap intervals
  (:mod:`lems_epi.sensitivity.sobol_indices`).

:func:`probabilistic` and :func:`sobol` return result objects (:class:`ProbabilisticResult`,
:class:`SobolResult`) whose ``.table`` is on the package's output contract, with ``.summary()``
and ``.plot()``.

Each evaluates a named output (:func:`outputs`) of a scenario on the closed-form risk model
for a target population (default :data:`lems_epi.scenario.DEFAULT_POPULATION`,
``"finland-2016"``), a batch of scenarios at a time, or the
user's own function. Bias analysis (:func:`e_value`, :func:`outcome_misclassification`,
:func:`correct_misclassification`) works on synthetic records and counts. Plots are in
:mod:`lems_epi.plots.sensitivity`. The mapping from evidence rows to scenario parameters is
documented in :mod:`lems_epi.sensitivity.defaults`.
"""

from lems_epi.sensitivity.analysis import (
    ProbabilisticResult,
    one_way,
    probabilistic,
    scenario_grid,
)
from lems_epi.sensitivity.bias import (
    correct_misclassification,
    covariate_misclassification,
    e_value,
    misclassify_outcome,
    outcome_misclassification,
    selection_bias,
    unmeasured_confounder,
)
from lems_epi.sensitivity.defaults import (
    default_distributions,
    evidence_listing,
    evidence_ranges,
    evidence_values,
)
from lems_epi.sensitivity.fitted import fitted_distributions, fitted_table
from lems_epi.sensitivity.fitted_vs_ranges import FittedVsRangesResult, fitted_vs_ranges
from lems_epi.sensitivity.outputs import (
    OUTPUTS,
    Output,
    age_standardised,
    coerce_base,
    evaluate,
    outputs,
    scenario_from_params,
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
from lems_epi.sensitivity.sobol_indices import SobolResult, sobol

__all__ = [
    "OUTPUTS",
    "Output",
    "FittedVsRangesResult",
    "ProbabilisticResult",
    "SobolResult",
    "age_standardised",
    "coerce_base",
    "correct_misclassification",
    "covariate_misclassification",
    "default_distributions",
    "distribution_from_range",
    "draw",
    "e_value",
    "evaluate",
    "evidence_listing",
    "evidence_ranges",
    "evidence_values",
    "fitted_distributions",
    "fitted_table",
    "fitted_vs_ranges",
    "iman_conover",
    "loguniform",
    "misclassify_outcome",
    "one_way",
    "outcome_misclassification",
    "outputs",
    "pert",
    "probabilistic",
    "scenario_from_params",
    "scenario_grid",
    "selection_bias",
    "sobol",
    "triangular",
    "uniform",
    "unmeasured_confounder",
]
