"""Screening plots: predictive values against prevalence.

:func:`predictive_value_plot` draws the positive and negative predictive values of a test
against the prevalence (pre-test probability) on a log axis, with shaded prevalence ranges
(e.g. what different sources say) and marked named settings.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

__all__ = ["predictive_value_plot"]

_SHADES = ("rgba(214, 39, 40, 0.15)", "rgba(31, 119, 180, 0.15)", "rgba(44, 160, 44, 0.15)",
           "rgba(148, 103, 189, 0.15)")


def predictive_value_plot(sensitivity, specificity, *, prevalence=(1e-7, 0.5), ranges=None,
                          settings=None, title=None) -> go.Figure:
    """PPV and NPV of a test against prevalence, on a log prevalence axis.

    Parameters
    ----------
    sensitivity, specificity : float
        The test's characteristics.
    prevalence : (float, float), default (1e-7, 0.5)
        The prevalence axis' range (proportions).
    ranges : mapping of str to (float, float), optional
        Prevalence ranges to shade, e.g. ``{"seeds": (4e-6, 1e-5)}``.
    settings : mapping of str to float or to (float, float, float), optional
        Named pre-test probabilities to mark on the PPV curve; a tuple gives (prevalence,
        sensitivity, specificity) for a setting whose test performs differently.
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = predictive_value_plot(0.95, 0.983, ranges={"literature": (2.3e-6, 3.5e-6)},
    ...                             settings={"SCLC clinic": 0.03})
    >>> [t.name for t in fig.data][:2]
    ['PPV', 'NPV']
    """
    from lems_epi.stats.diagnostic import predictive_values

    low, high = prevalence
    if not 0 < low < high < 1:
        raise ValueError(f"predictive_value_plot: 'prevalence' must be (low, high) with "
                         f"0 < low < high < 1, got {prevalence!r}.")
    grid = np.geomspace(low, high, 400)
    pv = predictive_values(sensitivity, specificity, grid)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=grid, y=pv["ppv"], name="PPV", mode="lines"))
    fig.add_trace(go.Scatter(x=grid, y=pv["npv"], name="NPV", mode="lines",
                             line={"dash": "dash"}))
    for i, (name, (lo, hi)) in enumerate((ranges or {}).items()):
        fig.add_vrect(x0=lo, x1=hi, fillcolor=_SHADES[i % len(_SHADES)], line_width=0,
                      annotation_text=name, annotation_position="top left")
    for name, spec in (settings or {}).items():
        prev, se, sp = (spec if isinstance(spec, (tuple, list)) else
                        (spec, sensitivity, specificity))
        point = predictive_values(se, sp, prev).iloc[0]
        fig.add_trace(go.Scatter(
            x=[prev], y=[point["ppv"]], mode="markers+text", name=name,
            text=[f"{name}: PPV {point['ppv']:.2g}"], textposition="middle right",
            marker={"size": 10}))
    fig.update_layout(
        title=title or (f"Predictive values of a test with sensitivity {sensitivity:.3g} "
                        f"and specificity {specificity:.3g}"),
        xaxis={"type": "log", "title": "prevalence (pre-test probability)"},
        yaxis={"title": "predictive value", "range": [0, 1.02]})
    return fig
