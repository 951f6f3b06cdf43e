"""Plotly figures for lems_epi results; each function returns a Figure and never shows it.

Descriptive plots live in :mod:`lems_epi.plots.descriptive`, the funnel plot in
:mod:`lems_epi.plots.funnel`; the sensitivity plots (tornado,
probabilistic distribution, Sobol indices) in :mod:`lems_epi.plots.sensitivity`;
:func:`setup_notebook` makes figures show in every notebook front end and HTML export.
"""

from lems_epi.plots.descriptive import (
    age_pyramid,
    crude_vs_standardized,
    forest_plot,
)
from lems_epi.plots.funnel import funnel_plot
from lems_epi.plots.notebook import NOTEBOOK_RENDERER, setup_notebook
from lems_epi.plots.screening import predictive_value_plot
from lems_epi.plots.sensitivity import distribution_plot, sobol_plot, tornado_plot

__all__ = [
    "NOTEBOOK_RENDERER",
    "age_pyramid",
    "crude_vs_standardized",
    "distribution_plot",
    "forest_plot",
    "funnel_plot",
    "predictive_value_plot",
    "setup_notebook",
    "sobol_plot",
    "tornado_plot",
]
