"""Input checks shared by every public function.

Each check raises :class:`ValueError` or :class:`TypeError` with a message that names the
argument, shows the offending value or rows, and says what is allowed.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "check_conf_level",
    "check_method",
    "check_columns",
    "as_float_array",
    "as_count_array",
    "check_positive_number",
    "check_probability",
    "describe_rows",
    "as_column_list",
    "check_whole_number",
]


def describe_rows(mask, index=None, limit: int = 8) -> str:
    """Return a short text naming the rows where ``mask`` is true.

    Parameters
    ----------
    mask : array_like of bool
        Rows to name.
    index : array_like, optional
        Row labels; positions are used when omitted.
    limit : int, default 8
        At most this many labels are listed.

    Returns
    -------
    str
        For example ``"rows [0, 3] (2 of 10)"``.

    Examples
    --------
    >>> describe_rows([True, False, True])
    'rows [0, 2] (2 of 3)'
    """
    mask = np.asarray(mask, dtype=bool).ravel()
    labels = np.arange(mask.size) if index is None else np.asarray(index).ravel()
    bad = labels[mask]
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in bad[:limit])
    more = ", ..." if bad.size > limit else ""
    return f"rows [{shown}{more}] ({bad.size} of {mask.size})"


def check_conf_level(conf_level, *, caller: str) -> float:
    """Check a confidence level and return it as a float.

    Examples
    --------
    >>> check_conf_level(0.9, caller="poisson_ci")
    0.9
    """
    if isinstance(conf_level, bool) or not isinstance(conf_level, numbers.Real):
        raise TypeError(
            f"{caller}: 'conf_level' must be a number in (0, 1), got {conf_level!r} "
            f"of type {type(conf_level).__name__}. Use 0.95 for a 95% interval."
        )
    if not 0 < conf_level < 1:
        raise ValueError(
            f"{caller}: 'conf_level' must lie strictly between 0 and 1, got {conf_level!r}. "
            "Use 0.95 for a 95% interval (not 95)."
        )
    return float(conf_level)


def check_method(method, allowed: Iterable[str], *, caller: str, name: str = "method") -> str:
    """Check that ``method`` is one of ``allowed`` and return it.

    Examples
    --------
    >>> check_method("exact", ["exact", "mid-p"], caller="poisson_ci")
    'exact'
    """
    allowed = list(allowed)
    if not isinstance(method, str):
        raise TypeError(f"{caller}: '{name}' must be a string, one of {allowed}; got {method!r}.")
    if method not in allowed:
        close = difflib.get_close_matches(method, allowed, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{caller}: unknown {name} {method!r}; choose one of {allowed}.{hint}")
    return method


def check_columns(data, columns: Sequence[str], *, caller: str, name: str = "data") -> None:
    """Check that a DataFrame has the given columns.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If columns are missing; the message lists the closest existing names.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"{caller}: '{name}' must be a pandas DataFrame, got {type(data).__name__}."
        )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        hints = {
            c: difflib.get_close_matches(str(c), [str(x) for x in data.columns], n=1)
            for c in missing
        }
        raise ValueError(
            f"{caller}: column(s) {missing} not found in '{name}'. Closest matches: {hints}. "
            f"Available columns: {list(data.columns)}."
        )


def _numeric(values, *, name: str, caller: str) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.dtype == bool or arr.dtype == object and arr.size and isinstance(arr.flat[0], bool):
        raise TypeError(f"{caller}: '{name}' must be numeric, got booleans.")
    if arr.dtype.kind not in "iuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise TypeError(
                f"{caller}: '{name}' must be numeric, got values of dtype {arr.dtype} "
                f"(e.g. {arr.ravel()[:3].tolist()!r})."
            ) from None
    return arr.astype(float)


def as_float_array(values, *, name: str, caller: str, allow_zero: bool = True,
                   allow_inf: bool = False) -> np.ndarray:
    """Return non-negative finite floats, or raise naming the bad rows.

    Examples
    --------
    >>> as_float_array([1, 2.5], name="person_time", caller="f")
    array([1. , 2.5])
    """
    arr = _numeric(values, name=name, caller=caller)
    bad = np.isnan(arr)
    if bad.any():
        raise ValueError(f"{caller}: '{name}' has missing values (NaN) at {describe_rows(bad)}; "
                         "drop or fill them first.")
    if not allow_inf and np.isinf(arr).any():
        raise ValueError(f"{caller}: '{name}' has infinite values at "
                         f"{describe_rows(np.isinf(arr))}.")
    bad = arr < 0 if allow_zero else arr <= 0
    if bad.any():
        what = "negative" if allow_zero else "zero or negative"
        raise ValueError(f"{caller}: '{name}' has {what} values at {describe_rows(bad)} "
                         f"(e.g. {arr[bad][:3].tolist()}); it must be "
                         f"{'>= 0' if allow_zero else '> 0'}.")
    return arr


