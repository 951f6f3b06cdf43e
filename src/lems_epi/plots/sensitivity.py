"""Sensitivity figures: tornado, distribution of a probabilistic output, Sobol indices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lems_epi._validation import check_columns

__all__ = ["distribution_plot", "sobol_plot", "tornado_plot"]

_LOW, _HIGH = "#4f81bd", "#c0504d"


def _fmt(value) -> str:
    if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
        return f"{float(value):.4g}"
    return str(value)


def tornado_plot(table, *, title=None) -> go.Figure:
    """Tornado diagram of a one-way sensitivity analysis, centred on the base case.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`lems_epi.sensitivity.one_way` (columns ``parameter, low, high,
        source_low, source_high, output_base, output_low, output_high``); drawn in its row
        order, largest swing on top.
    title : str, optional
        Figure title (default: the output's name, when the table records it).

    Returns
    -------
    plotly.graph_objects.Figure
        Two horizontal bar traces, ``low`` and ``high``: each bar starts at the base-case
        output (``base``) and ends at the output with the parameter at its low or high value;
        the bar's text gives that value and its source. A vertical line marks the base case.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"parameter": ["p"], "low": [1.0], "high": [3.0],
    ...                   "source_low": ["a"], "source_high": ["b"], "output_base": [10.0],
    ...                   "output_low": [6.0], "output_high": [15.0]})
    >>> fig = tornado_plot(t)
    >>> [tr.name for tr in fig.data], [float(v) for v in fig.data[1].x]
    (['low', 'high'], [5.0])
    """
    cols = ["parameter", "low", "high", "source_low", "source_high", "output_base",
            "output_low", "output_high"]
    check_columns(table, cols, caller="tornado_plot", name="table")
    if table.empty:
        raise ValueError("tornado_plot: 'table' has no rows; run one_way() first.")
    base = table["output_base"].to_numpy(dtype=float)
    if not np.allclose(base, base[0], rtol=1e-12, atol=0):
        raise ValueError("tornado_plot: 'output_base' differs between rows; a tornado needs "
                         "one base case (one one_way() result).")
    centre = float(base[0])
    from lems_epi.sources.labels import label_sources

    order = table.iloc[::-1]  # plotly draws the first category at the bottom
    # sources by their human labels ("Wirtz 2003, South Holland"), never by file names or ids
    order = order.assign(source_low=order["source_low"].map(label_sources),
                         source_high=order["source_high"].map(label_sources))
    # every parameter's low and high values with their sources also stand under its name, so
    # they stay readable when a bar is too narrow to hold its label
    ticks = [f"<b>{p}</b><br><span style='font-size:10px'>{_fmt(lo)} ({slo}) / "
             f"{_fmt(hi)} ({shi})</span>"
             for p, lo, slo, hi, shi in zip(order["parameter"], order["low"],
                                            order["source_low"], order["high"],
                                            order["source_high"], strict=True)]
    fig = go.Figure()
    for side, colour in (("low", _LOW), ("high", _HIGH)):
        values = order[f"output_{side}"].to_numpy(dtype=float)
        text = [f"{_fmt(v)} ({s})" for v, s in zip(order[side], order[f"source_{side}"],
                                                   strict=True)]
        fig.add_trace(go.Bar(
            y=ticks, x=values - centre, base=[centre] * len(order),
            orientation="h", name=side, marker_color=colour, text=text,
            textposition="inside", insidetextanchor="middle", customdata=values,
            hovertemplate=("at its " + side + " value %{text}: output %{customdata:.4g}"
                           "<extra></extra>")))
    fig.add_vline(x=centre, line_dash="dash", line_color="black")
    fig.add_annotation(x=centre, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                       text=f"base case {centre:.4g}")
    name = table.attrs.get("output", "output")
    fig.update_layout(barmode="overlay", title=title or f"One-way sensitivity: {name}",
                      xaxis_title=name, uniformtext={"minsize": 9, "mode": "hide"},
                      height=max(360, 70 * len(order) + 140), margin={"l": 20})
    return fig


def distribution_plot(result, *, bins=50, title=None) -> go.Figure:
    """Histogram of a probabilistic output with its median and central interval.

    Parameters
    ----------
    result : ProbabilisticResult or pandas.DataFrame
        The result of :func:`lems_epi.sensitivity.probabilistic`, or a table with an
        ``output`` column.
    bins : int, default 50
        Number of histogram bins.
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        One histogram trace (``output``) and vertical lines at the median and, for a
        ``ProbabilisticResult``, at the summary's ``lower`` and ``upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> fig = distribution_plot(pd.DataFrame({"output": [1.0, 2.0, 2.5, 4.0]}), bins=4)
    >>> fig.data[0].type, len(fig.data[0].x)
    ('histogram', 4)
    """
    summary = getattr(result, "table", None)  # a ProbabilisticResult's contract table
    samples = getattr(result, "samples", result)
    check_columns(samples, ["output"], caller="distribution_plot", name="result")
    values = samples["output"].to_numpy(dtype=float)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError("distribution_plot: the output must hold finite values.")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"distribution_plot: 'bins' must be a positive int, got {bins!r}.")
    name = samples.attrs.get("output", "output")
    fig = go.Figure(go.Histogram(x=values, nbinsx=bins, name="output",
                                 marker_color=_LOW, opacity=0.8))
    fig.add_vline(x=float(np.median(values)), line_color="black",
                  annotation_text="median")
    if isinstance(summary, pd.DataFrame) and {"lower", "upper"} <= set(summary.columns):
        level = float(summary["conf_level"].iloc[0])
        for key in ("lower", "upper"):
            fig.add_vline(x=float(summary[key].iloc[0]), line_dash="dot", line_color="black",
                          annotation_text=f"{key} ({level:.0%})")
    fig.update_layout(title=title or f"Distribution of {name}", xaxis_title=name,
                      yaxis_title="draws", showlegend=False)
    return fig


def sobol_plot(table, *, title=None) -> go.Figure:
    """First- and total-order Sobol' indices with their intervals, one group per parameter.

    Parameters
    ----------
    table : SobolResult or pandas.DataFrame
        The result of :func:`lems_epi.sensitivity.sobol`, or its ``indices`` (one row per
        parameter).
    title : str, optional
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Two bar traces (``first_order``, ``total_order``) with asymmetric error bars reaching
        the interval limits; parameters ordered by total index, largest first.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"parameter": ["a"], "first_order": [0.5],
    ...                   "first_order_lower": [0.4], "first_order_upper": [0.7],
    ...                   "total_order": [0.6], "total_order_lower": [0.5],
    ...                   "total_order_upper": [0.65]})
    >>> fig = sobol_plot(t)
    >>> [round(float(v), 6) for v in fig.data[0].error_y.array]
    [0.2]
    """
    table = getattr(table, "indices", table)  # a SobolResult gives its wide table
    cols = ["parameter", "first_order", "first_order_lower", "first_order_upper",
            "total_order", "total_order_lower", "total_order_upper"]
    check_columns(table, cols, caller="sobol_plot", name="table")
    if table.empty:
        raise ValueError("sobol_plot: 'table' has no rows; run sobol() first.")
    order = table.sort_values("total_order", ascending=False, kind="stable")
    fig = go.Figure()
    for key, colour in (("first_order", _LOW), ("total_order", _HIGH)):
        est = order[key].to_numpy(dtype=float)
        fig.add_trace(go.Bar(
            x=order["parameter"].astype(str), y=est, name=key, marker_color=colour,
            error_y={"type": "data", "symmetric": False,
                     "array": order[f"{key}_upper"].to_numpy(dtype=float) - est,
                     "arrayminus": est - order[f"{key}_lower"].to_numpy(dtype=float)}))
    fig.update_layout(barmode="group", title=title or "Sobol' sensitivity indices",
                      yaxis_title="index (share of output variance)", xaxis_title="parameter")
    return fig
