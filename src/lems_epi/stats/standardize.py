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
from scipy import optimize, stats

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_column_name,
    check_columns,
    check_conf_level,
    check_positive_number,
    describe_rows,
    resolve_method,
)
from lems_epi.exceptions import DroppedRowsWarning, SparseDataWarning, UndefinedValueWarning
from lems_epi.populations import standard_population
from lems_epi.stats.age_groups import check_open_top_age, map_age_groups
from lems_epi.stats.contract import contract_frame, stack_measures
from lems_epi.stats.dask_reduce import as_stratum_table
from lems_epi.stats.dsr_intervals import (
    DIRECT_ALIASES,
    DIRECT_METHOD_NOTES,
    DIRECT_METHODS,
    direct_limits,
)
from lems_epi.stats.intervals import (
    POISSON_CI_ALIASES,
    SMR_CI_METHODS,
    _broadcast,
    _poisson_limits,
    _warn_no_upper,
    check_ury_wiggins_level,
    finish,
    read_inputs,
)
from lems_epi.stats.rate_tables import _aggregate

__all__ = ["DIRECT_METHODS", "DIRECT_ALIASES", "DIRECT_METHOD_NOTES", "smr",
           "standardize_direct", "standardize_indirect"]

def _list_some(values, limit: int = 8) -> str:
    values = list(values)
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(repr(v) for v in values[:limit]) + more


def _standard_table(standard, *, caller: str) -> pd.DataFrame:
    """The standard as a table with string ``age_group`` and float ``weight``.

    ``standard`` is a name, a DataFrame (``age_group``, ``weight``), a Series or dict
    (age group -> weight) or a sequence of weights (age groups numbered from 0).
    """
    if isinstance(standard, str):
        table = standard_population(standard)
    elif isinstance(standard, pd.DataFrame):
        check_columns(standard, ["age_group", "weight"], caller=caller, name="standard")
        table = standard.reset_index(drop=True).copy()
    elif isinstance(standard, (pd.Series, dict)):
        series = pd.Series(standard)
        table = pd.DataFrame({"age_group": series.index.astype(str),
                              "weight": series.to_numpy()})
    elif standard is not None and np.ndim(standard) == 1:
        weights = np.asarray(standard)
        table = pd.DataFrame({"age_group": np.arange(weights.size).astype(str),
                              "weight": weights})
    else:
        raise TypeError(f"{caller}: 'standard' must be a standard population name (see "
                        "lems_epi.standard_population), a DataFrame with columns 'age_group' "
                        "and 'weight', a Series or dict of weights by age group, or a list of "
                        f"weights; got {type(standard).__name__}.")
    table["weight"] = as_float_array(table["weight"], name="weight", caller=caller)
    table["age_group"] = table["age_group"].astype(str)
    dup = table["age_group"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: the standard lists age groups more than once: "
                         f"{_list_some(table.loc[dup, 'age_group'].unique())}.")
    if not table["weight"].sum() > 0:
        raise ValueError(f"{caller}: the standard's weights sum to zero; give positive weights.")
    return table


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


def _vector_inputs(events, person_time, age, standard, *, caller: str):
    """epitools-style call: events, person_time (and age) as vectors -> a stratum table."""
    x = as_count_array(events, name="events", caller=caller)
    t = as_float_array(person_time, name="person_time", caller=caller)
    if x.size != t.size:
        raise ValueError(f"{caller}: 'events' and 'person_time' have {x.size} and {t.size} "
                         "values; give one per age group.")
    if isinstance(age, str):
        if isinstance(standard, (pd.Series, dict, pd.DataFrame)) and len(standard) == x.size:
            labels = (standard["age_group"] if isinstance(standard, pd.DataFrame)
                      else pd.Series(standard).index).astype(str).tolist()
        elif standard is not None and not isinstance(standard, str) and \
                np.ndim(standard) == 1:
            labels = [str(i) for i in range(x.size)]
        else:
            raise ValueError(f"{caller}: with 'events' and 'person_time' given as vectors, "
                             "give the age groups as age=[...] (or the weights as a list, "
                             "one per age group, in the same order).")
    else:
        labels = [str(v) for v in np.asarray(age, dtype=object).ravel()]
        if len(labels) != x.size:
            raise ValueError(f"{caller}: 'age' has {len(labels)} values and 'events' "
                             f"{x.size}; give one age group per count.")
    frame = pd.DataFrame({"age_group": labels, "events": x, "person_time": t})
    return frame, "events", "person_time", "age_group"


