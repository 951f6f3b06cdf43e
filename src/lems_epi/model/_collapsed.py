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


@dataclasses.dataclass(frozen=True)
class Layout:
    """Persons of a :class:`~lems_epi.model.core.Strata` by whole age, group, sex and smoking.

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
        Group 0 is all ages, then the groups given to :func:`layout`.
    """

    ages: np.ndarray
    weights: np.ndarray
    populated: np.ndarray
    n_groups: int


def layout(strata, groups=()) -> Layout:
    """Collapse ``strata`` to whole ages; ``groups`` are boolean masks over the distinct ages."""
    ages, row_age = np.unique(strata.ages, return_inverse=True)
    sex = strata.male.astype(np.intp)
    per = np.zeros((ages.size, 2, 3))
    np.add.at(per, (row_age, sex), strata.counts.astype(float))
    populated = np.zeros((ages.size, 2), dtype=bool)
    np.logical_or.at(populated, (row_age, sex), (strata.counts > 0).any(axis=1))
    masks = [np.ones(ages.size, dtype=bool), *groups]
    weights = np.stack([np.where(mask[:, None, None], per, 0.0) for mask in masks], axis=1)
    return Layout(ages=ages.astype(float), weights=weights.reshape(ages.size, -1),
                  populated=populated, n_groups=len(masks))


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


def _sums(lay: Layout, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group sums (u, n_groups, 2, 3) and top values (u, 2) of profiles on ``lay.ages``.

    ``grid`` is (u, n_ages) for a profile that does not depend on sex, (u, n_ages, 2) otherwise.
    """
    u = grid.shape[0]
    if grid.ndim == 2:
        G = grid @ lay.weights
        top = np.stack([np.max(np.where(lay.populated[:, s], grid, 0.0), axis=1, initial=0.0)
                        for s in (0, 1)], axis=1)
    else:
        w = lay.weights.reshape(lay.ages.size, lay.n_groups, 2, 3)
        G = np.einsum("uas,agsj->ugsj", grid, w)
        top = np.max(np.where(lay.populated[None], grid, 0.0), axis=1, initial=0.0)
    return G.reshape(u, lay.n_groups, 2, 3), top


def _columns(ages: np.ndarray, lay: Layout):
    """Columns of ``ages`` (a superset, increasing) that hold ``lay.ages`` (None: all of them)."""
    if np.array_equal(ages, lay.ages):
        return None
    return np.searchsorted(ages, lay.ages)


def batch_sums(ref_layout: Layout, tgt_layout: Layout, P: dict, block: int) -> dict:
    """:class:`TypeSums` of both types for every scenario of a batch (``P``: parameter arrays).

    The paraneoplastic profiles are made distinct on (mean, SD), the non-paraneoplastic ones on
    the named variant; profiles are evaluated on the union of the two populations' ages, in
    blocks of ``block`` distinct profiles.
    """
    ages = np.union1d(ref_layout.ages, tgt_layout.ages)
    cols_ref, cols_tgt = _columns(ages, ref_layout), _columns(ages, tgt_layout)
    same = ref_layout is tgt_layout
    out = {}
    # paraneoplastic: distinct (mean, sd) pairs
    mean, sd = P["age_paraneoplastic_mean"], P["age_paraneoplastic_sd"]
    u_mean, i_mean = np.unique(mean, return_inverse=True)
    u_sd, i_sd = np.unique(sd, return_inverse=True)
    codes, index = np.unique(i_mean.ravel() * u_sd.size + i_sd.ravel(), return_inverse=True)
    means, sds = u_mean[codes // u_sd.size], u_sd[codes % u_sd.size]
    u = codes.size
    ref_G, ref_top = np.empty((u, 2, 3)), np.empty((u, 2))
    tgt_G = np.empty((u, tgt_layout.n_groups, 2, 3))
    tgt_top = np.empty((u, 2))
    no_sex = np.zeros(ages.size, dtype=bool)
    for start in range(0, u, block):
        part = slice(start, min(start + block, u))
        grid = age_profile("paraneoplastic", ages, no_sex, mean=means[part], sd=sds[part])
        g_t = grid if cols_tgt is None else grid[:, cols_tgt]
        tgt_G[part], tgt_top[part] = _sums(tgt_layout, g_t)
        if same:
            ref_G[part], ref_top[part] = tgt_G[part, 0], tgt_top[part]
        else:
            g_r = grid if cols_ref is None else grid[:, cols_ref]
            G, ref_top[part] = _sums(ref_layout, g_r)
            ref_G[part] = G[:, 0]
    out["paraneoplastic"] = TypeSums(index.ravel(), ref_G, ref_top, tgt_G, tgt_top)
    # non-paraneoplastic: one profile per named variant (the bimodal one depends on sex)
    names, index = np.unique(P["age_profile_nonparaneoplastic"].astype(str), return_inverse=True)
    both_ages = np.repeat(ages, 2)
    both_male = np.tile([False, True], ages.size)
    grid = np.stack([age_profile(str(v), both_ages, both_male)[0].reshape(ages.size, 2)
                     for v in names])
    g_t = grid if cols_tgt is None else grid[:, cols_tgt]
    tgt_G, tgt_top = _sums(tgt_layout, g_t)
    if same:
        ref_G, ref_top = tgt_G[:, 0], tgt_top
    else:
        G, ref_top = _sums(ref_layout, grid if cols_ref is None else grid[:, cols_ref])
        ref_G = G[:, 0]
    out["nonparaneoplastic"] = TypeSums(index.ravel(), ref_G, ref_top, tgt_G, tgt_top)
    return out


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
