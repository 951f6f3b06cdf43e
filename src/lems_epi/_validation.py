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
    "resolve_method",
    "check_column_name",
    "as_numeric_array",
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


def _is_real(value) -> bool:
    """Whether ``value`` is a single real number.

    Not a bool, and not a numpy duration (which numpy makes an integer subclass, so
    ``np.timedelta64(5, "D")`` would pass as 5).
    """
    return (isinstance(value, numbers.Real)
            and not isinstance(value, (bool, np.bool_, np.timedelta64, np.datetime64)))


def check_conf_level(conf_level, *, caller: str) -> float:
    """Check a confidence level and return it as a float.

    Examples
    --------
    >>> check_conf_level(0.9, caller="poisson_ci")
    0.9
    """
    if not _is_real(conf_level):
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


def _method_key(text: str) -> str:
    return "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def resolve_method(method, allowed: Iterable[str], *, caller: str, aliases=None,
                   name: str = "method") -> str:
    """Return the canonical method name for ``method``, accepting aliases and spellings.

    Case, underscores and spaces do not matter (``"Mid_P"`` is ``"mid-p"``); ``aliases`` maps
    other common names to the canonical ones (e.g. ``{"exact": "clopper-pearson"}``).

    Examples
    --------
    >>> resolve_method("Clopper_Pearson", ["wilson", "clopper-pearson"], caller="f")
    'clopper-pearson'
    >>> resolve_method("exact", ["wilson", "clopper-pearson"], caller="f",
    ...                aliases={"exact": "clopper-pearson"})
    'clopper-pearson'
    """
    allowed = list(allowed)
    if not isinstance(method, str):
        raise TypeError(f"{caller}: '{name}' must be a string, one of {allowed}; got {method!r}.")
    table = {_method_key(m): m for m in allowed}
    for alias, target in (aliases or {}).items():
        table.setdefault(_method_key(alias), target)
    key = _method_key(method)
    if key in table:
        return table[key]
    if key.replace("-", "") in {k.replace("-", ""): k for k in table}:
        return table[{k.replace("-", ""): k for k in table}[key.replace("-", "")]]
    return check_method(method, allowed, caller=caller, name=name)


