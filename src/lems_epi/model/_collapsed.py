"""The strata collapsed to whole ages: what calibration and crude totals need, per profile.

Calibration (:func:`lems_epi.model.core._solve_type`) and the crude figures of
``batch_expected(..., reduce="totals")`` depend on a scenario's age profile only through group
sums ``G[group, sex, j] = sum over ages of N(age, sex, j) a(age, sex)`` (``j`` the smoking
status, ``group`` all ages, ages 50 and over, or one age band) and through the largest profile
value over the populated ages of each sex (the cheap bound of the probability check). Both are
computed here once per *distinct* profile of a batch, as a ``(u, n_ages) @ (n_ages, 6 w)``
matrix product, instead of once per scenario over the ``(k, 600)`` strata: in a Sobol' design
most rows repeat the profile of another row, and the paraneoplastic profile does not depend on
sex, so only the distinct whole ages matter.

Every number is the same sum as over the strata (same terms, same ages), so the results agree
with the stratum-level computation up to the order of floating-point summation.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lems_epi.model.profiles import age_profile

__all__: list[str] = []

#: Distinct profiles evaluated together: (256, ~100) float arrays stay in the L2 cache, which
#: measured twice as fast as blocks of 2000.
BLOCK = 256


@dataclasses.dataclass(frozen=True)
class Layout:
    """Persons of a :class:`~lems_epi.model.strata.Strata` by whole age, group, sex and smoking.

    Attributes
    ----------
    ages : numpy.ndarray
        Distinct whole ages, increasing (float).
    weights : numpy.ndarray
        Shape ``(n_ages, n_groups * 6)``: persons of each age in group ``g``, sex ``s`` and
        smoking status ``j`` at column ``6 g + 3 s + j`` (zero outside the group).
    populated : numpy.ndarray
        Shape ``(n_ages, 2)``: whether some person has that age and sex.
    n_groups : int
        Group 0 is all ages, then the groups given to :func:`layout`, then the age bands.
    band_first : numpy.ndarray
        First age of each age band (NaN for a band with no age); the bands are the last
        ``band_first.size`` groups and split the ages into consecutive runs.
    """

    ages: np.ndarray
    weights: np.ndarray
    populated: np.ndarray
    n_groups: int
    band_first: np.ndarray


def layout(strata, groups=(), bands=()) -> Layout:
    """Collapse ``strata`` to whole ages.

    ``groups`` are boolean masks over the distinct ages; ``bands`` too, each a run of
    consecutive ages, together covering every age (checked by the caller).
    """
    ages, row_age = np.unique(strata.ages, return_inverse=True)
    sex = strata.male.astype(np.intp)
    per = np.zeros((ages.size, 2, 3))
    np.add.at(per, (row_age, sex), strata.counts.astype(float))
    populated = np.zeros((ages.size, 2), dtype=bool)
    np.logical_or.at(populated, (row_age, sex), (strata.counts > 0).any(axis=1))
    masks = [np.ones(ages.size, dtype=bool), *groups, *bands]
    weights = np.stack([np.where(mask[:, None, None], per, 0.0) for mask in masks], axis=1)
    band_first = np.array([ages[mask][0] if mask.any() else np.nan for mask in bands],
                          dtype=float)
    return Layout(ages=ages.astype(float), weights=weights.reshape(ages.size, -1),
                  populated=populated, n_groups=len(masks), band_first=band_first)


@dataclasses.dataclass(frozen=True)
class TypeSums:
    """Group sums of one LEMS type for the distinct profiles of a batch.

    ``index[i]`` is the distinct profile of scenario ``i``; ``ref_G`` (u, 2, 3) and ``ref_top``
    (u, 2) are the group sums over all ages and the largest profile value over the populated
    ages of each sex in the reference population; ``tgt_G`` (u, n_groups, 2, 3) and ``tgt_top``
    the same in the target population.
    """

    index: np.ndarray
    ref_G: np.ndarray
    ref_top: np.ndarray
    tgt_G: np.ndarray
    tgt_top: np.ndarray


def _padded(lay: Layout, ages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights and populated flags of ``lay`` on ``ages`` (a superset), zero elsewhere."""
    if np.array_equal(ages, lay.ages):
        return lay.weights, lay.populated
    rows = np.searchsorted(ages, lay.ages)
    weights = np.zeros((ages.size, lay.weights.shape[1]))
    weights[rows] = lay.weights
    populated = np.zeros((ages.size, 2), dtype=bool)
    populated[rows] = lay.populated
    return weights, populated


def _tops(grid: np.ndarray, populated: np.ndarray) -> np.ndarray:
    """Largest value of each profile row over the ages flagged in each column of ``populated``.

    ``grid`` is (u, n_ages) (profile values are non-negative); returns (u, n_columns).
    """
    out = np.empty((grid.shape[0], populated.shape[1]))
    done: dict = {}
    for col in range(populated.shape[1]):
        mask = populated[:, col]
        key = mask.tobytes()
        if key not in done:
            part = grid if mask.all() else grid[:, mask]
            done[key] = np.max(part, axis=1, initial=0.0)
        out[:, col] = done[key]
    return out


