"""lems_epi: epidemiology of Lambert-Eaton myasthenic syndrome, from sources to statistics.

The public API is listed in ``__all__``; importing the package changes no global state.
"""

from lems_epi.populations import (
    age_bands,
    band_ages,
    band_population,
    life_table,
    population,
    standard_population,
)
from lems_epi.scenario import Scenario, scenarios
from lems_epi.stats.intervals import poisson_ci, proportion_ci
from lems_epi.stats.rates import rates

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "Scenario",
    "age_bands",
    "band_ages",
    "band_population",
    "life_table",
    "poisson_ci",
    "population",
    "proportion_ci",
    "scenarios",
    "standard_population",
    "rates",
]