def check_column_name(value, *, name: str, caller: str, allow_none: bool = False):
    """Check that an argument naming one column is a single name (a string).

    Examples
    --------
    >>> check_column_name(["a", "b"], name="events", caller="rates")
    Traceback (most recent call last):
    ...
    TypeError: rates: 'events' must name one column (a string), got a list ['a', 'b']; pass a single column name.
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{caller}: '{name}' must name one column (a string), got a "
                        f"{type(value).__name__} {value!r}; pass a single column name.")
    return value


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
    for c in columns:
        try:
            hash(c)
        except TypeError:
            raise TypeError(f"{caller}: column names must be strings, got a "
                            f"{type(c).__name__} {c!r}; pass a single column name.") from None
    missing = [c for c in columns if c not in data.columns]
    dup = sorted({str(c) for c in columns if c in data.columns
                  and int((data.columns == c).sum()) > 1})
    if dup:
        raise ValueError(f"{caller}: '{name}' has more than one column called {dup}; rename "
                         "the duplicates (e.g. data.columns = [...]) so each name is unique.")
    if missing:
        hints = {
            c: difflib.get_close_matches(str(c), [str(x) for x in data.columns], n=1)
            for c in missing
        }
        raise ValueError(
            f"{caller}: column(s) {missing} not found in '{name}'. Closest matches: {hints}. "
            f"Available columns: {list(data.columns)}."
        )


def _refuse_kind(kind: str, arr, *, name: str, caller: str) -> None:
    """Raise the named TypeError of a dtype kind that is not a count or a time."""
    what = {"b": "booleans", "M": "dates (datetime64)", "m": "durations (timedelta64)",
            "c": "complex numbers", "U": "text", "S": "text (bytes)", "V": "raw bytes"}
    if kind in what:
        sample = np.asarray(arr).ravel()[:3].tolist()
        hint = (" Convert text with pd.to_numeric first, and check why it is text."
                if kind in "US" else
                " Give durations as numbers (e.g. years: days / 365.25)." if kind in "Mm"
                else "")
        raise TypeError(f"{caller}: '{name}' must be numeric, got {what[kind]} "
                        f"(e.g. {sample!r}).{hint}")


def _object_kind(arr: np.ndarray) -> str | None:
    """The refused kind of the first offending element of an object array, if any."""
    import datetime as _dt

    for v in arr.ravel():
        if v is None:
            continue
        if isinstance(v, (str, bytes)):
            return "U"
        if isinstance(v, (bool, np.bool_)):
            return "b"
        if isinstance(v, (_dt.date, _dt.datetime, np.datetime64, pd.Timestamp)):
            return "M"
        if isinstance(v, (_dt.timedelta, np.timedelta64)):
            return "m"
        if isinstance(v, (complex, np.complexfloating)):
            return "c"
        if not isinstance(v, numbers.Real):
            return "?"
    return None


def as_numeric_array(values, *, name: str, caller: str) -> np.ndarray:
    """Convert counts or times to a 1-D float array; refuse what is not a real number.

    The one conversion of count and time inputs: text (even digits such as ``"2"``, which
    pandas would concatenate in a grouped sum), booleans, dates, durations and complex
    numbers are a :class:`TypeError` naming the argument; a 2-D array or a DataFrame is a
    :class:`ValueError`. Categorical columns with numeric categories, pandas' nullable
    integer and float dtypes and object columns of real numbers are accepted (missing values
    become NaN, which the callers refuse with the rows named).

    Examples
    --------
    >>> as_numeric_array([1, 2.5], name="events", caller="f")
    array([1. , 2.5])
    >>> as_numeric_array(["2", "1"], name="events", caller="rates")
    Traceback (most recent call last):
    ...
    TypeError: rates: 'events' must be numeric, got text (e.g. ['2', '1']). Convert text with pd.to_numeric first, and check why it is text.
    """
    if isinstance(values, pd.DataFrame):
        raise ValueError(f"{caller}: '{name}' must be one column of numbers, got a DataFrame "
                         f"with columns {list(values.columns)}; pass one of its columns.")
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cats = dtype.categories
            if not pd.api.types.is_numeric_dtype(cats.dtype) or \
                    pd.api.types.is_bool_dtype(cats.dtype):
                raise TypeError(f"{caller}: '{name}' is categorical with non-numeric "
                                f"categories (e.g. {list(cats[:3])!r}); give numbers.")
            values = np.asarray(values.astype(cats.dtype).astype(float))
        elif isinstance(dtype, pd.StringDtype):
            _refuse_kind("U", values.to_numpy(), name=name, caller=caller)
        elif pd.api.types.is_extension_array_dtype(dtype) and \
                pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            values = values.to_numpy(dtype=float, na_value=np.nan)
        else:
            values = values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim > 1 and not (arr.ndim == 2 and 1 in arr.shape):
        raise ValueError(f"{caller}: '{name}' must be one-dimensional (a number, a list or a "
                         f"column), got an array of shape {arr.shape}; pass one column or "
                         "ravel it first.")
    arr = arr.ravel() if arr.ndim > 1 else arr
    kind = arr.dtype.kind
    if kind == "O":
        kind = _object_kind(arr) or "f"
        if kind == "?":
            bad = next(v for v in arr.ravel() if v is not None
                       and not isinstance(v, numbers.Real))
            raise TypeError(f"{caller}: '{name}' must be numeric, got a value of type "
                            f"{type(bad).__name__} ({bad!r}).")
    _refuse_kind(kind, arr, name=name, caller=caller)
    if kind not in "iuf":
        raise TypeError(f"{caller}: '{name}' must be numeric, got values of dtype "
                        f"{arr.dtype}.")
    return arr.astype(float) + 0.0  # + 0.0 turns -0.0 into 0.0 (no -inf from 1 / -0.0)


def as_float_array(values, *, name: str, caller: str, allow_zero: bool = True,
                   allow_inf: bool = False) -> np.ndarray:
    """Return non-negative finite floats, or raise naming the bad rows.

    Examples
    --------
    >>> as_float_array([1, 2.5], name="person_time", caller="f")
    array([1. , 2.5])
    """
    arr = as_numeric_array(values, name=name, caller=caller)
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
    tiny = (arr > 0) & (arr < np.finfo(float).tiny)
    if tiny.any():
        raise ValueError(f"{caller}: '{name}' has values below the smallest normal float "
                         f"(~2.2e-308) at {describe_rows(tiny)} (e.g. {arr[tiny][:3].tolist()}); "
                         "a rate over them would overflow. Rescale the unit (e.g. years "
                         "instead of centuries).")
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
    if not _is_real(value):
        raise TypeError(f"{caller}: '{name}' must be a number, got {value!r} "
                        f"of type {type(value).__name__}.")
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{caller}: '{name}' must be a finite number {allowed}, got {value!r}.")
    return value


def check_probability(value, *, name: str, caller: str, open_interval: bool = False) -> float:
    """Check a single probability in [0, 1] (or (0, 1) with ``open_interval``)."""
    if not _is_real(value):
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
    if not _is_real(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{caller}: '{name}' must be a whole number, got {value!r} of type "
                        f"{type(value).__name__}.{extra}")
    if value < minimum:
        raise ValueError(f"{caller}: '{name}' must be at least {minimum}, got {value}.{extra}")
    return int(value)
