"""Populations shipped with lems_epi, standard populations, life tables and age banding.

Data sources (copied from the project's reference files, see ``populations/data``):

* ``denmark-2013``: Denmark, 1 January 2013, by sex and single year of age 0-99 (99 means
  99 and over), 5,602,628 persons; Statistics Denmark, as distributed in the R package Epi
  (``Epi::N.dk``).
* ``finland-2016``: Finland, mean population 2016 by sex and single year of age 0-100 (100
  means 100 and over), rounded to whole persons; Statistics Finland via popEpi
  (``popEpi::meanpop_fi``).
* ``finland-2013`` life table: all-cause mortality hazard per person-year by sex and single
  year of age 0-100; Statistics Finland via popEpi (``popEpi::popmort``).
* Standard populations: ``esp2013`` (Eurostat 2013), ``who2000`` (Ahmad et al. 2001),
  ``segi1960``, ``esp1976`` and ``nordic2000`` (as in popEpi's ``stdpop18``).
"""

from lems_epi.populations.banding import age_bands, band_ages, band_population, merge_open_top
from lems_epi.populations.loaders import (
    POPULATION_NAMES,
    STANDARD_NAMES,
    check_population,
    life_table,
    population,
    standard_population,
)
from lems_epi.populations.smoking import SMOKING_STATUSES, smoking_by_age, smoking_prevalence

__all__ = [
    "POPULATION_NAMES",
    "SMOKING_STATUSES",
    "STANDARD_NAMES",
    "age_bands",
    "band_ages",
    "band_population",
    "check_population",
    "life_table",
    "merge_open_top",
    "population",
    "smoking_by_age",
    "smoking_prevalence",
    "standard_population",
]
