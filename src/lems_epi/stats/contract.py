r"""The output contract shared by every estimator of lems_epi.

Every estimator returns a tidy pandas DataFrame in long format:

1. the grouping columns (``by``), in the order given;
2. the input counts under the glossary's names (``events``, ``person_time``, ``n``,
   ``a``/``b``/``c``/``d``, ``observed``, ``expected``, ...);
3. ``measure, estimate, lower, upper, conf_level, method, per``: one row per group and
   measure;
4. where a test goes with the estimate, ``statistic, p_value, alternative``.

:func:`contract_frame` is the one place that builds these columns. It also keeps every interval
of a bounded quantity inside its parameter space (a proportion in [0, 1], a rate or ratio in
[0, inf), a risk difference in [-per, per]): :data:`MEASURE_SPACES` says which measure lives
where. The few outputs whose reference software defines them unclipped (the raw Rogan-Gladen
true prevalence, Spiegelhalter's interpolated funnel limits) pass ``space=None`` and carry a flag
column of their own.

Analyses with several parts return a subclass of :class:`AnalysisResult`: a frozen object with
``.table`` (the contract), ``.summary()`` (a :class:`Summary` that prints as statsmodels'
summaries do and renders as HTML in Jupyter), ``_repr_html_`` and ``.plot()`` (a plotly Figure).

Examples
--------
>>> from lems_epi.stats.contract import contract_frame
>>> t = contract_frame({"events": [3, 0], "person_time": [1000.0, 500.0]}, measure="rate",
...                    estimate=[0.003, 0.0], lower=[0.00062, -0.001],
...                    upper=[0.0088, 0.0074], conf_level=0.95, method="exact")
>>> list(t.columns)  # doctest: +NORMALIZE_WHITESPACE
['events', 'person_time', 'measure', 'estimate', 'lower', 'upper', 'conf_level', 'method',
 'per']
>>> t["lower"].tolist()  # a rate's lower limit is clipped to 0
[0.00062, 0.0]
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CONTRACT_COLUMNS",
    "TEST_COLUMNS",
    "MEASURE_SPACES",
    "contract_frame",
    "stack_measures",
    "check_contract",
    "Summary",
    "AnalysisResult",
]

#: The columns every estimator returns, in this order, after the groups and the inputs.
CONTRACT_COLUMNS = ("measure", "estimate", "lower", "upper", "conf_level", "method", "per")
#: The columns of a test that goes with an estimate.
TEST_COLUMNS = ("statistic", "p_value", "alternative")

#: Parameter space of each bounded measure, as (low, high) in units of ``per`` (``None`` for
#: no bound). Measures not listed are unbounded (log-scale coefficients, differences of rates).
MEASURE_SPACES: dict[str, tuple[float | None, float | None]] = {
    # proportions and probabilities
    "proportion": (0.0, 1.0), "risk": (0.0, 1.0), "prevalence": (0.0, 1.0),
    "apparent_prevalence": (0.0, 1.0),
    # the Rogan-Gladen true prevalence is reported raw (it leaves [0, 1] when the apparent
    # prevalence lies outside [1 - specificity, sensitivity]), with a validity flag column
    "true_prevalence": (None, None),
    "false_positive_fraction": (0.0, 1.0), "false_negative_fraction": (0.0, 1.0),
    "proportion_ruled_in": (0.0, 1.0), "proportion_ruled_out": (0.0, 1.0),
    "one_minus_ppv": (0.0, 1.0), "one_minus_npv": (0.0, 1.0),
    "sensitivity": (0.0, 1.0), "specificity": (0.0, 1.0), "ppv": (0.0, 1.0), "npv": (0.0, 1.0),
    "accuracy": (0.0, 1.0), "survival": (0.0, 1.0), "net_survival": (None, None),
    "relative_survival": (0.0, None), "expected_survival": (0.0, 1.0), "auc": (0.0, 1.0),
    "attributable_fraction_exposed": (None, 1.0), "population_attributable_fraction": (None, 1.0),
    # rates and ratios
    "rate": (0.0, None), "dsr": (0.0, None), "crude_rate": (0.0, None),
    "rate_ratio": (0.0, None), "risk_ratio": (0.0, None), "odds_ratio": (0.0, None),
    "smr": (0.0, None), "sir": (0.0, None), "isr": (0.0, None), "irr": (0.0, None),
    "dsr_ratio": (0.0, None), "lr_positive": (0.0, None), "lr_negative": (0.0, None),
    "diagnostic_odds_ratio": (0.0, None), "e_value": (1.0, None),
    "life_expectancy": (0.0, None),
    # differences of two probabilities
    "risk_difference": (-1.0, 1.0), "youden": (-1.0, 1.0), "auc_difference": (-1.0, 1.0),
    "population_attributable_risk": (-1.0, 1.0),
}


def _column(values, length: int, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim == 0:
        return np.repeat(arr, length)
    arr = arr.ravel()
    if arr.size != length:
        raise ValueError(f"contract_frame: column {name!r} has {arr.size} values, the table "
                         f"{length} rows; give one value or one per row.")
    return arr


def _clip_to_space(measure, lower, upper, per, space):
    """Clip the limits to the measure's parameter space, measured in units of ``per``."""
    if space is None:
        return lower, upper
    lo_b, hi_b = space
    with np.errstate(invalid="ignore"):
        if lo_b is not None:
            bound = lo_b * per if lo_b != 0 else 0.0
            lower = np.where(np.isnan(lower), lower, np.maximum(lower, bound))
            upper = np.where(np.isnan(upper), upper, np.maximum(upper, bound))
        if hi_b is not None:
            bound = hi_b * per
            lower = np.where(np.isnan(lower), lower, np.minimum(lower, bound))
            upper = np.where(np.isnan(upper), upper, np.minimum(upper, bound))
    return lower, upper


