r"""Direct and indirect standardisation of rates, and the standardised mortality ratio.

Direct standardisation (:func:`standardize_direct`) weights the age-specific rates of each
group by a standard population; every group is computed at once on a groups x age-groups array,
so ten thousand areas cost about as much as a handful. Indirect standardisation
(:func:`standardize_indirect`) applies reference rates to the group's person-time to get the
expected count, and :func:`smr` gives the ratio of observed to expected with an interval.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
    check_positive_number,
    describe_rows,
)
from lems_epi.exceptions import DroppedRowsWarning, SparseDataWarning
from lems_epi.populations import band_population, merge_open_top, standard_population
from lems_epi.stats._core import poisson_exact_limits, z_value
from lems_epi.stats._dask import as_stratum_table
from lems_epi.stats.intervals import (
    SMR_CI_METHODS,
    _broadcast,
    _poisson_limits,
    _warn_no_upper,
    check_ury_wiggins_level,
)
from lems_epi.stats.rates import _aggregate

__all__ = ["DIRECT_METHODS", "smr", "standardize_direct", "standardize_indirect"]

#: Interval methods of :func:`standardize_direct`; the first is the default.
DIRECT_METHODS = ("fay-feuer", "tiwari", "dobson", "normal")


def _list_some(values, limit: int = 8) -> str:
    values = list(values)
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(repr(v) for v in values[:limit]) + more


def _standard_table(standard, *, caller: str) -> pd.DataFrame:
    """Return the standard as a table with string ``age_group`` and float ``weight``."""
    if isinstance(standard, str):
        table = standard_population(standard)
    elif isinstance(standard, pd.DataFrame):
        check_columns(standard, ["age_group", "weight"], caller=caller, name="standard")
        table = standard.reset_index(drop=True).copy()
        table["weight"] = as_float_array(table["weight"], name="weight", caller=caller)
    else:
        raise TypeError(f"{caller}: 'standard' must be a standard population name (see "
                        "lems_epi.standard_population) or a DataFrame with columns 'age_group' "
                        f"and 'weight', got {type(standard).__name__}.")
    table["age_group"] = table["age_group"].astype(str)
    dup = table["age_group"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: the standard lists age groups more than once: "
                         f"{_list_some(table.loc[dup, 'age_group'].unique())}.")
    if not table["weight"].sum() > 0:
        raise ValueError(f"{caller}: the standard's weights sum to zero; give positive weights.")
    return table


def _age_codes(ages: pd.Series, labels) -> np.ndarray:
    """Position of each row's age group among the standard's ``labels`` (-1 when absent)."""
    if isinstance(ages.dtype, pd.CategoricalDtype):
        cat = pd.Index(labels).get_indexer(ages.cat.categories.astype(str))
        return np.where(ages.cat.codes.to_numpy() >= 0, cat[ages.cat.codes.to_numpy()], -1)
    codes, uniques = pd.factorize(ages, use_na_sentinel=True)
    lookup = pd.Index(labels).get_indexer(pd.Index(uniques).astype(str))
    return np.where(codes >= 0, lookup[codes], -1)


def _group_codes(data: pd.DataFrame, by: list[str], *, caller: str):
    """Sorted group number of each row and the table of groups (None without ``by``)."""
    if not by:
        return np.zeros(len(data), dtype=np.intp), None
    for col in by:
        missing = data[col].isna().to_numpy()
        if missing.any():
            raise ValueError(f"{caller}: grouping column {col!r} has missing values at "
                             f"{describe_rows(missing, data.index)}; fill or drop those rows.")
    if len(by) == 1:
        codes, uniques = pd.factorize(data[by[0]], sort=True)
        groups = pd.DataFrame({by[0]: uniques})
        if isinstance(data[by[0]].dtype, pd.CategoricalDtype):
            groups[by[0]] = pd.Categorical(uniques, categories=data[by[0]].cat.categories,
                                           ordered=data[by[0]].cat.ordered)
        return codes.astype(np.intp), groups
    codes = data.groupby(by, observed=True, sort=True).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    return codes, data[by].iloc[first].reset_index(drop=True)


def _direct_arrays(d, n, w, conf_level: float, method: str):
    """Vectorised direct standardisation over rows (groups) of ``d`` and ``n`` (G x K arrays).

    ``w`` holds the K standard weights summing to 1. Returns (rate, lower, upper) per group.
    """
    wk = w / n                      # weight of each count, G x K
    rate = (d * wk).sum(axis=1)
    var = (d * wk * wk).sum(axis=1)
    alpha = 1.0 - conf_level
    pos = rate > 0
    if method in ("fay-feuer", "tiwari"):
        lower = np.zeros_like(rate)
        lower[pos] = stats.gamma.ppf(alpha / 2, rate[pos] ** 2 / var[pos],
                                     scale=var[pos] / rate[pos])
        if method == "fay-feuer":
            wm = wk.max(axis=1)
            ystar, vstar = rate + wm, var + wm * wm
        else:
            ystar, vstar = rate + wk.mean(axis=1), var + (wk * wk).mean(axis=1)
        upper = stats.gamma.ppf(1 - alpha / 2, ystar**2 / vstar, scale=vstar / ystar)
    elif method == "dobson":
        total = d.sum(axis=1)
        o_low, o_upp = poisson_exact_limits(total, conf_level)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.sqrt(var / total)
        lower = np.where(total > 0, rate + scale * (o_low - total), 0.0)
        upper = np.where(total > 0, rate + scale * (o_upp - total), np.nan)
    else:  # normal
        half = z_value(conf_level) * np.sqrt(var)
        lower, upper = np.maximum(rate - half, 0.0), rate + half
    return rate, lower, upper


def standardize_direct(data, standard, events="events", person_time="person_time",
                       age="age_group", by=None, method="fay-feuer", conf_level=0.95, *,
                       single_year_ages=False, open_top_age=None) -> pd.DataFrame:
    r"""Directly age-standardised rates with confidence intervals.

    For each group, the standardised rate is :math:`R = \sum_k w_k d_k / n_k` with standard
    weights :math:`w_k` scaled to sum to 1, :math:`d_k` events and :math:`n_k` person-time in
    age group :math:`k`; its variance is :math:`V = \sum_k w_k^2 d_k / n_k^2`.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        Rows with the age group, events and person-time (several rows of one age group and
        group are summed): stratum counts or person rows (``person_time=None`` counts one
        unit per row; a boolean ``events`` column counts each True). A dask DataFrame is
        reduced by a dask groupby first; pass ``open_top_age`` explicitly then.
    standard : str or pandas.DataFrame
        A name accepted by :func:`lems_epi.standard_population` (``"esp2013"``, ``"who2000"``,
        ``"segi1960"``, ``"esp1976"``, ``"nordic2000"``) or a table with columns
        ``age_group`` and ``weight`` (and ``age_start``, ``age_end`` if ages are banded).
    events, person_time, age : str
        Column names.
    by : str or list of str, optional
        Groups standardised separately (e.g. areas or calendar periods).
    method : {"fay-feuer", "tiwari", "dobson", "normal"}, default "fay-feuer"
        * ``fay-feuer``: gamma interval [1]_ (R ``epitools::ageadjust.direct``); coverage at
          least nominal in the simulations of [1]_ and [2]_. At zero events the lower limit is
          0 (epitools returns NA there).
        * ``tiwari``: the modified gamma interval of [2]_, whose upper limit adds the mean
          rather than the maximum of :math:`w_k/n_k`; shorter, close to nominal.
        * ``dobson``: :math:`R + \sqrt{V/O}\,(O_{L,U} - O)` with :math:`O_{L,U}` the exact
          Poisson limits of the total count :math:`O` [3]_. At :math:`O = 0` the lower limit
          is 0 and the upper limit is undefined: NaN, with a :class:`SparseDataWarning`.
        * ``normal``: :math:`R \pm z\sqrt{V}`, lower clipped at 0 (teaching only).
    conf_level : float, default 0.95
        Confidence level.
    single_year_ages : bool, default False
        When true, ``age`` holds single years of age, which are summed into the standard's
        bands first (:func:`lems_epi.band_population`); the standard must then have
        ``age_start`` and ``age_end``.
    open_top_age : int, optional
        With ``single_year_ages``: the data's last age is open (e.g. 99 meaning 99 and over),
        so the standard's bands from the one containing it upwards are merged into one
        (:func:`lems_epi.populations.merge_open_top`). Defaults to
        ``data.attrs["open_top_age"]`` when present.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``events, person_time, crude_rate, rate, lower, upper,
        conf_level, method``; rates are per unit of person-time.

    Raises
    ------
    ValueError
        Age groups of the data without a weight, or weights without data (the message lists
        them), age groups with zero person-time, bad counts, unknown method.

    References
    ----------
    .. [1] Fay MP, Feuer EJ (1997). Confidence intervals for directly standardized rates: a
       method based on the gamma distribution. Statistics in Medicine 16(7):791-801.
    .. [2] Tiwari RC, Clegg LX, Zou Z (2006). Efficient interval estimation for age-adjusted
       cancer rates. Statistical Methods in Medical Research 15(6):547-569.
       https://doi.org/10.1177/0962280206070621
    .. [3] Dobson AJ, Kuulasmaa K, Eberle E, Scherer J (1991). Confidence intervals for
       weighted sums of Poisson parameters. Statistics in Medicine 10(3):457-462.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import standardize_direct
    >>> d = pd.DataFrame({"age_group": ["young", "old"], "events": [2, 30],
    ...                   "person_time": [10000.0, 5000.0]})
    >>> std = pd.DataFrame({"age_group": ["young", "old"], "weight": [0.8, 0.2]})
    >>> out = standardize_direct(d, std)
    >>> out[["events", "crude_rate", "rate", "lower", "upper"]].round(5)
       events  crude_rate    rate    lower    upper
    0      32     0.00213  0.00136  0.00092  0.00199
    """
    caller = "standardize_direct"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, DIRECT_METHODS, caller=caller)
    by = as_column_list(by, caller=caller)
    data, events, person_time = as_stratum_table(data, [age, *by], events, person_time)
    check_columns(data, [age, events, person_time, *by], caller=caller)
    as_count_array(data[events], name=events, caller=caller)
    as_float_array(data[person_time], name=person_time, caller=caller)
    std = _standard_table(standard, caller=caller)

    if single_year_ages:
        if not {"age_start", "age_end"} <= set(std.columns):
            raise ValueError(f"{caller}: single_year_ages=True needs a standard with "
                             "'age_start' and 'age_end' columns to band the ages.")
        if open_top_age is None:
            open_top_age = data.attrs.get("open_top_age")
        if open_top_age is not None:
            std = merge_open_top(std, int(open_top_age))
            std["age_group"] = std["age_group"].astype(str)
        banded = band_population(data, std, age=age, value_columns=(events, person_time),
                                 by=by or None, open_top_age=None)
        data = banded.rename(columns={"age_group": age}) if age != "age_group" else banded

    labels = std["age_group"].to_numpy()
    missing_age = data[age].isna().to_numpy()
    if missing_age.any():
        raise ValueError(f"{caller}: age column {age!r} has missing values at "
                         f"{describe_rows(missing_age, data.index)}; fill or drop those rows.")
    k = _age_codes(data[age], labels)
    if (k < 0).any():
        unknown = sorted(pd.unique(data[age].astype(str).to_numpy()[k < 0]))
        raise ValueError(f"{caller}: age groups of the data have no weight in the standard: "
                         f"{_list_some(unknown)}. The standard's groups are "
                         f"{_list_some(labels, 25)}; relabel the data, or pass "
                         "single_year_ages=True if the ages are single years.")
    codes, groups = _group_codes(data, by, caller=caller)
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    size = n_groups * len(labels)
    cell = codes * len(labels) + k
    d = np.bincount(cell, weights=data[events].to_numpy(dtype=float), minlength=size)
    n = np.bincount(cell, weights=data[person_time].to_numpy(dtype=float), minlength=size)
    rows = np.bincount(cell, minlength=size)
    d = d.reshape(n_groups, len(labels))
    n = np.where(rows > 0, n, np.nan).reshape(n_groups, len(labels))
    missing = np.isnan(n)
    if missing.any():
        gi, ki = np.nonzero(missing)
        where = [(groups.iloc[g].to_dict() if by else "all data", labels[j])
                 for g, j in zip(gi[:5], ki[:5], strict=True)]
        raise ValueError(f"{caller}: standard age groups without data rows "
                         f"({missing.sum()} group x age cells), e.g. {where}. Every weight "
                         "needs a data row: add rows with zero events, or use a standard "
                         "restricted to the ages present.")
    zero = n <= 0
    if zero.any():
        gi, ki = np.nonzero(zero)
        where = [(groups.iloc[g].to_dict() if by else "all data", labels[j])
                 for g, j in zip(gi[:5], ki[:5], strict=True)]
        raise ValueError(f"{caller}: age groups with zero person-time ({zero.sum()} cells), "
                         f"e.g. {where}; an age-specific rate needs person-time > 0.")
    w = std["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    rate, lower, upper = _direct_arrays(d, n, w, conf_level, method)
    total_d, total_n = d.sum(axis=1), n.sum(axis=1)
    if method == "dobson" and (total_d == 0).any():
        warnings.warn(f"{caller}: the Dobson interval has no upper limit when a group has no "
                      f"events ({describe_rows(total_d == 0)}); upper is NaN there. Use "
                      "method='fay-feuer' for groups without events.", SparseDataWarning,
                      stacklevel=2)
    out = groups.copy() if by else pd.DataFrame(index=range(n_groups))
    out["events"] = total_d.astype(np.int64)
    out["person_time"] = total_n
    out["crude_rate"] = total_d / total_n
    out["rate"] = rate
    out["lower"] = lower
    out["upper"] = upper
    out["conf_level"] = conf_level
    out["method"] = method
    return out


def smr(observed, expected, conf_level=0.95, method="exact") -> pd.DataFrame:
    r"""Standardised mortality (or incidence) ratio O/E with a confidence interval.

    The observed count :math:`O` is Poisson with mean :math:`\mu`; the expected count
    :math:`E` is taken as fixed, so limits for :math:`\mu` divided by :math:`E` are the limits
    of the SMR.

    Parameters
    ----------
    observed : int or array_like of int
        Observed counts (whole numbers >= 0).
    expected : float or array_like
        Expected counts (> 0).
    conf_level : float, default 0.95
        Confidence level (``ury-wiggins``: 0.95 only).
    method : str, default "exact"
        * ``exact``: Garwood's exact Poisson limits [1]_ (R ``poisson.test(O, E)``).
        * ``mid-p``: mid-p Poisson limits (R ``epiR::epi.smr(method = "mid.p")``).
        * ``byar``: Byar's approximation [2]_.
        * ``rothman-greenland``: :math:`\text{SMR}\,\exp(\pm z/\sqrt{O})` [3]_; no upper
          limit at :math:`O = 0` (NaN with a :class:`SparseDataWarning`).
        * ``ury-wiggins``: :math:`O \pm z\sqrt{O}` plus the constants of [4]_ (1 for the
          lower and 2 for the upper limit), divided by :math:`E`; offered at 95% only, the level
          validated against epiR.
        * ``vandenbroucke``: square-root transform :math:`(\sqrt{O} \pm z/2)^2 / E` [5]_.

        At :math:`O = 0` every lower limit is 0.

    Returns
    -------
    pandas.DataFrame
        ``observed, expected, smr, lower, upper, conf_level, method``.

    References
    ----------
    .. [1] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
       28(3/4):437-442. https://doi.org/10.1093/biomet/28.3-4.437
    .. [2] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon: IARC.
    .. [3] Rothman KJ, Greenland S (1998). Modern Epidemiology, 2nd edition.
       Philadelphia: Lippincott-Raven.
    .. [4] Ury HK, Wiggins AD (1985). Another shortcut method for calculating the confidence
       interval of a Poisson variable (or of a standardized mortality ratio). American
       Journal of Epidemiology 122(1):197-198.
    .. [5] Vandenbroucke JP (1982). A shortcut method for calculating the 95 per cent
       confidence interval of the standardized mortality ratio. American Journal of
       Epidemiology 115(2):303-304.

    Examples
    --------
    >>> from lems_epi import smr
    >>> smr(137, 27.5386254298).round(3)
       observed  expected    smr  lower  upper  conf_level method
    0       137    27.539  4.975  4.177  5.881        0.95  exact
    """
    caller = "smr"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, SMR_CI_METHODS, caller=caller)
    if method == "ury-wiggins":
        check_ury_wiggins_level(conf_level, caller=caller)
    o = as_count_array(observed, name="observed", caller=caller)
    e = as_float_array(expected, name="expected", caller=caller, allow_zero=False)
    o, e = _broadcast(caller, observed=o, expected=e)
    return _smr_table(o, e, conf_level, method, caller)


def _smr_table(o, e, conf_level, method, caller) -> pd.DataFrame:
    lower, upper = _poisson_limits(o, conf_level, method)
    _warn_no_upper(o, method, caller)
    return pd.DataFrame({
        "observed": o.astype(np.int64),
        "expected": e,
        "smr": o / e,
        "lower": lower / e,
        "upper": upper / e,
        "conf_level": conf_level,
        "method": method,
    })


def standardize_indirect(data, reference_rates, on=("age_group",), events="events",
                         person_time="person_time", rate="rate", per=1, by=None,
                         method="exact", reference_crude_rate=None, how="raise",
                         conf_level=0.95) -> pd.DataFrame:
    r"""Indirect standardisation: observed and expected counts, SMR and standardised rate.

    The expected count of a group is :math:`E = \sum_j T_j \lambda_j` over its strata
    :math:`j` (keyed by the ``on`` columns: age, or age and calendar period), with
    :math:`T_j` its person-time and :math:`\lambda_j` the reference rate. The SMR is
    :math:`O/E` (see :func:`smr` for the intervals); with the reference population's crude
    rate :math:`\lambda_0`, the indirectly standardised rate is
    :math:`\text{ISR} = \text{SMR}\,\lambda_0`, its interval the SMR's times :math:`\lambda_0`.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with the ``on`` columns, events and person-time (e.g. the output of
        :func:`lems_epi.split_person_time`).
    reference_rates : pandas.DataFrame
        One row per key of the ``on`` columns, with the ``rate`` column.
    on : str or sequence of str, default ("age_group",)
        Key columns shared by ``data`` and ``reference_rates``.
    events, person_time, rate : str
        Column names.
    per : float, default 1
        The reference rates are per ``per`` person-time (e.g. ``1e6`` for per million
        person-years).
    by : str or list of str, optional
        Groups with their own SMR.
    method : str, default "exact"
        One of ``exact``, ``mid-p``, ``byar``, ``rothman-greenland``, ``ury-wiggins``,
        ``vandenbroucke`` (see :func:`smr`).
    reference_crude_rate : float, optional
        Crude rate of the reference population, in the unit of the result wanted (e.g. per
        ``per``). When given, the columns ``isr, isr_lower, isr_upper`` are added.
    how : {"raise", "inner"}, default "raise"
        Data keys absent from ``reference_rates`` raise an error naming them; with
        ``"inner"`` those strata are dropped with a
        :class:`~lems_epi.exceptions.DroppedRowsWarning` that says how many events and how
        much person-time were left out.
    conf_level : float, default 0.95
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``observed, expected, smr, lower, upper, conf_level,
        method`` and, with ``reference_crude_rate``, ``isr, isr_lower, isr_upper``.

    References
    ----------
    .. [1] Breslow NE, Day NE (1987). Statistical Methods in Cancer Research, Volume II: The
       Design and Analysis of Cohort Studies. IARC Scientific Publications No. 82. Lyon: IARC.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi import standardize_indirect
    >>> d = pd.DataFrame({"age_group": ["40-59", "60+"], "events": [3, 9],
    ...                   "person_time": [2000.0, 1000.0]})
    >>> ref = pd.DataFrame({"age_group": ["40-59", "60+"], "rate": [0.5, 4.0]})
    >>> standardize_indirect(d, ref, per=1000).round(3)
       observed  expected  smr  lower  upper  conf_level method
    0        12       5.0  2.4   1.24  4.192        0.95  exact
    """
    caller = "standardize_indirect"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(method, SMR_CI_METHODS, caller=caller)
    if method == "ury-wiggins":
        check_ury_wiggins_level(conf_level, caller=caller)
    how = check_method(how, ("raise", "inner"), caller=caller, name="how")
    per = check_positive_number(per, name="per", caller=caller)
    on = as_column_list(on, caller=caller)
    if not on:
        raise ValueError(f"{caller}: 'on' must name at least one key column, e.g. "
                         "('age_group',).")
    by = as_column_list(by, caller=caller)
    check_columns(data, [*on, events, person_time, *by], caller=caller)
    check_columns(reference_rates, [*on, rate], caller=caller, name="reference_rates")
    as_count_array(data[events], name=events, caller=caller)
    as_float_array(data[person_time], name=person_time, caller=caller)
    ref = reference_rates[[*on, rate]].reset_index(drop=True)
    ref_rate = as_float_array(ref[rate], name=rate, caller=caller)
    dup = ref.duplicated(on, keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: 'reference_rates' has more than one rate for the same key "
                         f"({', '.join(on)}) at {describe_rows(dup)}; give each key once.")
    if reference_crude_rate is not None:
        reference_crude_rate = check_positive_number(
            reference_crude_rate, name="reference_crude_rate", caller=caller, allow_zero=True)

    table = _aggregate(data, [events, person_time], [*by, *on], caller=caller)
    ref = ref.assign(**{rate: ref_rate})
    rate_col = "__reference_rate__"
    try:
        merged = table.merge(ref.rename(columns={rate: rate_col}), on=on, how="left",
                             validate="many_to_one")
    except ValueError as err:
        raise ValueError(f"{caller}: cannot match the keys {on} of 'data' and "
                         f"'reference_rates' ({err}); give the key columns the same type "
                         "in both (e.g. integers for age bands).") from None
    absent = merged[rate_col].isna().to_numpy()
    if absent.any():
        keys = merged.loc[absent, on].drop_duplicates()
        keys_text = _list_some([tuple(r) if len(on) > 1 else r[0]
                                for r in keys.itertuples(index=False)])
        lost_d = merged.loc[absent, events].sum()
        lost_t = merged.loc[absent, person_time].sum()
        message = (f"{caller}: {len(keys)} key(s) ({', '.join(on)}) of the data have no "
                   f"reference rate: {keys_text}; they hold {lost_d:g} events and {lost_t:g} "
                   "person-time.")
        if how == "raise":
            raise ValueError(message + " Add their rates, or pass how='inner' to drop them "
                                       "with a warning.")
        warnings.warn(message + " Those strata were dropped (how='inner').",
                      DroppedRowsWarning, stacklevel=2)
        merged = merged.loc[~absent]
    merged = merged.assign(__expected__=merged[person_time] * merged[rate_col] / per)
    if by:
        grouped = (merged.groupby(by, observed=True, sort=True)[[events, "__expected__"]].sum()
                   .reset_index())
    else:
        grouped = pd.DataFrame({events: [merged[events].sum()],
                                "__expected__": [merged["__expected__"].sum()]})
    e = grouped["__expected__"].to_numpy(dtype=float)
    o = grouped[events].to_numpy(dtype=float)
    bad = e <= 0
    if bad.any():
        labels = grouped.loc[bad, by].to_dict("records") if by else ["all data"]
        raise ValueError(f"{caller}: expected count is zero for {labels[:5]} (no person-time "
                         "or zero reference rates); an SMR needs E > 0.")
    out = grouped[by].reset_index(drop=True) if by else pd.DataFrame(index=range(len(o)))
    res = _smr_table(o, e, conf_level, method, caller)
    out = pd.concat([out, res], axis=1)
    if reference_crude_rate is not None:
        out["isr"] = out["smr"] * reference_crude_rate
        out["isr_lower"] = out["lower"] * reference_crude_rate
        out["isr_upper"] = out["upper"] * reference_crude_rate
    return out