def _user_weights(data: pd.DataFrame, age: str, weights: str, *, caller: str) -> pd.DataFrame:
    """A standard read from a weight column of the data (one weight per age group)."""
    check_columns(data, [age, weights], caller=caller)
    w = as_float_array(data[weights], name=weights, caller=caller)
    table = pd.DataFrame({"age_group": data[age].astype(str).to_numpy(), "weight": w})
    table = table.drop_duplicates()
    dup = table["age_group"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: the weights column {weights!r} gives different weights "
                         f"to the same age group: {_list_some(table.loc[dup, 'age_group'])}.")
    return table.reset_index(drop=True)


def _direct_cells(data, age, events, person_time, by, std, *, single_year_ages, open_top_age,
                  caller):
    """Events and person-time per group x (merged) standard band, and the band weights."""
    missing_age = data[age].isna().to_numpy()
    if missing_age.any():
        raise ValueError(f"{caller}: age column {age!r} has missing values at "
                         f"{describe_rows(missing_age, data.index)}; fill or drop those rows.")
    row_codes, uniques = pd.factorize(data[age], sort=True)
    values = list(uniques.astype(object)) if not isinstance(uniques, pd.Categorical) \
        else list(uniques.astype(object))
    code_of, labels, w = map_age_groups(values, std, single_year_ages=single_year_ages,
                                        open_top_age=open_top_age, caller=caller, age=age)
    k = code_of[row_codes]
    codes, groups = _group_codes(data, by, caller=caller)
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    size = n_groups * len(labels)
    cell = codes * len(labels) + k
    ev = as_count_array(data[events], name=events, caller=caller)
    pt = as_float_array(data[person_time], name=person_time, caller=caller)
    d = np.bincount(cell, weights=ev, minlength=size).reshape(n_groups, len(labels))
    n = np.bincount(cell, weights=pt, minlength=size)
    rows = np.bincount(cell, minlength=size)
    n = np.where(rows > 0, n, np.nan).reshape(n_groups, len(labels))
    for bad, what in ((np.isnan(n), "standard age groups without data rows"),
                      (n <= 0, "age groups with zero person-time")):
        if bad.any():
            gi, ki = np.nonzero(bad)
            where = [(groups.iloc[g].to_dict() if by else "all data", labels[j])
                     for g, j in zip(gi[:5], ki[:5], strict=True)]
            raise ValueError(f"{caller}: {what} ({bad.sum()} group x age cells), e.g. "
                             f"{where}. Every weight needs data with person-time > 0: add "
                             "rows (zero events), or use a standard restricted to the ages "
                             "present.")
    if not (np.isfinite(d).all() and np.isfinite(n).all()):
        raise ValueError(f"{caller}: the sums of {events!r} or {person_time!r} overflow; "
                         "rescale the columns.")
    return d, n, w / w.sum(), groups, n_groups


