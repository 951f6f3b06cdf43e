r"""Period life expectancy from deaths and populations by age band (Chiang II abridged table).

For age bands :math:`i = 0, \dots, k` starting at :math:`x_i` with width :math:`n_i` (the last
band open), deaths :math:`D_i` and mid-year population :math:`P_i`, the abridged life table of
Chiang (1968, method II) as Public Health England computes it (PHEindicatormethods'
``phe_life_expectancy``, the PHE Life Expectancy Calculator) is

.. math::

    M_i &= D_i / P_i, \qquad
    q_i = \frac{n_i M_i}{1 + n_i M_i (1 - a_i)} \ (\text{1 in the open band}), \\
    l_0 &= 100\,000, \quad l_{i+1} = l_i (1 - q_i), \quad d_i = l_i - l_{i+1}, \\
    L_i &= n_i (l_{i+1} + a_i d_i), \quad L_k = l_k / M_k, \quad
    T_i = \textstyle\sum_{j \ge i} L_j, \quad e_i = T_i / l_i,

with :math:`a_i` the fraction of the band lived by those who die in it: 0.1 for the band
starting at age 0 and 0.5 otherwise. (When :math:`D_i > P_i / (n_i a_i)` the formula would give
:math:`q_i > 1`; :math:`q_i = 1` then.)

Chiang's variance, with Silcocks et al.'s (2001) term for the open band:

.. math::

    \widehat{\mathrm{Var}}(e_i) = \frac{1}{l_i^2}\Big[\sum_{i \le j < k}
    l_j^2 \big((1 - a_j) n_j + e_{j+1}\big)^2 \frac{q_j^2 (1 - q_j)}{D_j}
    + \frac{l_k^2}{D_k M_k^2}\Big],

(a band without deaths contributes 0) and the interval is :math:`e_i \pm z\,\mathrm{SE}`.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from lems_epi._validation import (
    as_column_list,
    as_count_array,
    as_float_array,
    check_columns,
    check_conf_level,
    check_method,
    describe_rows,
)
from lems_epi.exceptions import SparseDataWarning, UndefinedValueWarning
from lems_epi.stats._core import z_value
from lems_epi.stats.contract import contract_frame

__all__ = ["LIFE_EXPECTANCY_METHODS", "life_expectancy", "chiang_life_table"]

#: Methods of :func:`life_expectancy`.
LIFE_EXPECTANCY_METHODS = ("chiang-ii",)
_ALIASES = {"chiang": "chiang-ii", "chiang2": "chiang-ii", "phe": "chiang-ii"}
_RADIX = 1e5


def _age_start(values, caller: str) -> np.ndarray:
    """The first whole number of each age label ("0", "1-4", "90+", "85 - 89", 45)."""
    out = np.empty(len(values))
    for i, v in enumerate(values):
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
            continue
        match = re.search(r"\d+", str(v))
        if match is None:
            raise ValueError(f"{caller}: age group {v!r} has no starting age; use labels like "
                             "'0', '1-4', '5-9', ..., '90+' or numeric band starts.")
        out[i] = float(match.group())
    return out


def chiang_life_table(age_start, deaths, population, *, infant_fraction=0.1) -> pd.DataFrame:
    """The Chiang II abridged life table of one population (see the module docstring).

    Parameters
    ----------
    age_start : array_like
        Start of each age band, increasing; the last band is open.
    deaths, population : array_like
        Deaths and (mid-year) population in each band.
    infant_fraction : float, default 0.1
        :math:`a` of the band starting at age 0 (0.5 for every other band).

    Returns
    -------
    pandas.DataFrame
        ``age_start, n, a, m, q, l, d, L, T, e, std_err``: one row per band.

    Examples
    --------
    >>> t = chiang_life_table([0, 1, 5], [10, 2, 500], [1000, 4000, 5000])
    >>> t["e"].round(4).tolist()
    [14.8286, 13.976, 10.0]
    """
    x = np.asarray(age_start, dtype=float)
    dth = np.asarray(deaths, dtype=float)
    pop = np.asarray(population, dtype=float)
    k = x.size
    width = np.append(np.diff(x), np.nan)
    a = np.where(x == 0, infant_fraction, 0.5)
    m = dth / pop
    q = np.ones(k)
    closed = np.arange(k) < k - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        formula = width * m / (1 + width * m * (1 - a))
    ok = closed & (dth <= pop / width / a)
    q[ok] = formula[ok]
    surv = np.concatenate([[_RADIX], _RADIX * np.cumprod(1 - q[:-1])])
    died = surv - np.append(surv[1:], 0.0)
    lived = np.empty(k)
    lived[:-1] = width[:-1] * (surv[1:] + a[:-1] * died[:-1])
    lived[-1] = surv[-1] / m[-1]
    total = np.cumsum(lived[::-1])[::-1]
    if (surv == 0).any():
        warnings.warn(f"chiang_life_table: no one survives to age {x[surv == 0][0]:g} (a band's "
                      "probability of dying reaches 1), so life expectancy from there on is "
                      "undefined and reported as NaN; merge sparse bands.",
                      UndefinedValueWarning, stacklevel=3)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(surv > 0, total / surv, np.nan)
        var_p = np.where(dth > 0, q**2 * (1 - q) / dth, 0.0)
        e_next = np.append(np.nan_to_num(e[1:]), 0.0)  # bands no one reaches weigh 0
        weighted = var_p * surv**2 * ((1 - a) * np.nan_to_num(width) + e_next) ** 2
        weighted[-1] = surv[-1] ** 2 / (dth[-1] * m[-1] ** 2)
        se = np.sqrt(np.cumsum(weighted[::-1])[::-1]) / surv
    return pd.DataFrame({"age_start": x, "n": width, "a": a, "m": m, "q": q, "l": surv,
                         "d": died, "L": lived, "T": total, "e": e, "std_err": se})


def _check_group(ages, dth, pop, label, caller):
    """Refuse what the table cannot hold; warn for a small population (PHE's 5,000)."""
    where = "" if label is None else f" in group {label}"
    if np.unique(ages).size != ages.size:
        raise ValueError(f"{caller}: age bands appear more than once{where}; give one row per "
                         "age band and group (sum the rows first).")
    bad = pop <= 0
    if bad.any():
        raise ValueError(f"{caller}: population is zero{where} at {describe_rows(bad)}; every "
                         "band needs people (merge sparse bands).")
    bad = dth > pop
    if bad.any():
        raise ValueError(f"{caller}: more deaths than population{where} at "
                         f"{describe_rows(bad)}; check the data.")
    if dth[-1] == 0:
        raise ValueError(f"{caller}: no deaths in the open top band{where}: life expectancy "
                         "there (population / deaths) is infinite. Merge the top bands.")
    if pop.sum() < 5000:
        warnings.warn(f"{caller}: total population {pop.sum():.0f}{where} is below 5,000, the "
                      "minimum PHE (Toson and Baker 2003) considers robust for life "
                      "expectancy; the interval is wide and may be poor.", SparseDataWarning,
                      stacklevel=3)


def life_expectancy(data, *, deaths="deaths", population="population", age_group="age_group",
                    by=None, conf_level=0.95, method="chiang-ii", infant_fraction=0.1
                    ) -> pd.DataFrame:
    r"""Period life expectancy at birth and at each age band, with Chiang's interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per age band (and group): deaths and mid-year population (person-years).
    deaths, population, age_group : str
        Column names. ``age_group`` holds band labels (``"0"``, ``"1-4"``, ``"5-9"``, ...,
        ``"90+"``) or numeric band starts; the bands are sorted by their starting age and the
        last one is open.
    by : str or list of str, optional
        Groups (areas, sexes, periods) each with its own table.
    conf_level : float, default 0.95
        Confidence level of the normal interval :math:`e \pm z\,\mathrm{SE}`.
    method : {"chiang-ii"}, default "chiang-ii"
        Chiang's method II abridged table with Silcocks et al.'s variance for the open band,
        as PHEindicatormethods' ``phe_life_expectancy`` (aliases ``"chiang"``, ``"phe"``).
    infant_fraction : float, default 0.1
        :math:`a` of the band starting at age 0 (PHE: 0.1; 0.5 elsewhere).

    Returns
    -------
    pandas.DataFrame
        On the output contract, one row per group and age band: the ``by`` columns,
        ``age_group``, ``age_start``, ``events`` and ``person_time`` (deaths and population at
        and above that age: what the estimate uses), ``measure`` (``"life_expectancy"``),
        ``estimate`` (years), ``lower``, ``upper``, ``conf_level``, ``method``, ``per`` (1),
        then ``std_err``.

    Raises
    ------
    ValueError
        For negative deaths, a zero population, more deaths than people, no deaths in the
        open band, a group whose bands differ from the others', or an unknown method.

    Warns
    -----
    SparseDataWarning
        When a group's total population is below 5,000 (PHE suppresses those).

    References
    ----------
    .. [1] Chiang CL (1968). *Introduction to Stochastic Processes in Biostatistics*. Wiley,
       New York. Chapter 9, The life table and its construction (pp. 189-214).
    .. [2] Silcocks PBS, Jenner DA, Reza R (2001). Life expectancy as a summary of mortality in
       a population: statistical considerations and suitability for use by health
       authorities. Journal of Epidemiology and Community Health 55(1):38-43.
       https://doi.org/10.1136/jech.55.1.38
    .. [3] Eayres DP, Williams ES (2004). Evaluation of methodologies for small area life
       expectancy estimation. Journal of Epidemiology and Community Health 58(3):243-249.
       https://doi.org/10.1136/jech.2003.009654
    .. [4] Fox S et al. PHEindicatormethods: common public health statistics and their
       confidence intervals (R package), function ``phe_life_expectancy``.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi.stats import life_expectancy
    >>> d = pd.DataFrame({"age_group": ["0", "1-4", "5+"], "deaths": [10, 2, 500],
    ...                   "population": [1000, 4000, 5000]})
    >>> life_expectancy(d)[["age_group", "estimate", "lower", "upper"]].round(3)
      age_group  estimate   lower   upper
    0         0    14.829  13.957  15.700
    1       1-4    13.976  13.101  14.851
    2        5+    10.000   9.123  10.877
    """
    caller = "life_expectancy"
    conf_level = check_conf_level(conf_level, caller=caller)
    method = check_method(_ALIASES.get(method, method), LIFE_EXPECTANCY_METHODS, caller=caller)
    by = as_column_list(by, caller=caller)
    check_columns(data, [deaths, population, age_group, *by], caller=caller)
    as_count_array(data[deaths], name=deaths, caller=caller)
    as_float_array(data[population], name=population, caller=caller)
    start = _age_start(data[age_group].tolist(), caller)
    frame = data.assign(_start=start).sort_values([*by, "_start"], kind="stable")
    groups = frame.groupby(by, sort=False, observed=True) if by else [(None, frame)]
    z = z_value(conf_level)
    parts, bands = [], None
    for key, part in groups:
        ages = part["_start"].to_numpy()
        if bands is None:
            bands = ages
        elif ages.size != bands.size or not np.array_equal(ages, bands):
            raise ValueError(f"{caller}: group {key!r} has age bands starting at "
                             f"{ages.tolist()}, the first group {bands.tolist()}; every group "
                             "needs the same bands.")
        dth = part[deaths].to_numpy(dtype=float)
        pop = part[population].to_numpy(dtype=float)
        _check_group(ages, dth, pop, None if key is None else key, caller)
        table = chiang_life_table(ages, dth, pop, infant_fraction=infant_fraction)
        out = pd.DataFrame({c: part[c].to_numpy() for c in by})
        out["age_group"] = part[age_group].to_numpy()
        out["age_start"] = ages
        out["events"] = np.cumsum(dth[::-1])[::-1]
        out["person_time"] = np.cumsum(pop[::-1])[::-1]
        out["_e"], out["_se"] = table["e"].to_numpy(), table["std_err"].to_numpy()
        parts.append(out)
    res = pd.concat(parts, ignore_index=True)
    return contract_frame(
        res[["age_group", "age_start", "events", "person_time"]],
        groups=res[by] if by else None, measure="life_expectancy", estimate=res["_e"],
        lower=res["_e"] - z * res["_se"], upper=res["_e"] + z * res["_se"],
        conf_level=conf_level, method=method, extra={"std_err": res["_se"].to_numpy()})

