"""2x2 tables from persons, long tables of counts or four numbers, with epi.2by2's measures.

:func:`two_by_two` counts ``a, b, c, d`` (exposed cases, exposed non-cases, unexposed cases,
unexposed non-cases), overall or one row per stratum, and returns a :class:`TwoByTwoResult`:
the counts (``.counts``, what :func:`~lems_epi.mantel_haenszel` takes), the measures of
association on the output contract (``.table``: risk ratio, odds ratio, risk difference,
attributable fractions) and the tests of independence (``.tests``: Pearson's chi-square with
and without Yates' correction, Fisher's exact test).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import as_column_list, as_count_array, describe_rows
from lems_epi.stats.comparison_core import broadcast_inputs
from lems_epi.stats.contract import AnalysisResult, Summary, stack_measures
from lems_epi.stats.tabulate import CELLS as _CELLS
from lems_epi.stats.tabulate import count_cells

__all__ = ["two_by_two", "TwoByTwoResult", "independence_tests"]


def independence_tests(a, b, c, d) -> pd.DataFrame:
    """Pearson's chi-square (without and with Yates' correction) and Fisher's exact test.

    ``a, b, c, d`` are the cells of one or many 2x2 tables (non-negative whole counts of one
    common length); a table with an empty margin gets NaN chi-square statistics and p-values
    and a Fisher p-value of 1.

    Raises
    ------
    ValueError, TypeError
        For cells that are not non-negative whole numbers or have different lengths.

    Examples
    --------
    >>> independence_tests([3], [1], [2], [9])["p_value"].round(6).tolist()
    [0.038989, 0.148454, 0.076923]
    """
    from lems_epi.stats.odds_ratios import fisher_exact_p

    caller = "independence_tests"
    a, b, c, d = broadcast_inputs({k: as_count_array(v, name=k, caller=caller) for k, v in
                                   (("a", a), ("b", b), ("c", c), ("d", d))}, caller=caller)
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    diff = np.abs(a * d - b * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = n * diff**2 / margins
        yates = n * np.maximum(diff - n / 2, 0.0) ** 2 / margins
    fisher = np.array([fisher_exact_p(*cells) if m > 0 else 1.0 for *cells, m in
                       zip(a, b, c, d, margins, strict=True)])
    rows = []
    for i in range(a.size):
        rows += [(i, "pearson-chi-square", pearson[i], 1.0, stats.chi2.sf(pearson[i], 1)),
                 (i, "yates-chi-square", yates[i], 1.0, stats.chi2.sf(yates[i], 1)),
                 (i, "fisher-exact", a[i], np.nan, fisher[i])]
    out = pd.DataFrame(rows, columns=["row", "test", "statistic", "df", "p_value"])
    return out.assign(alternative="two-sided").drop(columns="row" if a.size == 1 else [])


@dataclass(frozen=True, repr=False)
class TwoByTwoResult(AnalysisResult):
    """Result of :func:`two_by_two`.

    Attributes
    ----------
    table : pandas.DataFrame
        Measures on the output contract, one row per stratum (if any) and measure:
        ``risk_ratio``, ``odds_ratio``, ``risk_difference``,
        ``attributable_fraction_exposed``, ``population_attributable_fraction``.
    counts : pandas.DataFrame
        The stratum columns and ``a, b, c, d``.
    tests : pandas.DataFrame
        Per stratum: ``test`` (``pearson-chi-square``, ``yates-chi-square``,
        ``fisher-exact``), ``statistic``, ``df``, ``p_value``, ``alternative``.
    strata : tuple of str
        The stratum columns.
    """

    counts: pd.DataFrame = None
    tests: pd.DataFrame = None
    strata: tuple = ()

    def summary(self) -> Summary:
        """Counts, measures and tests (the content of epiR's ``epi.2by2``)."""
        facts = {"strata": len(self.counts) if self.strata else 1,
                 "persons": int(self.counts[list(_CELLS)].to_numpy().sum())}
        sections = [("Counts (a, b: exposed cases, non-cases; c, d: unexposed)", self.counts),
                    ("Measures of association", self.table), ("Tests", self.tests)]
        if self.strata and len(self.counts) > 1:
            import warnings

            from lems_epi.exceptions import LemsEpiWarning
            from lems_epi.stats.stratified import mantel_haenszel

            with warnings.catch_warnings():  # strata left out are named in the strata table
                warnings.simplefilter("ignore", LemsEpiWarning)
                mh = mantel_haenszel(self.counts, measure=["rr", "or", "rd"],
                                     strata=list(self.strata))
            sections.insert(2, ("Mantel-Haenszel pooled", mh.table))
        return Summary("2x2 table", facts, tuple(sections))


def _measures(cells: pd.DataFrame, strata: list, conf_level: float) -> pd.DataFrame:
    """Measures of every stratum; a stratum without exposed or unexposed persons gets nan."""
    import warnings

    from lems_epi.exceptions import ZeroCellWarning
    from lems_epi.stats.odds_ratios import odds_ratio
    from lems_epi.stats.risk_comparison import attributable_fraction, risk_difference, risk_ratio

    counts = cells[list(_CELLS)].to_numpy()
    bad = (counts == 0).any(axis=1)
    valid = (counts[:, 0] + counts[:, 1] > 0) & (counts[:, 2] + counts[:, 3] > 0)
    args = [counts[valid, i] for i in range(4)]
    n = len(cells)
    rows = np.flatnonzero(valid)

    def full(frame):
        out = frame.set_axis(rows).reindex(range(n))
        for col in ("measure", "conf_level", "method", "per", "alternative"):
            if col in out and len(frame):
                out[col] = frame[col].iloc[0]
        for i, k in enumerate(_CELLS):
            out[k] = counts[:, i]
        if strata:
            out["zero_cell"] = bad
        return out.assign(_row=np.arange(n))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ZeroCellWarning)
        parts = [f(*args, conf_level=conf_level) for f in (risk_ratio, odds_ratio,
                                                          risk_difference)]
        af = attributable_fraction(*args, conf_level=conf_level)
    zero = [str(w.message).split(":", 1)[0] for w in caught
            if issubclass(w.category, ZeroCellWarning)]
    # inf/nan never without a word: a single table warns; stratified tables (often built only
    # for their counts, with zero cells in sparse strata) flag those strata in `zero_cell`
    if zero and not strata:
        warnings.warn(f"two_by_two: zero cells at {describe_rows(bad, cells.index)} make "
                      f"{', '.join(sorted(set(zero)))} infinite or undefined there (inf or nan "
                      "in .table); see .counts, or call those functions with an exact method "
                      "or correction=0.5.", ZeroCellWarning, stacklevel=3)
    parts += [af.iloc[i::2].reset_index(drop=True) for i in range(2)]
    groups = cells[strata].reset_index(drop=True)
    frames = [pd.concat([groups, full(p)], axis=1) for p in parts]
    out = stack_measures(frames, group_columns=["_row"]).drop(columns="_row")
    first = strata + list(_CELLS)
    return out[first + [c for c in out.columns if c not in first]]