def as_count_array(values, *, name: str, caller: str) -> np.ndarray:
    """Return non-negative whole counts as floats, or raise naming the bad rows.

    Examples
    --------
    >>> as_count_array([0, 3], name="events", caller="f")
    array([0., 3.])
    >>> as_count_array([1.5], name="events", caller="f")
    Traceback (most recent call last):
    ...
    ValueError: f: 'events' must hold whole numbers; rows [0] (1 of 1) are not (e.g. [1.5]).
    """
    arr = as_float_array(values, name=name, caller=caller)
    huge = arr > 2.0**53
    if huge.any():
        raise ValueError(f"{caller}: '{name}' has counts above 2**53 at {describe_rows(huge)}; "
                         "counts that large cannot be held exactly. Rescale the data.")
    frac = arr != np.round(arr)
    if frac.any():
        raise ValueError(f"{caller}: '{name}' must hold whole numbers; {describe_rows(frac)} "
                         f"are not (e.g. {arr[frac][:3].tolist()}).")
    return arr


def check_positive_number(value, *, name: str, caller: str, allow_zero: bool = False) -> float:
    """Check a single real number that must be positive (or non-negative)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{caller}: '{name}' must be a number, got {value!r} "
                        f"of type {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{caller}: '{name}' must be a finite number {allowed}, got {value!r}.")
    return value


def check_probability(value, *, name: str, caller: str, open_interval: bool = False) -> float:
    """Check a single probability in [0, 1] (or (0, 1) with ``open_interval``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{caller}: '{name}' must be a number between 0 and 1, got {value!r} "
                        f"of type {type(value).__name__}.")
    value = float(value)
    ok = (0 < value < 1) if open_interval else (0 <= value <= 1)
    if not ok:
        allowed = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{caller}: '{name}' must be {allowed}, got {value!r}.")
    return value


def as_column_list(columns, *, caller: str, name: str = "by") -> list[str]:
    """Normalise a column-name argument (``None``, a name, or names) to a list.

    Examples
    --------
    >>> as_column_list("sex", caller="rates"), as_column_list(None, caller="rates")
    (['sex'], [])
    >>> as_column_list(["sex", "sex"], caller="rates")
    Traceback (most recent call last):
    ...
    ValueError: rates: 'by' names a column more than once: ['sex', 'sex'].
    """
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    try:
        out = list(columns)
    except TypeError:
        raise TypeError(f"{caller}: '{name}' must be a column name or a list of column names, "
                        f"got {columns!r}.") from None
    if not all(isinstance(c, str) for c in out):
        raise TypeError(f"{caller}: '{name}' must hold column names (strings), got {out!r}.")
    if len(set(out)) != len(out):
        raise ValueError(f"{caller}: '{name}' names a column more than once: {out!r}.")
    return out


def check_whole_number(value, *, name: str, caller: str, minimum: int = 1,
                       hint: str = "") -> int:
    """Check a single whole-number argument (a size, a count of draws) and return it as int.

    A non-integer (including a bool or a float such as 1.5) is a :class:`TypeError`; an integer
    below ``minimum`` is a :class:`ValueError`. ``hint`` is appended to both messages.

    Examples
    --------
    >>> check_whole_number(4, name="controls_per_case", caller="f")
    4
    >>> check_whole_number(1.5, name="n", caller="simulate_cohort")
    Traceback (most recent call last):
    ...
    TypeError: simulate_cohort: 'n' must be a whole number, got 1.5 of type float.
    >>> check_whole_number(0, name="n", caller="simulate_cohort")
    Traceback (most recent call last):
    ...
    ValueError: simulate_cohort: 'n' must be at least 1, got 0.
    """
    extra = f" {hint}" if hint else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{caller}: '{name}' must be a whole number, got {value!r} of type "
                        f"{type(value).__name__}.{extra}")
    if value < minimum:
        raise ValueError(f"{caller}: '{name}' must be at least {minimum}, got {value}.{extra}")
    return int(value)