def contract_frame(inputs=None, *, measure, estimate, lower, upper, conf_level, method,
                   per=1.0, groups=None, statistic=None, p_value=None, alternative=None,
                   extra=None, space="default") -> pd.DataFrame:
    """Build a table on the output contract (the one helper every estimator uses).

    Parameters
    ----------
    inputs : mapping or pandas.DataFrame, optional
        The input counts, under the glossary's names (``events``, ``person_time``, ``n``,
        ``a``, ``b``, ``c``, ``d``, ``observed``, ``expected``...), one value or one per row.
    measure : str or array_like of str
        What is estimated (``"rate"``, ``"odds_ratio"``...).
    estimate, lower, upper : float or array_like
        The estimate and its interval, already multiplied by ``per``.
    conf_level : float or array_like
        Confidence level of the interval.
    method : str or array_like of str
        Name of the interval method.
    per : float, default 1.0
        The multiplier the estimate and limits are expressed in.
    groups : mapping or pandas.DataFrame, optional
        Grouping columns (``by``), placed first.
    statistic, p_value, alternative : array_like, optional
        The test that goes with the estimate; the three columns appear when ``p_value`` is
        given.
    extra : mapping, optional
        Further columns placed after the contract's (e.g. ``std_err``, a validity flag).
    space : "default", tuple or None
        The parameter space the limits are clipped to, in units of ``per``: ``"default"``
        looks the measure up in :data:`MEASURE_SPACES`; a ``(low, high)`` tuple sets it;
        ``None`` leaves the limits as computed (give a flag column in ``extra`` then).

    Returns
    -------
    pandas.DataFrame
        Groups, inputs, ``measure, estimate, lower, upper, conf_level, method, per``, then the
        test columns and ``extra``.

    Examples
    --------
    >>> t = contract_frame({"a": [9], "b": [1], "c": [1], "d": [9]}, measure="risk_difference",
    ...                    estimate=0.8, lower=0.54, upper=1.063, conf_level=0.95,
    ...                    method="wald")
    >>> float(t["upper"].iloc[0])
    1.0
    """
    parts: dict[str, np.ndarray] = {}
    length = None
    for source in (groups, inputs):
        if source is None:
            continue
        if isinstance(source, pd.DataFrame):
            source = {c: source[c].to_numpy() for c in source.columns}
        for name, values in source.items():
            arr = np.asarray(values)
            if arr.ndim:
                length = arr.size if length is None else length
            parts[name] = arr
    for values in (estimate, lower, upper):
        arr = np.asarray(values)
        if arr.ndim and length is None:
            length = arr.size
    length = 1 if length is None else length
    columns = {name: _column(v, length, name) for name, v in parts.items()}
    per_arr = _column(np.asarray(per, dtype=float), length, "per")
    est = _column(np.asarray(estimate, dtype=float), length, "estimate")
    lo = _column(np.asarray(lower, dtype=float), length, "lower")
    hi = _column(np.asarray(upper, dtype=float), length, "upper")
    meas = _column(np.asarray(measure, dtype=object), length, "measure")
    if space == "default":
        for m in pd.unique(meas):
            rows = meas == m
            lo_m, hi_m = _clip_to_space(m, lo[rows], hi[rows], per_arr[rows],
                                        MEASURE_SPACES.get(str(m)))
            lo, hi = lo.copy(), hi.copy()
            lo[rows], hi[rows] = lo_m, hi_m
    elif space is not None:
        lo, hi = _clip_to_space(None, lo, hi, per_arr, space)
    columns.update(
        measure=meas, estimate=est, lower=lo, upper=hi,
        conf_level=_column(np.asarray(conf_level, dtype=float), length, "conf_level"),
        method=_column(np.asarray(method, dtype=object), length, "method"), per=per_arr)
    if p_value is not None:
        columns["statistic"] = _column(np.asarray(
            np.nan if statistic is None else statistic, dtype=float), length, "statistic")
        columns["p_value"] = _column(np.asarray(p_value, dtype=float), length, "p_value")
        columns["alternative"] = _column(np.asarray(
            "two-sided" if alternative is None else alternative, dtype=object), length,
            "alternative")
    for name, values in (extra or {}).items():
        columns[name] = _column(values, length, name)
    frame = pd.DataFrame(columns)
    for name in ("measure", "method", "alternative"):
        if name in frame:
            frame[name] = frame[name].astype(object)
    return frame