def two_by_two(data, exposure=None, outcome=None, strata=None, *, count=None,
               conf_level=0.95) -> TwoByTwoResult:
    """A 2x2 table with its measures of association and tests (as epiR's ``epi.2by2``).

    Three ways to give the table:

    * person rows: ``two_by_two(persons, exposure, outcome, strata=None)``;
    * a long table of counts: ``two_by_two(counts, exposure, outcome, strata=None,
      count="n")``, one row per exposure x outcome (x stratum) with its count;
    * four numbers: ``two_by_two(a, b, c, d)``.

    Parameters
    ----------
    data : pandas.DataFrame or int
        Person rows or a long table of counts; or the count ``a`` of exposed cases.
    exposure, outcome : str or tuple, optional
        A boolean or 0/1 column, or a pair ``(column, value)`` where rows equal to ``value``
        (or to any of a list of values) count as exposed / as cases, e.g.
        ``("smoking", "current")``. With four numbers: the counts ``b`` and ``c``.
    strata : str or list of str, optional
        Columns whose combinations define strata: one table per observed combination.
        With four numbers: the count ``d``.
    count : str, optional
        The column of counts of a long table (each row stands for that many persons).
    conf_level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    TwoByTwoResult
        ``.counts`` (stratum columns and ``a, b, c, d``, int64; one row, or one row per
        stratum sorted by the stratum columns), ``.table`` (risk ratio, odds ratio, risk
        difference, attributable fractions on the contract), ``.tests`` (chi-square with and
        without Yates' correction, Fisher's exact test) and ``.summary()``, which adds the
        Mantel-Haenszel pooled measures when there are strata.

    Raises
    ------
    TypeError
        If ``data`` is neither a DataFrame nor a count.
    ValueError
        On missing columns, missing values, a non-boolean column given without a value, or a
        value that no row has.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import two_by_two
    >>> persons = pd.DataFrame({
    ...     "smoking": ["current", "never", "current", "never", "former", "current"],
    ...     "lems": [True, False, False, False, True, True],
    ...     "sex": ["male", "male", "female", "female", "male", "female"]})
    >>> two_by_two(persons, ("smoking", "current"), "lems").counts
       a  b  c  d
    0  2  1  1  2
    >>> by_sex = two_by_two(persons, ("smoking", "current"), "lems", strata="sex")
    >>> by_sex.table["zero_cell"].unique().tolist()  # both strata have a zero cell
    [True]
    >>> by_sex.counts
          sex  a  b  c  d
    0  female  1  1  0  1
    1    male  1  0  1  1
    >>> res = two_by_two(13, 2163, 5, 3349)
    >>> res.table.loc[res.table["measure"] == "risk_ratio", "estimate"].round(2).tolist()
    [4.01]
    >>> res.tests["test"].tolist()
    ['pearson-chi-square', 'yates-chi-square', 'fisher-exact']
    """
    caller = "two_by_two"
    if isinstance(data, (numbers.Number, np.ndarray, list, pd.Series)) and not isinstance(
            data, bool):
        cells = {k: as_count_array(v, name=k, caller=caller)
                 for k, v in zip(_CELLS, (data, exposure, outcome, strata), strict=True)}
        counts = pd.DataFrame({k: np.atleast_1d(v).astype(np.int64) for k, v in
                               cells.items()})
        keys: list = []
    elif isinstance(data, pd.DataFrame):
        if exposure is None or outcome is None:
            raise TypeError(f"{caller}: give 'exposure' and 'outcome' (column names or "
                            "(column, value) pairs) with a DataFrame.")
        keys = as_column_list(strata, caller=caller, name="strata")
        counts = count_cells(data, exposure, outcome, keys, count=count, caller=caller)
    else:
        raise TypeError(f"{caller}: 'data' must be a DataFrame of persons or of counts, or "
                        f"the count a of four numbers; got {type(data).__name__}.")
    from lems_epi._validation import check_conf_level

    conf_level = check_conf_level(conf_level, caller=caller)
    table = _measures(counts, keys, conf_level)
    tests = independence_tests(*(counts[k].to_numpy() for k in _CELLS))
    if "row" in tests:
        labels = counts[keys].reset_index(drop=True) if keys else pd.DataFrame(
            {"table": np.arange(len(counts))})
        tests = pd.concat([labels.iloc[tests["row"].to_numpy()].reset_index(drop=True),
                           tests.drop(columns="row").reset_index(drop=True)], axis=1)
    return TwoByTwoResult(table=table, counts=counts, tests=tests, strata=tuple(keys))
