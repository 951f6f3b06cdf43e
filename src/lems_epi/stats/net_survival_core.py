r"""Arithmetic of relative and net survival for one group (arrays in, arrays out).

The public function is :func:`lems_epi.stats.relative_survival.net_survival`; this module holds the
estimators on plain arrays. Times are in years since diagnosis, hazards per person-year.

Sums over persons of functions of their cumulative population hazard ``Lambda_i(t)`` are the
costly part. Within a piece of follow-up where person ``i`` has the constant population hazard
``lam``, ``exp(Lambda_i(t)) = exp(Lambda_i(s) - lam (s - r)) exp(lam (t - r))`` for any reference
``r``: the first factor is fixed per piece. Pieces are therefore grouped by their hazard value
(a life table has a few hundred), and for each group a running sum of the fixed factors over
the pieces active at each time point, times ``exp(lam (t - r))``, gives the group's share of
``sum_i w_i exp(Lambda_i(t))`` at every time point at once (:func:`cell_sums`). The cost is
(number of pieces) + (hazard values) x (time points), without any loop over persons or days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lems_epi.stats.population_hazard import RateTable, day_grid, hazard_segments

__all__ = ["GroupFit", "cell_sums", "ederer1_expected", "fit_group", "fit_intervals"]

#: Persons per block when the population hazard is followed to a common horizon (Ederer I).
BLOCK = 200_000
#: Up to this many (piece, time point) pairs, sums are taken pair by pair (no grouping).
PAIRS = 2_000_000


def cell_sums(points, seg, weight, *, side: str, quantities=("B",)) -> dict:
    """Sums over the pieces active at each time point.

    ``side="right"``: a piece ``[s0, s1)`` is active at ``p`` when ``s0 <= p < s1`` (the
    population hazard just after ``p``); ``side="left"``: when ``s0 < p <= s1`` (just before).
    Quantities: ``N`` = sum w, ``L`` = sum w Lambda(p), ``B`` = sum w exp(Lambda(p)),
    ``A`` = sum w lam exp(Lambda(p)), ``S`` = sum w exp(-Lambda(p)).
    """
    points = np.asarray(points, float)
    how = "left" if side == "right" else "right"
    lo = np.searchsorted(points, seg.start, side=how)
    hi = np.searchsorted(points, seg.end, side=how) - 1
    ok = lo <= hi
    out = {q: np.zeros(points.size) for q in quantities}
    if not ok.any():
        return out
    count = hi - lo + 1
    order, cuts = seg.by_cell
    pairs = int(count[ok].sum())
    # rough costs (seconds): pair by pair vs a running sum per cell over its range of points
    by_cell = 3e-5 * (cuts.size - 1) + 5e-8 * (int(ok.sum()) + (cuts.size - 1) * points.size)
    if pairs <= PAIRS and 8e-8 * pairs < by_cell:
        w = np.asarray(weight, float)[seg.person[ok]]
        _add_pairs(out, seg.hazard[ok], seg.start[ok], seg.cum_start[ok], w, lo[ok],
                   count[ok], points)
        return out
    weight = np.asarray(weight, float)
    for g in range(cuts.size - 1):
        rows = order[cuts[g]:cuts[g + 1]]
        rows = rows[ok[rows]]
        if rows.size:
            _add_group(out, float(seg.hazard[rows[0]]), seg.start[rows], seg.cum_start[rows],
                       weight[seg.person[rows]], lo[rows], hi[rows], points)
    return out


def _add_pairs(out, lam, start, cum, w, lo, count, points):
    """Few (piece, point) pairs: evaluate each pair directly."""
    piece = np.repeat(np.arange(lam.size), count)
    at = lo[piece] + np.arange(piece.size) - np.repeat(np.cumsum(count) - count, count)
    lam_p, w_p = lam[piece], w[piece]
    big = cum[piece] + lam_p * (points[at] - start[piece])
    m = points.size
    for q, value in (("N", w_p), ("L", w_p * big), ("B", w_p * np.exp(big)),
                     ("A", w_p * lam_p * np.exp(big)), ("S", w_p * np.exp(-big))):
        if q in out:
            out[q] += np.bincount(at, value, minlength=m)


def _add_group(out, lam, start, cum, w, lo, hi, points):
    a, b = int(lo.min()), int(hi.max())
    m = b - a + 1
    ref = float(start.min())

    def running(c):
        d = np.bincount(lo - a, c, minlength=m + 1) - np.bincount(hi + 1 - a, c, minlength=m + 1)
        return np.cumsum(d[:m])

    p = points[a:b + 1] - ref
    shift = cum - lam * (start - ref)
    if "N" in out or "L" in out:
        n = running(w)
        if "N" in out:
            out["N"][a:b + 1] += n
        if "L" in out:
            out["L"][a:b + 1] += running(w * shift) + lam * p * n
    if "B" in out or "A" in out:
        e = running(w * np.exp(shift)) * np.exp(lam * p)
        if "B" in out:
            out["B"][a:b + 1] += e
        if "A" in out:
            out["A"][a:b + 1] += lam * e
    if "S" in out:
        out["S"][a:b + 1] += running(w * np.exp(-shift)) * np.exp(-lam * p)


@dataclass(frozen=True)
class GroupFit:
    """Curves of one group at the time points ``time`` (see :func:`fit_group`)."""

    time: np.ndarray
    at_risk: np.ndarray        # persons with duration >= time (unweighted)
    events: np.ndarray         # deaths at time (unweighted)
    observed: np.ndarray       # Kaplan-Meier (weighted)
    observed_se: np.ndarray    # SE of the observed cumulative hazard (log scale)
    net: np.ndarray            # Ederer II / Pohar-Perme (Ederer I: observed / expected)
    net_se: np.ndarray         # SE on the log scale
    expected_ch: np.ndarray    # Ederer II expected cumulative hazard (nan for other methods)


def _counts(T, dead, w, pts):
    pos = np.searchsorted(pts, T)
    k = pts.size

    def at(values):
        return np.bincount(pos, values, minlength=k)

    def from_here(values):
        return np.cumsum(at(values)[::-1])[::-1]

    return pos, at, from_here


def _pohar_perme_integral(pts, seg, w, integration, grid, interval):
    """The population part ``I_j`` of Pohar-Perme's increments, interval by interval."""
    bounds = np.concatenate([[0.0], pts])
    if integration == "exact":
        # d/dt sum_i w exp(Lambda_i) = sum_i w lam_i exp(Lambda_i): I_j = log B(t_j) / B(t_{j-1})
        right = cell_sums(bounds[:-1], seg, w, side="right")["B"]
        left = cell_sums(bounds[1:], seg, w, side="left")["B"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(left / right)
    start = cell_sums(grid[:-1], seg, w, side="right", quantities=("A", "B"))
    end = cell_sums(grid[1:], seg, w, side="left", quantities=("A", "B"))
    frame = pd.DataFrame({"j": interval, "a": start["A"], "b": start["B"],
                          "a2": end["A"], "b2": end["B"]})
    c = frame.groupby("j", sort=False)[["a", "b", "a2", "b2"]].cumsum().to_numpy()
    step = np.diff(grid)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = step * (c[:, 0] / c[:, 1] + c[:, 2] / c[:, 3]) / 2
    return np.bincount(interval, inc, minlength=pts.size)


def fit_group(T, dead, age, sex, year, w, table: RateTable, *, method: str,
              integration: str, extra_times=()) -> GroupFit:
    """Observed, relative or net survival of one group at its distinct times.

    ``method`` is ``"ederer2"``, ``"pohar-perme"`` or ``"ederer1"``; ``integration`` is
    ``"daily"`` (relsurv's 1-day steps) or ``"exact"``. For Pohar-Perme and Ederer I the
    time points include ``extra_times`` (relsurv's ``add.times``).
    """
    pts = np.unique(T) if method == "ederer2" else np.unique(np.concatenate([T, extra_times]))
    pos, at, from_here = _counts(T, dead, w, pts)
    n_risk = from_here(np.ones(T.size))
    events = at(dead)
    y_w, d_w, d_w2 = from_here(w), at(w * dead), at(w * w * dead)
    empty = y_w == 0  # times (added) after everybody's follow-up: nothing changes there
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.cumprod(np.where(empty, 1.0, 1 - d_w / y_w))
        observed_se = np.sqrt(np.cumsum(np.where(empty, 0.0, d_w2 / (y_w * (y_w - d_w)))))
    grid, interval = day_grid(pts) if integration == "daily" else (None, None)
    seg = hazard_segments(table, age=age, sex=sex, year=year, horizon=T, grid=grid)
    expected_ch = np.full(pts.size, np.nan)
    if method == "ederer1":
        net, net_se = observed, observed_se  # divided by the expected survival later
    elif method == "ederer2":
        bounds = np.concatenate([[0.0], pts])
        e = (cell_sums(bounds[1:], seg, w, side="left", quantities=("L",))["L"]
             - cell_sums(bounds[:-1], seg, w, side="right", quantities=("L",))["L"])
        with np.errstate(divide="ignore", invalid="ignore"):
            net = np.cumprod(1 - (d_w - e) / y_w)
            net_se = np.sqrt(np.cumsum(d_w2 / y_w ** 2))
            expected_ch = np.cumsum(e / y_w)
    else:
        inv = np.exp(seg.cum_end) * w * dead  # w / S_Pi(T_i) for the deaths
        dd, dd2 = at(inv), at(inv ** 2)
        denom = cell_sums(pts, seg, w, side="left")["B"]
        integral = _pohar_perme_integral(pts, seg, w, integration, grid, interval)
        with np.errstate(divide="ignore", invalid="ignore"):
            net = np.cumprod(np.where(empty, 1.0, 1 - (dd / denom - integral)))
            net_se = np.sqrt(np.cumsum(np.where(empty, 0.0, dd2 / denom ** 2)))
    return GroupFit(pts, n_risk, events, observed, observed_se, net, net_se, expected_ch)


def ederer1_expected(times, age, sex, year, w, table: RateTable) -> np.ndarray:
    """Ederer I expected survival: the weighted mean of ``exp(-Lambda_i(t))`` over everybody.

    Everybody is followed to each of ``times`` whatever their own follow-up (complete
    follow-up), with the population hazard integrated exactly: in closed form from the
    cumulative hazard by age for a table without calendar years, otherwise piece by piece
    (in blocks of :data:`BLOCK` persons).
    """
    times = np.asarray(times, float)
    w = np.asarray(w, float)
    if table.years is None or year is None:
        h = table.hazard[:, 0, :]
        cum = np.concatenate([np.zeros((h.shape[0], 1)), np.cumsum(h, axis=1)], axis=1)

        def big_h(x):
            k = np.minimum(np.floor(x).astype(np.int64), table.max_age) - table.min_age
            return cum[sex, k] + h[sex, k] * (x - k - table.min_age)

        base = big_h(age)
        total = np.array([(w * np.exp(base - big_h(age + t))).sum() for t in times])
        return total / w.sum()
    total = np.zeros(times.size)
    horizon = float(times.max())
    for lo in range(0, age.size, BLOCK):
        sl = slice(lo, lo + BLOCK)
        seg = hazard_segments(table, age=age[sl], sex=sex[sl], year=year[sl],
                              horizon=np.full(age[sl].size, horizon))
        total += cell_sums(times, seg, w[sl], side="left", quantities=("S",))["S"]
    return total / w.sum()


def _cumulative_at(seg, first, t):
    """Each person's cumulative population hazard at time ``t`` (persons start at ``first``)."""
    inside = (seg.start <= t).astype(np.int64)
    idx = first + np.add.reduceat(inside, first) - 1
    return seg.cum_start[idx] + seg.hazard[idx] * (t - seg.start[idx])


def fit_intervals(T, dead, age, sex, year, w, table: RateTable, *, method: str,
                  breaks) -> GroupFit:
    """The life-table (hazard) estimators of popEpi's ``survtab`` on fixed intervals.

    In interval ``k`` of length ``delta`` (``breaks[k]`` to ``breaks[k + 1]``) with ``d``
    deaths and ``pyrs`` person-years, the expected deaths ``d_exp`` are each person's time in
    the interval times the hazard at the age (and calendar time) of the midpoint of that time
    (no split at birthdays), and ``S = prod exp(-delta (d - d_exp) / pyrs)``; the log-scale SE
    is ``sqrt(sum delta^2 d / pyrs^2)``. Pohar-Perme weights each person by ``1 / S_Pi`` at
    the interval's start (exact integration); ``d``, ``pyrs``, ``d_exp`` are then weighted
    sums and the SE uses the squared weights.
    """
    breaks = np.asarray(breaks, float)
    k_n = breaks.size - 1
    seg = None
    if method == "pohar-perme":
        seg = hazard_segments(table, age=age, sex=sex, year=year,
                              horizon=np.minimum(T, breaks[-1]))
        first = np.flatnonzero(np.r_[True, seg.person[1:] != seg.person[:-1]])
    cols = {c: np.zeros(k_n) for c in ("n", "d", "obs", "obs_v", "exp_", "est", "est_v")}
    for k in range(k_n):
        a, b = breaks[k], breaks[k + 1]
        at = np.flatnonzero(T > a)
        if at.size == 0:
            cols["obs"][k:] = cols["est"][k:] = cols["exp_"][k:] = np.nan
            break
        dur = np.minimum(T[at], b) - a
        mid_age = np.minimum(np.floor(age[at] + a + dur / 2).astype(np.int64), table.max_age)
        y = table.year_index(np.floor(year[at] + a + dur / 2)) if year is not None else 0
        haz = table.hazard[sex[at], y, mid_age - table.min_age]
        died = dead[at] * (T[at] <= b)
        ww = w[at]
        delta = b - a
        cols["n"][k], cols["d"][k] = at.size, died.sum()
        pyrs = (ww * dur).sum()
        cols["obs"][k] = delta * (ww * died).sum() / pyrs
        cols["obs_v"][k] = delta ** 2 * (ww * ww * died).sum() / pyrs ** 2
        cols["exp_"][k] = delta * (ww * dur * haz).sum() / pyrs
        if seg is not None:
            ww = ww * np.exp(_cumulative_at(seg, first, a)[at])
            pyrs = (ww * dur).sum()
        cols["est"][k] = delta * ((ww * died).sum() - (ww * dur * haz).sum()) / pyrs
        cols["est_v"][k] = delta ** 2 * (ww * ww * died).sum() / pyrs ** 2
    return GroupFit(breaks[1:], cols["n"], cols["d"], np.exp(-np.cumsum(cols["obs"])),
                    np.sqrt(np.cumsum(cols["obs_v"])), np.exp(-np.cumsum(cols["est"])),
                    np.sqrt(np.cumsum(cols["est_v"])), np.cumsum(cols["exp_"]))