def batch_sums(ref_layout: Layout, tgt_layout: Layout, P: dict, block: int = BLOCK) -> dict:
    """:class:`TypeSums` of both types for every scenario of a batch (``P``: parameter arrays).

    The paraneoplastic profiles are made distinct on (mean, SD), the non-paraneoplastic ones on
    the named variant. Profiles are evaluated once on the union of the two populations' ages,
    in blocks of ``block`` distinct profiles, and one matrix product gives the group sums of
    both populations.
    """
    same = ref_layout is tgt_layout
    ages = np.union1d(ref_layout.ages, tgt_layout.ages)
    weights, populated = _padded(tgt_layout, ages)
    n_groups = tgt_layout.n_groups
    n_bands = tgt_layout.band_first.size
    dense = weights[:, :6 * (n_groups - n_bands)]
    if not same:
        w_ref, pop_ref = _padded(ref_layout, ages)
        dense = np.hstack([dense, w_ref[:, :6]])
        weights = np.hstack([weights, w_ref[:, :6]])
        populated = np.hstack([populated, pop_ref])
    # age bands split the ages into runs: sum the per-age products over each run
    has_ages = ~np.isnan(tgt_layout.band_first)
    runs = np.searchsorted(ages, tgt_layout.band_first[has_ages])
    band_cols = 6 * (n_groups - n_bands) + 6 * np.flatnonzero(has_ages)
    out = {}
    # paraneoplastic: distinct (mean, sd) pairs; the profile does not depend on sex
    mean, sd = P["age_paraneoplastic_mean"], P["age_paraneoplastic_sd"]
    u_mean, i_mean = np.unique(mean, return_inverse=True)
    u_sd, i_sd = np.unique(sd, return_inverse=True)
    codes, index = np.unique(i_mean.ravel() * u_sd.size + i_sd.ravel(), return_inverse=True)
    means, sds = u_mean[codes // u_sd.size], u_sd[codes % u_sd.size]
    u = codes.size
    G = np.zeros((u, weights.shape[1]))
    tops = np.empty((u, populated.shape[1]))
    no_sex = np.zeros(ages.size, dtype=bool)
    for start in range(0, u, block):
        part = slice(start, min(start + block, u))
        grid = age_profile("paraneoplastic", ages, no_sex, mean=means[part], sd=sds[part])
        # einsum, not BLAS: a multithreaded GEMM of this small size stalls when other
        # processes load the cores (measured: 0.2 to 15 ms per block on 2 busy cores)
        sums = np.einsum("ua,ag->ug", grid, dense)
        G[part, :6 * (n_groups - n_bands)] = sums[:, :6 * (n_groups - n_bands)]
        G[part, 6 * n_groups:] = sums[:, 6 * (n_groups - n_bands):]
        if runs.size:
            per_age = grid[:, :, None] * weights[None, :, :6]
            by_band = np.add.reduceat(per_age, runs, axis=1)         # (b, n_bands_with_ages, 6)
            G[part, band_cols[:, None] + np.arange(6)] = by_band
        tops[part] = _tops(grid, populated)
    out["paraneoplastic"] = _type_sums(index.ravel(), G, tops, n_groups, same)
    # non-paraneoplastic: one profile per named variant (the bimodal one depends on sex)
    names, index = np.unique(P["age_profile_nonparaneoplastic"].astype(str), return_inverse=True)
    both_ages = np.repeat(ages, 2)
    both_male = np.tile([False, True], ages.size)
    grid = np.stack([age_profile(str(v), both_ages, both_male)[0].reshape(ages.size, 2)
                     for v in names])
    G = np.einsum("uas,agsj->ugsj", grid, weights.reshape(ages.size, -1, 2, 3))
    tops = np.stack([_tops(grid[:, :, col % 2], populated[:, [col]])[:, 0]
                     for col in range(populated.shape[1])], axis=1)
    out["nonparaneoplastic"] = _type_sums(index.ravel(), G.reshape(len(names), -1), tops,
                                          n_groups, same)
    return out


def _type_sums(index: np.ndarray, G: np.ndarray, tops: np.ndarray, n_groups: int,
               same: bool) -> TypeSums:
    """Split the columns of one matrix product into target and reference sums."""
    u = G.shape[0]
    tgt_G = G[:, :6 * n_groups].reshape(u, n_groups, 2, 3)
    if same:
        return TypeSums(index, tgt_G[:, 0], tops[:, :2], tgt_G, tops[:, :2])
    ref_G = G[:, 6 * n_groups:].reshape(u, 2, 3)
    return TypeSums(index, ref_G, tops[:, 2:], tgt_G, tops[:, :2])


def row_profiles(strata, P: dict, sel) -> tuple[np.ndarray, np.ndarray]:
    """Profiles over the age x sex rows of ``strata`` for the scenarios ``sel``: (k, m) each.

    Each distinct (mean, SD) pair and each variant is evaluated once on the distinct ages and
    spread to the rows by indexing (the values are those of a row-by-row evaluation).
    """
    ages, row_age = np.unique(strata.ages, return_inverse=True)
    ages = ages.astype(float)
    mean = np.asarray(P["age_paraneoplastic_mean"][sel], dtype=float)
    sd = np.asarray(P["age_paraneoplastic_sd"][sel], dtype=float)
    pairs, inv = np.unique(np.column_stack([mean, sd]), axis=0, return_inverse=True)
    grid = age_profile("paraneoplastic", ages, np.zeros(ages.size, dtype=bool),
                       mean=pairs[:, 0], sd=pairs[:, 1])
    a_p = grid[inv.ravel()[:, None], row_age[None, :]]
    variants = P["age_profile_nonparaneoplastic"][sel].astype(str)
    names, v_inv = np.unique(variants, return_inverse=True)
    rows = np.stack([age_profile(str(v), strata.ages, strata.male)[0] for v in names])
    a_n = rows[v_inv.ravel()]
    return a_p, a_n