def standardize_direct(data=None, standard=None, *, events="events",
                       person_time="person_time", age="age_group", weights=None, by=None,
                       per=1, method="fay-feuer", conf_level=0.95, single_year_ages=False,
                       open_top_age=None) -> pd.DataFrame:
    r"""Directly age-standardised rates with confidence intervals.

    For each group, the standardised rate is :math:`R = \sum_k w_k d_k / n_k` with standard
    weights :math:`w_k` scaled to sum to 1, :math:`d_k` events and :math:`n_k` person-time in
    age group :math:`k`; its variance is :math:`V = \sum_k w_k^2 d_k / n_k^2`.

    The data may be banded in any way (:mod:`lems_epi.stats.age_groups`): the standard's own
    labels, labels such as ``"0-4"``, ``"85+"`` or ``"0-39"``, numeric band starts, or single
    years of age. A data group inside one standard band adds to that band; a data group made of
    whole standard bands (an open top group ``"85+"`` against ``85-89, 90+``; coarse groups
    ``0-39, 40-59``) takes the sum of their weights; a group that straddles a boundary of the
    standard is an error naming it.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame, optional
        Rows with the age group, events and person-time (several rows of one age group and
        group are summed): stratum counts or person rows (``person_time=None`` counts one
        unit per row; a boolean ``events`` column counts each True). A dask DataFrame is
        reduced by a dask groupby first. Omit it to pass ``events`` and ``person_time`` as
        vectors (one value per age group), as R's ``epitools::ageadjust.direct`` takes them.
    standard : str, pandas.DataFrame, pandas.Series, dict or sequence of float
        A name accepted by :func:`lems_epi.standard_population` (``"esp2013"``, ``"who2000"``,
        ``"segi1960"``, ``"esp1976"``, ``"nordic2000"``), a table with columns ``age_group``
        and ``weight`` (and ``age_start``, ``age_end``), weights by age group (Series, dict),
        or, with vectors, a list of weights in the order of the counts.
    events, person_time, age : str or array_like
        Column names; or (without ``data``) the vectors themselves.
    weights : str or weights, optional
        A column of ``data`` holding each age group's standard weight (the same on every row
        of a group), or the weights themselves (as ``standard`` takes them).
    by : str or list of str, optional
        Groups standardised separately (e.g. areas or calendar periods).
    per : float, default 1
        Multiplier of the rates (e.g. ``100_000``).
    method : str, default "fay-feuer"
        One of :data:`DIRECT_METHODS`:

        * ``fay-feuer``: gamma interval [1]_ (R ``epitools::ageadjust.direct``,
          ``dsrTest(method = "gamma")``); coverage at least nominal in the simulations of [1]_
          and [2]_. At zero events the lower limit is 0 (epitools returns NA there). Alias
          ``gamma``.
        * ``tiwari``: the modified gamma interval of [2]_, whose upper limit adds the mean
          rather than the maximum of :math:`w_k/n_k`; shorter, close to nominal.
        * ``dobson``: :math:`R + \sqrt{V/O}\,(O_{L,U} - O)` with :math:`O_{L,U}` the exact
          Poisson limits of the total count :math:`O` [3]_. At :math:`O = 0` the lower limit
          is 0 and the upper limit is undefined: NaN, with a :class:`SparseDataWarning`.
        * ``normal``: :math:`R \pm z\sqrt{V}`, lower clipped at 0 (teaching only).
        * the further variants of :data:`DIRECT_METHODS` are described in
          :data:`DIRECT_METHOD_NOTES`. The log, log-log and logit normal intervals, the beta
          interval and the approximate bootstrap are undefined for a group without events
          (its variance is 0): NaN there, with a :class:`SparseDataWarning`.
    conf_level : float, default 0.95
        Confidence level.
    single_year_ages : bool, default False
        Numeric ages are single years (each covers one year), not band starts; the last one
        is then closed unless ``open_top_age`` says otherwise.
    open_top_age : float, optional
        The data's age group starting here is open (e.g. 85 for ``"85+"``, or 99 for single
        years whose 99 means 99 and over): the standard's bands from it upwards are merged.
        Defaults to ``data.attrs["open_top_age"]`` when present.

    Returns
    -------
    pandas.DataFrame
        On the output contract: the ``by`` columns, ``events, person_time, measure``
        ("dsr"), ``estimate, lower, upper, conf_level, method, per``, then ``crude_rate``
        (events / person-time, times ``per``).

    Raises
    ------
    ValueError
        Age groups without a place in the standard or straddling its boundaries (the
        message names them), weights without data, age groups with zero person-time, bad
        counts, unknown method, bad ``open_top_age``.

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
    >>> out = standardize_direct(d, std, per=1000)
    >>> out[["events", "measure", "estimate", "lower", "upper", "crude_rate"]].round(3)
       events measure  estimate  lower  upper  crude_rate
    0      32     dsr      1.36   0.92  1.991       2.133

    Vectors, as in epitools (weights in the order of the counts):

    >>> standardize_direct(events=[2, 30], person_time=[10000, 5000],
    ...                    standard=[0.8, 0.2], per=1000)["estimate"].round(3).tolist()
    [1.36]
    """
    caller = "standardize_direct"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = resolve_method(method, DIRECT_METHODS, caller=caller, aliases=DIRECT_ALIASES)
    per = check_positive_number(per, name="per", caller=caller)
    open_top_age = check_open_top_age(open_top_age, caller=caller)
    by = as_column_list(by, caller=caller)
    if data is None:
        data, events, person_time, age = _vector_inputs(
            events, person_time, age, weights if standard is None else standard, caller=caller)
    for name, value in (("events", events), ("age", age)):
        check_column_name(value, name=name, caller=caller)
    check_column_name(person_time, name="person_time", caller=caller, allow_none=True)
    if weights is not None and standard is not None:
        raise ValueError(f"{caller}: give the standard either as 'standard' or as 'weights', "
                         "not both.")
    if isinstance(weights, str):
        std = _user_weights(data, age, weights, caller=caller)
    else:
        std = _standard_table(weights if weights is not None else standard, caller=caller)
    if open_top_age is None and isinstance(data, pd.DataFrame):
        open_top_age = check_open_top_age(data.attrs.get("open_top_age"), caller=caller)
    data, events, person_time = as_stratum_table(data, [age, *by], events, person_time)
    check_columns(data, [age, events, person_time, *by], caller=caller)
    d, n, w, groups, n_groups = _direct_cells(
        data, age, events, person_time, by, std, single_year_ages=single_year_ages,
        open_top_age=open_top_age, caller=caller)
    rate, lower, upper = direct_limits(d, n, w, conf_level, method)
    total_d, total_n = d.sum(axis=1), n.sum(axis=1)
    _warn_zero_events(method, total_d, caller)
    lower, upper = _undefined_above_one(method, rate, lower, upper, caller)
    return contract_frame({"events": _counts(total_d), "person_time": total_n},
                          groups=groups, measure="dsr", estimate=per * rate,
                          lower=per * lower, upper=per * upper, conf_level=conf_level,
                          method=method, per=per, extra={"crude_rate": per * total_d / total_n})


