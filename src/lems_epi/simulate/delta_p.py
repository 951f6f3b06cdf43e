r"""The DELTA-P score on synthetic LEMS patients, calibrated to one of two sources.

The DELTA-P score (Titulaer et al. 2011) gives one point for each of six items present at or
within three months of onset: bulbar involvement, erectile dysfunction (men), weight loss of
5% or more, smoking at diagnosis, onset at age 50 or over, Karnofsky score below 70. The
literature gives the probability of SCLC by score, not the items' prevalence in each group,
so the model works on the score:

1. **The score among SCLC-LEMS** follows a binomial distribution with 6 trials and success
   probability :math:`q` (:data:`SCLC_ITEM_PROBABILITY`, an assumption per source), restricted
   to scores 1-6 because both sources report 0% SCLC at score 0.
2. **The score among non-SCLC LEMS** is then fixed by Bayes' rule: for the source's
   probabilities :math:`p_s` to hold at its own SCLC share :math:`\pi`,

   .. math:: f_0(s) = f_1(s)\,\frac{1 - p_s}{p_s}\,\frac{\pi}{1 - \pi}, \quad s = 1..5,

   :math:`f_0(6) = 0` (both sources: 100% at 6) and :math:`f_0(0)` takes the rest.
3. **At another SCLC share** :math:`\pi'` the probabilities change by Bayes' rule,
   :math:`P(SCLC \mid s) = \pi' f_1(s) / (\pi' f_1(s) + (1 - \pi') f_0(s))`
   (:func:`delta_p_model`).
4. **Items given the score**: which ``s`` of the six items are present is drawn without
   replacement with weights per group (:data:`ITEM_WEIGHTS`, assumptions echoing the
   literature: smoking and age weigh most in SCLC, Maddison 2020's independent predictors),
   made consistent with the patient's own columns where they exist: erectile dysfunction
   only in men, the age item favoured when ``onset_age >= 50``, the smoking item when
   ``smoking == "current"``. A woman cannot score 6; a woman drawn at 6 gets 5 (so among
   women the score-5 probabilities mix those of 5 and 6).

Examples
--------
>>> from lems_epi.simulate.delta_p import delta_p_model
>>> m = delta_p_model("maddison2020")
>>> m["p_sclc"].round(3).tolist()
[0.0, 0.188, 0.45, 0.555, 0.857, 0.875, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from lems_epi._rng import as_generator
from lems_epi._validation import check_columns, describe_rows

__all__ = [
    "DELTA_P_ITEMS",
    "ITEM_WEIGHTS",
    "SCLC_ITEM_PROBABILITY",
    "delta_p_calibration",
    "delta_p_model",
    "delta_p_score",
    "simulate_delta_p",
]

#: Item columns, in the score's letter order D-E-L-T-A-P.
DELTA_P_ITEMS = ("delta_p_bulbar", "delta_p_erectile_dysfunction", "delta_p_weight_loss",
                 "delta_p_smoking", "delta_p_age_50", "delta_p_karnofsky_below_70")

#: Assumption: success probability of the binomial score among SCLC-LEMS, per source, chosen
#: so that the implied non-SCLC distribution is valid and the AUC the two distributions imply
#: is near the published one (0.945 against 94.4%; 0.820 against 82.5%, with median scores 3
#: and 2 against Maddison 2020's 3.5 and 2).
SCLC_ITEM_PROBABILITY = {"titulaer2011": 0.70, "maddison2020": 0.57}

#: Assumption: relative weights of the items when ``s`` present items are drawn, by group.
ITEM_WEIGHTS = {
    "sclc": dict(zip(DELTA_P_ITEMS, (1.0, 1.0, 2.0, 3.0, 3.0, 1.5), strict=True)),
    "non_sclc": dict(zip(DELTA_P_ITEMS, (1.5, 1.0, 0.5, 0.5, 2.0, 0.7), strict=True)),
}

#: Evidence rows of each calibration: score -> evidence id; and the source cohort's SCLC share.
_CALIBRATION_IDS = {
    "titulaer2011": ({0: "lit-titulaer2011-delta-p-0", 1: "lit-titulaer2011-delta-p-1",
                      2: "assumption-titulaer2011-delta-p-2",
                      3: "assumption-titulaer2011-delta-p-3", 4: "lit-titulaer2011-delta-p-4",
                      5: "lit-titulaer2011-delta-p-5", 6: "lit-titulaer2011-delta-p-6"},
                     "lit-titulaer2008-sclc-share-of-all"),
    "maddison2020": ({s: f"lit-maddison2020-delta-p-{s}" for s in range(7)},
                     "lit-maddison2020-paraneoplastic-share"),
}
_CALLER = "simulate_delta_p"


def delta_p_calibration(source: str) -> tuple[np.ndarray, float]:
    """The source's probability of SCLC at scores 0-6 and its cohort's SCLC share.

    Read from the evidence table: Titulaer 2011's abstract (scores 2 and 3 are assumption
    rows, interpolated on the logit scale) with the Dutch cohort's SCLC share 54% (Titulaer
    2008); Maddison 2020's prospective cohort with its 44/87 lung-cancer share (51%).

    Examples
    --------
    >>> p, share = delta_p_calibration("titulaer2011")
    >>> p.tolist(), share
    ([0.0, 0.026, 0.178, 0.639, 0.935, 0.966, 1.0], 0.54)
    """
    from lems_epi.sources import evidence

    if source not in _CALIBRATION_IDS:
        raise ValueError(f"delta_p_calibration: unknown source {source!r}; choose one of "
                         f"{list(_CALIBRATION_IDS)}.")
    ids, share_id = _CALIBRATION_IDS[source]
    table = evidence().set_index("evidence_id")["value"]
    return np.array([float(table[ids[s]]) for s in range(7)]), float(table[share_id])


def delta_p_model(source: str, *, sclc_share: float | None = None) -> pd.DataFrame:
    """Score distributions by group and the probability of SCLC by score.

    Parameters
    ----------
    source : {"titulaer2011", "maddison2020"}
        The calibration.
    sclc_share : float, optional
        Share of LEMS patients with SCLC at which to read the probabilities (default: the
        source cohort's own share, where they equal the source's figures).

    Returns
    -------
    pandas.DataFrame
        One row per score 0-6: ``score``, ``p_sclc_source`` (the source's figure),
        ``f_sclc`` and ``f_non_sclc`` (the score's distribution in each group), ``sclc_share``
        and ``p_sclc`` (Bayes' rule at that share). ``attrs["auc"]`` holds the AUC the two
        distributions imply.

    Examples
    --------
    >>> m = delta_p_model("titulaer2011", sclc_share=0.2)
    >>> m.loc[m["score"] == 4, "p_sclc"].round(3).tolist()
    [0.754]
    """
    p, own_share = delta_p_calibration(source)
    share = own_share if sclc_share is None else float(sclc_share)
    if not 0 < share < 1:
        raise ValueError(f"delta_p_model: 'sclc_share' must lie strictly between 0 and 1, got "
                         f"{sclc_share!r}.")
    scores = np.arange(7)
    f1 = stats.binom.pmf(scores, 6, SCLC_ITEM_PROBABILITY[source])
    f1[0] = 0.0
    f1 /= f1.sum()
    f0 = np.zeros(7)
    inner = slice(1, 6)
    f0[inner] = f1[inner] * (1 - p[inner]) / p[inner] * own_share / (1 - own_share)
    f0[0] = 1.0 - f0.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        post = share * f1 / (share * f1 + (1 - share) * f0)
    auc = float(sum(f1[i] * f0[j] * (1.0 if i > j else 0.5 if i == j else 0.0)
                    for i in scores for j in scores))
    out = pd.DataFrame({"score": scores, "p_sclc_source": p, "f_sclc": f1, "f_non_sclc": f0,
                        "sclc_share": share, "p_sclc": post})
    out.attrs["auc"] = auc
    return out


def delta_p_score(items=None, **columns) -> pd.Series | int:
    """The DELTA-P score: the number of the six items present.

    Parameters
    ----------
    items : pandas.DataFrame, optional
        A table with the columns of :data:`DELTA_P_ITEMS` (booleans or 0/1).
    **columns : bool or array_like
        Alternatively the items by keyword, without the ``delta_p_`` prefix
        (``bulbar=True, smoking=True, ...``); missing items count 0.

    Returns
    -------
    pandas.Series of int, or int
        The score (0-6).

    Examples
    --------
    >>> delta_p_score(bulbar=True, age_50=True, smoking=False)
    2
    """
    if items is not None:
        check_columns(items, DELTA_P_ITEMS, caller="delta_p_score", name="items")
        values = items[list(DELTA_P_ITEMS)]
        if values.isna().any().any():
            raise ValueError("delta_p_score: items have missing values; a missing item "
                             "cannot be scored (fill them in first).")
        return values.astype(bool).sum(axis=1).astype(int).rename("delta_p_score")
    known = {name.removeprefix("delta_p_") for name in DELTA_P_ITEMS}
    unknown = set(columns) - known
    if unknown:
        raise TypeError(f"delta_p_score: unknown item(s) {sorted(unknown)}; the items are "
                        f"{sorted(known)}.")
    total = sum(np.asarray(v, dtype=bool).astype(int) for v in columns.values())
    return int(total) if np.ndim(total) == 0 else total


def _sclc_flags(cases):
    if "sclc" in cases.columns:
        flags = cases["sclc"]
    elif "cancer" in cases.columns:
        flags = cases["cancer"].astype(object).eq("sclc")
    else:
        raise ValueError(f"{_CALLER}: 'cases' needs a boolean 'sclc' column or the 'cancer' "
                         "column of simulate_cohort (SCLC when it equals 'sclc').")
    if flags.isna().any():
        raise ValueError(f"{_CALLER}: 'sclc' is missing at "
                         f"{describe_rows(flags.isna().to_numpy(), cases.index)}.")
    return flags.astype(bool).to_numpy()


def _item_weights(cases, is_sclc):
    base = np.array([[ITEM_WEIGHTS["sclc" if s else "non_sclc"][i] for i in DELTA_P_ITEMS]
                     for s in (False, True)])
    w = base[is_sclc.astype(int)].copy()
    if "sex" in cases.columns:
        w[:, 1] = np.where(cases["sex"].astype(object).eq("male").to_numpy(), w[:, 1], 0.0)
    if "onset_age" in cases.columns:
        old = cases["onset_age"].to_numpy(dtype=float) >= 50
        w[:, 4] *= np.where(old, 10.0, 0.1)
    if "smoking" in cases.columns:
        current = cases["smoking"].astype(object).eq("current").to_numpy()
        w[:, 3] *= np.where(current, 10.0, 0.1)
    return w


def simulate_delta_p(cases, *, characteristics=None, rng=None) -> pd.DataFrame:
    """Add the six DELTA-P items, the score, and VGCC and SOX antibody results to LEMS cases.

    Parameters
    ----------
    cases : pandas.DataFrame
        LEMS cases, e.g. the rows of :func:`lems_epi.simulate_cohort` with ``lems`` true:
        a ``cancer`` column (``"sclc"`` for SCLC) or a boolean ``sclc`` column; ``sex``,
        ``onset_age``, ``smoking``, ``lems_type`` and ``vgcc_antibody`` are used when present.
    characteristics : lems_epi.screening.TestCharacteristics, optional
        Test characteristics and the DELTA-P source (default
        :func:`lems_epi.screening.screening_characteristics`, Titulaer 2011).
    rng : None, int or numpy.random.Generator, optional
        Random source.

    Returns
    -------
    pandas.DataFrame
        A copy of ``cases`` with the columns of :data:`DELTA_P_ITEMS` (bool),
        ``delta_p_score`` (int), ``sclc`` (bool), ``vgcc_antibody`` (drawn from the
        sensitivities when absent or missing) and ``sox_antibody`` (bool). ``attrs`` gains
        ``delta_p_source``.

    Examples
    --------
    >>> import pandas as pd
    >>> cases = pd.DataFrame({"sclc": [True, False] * 50})
    >>> out = simulate_delta_p(cases, rng=1)
    >>> bool((out["delta_p_score"] == delta_p_score(out)).all())
    True
    """
    from lems_epi.screening import screening_characteristics

    if not isinstance(cases, pd.DataFrame):
        raise TypeError(f"{_CALLER}: 'cases' must be a DataFrame of LEMS cases, got "
                        f"{type(cases).__name__}.")
    tc = screening_characteristics() if characteristics is None else characteristics
    gen = as_generator(rng, caller=_CALLER)
    is_sclc = _sclc_flags(cases)
    model = delta_p_model(tc.delta_p_source)
    dist = np.vstack([model["f_non_sclc"].to_numpy(), model["f_sclc"].to_numpy()])
    cum = np.cumsum(dist, axis=1)[is_sclc.astype(int)]
    score = (gen.random(len(cases))[:, None] > cum).sum(axis=1).clip(0, 6)
    weights = _item_weights(cases, is_sclc)
    score = np.minimum(score, (weights > 0).sum(axis=1))
    keys = np.log(gen.random(weights.shape)) / np.where(weights > 0, weights, 1e-300)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    present = rank < score[:, None]
    out = cases.copy()
    for j, name in enumerate(DELTA_P_ITEMS):
        out[name] = present[:, j]
    out["delta_p_score"] = present.sum(axis=1).astype(int)
    out["sclc"] = is_sclc
    _add_antibodies(out, is_sclc, tc, gen)
    out.attrs["delta_p_source"] = tc.delta_p_source
    return out


def _add_antibodies(out, is_sclc, tc, gen):
    """VGCC (kept where the cases have it) and SOX results, drawn from the characteristics."""
    if "lems_type" in out.columns:
        para = out["lems_type"].astype(object).eq("paraneoplastic").to_numpy()
    else:
        para = is_sclc
    sens = np.where(para, tc.vgcc_sensitivity_paraneoplastic,
                    tc.vgcc_sensitivity_nonparaneoplastic)
    drawn = gen.random(len(out)) < sens
    if "vgcc_antibody" in out.columns:
        have = out["vgcc_antibody"]
        out["vgcc_antibody"] = np.where(have.isna().to_numpy(), drawn,
                                        have.fillna(False).to_numpy(dtype=bool))
    else:
        out["vgcc_antibody"] = drawn
    p_sox = np.where(is_sclc, tc.sox_sensitivity, 1 - tc.sox_specificity)
    out["sox_antibody"] = gen.random(len(out)) < p_sox
