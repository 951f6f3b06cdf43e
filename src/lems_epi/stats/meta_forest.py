"""The forest plot of a meta-analysis (studies, pooled estimate, prediction interval, context).

Examples
--------
>>> from lems_epi.stats.meta_pooling import meta_analysis
>>> r = meta_analysis(events=[54, 21, 44], n=[100, 50, 87], measure="logit", method="dl",
...                   study=["A", "B", "C"])
>>> fig = forest_figure(r)
>>> fig.layout.yaxis.ticktext[:3]
('A', 'B', 'C')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._validation import check_columns

__all__ = ["forest_figure"]

_STUDY = "#1f3b73"
_POOLED = "#b22222"
_CONTEXT = "#7f7f7f"


def _rows(result, context):
    """(y position, label, kind, estimate, lower, upper, weight) for every row, top first."""
    rows = []
    t, s = result.table, result.studies
    groups = list(result.group_columns)
    for i in range(len(t)):
        pooled = t.iloc[i]
        if groups:
            mask = np.ones(len(s), dtype=bool)
            for g in groups:
                mask &= (s[g] == pooled[g]).to_numpy()
            part = s.loc[mask]
            rows.append(("header", " / ".join(str(pooled[g]) for g in groups), np.nan,
                         np.nan, np.nan, np.nan))
        else:
            part = s
        for _, r in part.iterrows():
            rows.append(("study", str(r["study"]), r["estimate"], r["lower"], r["upper"],
                         r["weight"]))
        rows.append(("pooled", f"Pooled ({pooled['method']})", pooled["estimate"],
                     pooled["lower"], pooled["upper"], np.nan))
        rows.append(("pi", "Prediction interval", pooled["estimate"], pooled["pi_lower"],
                     pooled["pi_upper"], np.nan))
    if context is not None and len(context):
        rows.append(("header", "Context (not pooled)", np.nan, np.nan, np.nan, np.nan))
        for _, r in context.iterrows():
            rows.append(("context", str(r["label"]), r["estimate"], r.get("lower", np.nan),
                         r.get("upper", np.nan), np.nan))
    return pd.DataFrame(rows, columns=["kind", "label", "estimate", "lower", "upper",
                                       "weight"])


def _trace(go, rows, kind, **marker):
    part = rows[rows["kind"] == kind]
    if part.empty:
        return None
    est = part["estimate"].to_numpy(float)
    lo = part["lower"].to_numpy(float)
    hi = part["upper"].to_numpy(float)
    err = {"type": "data", "symmetric": False, "array": np.nan_to_num(hi - est),
           "arrayminus": np.nan_to_num(est - lo), "color": marker.get("color"),
           "width": 0 if kind == "context" else 4}
    names = {"study": "study (exact interval)", "pooled": "pooled estimate",
             "context": "context (not pooled)"}
    return go.Scatter(x=est, y=part["y"], mode="markers", marker=marker, error_x=err,
                      name=names[kind], text=part["label"],
                      hovertemplate="%{text}: %{x:.4g}<extra></extra>")


def forest_figure(result, *, context=None, title=None, log_x=None, x_title=None):
    """Draw the forest plot of a :class:`~lems_epi.stats.meta_pooling.MetaAnalysisResult`.

    Study squares are sized by weight; the pooled estimate is a diamond with its confidence
    interval; the prediction interval is a dashed line on its own row; ``context`` rows
    (``label``, ``estimate``, optional ``lower``/``upper``) are drawn apart in grey below
    a header, never pooled.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    if context is not None:
        check_columns(context, ["label", "estimate"], caller="forest_figure", name="context")
    rows = _rows(result, context)
    rows["y"] = -np.arange(len(rows), dtype=float)
    fig = go.Figure()
    weights = rows["weight"].to_numpy(float)
    sizes = 6 + 14 * np.sqrt(np.nan_to_num(weights) / max(np.nanmax(
        np.append(weights, 1.0)), 1e-9))
    study_sizes = sizes[(rows["kind"] == "study").to_numpy()]
    for trace in (
        _trace(go, rows, "study", symbol="square", size=study_sizes, color=_STUDY),
        _trace(go, rows, "pooled", symbol="diamond", size=16, color=_POOLED),
        _trace(go, rows, "context", symbol="circle-open", size=9, color=_CONTEXT),
    ):
        if trace is not None:
            fig.add_trace(trace)
    for _, r in rows[rows["kind"] == "pi"].iterrows():
        fig.add_trace(go.Scatter(x=[r["lower"], r["upper"]], y=[r["y"], r["y"]], mode="lines",
                                 line={"color": _POOLED, "dash": "dash", "width": 3},
                                 name="prediction interval", showlegend=bool(r["y"] == rows[
                                     rows["kind"] == "pi"]["y"].iloc[0])))
    measure = str(result.table["measure"].iloc[0])
    per = float(result.table["per"].iloc[0])
    if log_x is None:
        log_x = measure == "rate"
    unit = "" if per == 1 else f" per {per:,.0f}"
    fig.update_layout(
        title=title or f"Meta-analysis of {measure}s ({result.table['method'].iloc[0]})",
        xaxis={"title": x_title or f"{measure}{unit}", "type": "log" if log_x else "linear"},
        yaxis={"tickvals": rows["y"].tolist(), "ticktext": rows["label"].tolist(),
               "automargin": True},
        height=max(300, 28 * len(rows) + 120), template="plotly_white",
        legend={"orientation": "h", "y": -0.15})
    return fig