#: methods whose interval is undefined for a group without events (the variance is 0): NaN
_UNDEFINED_AT_ZERO = ("normal-log", "normal-loglog", "normal-logit", "beta",
                      "approximate-bootstrap")


def _warn_zero_events(method: str, total_d: np.ndarray, caller: str) -> None:
    zero = total_d == 0
    if not zero.any():
        return
    if method.startswith("dobson"):
        what = "the Dobson interval has no upper limit"
    elif method in _UNDEFINED_AT_ZERO:
        what = f"the {method!r} interval is undefined (zero variance)"
    elif method in ("normal", "normal-binomial"):
        warnings.warn(f"{caller}: the {method!r} interval collapses to [0, 0] when a group has "
                      f"no events ({describe_rows(zero)}). Use method='fay-feuer' for groups "
                      "without events.", SparseDataWarning, stacklevel=3)
        return
    else:
        return
    warnings.warn(f"{caller}: {what} when a group has no events ({describe_rows(zero)}); "
                  "its limits are NaN there. Use method='fay-feuer' for groups without events.",
                  SparseDataWarning, stacklevel=3)


#: methods that treat the rate as a proportion (logit, log-log, beta, binomial variance)
_PROPORTION_SCALE = ("normal-loglog", "normal-logit", "normal-binomial", "beta", "beta-tiwari",
                     "beta-mean", "beta-minmaxavg", "beta-max")