def stack_measures(frames: Sequence[pd.DataFrame], *, group_columns: Sequence[str] = ()
                   ) -> pd.DataFrame:
    """Stack contract tables of several measures into one long table.

    Rows keep the order of each group's first appearance, then the order of ``frames``, so a
    2x2 summary reads group by group.

    Examples
    --------
    >>> a = contract_frame(measure="risk_ratio", estimate=2.0, lower=1.0, upper=4.0,
    ...                    conf_level=0.95, method="wald")
    >>> b = contract_frame(measure="odds_ratio", estimate=3.0, lower=1.5, upper=6.0,
    ...                    conf_level=0.95, method="wald")
    >>> stack_measures([a, b])["measure"].tolist()
    ['risk_ratio', 'odds_ratio']
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(CONTRACT_COLUMNS))
    out = pd.concat(frames, ignore_index=True, sort=False)
    if group_columns:
        keys = out[list(group_columns)].astype(str).agg("\x1f".join, axis=1)
        order = pd.Series(pd.factorize(keys)[0], index=out.index)
        out = out.assign(_g=order.to_numpy(), _i=np.arange(len(out)))
        out = out.sort_values(["_g", "_i"], kind="stable").drop(columns=["_g", "_i"])
        out = out.reset_index(drop=True)
    head = [c for c in out.columns if c not in CONTRACT_COLUMNS and c not in TEST_COLUMNS]
    first = [c for c in head if c in frames[0].columns[: list(frames[0].columns).index(
        "measure")]]
    rest = [c for c in head if c not in first]
    tests = [c for c in TEST_COLUMNS if c in out.columns]
    return out[first + list(CONTRACT_COLUMNS) + tests + rest]


def check_contract(table: pd.DataFrame) -> None:
    """Raise ``ValueError`` when ``table`` breaks the output contract.

    Checks the columns and their order, that every interval contains its estimate where both
    are finite, and that the limits lie in the measure's parameter space.

    Examples
    --------
    >>> check_contract(contract_frame(measure="rate", estimate=2.0, lower=1.0, upper=3.0,
    ...                               conf_level=0.95, method="exact"))
    """
    missing = [c for c in CONTRACT_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"check_contract: columns {missing} are missing; the table has "
                         f"{list(table.columns)}.")
    pos = [list(table.columns).index(c) for c in CONTRACT_COLUMNS]
    if pos != sorted(pos) or pos[-1] - pos[0] != len(pos) - 1:
        raise ValueError("check_contract: the contract columns must stand together in the "
                         f"order {list(CONTRACT_COLUMNS)}; got {list(table.columns)}.")
    est = table["estimate"].to_numpy(float)
    lo, hi = table["lower"].to_numpy(float), table["upper"].to_numpy(float)
    tol = 1e-9 * np.maximum(1.0, np.abs(est))
    with np.errstate(invalid="ignore"):
        bad = (np.isfinite(est) & np.isfinite(lo) & (lo > est + tol)) | (
            np.isfinite(est) & np.isfinite(hi) & (hi < est - tol))
    if bad.any():
        raise ValueError("check_contract: the interval does not contain the estimate at rows "
                         f"{np.flatnonzero(bad)[:8].tolist()}.")
    for measure, (low, high) in MEASURE_SPACES.items():
        rows = (table["measure"] == measure).to_numpy()
        if not rows.any():
            continue
        per = table["per"].to_numpy(float)[rows]
        with np.errstate(invalid="ignore"):
            if low is not None and (lo[rows] < low * per - 1e-12 * per).any():
                raise ValueError(f"check_contract: a lower limit of {measure!r} is below "
                                 f"{low} x per.")
            if high is not None and (hi[rows] > high * per + 1e-12 * per).any():
                raise ValueError(f"check_contract: an upper limit of {measure!r} is above "
                                 f"{high} x per.")


def _format_cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return "nan"
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.4g}"
        return f"{value:.4f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.4g}"
    return str(value)


def _text_table(frame: pd.DataFrame) -> str:
    cells = [[str(c) for c in frame.columns]] + [
        [_format_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(frame.columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([lines[0], rule, *lines[1:]])


@dataclass(frozen=True)
class Summary:
    """A printable summary: a title, a few facts and one or more tables.

    ``str(summary)`` is plain text laid out as statsmodels' summaries are; in Jupyter it
    renders as HTML; ``summary.tables`` gives the tables as DataFrames for further work.

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Example", {"n": 10}, (("Estimates", pd.DataFrame({"x": [1.5]})),))
    >>> print(s)
    =========
     Example
    =========
    n: 10
    <BLANKLINE>
    Estimates
      x
    ---
    1.5
    """

    title: str
    facts: Mapping[str, object]
    sections: tuple[tuple[str, pd.DataFrame], ...]
    notes: tuple[str, ...] = ()

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The summary's tables by heading."""
        return {name: frame for name, frame in self.sections}

    def as_text(self) -> str:
        """The summary as plain text."""
        body = [_text_table(f) for _, f in self.sections]
        width = max([len(self.title) + 2] + [len(line) for b in body for line in b.split("\n")])
        out = ["=" * width, self.title.center(width).rstrip(), "=" * width]
        out += [f"{k}: {_format_cell(v)}" for k, v in self.facts.items()]
        for (name, _), text in zip(self.sections, body, strict=True):
            out += ["", name, text]
        out += [f"Note: {n}" for n in self.notes]
        return "\n".join(out)

    def as_html(self) -> str:
        """The summary as an HTML fragment."""
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        if self.facts:
            parts.append("<table>" + "".join(
                f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                f"<td>{html.escape(_format_cell(v))}</td></tr>"
                for k, v in self.facts.items()) + "</table>")
        for name, frame in self.sections:
            parts.append(f"<p><b>{html.escape(name)}</b></p>")
            parts.append(frame.to_html(index=False, float_format=_format_cell))
        parts += [f"<p><i>Note: {html.escape(n)}</i></p>" for n in self.notes]
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


@dataclass(frozen=True)
class AnalysisResult:
    """Base of the result objects of multi-part analyses.

    Subclasses are frozen dataclasses whose first field is ``table`` (a table on the output
    contract). They override :meth:`summary` and, where a forest plot of ``table`` is not the
    natural figure, :meth:`plot`.

    Examples
    --------
    >>> t = contract_frame(measure="rate", estimate=2.0, lower=1.0, upper=3.0,
    ...                    conf_level=0.95, method="exact")
    >>> r = AnalysisResult(t)
    >>> r.summary().title
    'AnalysisResult'
    """

    table: pd.DataFrame

    def summary(self) -> Summary:
        """A :class:`Summary` of the result (override for more parts)."""
        return Summary(type(self).__name__, {}, (("Estimates", self.table),))

    def plot(self, **kwargs):
        """A plotly forest plot of :attr:`table` (keywords go to ``forest_plot``)."""
        from lems_epi.plots import forest_plot

        return forest_plot(self.table, **kwargs)

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
