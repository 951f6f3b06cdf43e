"""Variance-based (Sobol') global sensitivity indices.

A thin, checked layer over :func:`scipy.stats.sobol_indices`: parameter samples are handed to the
user's function as a DataFrame (one column per parameter), the estimates come back as a tidy
result (:class:`SobolResult`, whose ``table`` is on the output contract) with percentile-bootstrap
intervals drawn from the ``rng`` the caller gave, and a note (or, if asked, a warning) when the
indices look unconverged.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._rng import as_generator
from lems_epi._validation import check_conf_level, check_whole_number, describe_rows
from lems_epi.exceptions import ConvergenceWarning
from lems_epi.scenario import DEFAULT_POPULATION
from lems_epi.sensitivity.sampling import check_distributions
from lems_epi.stats.contract import AnalysisResult, Summary, contract_frame, stack_measures

__all__ = ["SOBOL_COLUMNS", "SobolResult", "sobol"]

SOBOL_COLUMNS = ["parameter", "first_order", "first_order_lower", "first_order_upper",
                 "total_order", "total_order_lower", "total_order_upper", "conf_level", "method",
                 "n", "evaluations"]
_CHUNK_VALUES = 2_000_000
#: An index whose interval lies below zero by no more than this is not called negative.
NEGATIVE_TOLERANCE = 1e-12
_METHOD = "saltelli-2010 (jansen total), percentile bootstrap"


@dataclass(frozen=True, repr=False)
class SobolResult(AnalysisResult):
    """Result of :func:`sobol`.

    Attributes
    ----------
    table : pandas.DataFrame
        On the output contract: ``parameter``, then ``measure`` (``"first_order"`` or
        ``"total_order"``), ``estimate, lower, upper, conf_level, method, per``, then ``n``
        (base sample size) and ``evaluations``; one row per parameter and measure.
    indices : pandas.DataFrame
        The same figures one row per parameter (:data:`SOBOL_COLUMNS`), the layout
        :func:`lems_epi.plots.sensitivity.sobol_plot` takes.
    notes : tuple of str
        Whether the indices converged, and if not which ``n`` to try.
    """

    indices: pd.DataFrame = None
    notes: tuple[str, ...] = ()

    @property
    def converged(self) -> bool:
        """True when no interval is wider than the tolerance and no index is negative."""
        return not any(n.startswith("not converged") for n in self.notes)

    def summary(self) -> Summary:
        """Indices by parameter (wide), with the convergence note."""
        first = self.table.iloc[0]
        facts = {"n": int(first["n"]), "evaluations": int(first["evaluations"]),
                 "conf_level": float(first["conf_level"]), "method": first["method"]}
        shown = self.indices.drop(columns=["conf_level", "method", "n", "evaluations"])
        return Summary("Sobol' indices", facts, (("Indices", shown),), self.notes)

    def plot(self, **kwargs):
        """Bar chart of first- and total-order indices with their intervals."""
        from lems_epi.plots.sensitivity import sobol_plot

        return sobol_plot(self.indices, **kwargs)


def _indices(f_a, f_b, f_ab):
    """Saltelli (2010) first-order and Jansen total-order estimators on the last axis."""
    var = np.var(np.concatenate([f_a, f_b], axis=-1), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(f_b * (f_ab - f_a), axis=-1) / var
        total = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    first = np.where(var > 0, first, 0.0)
    total = np.where(var > 0, total, 0.0)
    return first, total


def _bootstrap(f_a, f_b, f_ab, *, n_resamples: int, conf_level: float, gen):
    """Percentile bootstrap of the indices, resampling the n rows of the design.

    Every estimator is a function of means of per-row quantities, so a resample is a vector of
    row counts and all its means come from one matrix product.
    """
    d, n = f_ab.shape
    per_row = np.column_stack([f_a + f_b, f_a ** 2 + f_b ** 2, (f_b * (f_ab - f_a)).T,
                               ((f_a - f_ab) ** 2).T])
    chunk = max(1, _CHUNK_VALUES // n)
    firsts, totals = [], []
    done = 0
    while done < n_resamples:
        c = min(chunk, n_resamples - done)
        idx = gen.integers(0, n, size=(c, n)) + (np.arange(c) * n)[:, None]
        counts = np.bincount(idx.ravel(), minlength=c * n).reshape(c, n)
        means = counts @ per_row / n
        mean = means[:, 0] / 2
        var = means[:, 1] / 2 - mean ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            fo = means[:, 2:2 + d] / var[:, None]
            to = 0.5 * means[:, 2 + d:] / var[:, None]
        ok = (var > 0)[:, None]
        firsts.append(np.where(ok, fo, 0.0))
        totals.append(np.where(ok, to, 0.0))
        done += c
    first = np.concatenate(firsts)
    total = np.concatenate(totals)
    alpha = (1 - conf_level) / 2
    q = [alpha, 1 - alpha]
    return np.quantile(first, q, axis=0), np.quantile(total, q, axis=0)


def _check_power_of_two(n, *, caller: str) -> int:
    n = check_whole_number(n, name="n", caller=caller, minimum=2,
                           hint="Use a power of two such as 1024, 4096 or 8192.")
    if n & (n - 1):
        lower = 2 ** int(math.floor(math.log2(n)))
        raise ValueError(f"{caller}: 'n' must be a power of two (the balance of Sobol' points "
                         f"needs it), got {n}; use {lower} or {2 * lower}.")
    return n


def _wrap(func, names, *, caller: str):
    def wrapped(x):
        frame = pd.DataFrame(dict(zip(names, np.asarray(x, dtype=float), strict=True)))
        y = np.array(func(frame), dtype=float)
        if y.shape not in ((len(frame),), (len(frame), 1), (1, len(frame))):
            raise ValueError(f"{caller}: 'func' must return one number per row of the "
                             f"DataFrame it receives ({len(frame)} rows), got an array of "
                             f"shape {y.shape}.")
        y = y.reshape(-1)
        bad = ~np.isfinite(y)
        if bad.any():
            first = frame[bad].iloc[0].to_dict()
            raise ValueError(f"{caller}: 'func' returned NaN or infinite values at "
                             f"{describe_rows(bad)}; the first such input is {first}. Narrow "
                             "the distributions or make the function defined there.")
        return y
    return wrapped


def sobol(func, distributions=None, *, n=4096, conf_level=0.95, n_resamples=999,
          tolerance=0.05, on_unconverged="note", base=None, population=DEFAULT_POPULATION,
          rng=None) -> SobolResult:
    r"""First- and total-order Sobol' indices with bootstrap intervals.

    For independent inputs :math:`X_i`, the first-order index
    :math:`S_i = V[E(Y \mid X_i)] / V(Y)` is the share of the output variance that
    :math:`X_i` explains alone, and the total index
    :math:`S_{Ti} = E[V(Y \mid X_{\sim i})] / V(Y)` adds every interaction that involves it.
    They are estimated with :func:`scipy.stats.sobol_indices` (Saltelli et al. 2010 design on a
    scrambled Sobol' sequence: ``n * (d + 2)`` evaluations of ``func`` for ``d`` parameters;
    Saltelli's first-order and Jansen's total-order estimators). Intervals are percentile
    bootstrap intervals over the ``n`` rows of the design.

    Parameters
    ----------
    func : callable, str or lems_epi.sensitivity.Output
        A function that takes a DataFrame of parameter samples (one column per parameter, one
        row per sample) and returns an array of outputs, one per row; or a named output (see
        :func:`lems_epi.sensitivity.outputs`), evaluated on the risk model for ``population``
        with the other parameters taken from ``base``.
    distributions : mapping of str to scipy.stats frozen distribution, optional
        Parameter name -> distribution of independent inputs. By default, the evidence-based
        distributions of :func:`lems_epi.sensitivity.default_distributions`.
    n : int, default 4096
        Base sample size, a power of two.
    rng : {None, int, numpy.random.Generator}, optional
        Randomness for the scrambled Sobol' sequence and the bootstrap; the same ``rng`` gives
        the same table.
    conf_level : float, default 0.95
        Level of the bootstrap intervals.
    n_resamples : int, default 999
        Number of bootstrap resamples.
    tolerance : float, default 0.05
        An interval half-width above this, or an index whose interval lies wholly below zero
        (by more than 1e-12), means the indices have not converged; the note names the ``n``
        to try.
    on_unconverged : {"note", "warn"}, default "note"
        ``"note"`` records it in ``result.notes`` (shown by ``summary()`` and the command
        line); ``"warn"`` also emits a :class:`~lems_epi.exceptions.ConvergenceWarning`.
    base : Scenario or str, optional
        For a named output: the scenario that supplies the parameters not sampled
        (default ``"seed-base"``).
    population : str or pandas.DataFrame, default DEFAULT_POPULATION
        For a named output: the target population.

    Returns
    -------
    SobolResult
        ``.table`` on the output contract (measures ``first_order`` and ``total_order`` per
        parameter), ``.indices`` one row per parameter, ``.notes`` (convergence),
        ``.summary()`` and ``.plot()``.

    Warns
    -----
    ConvergenceWarning
        Only with ``on_unconverged="warn"``: when some interval is wider than
        ``2 * tolerance`` or some index is negative beyond its interval; the message says
        which ``n`` should bring it within the tolerance.

    References
    ----------
    .. [1] Sobol' IM (2001). Global sensitivity indices for nonlinear mathematical models and
       their Monte Carlo estimates. Mathematics and Computers in Simulation 55(1-3):271-280.
    .. [2] Saltelli A, Annoni P, Azzini I, Campolongo F, Ratto M, Tarantola S (2010). Variance
       based sensitivity analysis of model output. Design and estimator for the total
       sensitivity index. Computer Physics Communications 181(2):259-270.

    Examples
    --------
    >>> from scipy import stats
    >>> dists = {"a": stats.uniform(0, 1), "b": stats.uniform(0, 2)}
    >>> res = sobol(lambda df: df["a"] + df["b"], dists, n=4096, rng=1)
    >>> res.indices[["parameter", "first_order", "total_order"]].round(1)
      parameter  first_order  total_order
    0         a          0.2          0.2
    1         b          0.8          0.8
    >>> res.table[["parameter", "measure", "estimate"]].round(1).head(2)
      parameter      measure  estimate
    0         a  first_order       0.2
    1         a  total_order       0.2
    >>> res.converged
    True
    """
    caller = "sobol"
    n = _check_power_of_two(n, caller=caller)
    conf_level = check_conf_level(conf_level, caller=caller)
    check_whole_number(n_resamples, name="n_resamples", caller=caller, minimum=100)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) \
            or not 0 < tolerance < 1:
        raise ValueError(f"{caller}: 'tolerance' must be a number in (0, 1), got {tolerance!r}.")
    if on_unconverged not in ("note", "warn"):
        raise ValueError(f"{caller}: 'on_unconverged' must be 'note' or 'warn', got "
                         f"{on_unconverged!r}.")
    if distributions is None:
        from lems_epi.sensitivity.defaults import default_distributions

        distributions = default_distributions(base=base)
    dists = check_distributions(distributions, caller=caller)
    names = list(dists)
    if len(names) < 2:
        raise ValueError(f"{caller}: 'distributions' must give at least two parameters (got "
                         f"{names}); with one input both of its indices are 1 by definition.")
    if isinstance(func, str) or not callable(func) or hasattr(func, "evaluate"):
        from lems_epi.sensitivity.outputs import frame_function

        func = frame_function(func, base=base, population=population, caller=caller)
    gen = as_generator(rng, caller=caller)
    design_rng, boot_rng = gen.spawn(2)

    captured = {}

    def method(f_A, f_B, f_AB):  # noqa: N803 (scipy's required argument names)
        captured.update(f_a=f_A, f_b=f_B, f_ab=f_AB)
        return _indices(f_A, f_B, f_AB)

    res = stats.sobol_indices(func=_wrap(func, names, caller=caller), n=n,
                              dists=[dists[k] for k in names], method=method, rng=design_rng)
    f_a = captured["f_a"].reshape(-1)
    f_b = captured["f_b"].reshape(-1)
    f_ab = captured["f_ab"].reshape(len(names), -1)
    first = np.atleast_1d(res.first_order).astype(float)
    total = np.atleast_1d(res.total_order).astype(float)
    (fl, fu), (tl, tu) = _bootstrap(f_a, f_b, f_ab, n_resamples=int(n_resamples),
                                    conf_level=conf_level, gen=boot_rng)
    first, fl, fu, total, tl, tu = (_zero_rounding(v) for v in (first, fl, fu, total, tl, tu))
    indices = pd.DataFrame({
        "parameter": names, "first_order": first, "first_order_lower": fl,
        "first_order_upper": fu, "total_order": total, "total_order_lower": tl,
        "total_order_upper": tu, "conf_level": conf_level, "method": _METHOD, "n": n,
        "evaluations": n * (len(names) + 2)})
    note = _convergence_note(indices, n=n, tolerance=float(tolerance))
    if on_unconverged == "warn" and note.startswith("not converged"):
        warnings.warn(f"sobol: {note}", ConvergenceWarning, stacklevel=2)
    return SobolResult(table=_contract_table(indices), indices=indices, notes=(note,))


def _zero_rounding(values) -> np.ndarray:
    """Values within :data:`NEGATIVE_TOLERANCE` of zero are zero (rounding, not a sign)."""
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) <= NEGATIVE_TOLERANCE, 0.0, values)


def _contract_table(indices: pd.DataFrame) -> pd.DataFrame:
    parts = [contract_frame(
        {"n": indices["n"], "evaluations": indices["evaluations"]}, measure=m,
        estimate=indices[m], lower=indices[f"{m}_lower"], upper=indices[f"{m}_upper"],
        conf_level=indices["conf_level"], method=_METHOD, groups={"parameter": indices[
            "parameter"]}) for m in ("first_order", "total_order")]
    table = stack_measures(parts, group_columns=["parameter"])
    return table[["parameter", "measure", "estimate", "lower", "upper", "conf_level", "method",
                  "per", "n", "evaluations"]]


def _convergence_note(table: pd.DataFrame, *, n: int, tolerance: float) -> str:
    half = np.maximum((table["first_order_upper"] - table["first_order_lower"]).to_numpy(),
                      (table["total_order_upper"] - table["total_order_lower"]).to_numpy()) / 2
    negative = ((table["first_order_upper"] < -NEGATIVE_TOLERANCE)
                | (table["total_order_upper"] < -NEGATIVE_TOLERANCE))
    wide = half > tolerance
    if not (negative.any() or wide.any()):
        return (f"converged at n={n}: every interval half-width is within the tolerance "
                f"{tolerance} (largest {float(half.max()):.3f}).")
    worst = max(float(half.max()), tolerance)
    factor = (worst / tolerance) ** 2 if wide.any() else 4.0
    suggest = 2 ** int(math.ceil(math.log2(n * factor)))
    problems = []
    if negative.any():
        problems.append("negative indices for " + ", ".join(table["parameter"][negative]))
    if wide.any():
        problems.append(f"interval half-widths up to {worst:.3f} (tolerance {tolerance}) for "
                        + ", ".join(table["parameter"][wide]))
    return f"not converged at n={n}: {'; '.join(problems)}. Try n={suggest}."