def _undefined_above_one(method, rate, lower, upper, caller):
    """NaN limits, with a warning, where a proportion-scale method meets a rate >= 1."""
    if method not in _PROPORTION_SCALE:
        return lower, upper
    # the beta variants also fail where the shifted mean (rate + weight modification) reaches 1
    # or the variance exceeds that of a Bernoulli: their limits come back NaN there
    bad = (rate >= 1.0) | ((rate > 0) & (np.isnan(lower) | np.isnan(upper)))
    # dsrTest's weight-modified beta variants take both limits from the shifted beta: where a
    # stratum's w/n is large against the rate the lower limit lands above the DSR itself, which
    # is no interval for it; the limit is undefined there
    above = (rate > 0) & (lower > rate * (1 + 1e-12))
    if above.any():
        warnings.warn(f"{caller}: method {method!r} puts the lower limit above the DSR at "
                      f"{describe_rows(above)} (its weight modification, added to both limits, "
                      "exceeds the rate: a stratum with very little person-time and a large "
                      "weight); the lower limit is NaN there. Use method='fay-feuer' or "
                      "method='beta'.", UndefinedValueWarning, stacklevel=3)
        lower = np.where(above, np.nan, lower)
    if bad.any():
        warnings.warn(f"{caller}: method {method!r} treats the rate as a proportion and is "
                      f"undefined where it (or, for the beta variants, the rate plus the weight "
                      f"modification) is 1 or more per unit of person-time, or where its "
                      f"variance is that large ({describe_rows(bad)}); its limits are NaN there. "
                      "Express person-time in smaller units or use method='fay-feuer'.",
                      UndefinedValueWarning, stacklevel=3)
        lower, upper = np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)
    return lower, upper


def _counts(x: np.ndarray) -> np.ndarray:
    return x.astype(np.int64) if np.all(x == np.round(x)) else x


def smr(observed, expected=None, *, conf_level=0.95, method="exact") -> pd.DataFrame:
    r"""Standardised mortality (or incidence) ratio O/E with a confidence interval.

    The observed count :math:`O` is Poisson with mean :math:`\mu`; the expected count
    :math:`E` is taken as fixed, so limits for :math:`\mu` divided by :math:`E` are the limits
    of the SMR.

    Parameters
    ----------
    observed : int, array_like of int, pandas.Series or pandas.DataFrame
        Observed counts (whole numbers >= 0). A DataFrame gives its ``observed`` and
        ``expected`` columns (its other columns lead the result); a Series' index is kept.
    expected : float, array_like or str
        Expected counts (> 0); with a DataFrame ``observed``, a string names its column.
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
        * ``profile``: profile-likelihood interval of the Poisson model with offset
          :math:`\log E` [6]_: every :math:`\theta` with
          :math:`2\{O\log(O/\theta E) - (O - \theta E)\} \le \chi^2_{1}` (R
          ``popEpi::sir(conf.type = "profile")``; alias ``likelihood-ratio``).
        * ``qpois``: Poisson quantiles of the observed count, ``qpois(alpha/2, O) / E`` and
          ``qpois(1 - alpha/2, O) / E`` (R ``epiR::epi.indirectadj``; a plug-in interval,
          not a confidence interval with guaranteed coverage).
        * ``score``, ``jeffreys``, ``byar-epitools``, ``normal``: as in
          :func:`lems_epi.poisson_ci`.

        At :math:`O = 0` every lower limit is 0.

    Returns
    -------
    pandas.DataFrame
        On the output contract: ``observed, expected, measure`` ("smr"), ``estimate, lower,
        upper, conf_level, method, per``.

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
    .. [6] Venzon DJ, Moolgavkar SH (1988). A method for computing profile-likelihood-based
       confidence intervals. Applied Statistics 37(1):87-94.

    Examples
    --------
    >>> from lems_epi import smr
    >>> smr(137, 27.5386254298)[["observed", "measure", "estimate", "lower", "upper"]].round(3)
       observed measure  estimate  lower  upper
    0       137     smr     4.975  4.177  5.881
    """
    caller = "smr"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = _smr_method(method, conf_level, caller)
    observed, expected, groups, index = read_inputs(caller, observed, expected,
                                                    ("observed", "expected"), None)
    if expected is None:
        raise TypeError(f"{caller}: 'expected' (the expected counts) is required.")
    o = as_count_array(observed, name="observed", caller=caller)
    e = as_float_array(expected, name="expected", caller=caller, allow_zero=False)
    o, e = _broadcast(caller, observed=o, expected=e)
    return finish(_smr_table(o, e, conf_level, method, caller), index, groups)


