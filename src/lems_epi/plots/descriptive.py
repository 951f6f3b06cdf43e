"""Descriptive figures: age pyramid, forest plot, crude vs standardised rates.

The funnel plot lives in :mod:`lems_epi.plots.funnel`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lems_epi._validation import (
    check_columns,
)
from lems_epi.populations.banding import band_ages

__all__ = ["age_pyramid", "crude_vs_standardized", "forest_plot"]

_FEMALE, _MALE = "#c0504d", "#4f81bd"


def _per_label(per: float) -> str:
    """Axis title for rates shown per ``per`` units: 'rate per million', not 'per 1e+06'."""
    if per == 1:
        return "rate"
    if per == 1e6:
        return "rate per million"
    if float(per).is_integer():
        return f"rate per {int(per):,}"
    return f"rate per {per:g}"


def age_pyramid(population, cases=None, *, age="age", sex="sex", count="population",
                case_count="cases", bands=(0, 10, 20, 30, 40, 50, 60, 70, 80, 90),
                title="Population and cases by age and sex") -> go.Figure:
    """Population pyramid, with a second pyramid of cases beside it.

    Parameters
    ----------
    population : pandas.DataFrame
        Rows with ``age``, ``sex`` (``female``/``male``) and a ``population`` count (several
        rows per age and sex, e.g. smoking strata, are summed).
    cases : pandas.DataFrame, optional
        Rows with ``age``, ``sex`` and a ``cases`` count (e.g. from
        :func:`lems_epi.simulate_counts`); drawn as a second panel.
    age, sex, count, case_count : str
        Column names.
    bands : sequence of int or str
        Age band left ends (or a standard's name) used to group single years.
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Men to the left (negative axis values), women to the right.

    Examples
    --------
    >>> import lems_epi as le
    >>> fig = age_pyramid(le.population("denmark-2013"))
    >>> [t.name for t in fig.data]
    ['male', 'female']
    """
    check_columns(population, [age, sex, count], caller="age_pyramid", name="population")
    panels = [("population", population, count)]
    if cases is not None:
        check_columns(cases, [age, sex, case_count], caller="age_pyramid", name="cases")
        panels.append(("cases", cases, case_count))
    fig = make_subplots(rows=1, cols=len(panels), shared_yaxes=True,
                        subplot_titles=[p[0].capitalize() for p in panels],
                        horizontal_spacing=0.06)
    for col, (label, frame, column) in enumerate(panels, start=1):
        grouped = (frame.assign(age_group=band_ages(frame[age].to_numpy(), list(bands)
                                                    if not isinstance(bands, str) else bands))
                   .groupby(["age_group", sex], observed=True)[column].sum().reset_index())
        for s, colour, sign in (("male", _MALE, -1), ("female", _FEMALE, 1)):
            part = grouped[grouped[sex].astype(str) == s]
            fig.add_trace(go.Bar(y=part["age_group"].astype(str), x=sign * part[column],
                                 orientation="h", name=s, marker_color=colour,
                                 legendgroup=s, showlegend=col == 1,
                                 customdata=part[column],
                                 hovertemplate=f"{s}, %{{y}}: %{{customdata:,}} {label}"
                                 "<extra></extra>"),
                          row=1, col=col)
        extent = float(grouped[column].max()) if len(grouped) else 1.0
        ticks = _symmetric_ticks(extent)
        fig.update_xaxes(title_text=f"{label} (men left, women right)", tickvals=ticks,
                         ticktext=[f"{abs(v):,.0f}" if extent >= 10 else f"{abs(v):g}"
                                   for v in ticks], row=1, col=col)
    fig.update_layout(barmode="relative", bargap=0.05, title=title)
    fig.update_yaxes(title_text="age", row=1, col=1)
    return fig


def _symmetric_ticks(extent: float) -> list[float]:
    """About five tick positions on each side of zero, at round numbers."""
    if extent <= 0:
        return [0.0]
    raw = extent / 3
    magnitude = 10 ** np.floor(np.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw),
               default=10 * magnitude)
    k = int(np.ceil(extent / step))
    return [float(i * step) for i in range(-k, k + 1)]


def forest_plot(table, *, estimate="estimate", label=None, lower="lower", upper="upper",
                reference=None, log_x=None, title=None, x_title=None) -> go.Figure:
    """Estimates with their intervals, one row per stratum (a forest plot).

    Parameters
    ----------
    table : pandas.DataFrame or result object
        Any table on the output contract (the output of every estimator of lems_epi), a
        result object with a ``.table``, or any table with estimate and limit columns.
    estimate, lower, upper : str
        Column names.
    label : str or sequence of str, optional
        Column(s) whose values label the rows (default: the columns before ``estimate`` that
        are not numbers).
    reference : float, optional
        Draw a vertical line here (e.g. 1 for ratios, the crude rate for rates).
    log_x : bool, optional
        Log scale; by default on when every row's ``measure`` is a ratio.
    title, x_title : str, optional
        Titles.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"sex": ["female", "male"], "estimate": [2.0, 3.0],
    ...                   "lower": [1.0, 2.0], "upper": [3.5, 4.4]})
    >>> fig = forest_plot(t, reference=2.5)
    >>> list(fig.data[0].y)
    ['female', 'male']
    """
    if not isinstance(table, pd.DataFrame) and isinstance(getattr(table, "table", None),
                                                          pd.DataFrame):
        table = table.table
    if not isinstance(table, pd.DataFrame):
        raise TypeError("forest_plot: 'table' must be a DataFrame or a result object with a "
                        f".table, got {type(table).__name__}.")
    check_columns(table, [estimate, lower, upper], caller="forest_plot", name="table")
    if label is None:
        label = [c for c in table.columns[: list(table.columns).index(estimate)]
                 if not pd.api.types.is_numeric_dtype(table[c])
                 and not (c == "measure" and table[c].nunique() == 1)]
    if log_x is None:
        log_x = "measure" in table.columns and bool(len(table)) and bool(
            table["measure"].astype(str).str.endswith(("ratio", "smr", "sir", "irr")).all())
    labels = [str(i) for i in range(len(table))] if not label else (
        table[label].astype(str).agg(" / ".join, axis=1).tolist() if not isinstance(label, str)
        else table[label].astype(str).tolist())
    est = table[estimate].to_numpy(float)
    lo, hi = table[lower].to_numpy(float), table[upper].to_numpy(float)
    with np.errstate(invalid="ignore"):  # infinite estimates or limits (a zero cell): no bar
        above, below = hi - est, est - lo
    fig = go.Figure(go.Scatter(
        x=est, y=labels, mode="markers", marker={"size": 9, "color": "#1f3b73"},
        error_x={"type": "data", "symmetric": False, "array": above, "arrayminus": below},
        name=estimate,
        hovertemplate="%{y}: %{x:.4g}<extra></extra>"))
    if reference is not None:
        fig.add_vline(x=float(reference), line_dash="dash", line_color="grey")
    what = estimate
    if estimate == "estimate" and "measure" in table.columns and table["measure"].nunique() == 1:
        what = str(table["measure"].iloc[0]).replace("_", " ")
    fig.update_layout(title=title or f"{what} with {lower}-{upper} interval",
                      xaxis_title=x_title or what, yaxis={"autorange": "reversed"},
                      showlegend=False)
    if log_x:
        fig.update_xaxes(type="log")
    return fig


def crude_vs_standardized(table, *, label="population", crude="crude_rate", rate="estimate",
                          lower="lower", upper="upper", group="standard", per=1.0,
                          title="Crude and age-standardised rates") -> go.Figure:
    """Crude rates beside age-standardised rates (with intervals) for several groups.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows of :func:`lems_epi.standardize_direct` output with a column saying which
        population (``label``) and which standard (``group``) each row is.
    label, crude, rate, lower, upper, group : str
        Column names.
    per : float
        Multiplier for display (e.g. 1e6 for per million).
    title : str
        Figure title.

    Returns
    -------
    plotly.graph_objects.Figure
        Grouped bars: the crude rate once per population, then one bar per standard with its
        interval.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"population": ["A", "A"], "standard": ["esp2013", "who2000"],
    ...                   "crude_rate": [5e-6, 5e-6], "estimate": [4e-6, 3e-6],
    ...                   "lower": [3e-6, 2e-6], "upper": [5e-6, 4e-6]})
    >>> [t.name for t in crude_vs_standardized(t, per=1e6).data]
    ['crude', 'esp2013', 'who2000']
    """
    check_columns(table, [label, crude, rate, lower, upper, group],
                  caller="crude_vs_standardized", name="table")
    crude_rows = table.drop_duplicates(label)
    fig = go.Figure(go.Bar(x=crude_rows[label].astype(str), y=crude_rows[crude] * per,
                           name="crude", marker_color="#7f7f7f"))
    for g, part in table.groupby(group, sort=False):
        y = part[rate].to_numpy(float) * per
        fig.add_trace(go.Bar(
            x=part[label].astype(str), y=y, name=str(g),
            error_y={"type": "data", "symmetric": False,
                     "array": part[upper].to_numpy(float) * per - y,
                     "arrayminus": y - part[lower].to_numpy(float) * per}))
    fig.update_layout(barmode="group", title=title, yaxis_title=_per_label(per))
    return fig
