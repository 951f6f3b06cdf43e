"""Age profiles of LEMS: relative prevalence by current age, for each type.

What "age" means here
---------------------
A profile ``a(x)`` is the *relative prevalence by current age*: the probability that a person of
whole age ``x`` (years completed, i.e. age in ``[x, x + 1)``) currently has LEMS of that type is
proportional to ``a(x)`` (times the sex and smoking relative risks). It is a risk shape, not a
distribution of case ages: the ages of the expected cases follow ``population(x) * a(x)``, so a
population with few old people has younger cases than the profile's mean. For paraneoplastic LEMS
the mean duration is short (about two years: median survival 17 months after SCLC diagnosis,
Lipka et al. 2020), so current age is close to age at onset, and the published onset ages can be
used for the profile directly. For non-paraneoplastic LEMS (duration of decades) the profile
describes the current age of people living with LEMS, which lies above the onset age; the named
variants below are shapes stated by the sources, not fitted onset distributions.

Each profile is evaluated as the probability mass of a normal density (or a mixture of two) over
the single year of age, ``Phi((x + 1 - mu) / sigma) - Phi((x - mu) / sigma)``, set to 0 below
the profile's youngest age (:data:`MIN_AGES`): 18 where the profile is adult-only, 5 for
``any-age``. The top (open-ended) age of a population is treated as
one more single year. The scale of a profile does not matter: the risk model's constants absorb
it.

Profiles (evidence ids in brackets)
-----------------------------------
paraneoplastic
    Normal with the scenario's ``age_paraneoplastic_mean`` and ``age_paraneoplastic_sd``,
    truncated below 18: children do not have paraneoplastic LEMS (onset means 58-67 years,
    literature sections 5; seeds "around 60", "over the age of 50").
younger
    Normal, mean 40, SD 12, truncated below 18 [``assumption-age-younger``]: seed 001's "more
    often in younger patients".
older
    Normal, mean 62, SD 12, truncated below 18 [``assumption-age-older``]: seed 002's "more
    common in older people".
any-age
    Normal, mean 45, SD 20, truncated below 5 [``assumption-age-any-age``,
    ``assumption-age-any-age-minimum``]: seed 004's "any age, including childhood". Childhood
    is not infancy: the youngest age is 5, a stated assumption (neither the seeds nor the
    literature notes give a youngest age), so no newborn or toddler has LEMS.
bimodal
    Two normal components, peaks 35 and 60 (SD 10 each) [``assumption-age-bimodal``]: the
    non-paraneoplastic peaks near 35 and 60 years (McGraw-Hill chapter; Titulaer/Wirtz Dutch
    cohort) with a female predominance under 45 and a male predominance over 60 (BMJ Best
    Practice). The weight of the young peak is sex-specific, 0.7 for women and 0.3 for men
    (our assumption, chosen to give that pattern); truncated below 18.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

__all__ = ["ADULT_AGE", "ANY_AGE_MIN_AGE", "MIN_AGES", "NONPARANEOPLASTIC_PROFILES",
           "age_profile"]

#: Youngest age at which adult-only profiles are non-zero.
ADULT_AGE = 18
#: Youngest age of the ``any-age`` profile: "including in childhood" (seed 004) read as
#: childhood, not infancy (evidence row ``assumption-age-any-age-minimum``).
ANY_AGE_MIN_AGE = 5

#: Non-paraneoplastic profiles: list of (weight_female, weight_male, mean, sd) components,
#: whether truncated below ADULT_AGE, and the evidence id.
NONPARANEOPLASTIC_PROFILES = {
    "younger": {"components": [(1.0, 1.0, 40.0, 12.0)], "adult": True,
                "source": "assumption-age-younger"},
    "older": {"components": [(1.0, 1.0, 62.0, 12.0)], "adult": True,
              "source": "assumption-age-older"},
    "any-age": {"components": [(1.0, 1.0, 45.0, 20.0)], "adult": False,
                "min_age": ANY_AGE_MIN_AGE,
                "source": "assumption-age-any-age"},
    "bimodal": {"components": [(0.7, 0.3, 35.0, 10.0), (0.3, 0.7, 60.0, 10.0)], "adult": True,
                "source": "assumption-age-bimodal"},
}


#: Youngest age at which each non-paraneoplastic profile is non-zero.
MIN_AGES = {name: spec.get("min_age", ADULT_AGE if spec["adult"] else 0)
            for name, spec in NONPARANEOPLASTIC_PROFILES.items()}


def _mass(ages, mean, sd):
    """Normal probability mass over ``[age, age + 1)`` for whole ages; shape (k, n).

    The normal CDF is evaluated once per distinct year edge, as the tail ``Phi(-|z|)`` (one
    special-function call per edge and scenario, accurate in both tails). Consecutive ages (the
    usual case) share their edges, so the two edges of every year are slices of one array.
    """
    ages = np.asarray(ages, dtype=float).ravel()
    uniq, inv = np.unique(ages, return_inverse=True)
    consecutive = bool(uniq.size == 0 or np.all(np.diff(uniq) == 1.0))
    if consecutive:
        edges = np.append(uniq, uniq[-1:] + 1.0)
    else:
        edges = np.union1d(uniq, uniq + 1.0)
    z = np.subtract(edges[None, :], mean)                  # (k, e)
    z /= sd
    tail = np.abs(z)
    np.negative(tail, out=tail)
    ndtr(tail, out=tail)                                   # Phi(-|z|)
    if consecutive:
        z_lo, z_hi, t_lo, t_hi = z[:, :-1], z[:, 1:], tail[:, :-1], tail[:, 1:]
    else:
        lo = np.searchsorted(edges, uniq)
        hi = np.searchsorted(edges, uniq + 1.0)
        z_lo, z_hi, t_lo, t_hi = z[:, lo], z[:, hi], tail[:, lo], tail[:, hi]
    # both edges above the mean: t_lo - t_hi; both below: t_hi - t_lo; the interval holds
    # the mean: 1 - t_lo - t_hi (at most one year per scenario)
    above = z_lo >= 0
    below = z_hi <= 0
    below &= ~above
    mass = np.subtract(t_lo, t_hi)
    np.negative(mass, out=mass, where=below)
    holds = ~(above | below)
    mass[holds] = 1.0 - t_lo[holds] - t_hi[holds]
    if np.array_equal(uniq, ages):                          # already sorted and distinct
        return mass
    return mass[:, inv]


def age_profile(kind, ages, male, *, mean=None, sd=None) -> np.ndarray:
    """Relative prevalence by current age for one LEMS type.

    Parameters
    ----------
    kind : {"paraneoplastic", "younger", "older", "any-age", "bimodal"}
        The profile (see the module docstring for each formula and its source).
    ages : array_like of int, shape (n,)
        Whole ages (years completed).
    male : array_like of bool, shape (n,)
        Sex of each entry (only the ``bimodal`` profile depends on it).
    mean, sd : float or array_like of shape (k,), optional
        Mean and SD of the paraneoplastic profile, one per scenario (required for
        ``"paraneoplastic"``, ignored otherwise).

    Returns
    -------
    numpy.ndarray
        Shape ``(k, n)`` for the paraneoplastic profile with ``k`` means, ``(1, n)`` otherwise.
        Values are non-negative; their scale is arbitrary.

    Examples
    --------
    >>> a = age_profile("paraneoplastic", [10, 40, 60], [True] * 3, mean=[60.0, 65.0], sd=9.0)
    >>> a.shape, bool((a[:, 0] == 0).all())
    ((2, 3), True)
    >>> b = age_profile("bimodal", [35, 35], [False, True])
    >>> bool(b[0, 0] > b[0, 1])   # more young women than young men
    True
    >>> age_profile("any-age", [0, 4, 5, 10], [False] * 4)[0] > 0   # childhood, not infancy
    array([False, False,  True,  True])
    """
    ages = np.asarray(ages, dtype=float)[None, :]
    male = np.asarray(male, dtype=bool)[None, :]
    if kind == "paraneoplastic":
        if mean is None or sd is None:
            raise TypeError("age_profile: the paraneoplastic profile needs 'mean' and 'sd'.")
        mean = np.atleast_1d(np.asarray(mean, dtype=float))[:, None]
        sd = np.atleast_1d(np.asarray(sd, dtype=float))[:, None]
        adult = ages[0] >= ADULT_AGE
        out = np.zeros((max(mean.shape[0], sd.shape[0]), ages.shape[1]))
        if adult.any():
            out[:, adult] = _mass(ages[0, adult], mean, sd)
        return out
    if kind not in NONPARANEOPLASTIC_PROFILES:
        raise ValueError(f"age_profile: unknown profile {kind!r}; choose 'paraneoplastic' or "
                         f"one of {list(NONPARANEOPLASTIC_PROFILES)}.")
    spec = NONPARANEOPLASTIC_PROFILES[kind]
    out = np.zeros(ages.shape)
    for w_female, w_male, mu, sigma in spec["components"]:
        out = out + np.where(male, w_male, w_female) * _mass(ages[0], mu, sigma)
    return np.where(ages >= MIN_AGES[kind], out, 0.0)