def _smr_method(method, conf_level, caller):
    aliases = {**POISSON_CI_ALIASES, "likelihood-ratio": "profile", "lrt": "profile",
               "poisson-quantile": "qpois"}
    method = resolve_method(method, SMR_CI_METHODS, caller=caller, aliases=aliases)
    if method == "ury-wiggins":
        check_ury_wiggins_level(conf_level, caller=caller)
    return method


def _profile_limits(o, conf_level):
    r"""Likelihood-ratio limits of a Poisson mean.

    Every mu with :math:`2\{O\log(O/\mu) - (O - \mu)\} \le \chi^2_1`.
    """
    crit = stats.chi2.ppf(conf_level, 1) / 2.0
    low, upp = np.zeros(o.shape), np.zeros(o.shape)
    for i, x in enumerate(o):
        def f(mu, x=x):
            return x * np.log(x / mu) - (x - mu) - crit if x > 0 else mu - crit

        upp[i] = optimize.brentq(f, max(x, 1e-300), x + 10 * np.sqrt(crit * (x + 1)) + 10,
                                 xtol=1e-14, rtol=1e-13)
        if x > 0:
            low[i] = optimize.brentq(f, 1e-300, x, xtol=1e-300, rtol=1e-13)
    return low, upp


def _smr_table(o, e, conf_level, method, caller) -> pd.DataFrame:
    if method == "profile":
        lower, upper = _profile_limits(o, conf_level)
    else:
        lower, upper = _poisson_limits(o, conf_level, method)
    _warn_no_upper(o, method, caller)
    return contract_frame({"observed": o.astype(np.int64), "expected": e}, measure="smr",
                          estimate=o / e, lower=lower / e, upper=upper / e,
                          conf_level=conf_level, method=method)


def _merge_reference(table, ref, on, events, person_time, rate_col, how, caller):
    """Join the reference rates to the data's strata; absent keys raise or are dropped."""
    try:
        merged = table.merge(ref, on=on, how="left", validate="many_to_one")
    except (ValueError, TypeError) as err:
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
                      DroppedRowsWarning, stacklevel=3)
        merged = merged.loc[~absent]
    return merged


def _reference_table(reference_rates, on, rate, *, caller):
    check_columns(reference_rates, [*on, rate], caller=caller, name="reference_rates")
    ref = reference_rates[[*on, rate]].reset_index(drop=True)
    ref_rate = as_float_array(ref[rate], name=rate, caller=caller)
    dup = ref.duplicated(on, keep=False).to_numpy()
    if dup.any():
        raise ValueError(f"{caller}: 'reference_rates' has more than one rate for the same key "
                         f"({', '.join(on)}) at {describe_rows(dup)}; give each key once.")
    return ref.assign(**{rate: ref_rate}).rename(columns={rate: "__reference_rate__"})


