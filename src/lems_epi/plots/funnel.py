"""Funnel plot of areas (or any units) against control limits around a target."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lems_epi._validation import as_count_array, as_float_array, check_columns
from lems_epi.plots.descriptive import _per_label
from lems_epi.stats.funnel import funnel_limits, funnel_outliers

__all__ = ["funnel_plot"]

_DEFAULT_DENOMINATOR = {"proportion": "n", "rate": "person_time", "ratio": "expected"}
_AXIS = {"proportion": "number of trials (denominator)", "rate": "person-time",
         "ratio": "expected count"}
_OUTSIDE_COLOURS = ("#e08a00", "#c0262d", "#7a0b6e")


def _y_title(kind: str, per: float) -> str:
    if kind == "rate":
        return _per_label(per)
    if kind == "proportion":
        return "proportion" if per == 1 else ("percent" if per == 100 else
                                              f"proportion x {per:g}")
    return "observed / expected" if per == 1 else f"observed / expected x {per:g}"


def _area_traces(points, levels, label, per):
    """Scatter traces: areas inside every limit, then outside each level (labelled)."""
    base = points[points["conf_level"] == levels[0]].reset_index(drop=True)
    outside_at = np.zeros(len(base), dtype=int)   # index of the widest level left, 0 = inside
    for i, level in enumerate(levels, start=1):
        part = points[points["conf_level"] == level].reset_index(drop=True)
        outside_at = np.where(part["position"].to_numpy() != "inside", i, outside_at)
    names = base["unit"].astype(str) if "unit" in base else None
    traces = []
    for i in range(len(levels) + 1):
        rows = outside_at == i
        if i and not rows.any():
            continue
        text = names[rows].tolist() if names is not None else None
        if i == 0:
            name, colour, mode = "inside all limits", "#1f3b73", "markers"
        else:
            name = f"outside {levels[i - 1]:.1%} limits"
            colour, mode = _OUTSIDE_COLOURS[(i - 1) % 3], \
                "markers+text" if names is not None else "markers"
        traces.append(go.Scatter(
            x=base.loc[rows, "denominator"], y=base.loc[rows, "value"], mode=mode, name=name,
            text=text, textposition="top center", hovertext=text,
            marker={"color": colour, "size": 7 if i == 0 else 9}))
    return traces


def funnel_plot(data, *, events="events", denominator=None, kind="rate", target=None,
                levels=(0.95, 0.998), method="exact-interpolated", overdispersion=None,
                label=None, per=1.0, title="Funnel plot") -> go.Figure:
    """Each area's indicator against its denominator, with funnel limits around a target.

    The limits are those of :func:`lems_epi.stats.funnel_limits` (by default Spiegelhalter's
    interpolated exact limits), drawn on a fine grid of denominators; a negative lower limit
    is drawn at 0. Areas outside a limit are coloured by the widest level they leave and,
    when ``label`` is given, named on the plot.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area with the numerator and the denominator.
    events : str, default "events"
        Column of numerators (events, or observed counts for a ratio).
    denominator : str, optional
        Column of denominators; default ``"person_time"`` for a rate, ``"n"`` for a proportion,
        ``"expected"`` for a ratio.
    kind : {"rate", "proportion", "ratio"}, default "rate"
        The indicator (see :func:`lems_epi.stats.funnel_limits`).
    target : float, optional
        The target; default the overall value (total events over total denominator; 1 for a
        ratio).
    levels : sequence of float, default (0.95, 0.998)
        Levels of the limits.
    method, overdispersion
        As in :func:`lems_epi.stats.funnel_limits` (overdispersion estimated from ``data``).
    label : str, optional
        Column naming the areas; areas outside a limit are labelled with it.
    per : float, default 1.0
        Indicator shown per ``per`` units (e.g. 1e6 for rates per million).
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Area traces (inside all limits, then one per level left), the target line, then a
        lower and an upper limit line per level.

    References
    ----------
    .. [1] Spiegelhalter DJ (2005). Funnel plots for comparing institutional performance.
       Statistics in Medicine 24(8):1185-1202. https://doi.org/10.1002/sim.1970

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"area": ["a", "b", "c"], "events": [3, 10, 9],
    ...                   "person_time": [1e5, 4e5, 2e4]})
    >>> fig = funnel_plot(d, label="area", per=1e5)
    >>> [t.name for t in fig.data][:3]
    ['inside all limits', 'outside 99.8% limits', 'target']
    >>> fig.data[1].text
    ('c',)
    """
    caller = "funnel_plot"
    denominator = _DEFAULT_DENOMINATOR.get(kind, "person_time") if denominator is None \
        else denominator
    check_columns(data, [events, denominator] + ([label] if label else []), caller=caller)
    y = as_count_array(data[events], name=events, caller=caller)
    n = as_float_array(data[denominator], name=denominator, caller=caller, allow_zero=False)
    if target is None:
        target = 1.0 if kind == "ratio" else float(y.sum() / n.sum())
    levels = sorted([levels] if np.isscalar(levels) else list(levels))
    points = funnel_outliers(y, n, target, kind=kind, levels=levels, method=method,
                             overdispersion=overdispersion,
                             label=None if label is None else data[label].to_numpy(), per=per)
    grid = np.geomspace(n.min() * 0.8, n.max() * 1.25, 300)
    if kind == "proportion":
        grid = np.unique(np.maximum(np.round(grid), 1.0))
    limits = funnel_limits(target, grid, kind=kind, levels=levels, method=method,
                           overdispersion=overdispersion,
                           observed=y if overdispersion else None,
                           observed_denominator=n if overdispersion else None, per=per)
    fig = go.Figure(_area_traces(points, levels, label, per))
    fig.add_trace(go.Scatter(x=grid, y=np.full(grid.size, target * per), mode="lines",
                             name="target", line={"color": "black"}))
    dashes = ["dash", "dot", "dashdot"]
    for i, level in enumerate(levels):
        lim = limits[limits["conf_level"] == level]
        for bound in ("lower", "upper"):
            values = lim[bound].to_numpy()
            if bound == "lower":
                values = np.maximum(values, 0.0)  # a negative lower limit is drawn at 0
            fig.add_trace(go.Scatter(x=lim["denominator"], y=values, mode="lines",
                                     name=f"{level:.1%} {bound} limit",
                                     line={"dash": dashes[i % 3], "color": "grey"}))
    fig.update_layout(title=title, xaxis_title=_AXIS.get(kind, denominator), xaxis_type="log",
                      yaxis_title=_y_title(kind, per))
    return fig