def standardize_indirect(data, reference_rates, *, on=("age_group",), events="events",
                         person_time="person_time", rate="rate", reference_per=1, by=None,
                         per=1, method="exact", reference_crude_rate=None, how="raise",
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
    reference_per : float, default 1
        The unit of the reference rates (and of ``reference_crude_rate``): rates per
        ``reference_per`` person-time (e.g. ``1e6`` for rates per million person-years).
    by : str or list of str, optional
        Groups with their own SMR.
    per : float, default 1
        Multiplier of the indirectly standardised rate (the ``isr`` rows).
    method : str, default "exact"
        One of :data:`~lems_epi.stats.intervals.SMR_CI_METHODS` (see :func:`smr`), e.g.
        ``exact``, ``mid-p``, ``byar``, ``qpois`` (as R's ``epiR::epi.indirectadj``).
    reference_crude_rate : float, optional
        Crude rate of the reference population, per ``reference_per``. When given, each
        group gains an ``isr`` row (the indirectly standardised rate, times ``per``).
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
        On the output contract: the ``by`` columns, ``observed, expected, measure``
        ("smr", and "isr" with ``reference_crude_rate``), ``estimate, lower, upper,
        conf_level, method, per``.

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
    >>> out = standardize_indirect(d, ref, reference_per=1000)
    >>> out[["observed", "expected", "measure", "estimate", "lower", "upper"]].round(3)
       observed  expected measure  estimate  lower  upper
    0        12       5.0     smr       2.4   1.24  4.192
    """
    caller = "standardize_indirect"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = _smr_method(method, conf_level, caller)
    how = resolve_method(how, ("raise", "inner"), caller=caller, name="how")
    reference_per = check_positive_number(reference_per, name="reference_per", caller=caller)
    per = check_positive_number(per, name="per", caller=caller)
    on = as_column_list(on, caller=caller, name="on")
    if not on:
        raise ValueError(f"{caller}: 'on' must name at least one key column, e.g. "
                         "('age_group',).")
    by = as_column_list(by, caller=caller)
    for name, value in (("events", events), ("person_time", person_time), ("rate", rate)):
        check_column_name(value, name=name, caller=caller)
    check_columns(data, [*on, events, person_time, *by], caller=caller)
    ref = _reference_table(reference_rates, on, rate, caller=caller)
    if reference_crude_rate is not None:
        reference_crude_rate = check_positive_number(
            reference_crude_rate, name="reference_crude_rate", caller=caller, allow_zero=True)
    as_count_array(data[events], name=events, caller=caller)
    table = _aggregate(data, [events, person_time], [*by, *on], caller=caller)
    merged = _merge_reference(table, ref, on, events, person_time, "__reference_rate__", how,
                              caller)
    with np.errstate(over="ignore"):
        merged = merged.assign(__expected__=merged[person_time] * merged["__reference_rate__"]
                               / reference_per)
    if by:
        grouped = (merged.groupby(by, observed=True, sort=True)[[events, "__expected__"]].sum()
                   .reset_index())
    else:
        grouped = pd.DataFrame({events: [merged[events].sum()],
                                "__expected__": [merged["__expected__"].sum()]})
    e = grouped["__expected__"].to_numpy(dtype=float)
    o = grouped[events].to_numpy(dtype=float)
    if not np.isfinite(e).all():
        raise ValueError(f"{caller}: the expected count overflows (person_time x {rate!r} / "
                         "reference_per is too large); rescale the person-time or the rates.")
    bad = ~(e > 0)
    if bad.any():
        labels = grouped.loc[bad, by].to_dict("records") if by else ["all data"]
        raise ValueError(f"{caller}: expected count is zero for {labels[:5]} (no person-time "
                         "or zero reference rates); an SMR needs E > 0.")
    groups = grouped[by].reset_index(drop=True) if by else None
    res = finish(_smr_table(o, e, conf_level, method, caller), None, groups)
    if reference_crude_rate is None:
        return res
    scale = reference_crude_rate / reference_per * per
    isr = res.assign(measure="isr", estimate=res["estimate"] * scale,
                     lower=res["lower"] * scale, upper=res["upper"] * scale, per=per)
    return stack_measures([res, isr], group_columns=by)
