"""The blocks of a synthetic cohort: the plan, one block's rows, and the frame's layout.

:func:`lems_epi.simulate_cohort` (in memory), :func:`lems_epi.simulate.scale.simulate_cohort_dask`
(on Dask) and :func:`lems_epi.simulate_case_control` all make their persons here.

Design
------
A cohort of ``n`` persons is cut into blocks of :data:`BLOCK_SIZE` persons (the last block holds
the rest); block ``b`` holds persons ``b * BLOCK_SIZE`` to ``b * BLOCK_SIZE + size - 1`` and draws
its random numbers from its own stream, ``numpy.random.SeedSequence(entropy, spawn_key=(b,))``.
Blocks are therefore independent of each other and of the order in which they are made: the
in-memory path (:func:`simulate_cohort`) fills them one after the other, and a distributed path
can call :func:`simulate_block` on workers and get the very same rows.

Within a block nothing is drawn person by person:

1. the block's persons are split over the strata (age x sex x smoking) of the risk model's table
   by one multinomial draw with the strata's population shares;
2. in each stratum the number of LEMS cases is a binomial draw with the stratum prevalence, the
   paraneoplastic cases among them a binomial draw with the paraneoplastic share of the stratum's
   cases, and the SCLC cases among those a binomial draw with the SCLC share;
3. stratum labels are written with :func:`numpy.repeat`, and the cases take the first rows of
   their stratum (rows within a stratum are exchangeable, so this is no loss of randomness).

Rows are thus ordered by stratum (age, then sex, then smoking) within each block; shuffle with
``frame.sample(frac=1, random_state=...)`` if the order matters for a lesson.

Only the cases get further draws:

``onset_age``
    A prevalent case aged ``a`` of type ``t`` has had LEMS for a time ``d`` drawn from an
    exponential distribution with the scenario's mean duration ``D_t``
    (``duration_paraneoplastic``, ``duration_nonparaneoplastic``) truncated to
    ``0 <= d <= a - L_t``, where ``L_t`` is the youngest onset age of the type: 18 for
    paraneoplastic LEMS (an adult disease) and the youngest age of the scenario's
    non-paraneoplastic age profile otherwise (18 for the adult profiles, 5 for ``any-age``:
    childhood, not infancy; :data:`lems_epi.model.profiles.MIN_AGES`); ``onset_age = a - d``,
    by inversion:
    ``d = -D_t log(1 + u (exp(-(a - L_t) / D_t) - 1))`` with ``u`` uniform on [0, 1). A case
    younger than ``L_t`` (which the risk model should not produce) gets ``onset_age = a``.
    The exponential is the distribution of the time since onset of a prevalent case when
    durations are exponential and incidence is constant in time.
``vgcc_antibody``
    ``True`` with the scenario's type-specific positivity (``vgcc_positive_paraneoplastic``,
    ``vgcc_positive_nonparaneoplastic``), drawn for each case; missing (``<NA>``) for non-cases,
    who are not tested.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lems_epi._validation import check_whole_number
from lems_epi.model.profiles import MIN_AGES
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario
from lems_epi.simulate.counts import expected_table, stratum_probabilities

__all__ = [
    "BLOCK_SIZE",
    "CohortPlan",
    "cohort_meta",
    "cohort_plan",
    "BYTES_PER_PERSON",
    "check_cohort_size",
    "check_memory",
    "simulate_block",
    "simulate_blocks",
]

#: Persons per block; a constant of the library so that block ``b`` always means the same rows.
BLOCK_SIZE = 2**20

SEX_CATEGORIES = ("female", "male")
SMOKING_CATEGORIES = ("never", "former", "current")
LEMS_TYPE_CATEGORIES = ("paraneoplastic", "non-paraneoplastic")
CANCER_CATEGORIES = ("sclc", "other")
#: Youngest possible onset by type: paraneoplastic LEMS is an adult disease; the
#: non-paraneoplastic value is a fallback, a plan takes its profile's youngest age.
MIN_ONSET_AGE = {"paraneoplastic": 18.0, "non-paraneoplastic": 0.0}

COLUMNS = ("person_id", "age", "sex", "smoking", "lems", "lems_type", "cancer", "onset_age",
           "vgcc_antibody")

_SEX_DTYPE = pd.CategoricalDtype(list(SEX_CATEGORIES))
_SMOKING_DTYPE = pd.CategoricalDtype(list(SMOKING_CATEGORIES))
_TYPE_DTYPE = pd.CategoricalDtype(list(LEMS_TYPE_CATEGORIES))
_CANCER_DTYPE = pd.CategoricalDtype(list(CANCER_CATEGORIES))


@dataclass(frozen=True, eq=False)
class CohortPlan:
    """Everything a block needs, computed once per cohort by :func:`cohort_plan`.

    Attributes
    ----------
    n, n_blocks : int
        Persons in the cohort and number of blocks.
    scenario : str
        Name of the scenario.
    age : numpy.ndarray of int16
        Age of each stratum (the population's open top age means that age and over).
    sex, smoking : numpy.ndarray of int8
        Category codes of each stratum (see ``SEX_CATEGORIES``, ``SMOKING_CATEGORIES``).
    share : numpy.ndarray of float64
        Share of the population in each stratum (sums to 1).
    p_case : numpy.ndarray of float64
        Prevalence of LEMS of either type in each stratum.
    p_paraneoplastic_case : numpy.ndarray of float64
        Paraneoplastic share of the stratum's cases.
    sclc_share : numpy.ndarray of float64
        SCLC share of the stratum's paraneoplastic cases.
    duration : tuple of float
        Mean duration (years) of paraneoplastic and non-paraneoplastic LEMS.
    vgcc_positive : tuple of float
        VGCC antibody positivity of paraneoplastic and non-paraneoplastic cases.
    id_dtype : numpy.dtype
        ``int32`` when every ``person_id`` fits, else ``int64``.
    min_onset : tuple of float
        Youngest onset age of paraneoplastic and non-paraneoplastic LEMS (the latter from the
        scenario's age profile).
    """

    n: int
    n_blocks: int
    scenario: str
    age: np.ndarray
    sex: np.ndarray
    smoking: np.ndarray
    share: np.ndarray
    p_case: np.ndarray
    p_paraneoplastic_case: np.ndarray
    sclc_share: np.ndarray
    duration: tuple[float, float]
    vgcc_positive: tuple[float, float]
    id_dtype: np.dtype
    min_onset: tuple[float, float] = (MIN_ONSET_AGE["paraneoplastic"],
                                      MIN_ONSET_AGE["non-paraneoplastic"])

    def block_size(self, block: int) -> int:
        """Persons in block ``block``: ``min(BLOCK_SIZE, n - block * BLOCK_SIZE)``."""
        if not 0 <= block < self.n_blocks:
            raise ValueError(f"CohortPlan.block_size: 'block' must lie in [0, {self.n_blocks}), "
                             f"got {block}.")
        return min(BLOCK_SIZE, self.n - block * BLOCK_SIZE)


def check_cohort_size(n, *, caller: str) -> int:
    """Check the number of persons ``n`` (a whole number, at least 1) and return it."""
    return check_whole_number(n, name="n", caller=caller,
                              hint="'n' is the number of persons, e.g. 100_000 or 10**6.")


def _codes(values, categories, *, what: str, caller: str) -> np.ndarray:
    codes = pd.Categorical(pd.Series(values).astype(str), categories=list(categories)).codes
    if (codes < 0).any():
        raise ValueError(f"{caller}: the expected-counts table has {what} values outside "
                         f"{list(categories)}.")
    return codes.astype(np.int8)


def cohort_plan(scenario, n, *, population=DEFAULT_POPULATION, caller: str = "cohort_plan"
                ) -> CohortPlan:
    """Build the plan of a cohort: stratum probabilities, block count and sizes.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set, or the name of a named one.
    n : int
        Number of persons, at least 1.
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        Population whose age x sex structure the persons follow (``None``: the scenario's
        reference population); smoking follows the scenario's smoking prevalence.
    caller : str
        Name used in error messages.

    Returns
    -------
    CohortPlan
        Pass it with an entropy and a block number to :func:`simulate_block`.

    Examples
    --------
    >>> import lems_epi as le
    >>> plan = cohort_plan(le.Scenario.named("seed-base"), 3_000_000)
    >>> plan.n_blocks, plan.block_size(2), plan.id_dtype
    (3, 902848, dtype('int32'))
    """
    n = check_cohort_size(n, caller=caller)
    scenario = coerce_scenario(scenario, caller=caller)
    table = expected_table(scenario, population, caller=caller)
    p_para, p_non, sclc_share = stratum_probabilities(table)
    pop = table["population"].to_numpy(dtype=np.float64)
    if not pop.sum() > 0:
        raise ValueError(f"{caller}: the population is empty (all counts are 0); give a "
                         "population with at least one person.")
    p_case = p_para + p_non
    p_para_case = np.divide(p_para, p_case, out=np.zeros_like(p_case), where=p_case > 0)
    return CohortPlan(
        n=n,
        n_blocks=-(-n // BLOCK_SIZE),
        scenario=scenario.name,
        age=table["age"].to_numpy(dtype=np.int16),
        sex=_codes(table["sex"], SEX_CATEGORIES, what="sex", caller=caller),
        smoking=_codes(table["smoking"], SMOKING_CATEGORIES, what="smoking", caller=caller),
        share=pop / pop.sum(),
        p_case=np.clip(p_case, 0.0, 1.0),
        p_paraneoplastic_case=np.clip(p_para_case, 0.0, 1.0),
        sclc_share=sclc_share,
        duration=(scenario.duration_paraneoplastic, scenario.duration_nonparaneoplastic),
        vgcc_positive=(scenario.vgcc_positive_paraneoplastic,
                       scenario.vgcc_positive_nonparaneoplastic),
        id_dtype=np.dtype(np.int32 if n <= np.iinfo(np.int32).max + 1 else np.int64),
        min_onset=(MIN_ONSET_AGE["paraneoplastic"],
                   float(MIN_AGES[scenario.age_profile_nonparaneoplastic])),
    )


#: Bytes a person takes while a cohort is made in memory (columns of :func:`_allocate`, then
#: the frame's categorical codes and nullable boolean): 4 + 2 + 1 + 1 + 1 + 1 + 1 + 4 + 1 + 1,
#: and as much again for the frame built from them.
BYTES_PER_PERSON = 34


def _allocate(plan: CohortPlan, size: int) -> dict[str, np.ndarray]:
    return {
        "person_id": np.empty(size, dtype=plan.id_dtype),
        "age": np.empty(size, dtype=np.int16),
        "sex": np.empty(size, dtype=np.int8),
        "smoking": np.empty(size, dtype=np.int8),
        "lems": np.zeros(size, dtype=bool),
        "lems_type": np.full(size, -1, dtype=np.int8),
        "cancer": np.full(size, -1, dtype=np.int8),
        "onset_age": np.full(size, np.nan, dtype=np.float32),
        "vgcc_antibody": np.zeros(size, dtype=bool),
        "vgcc_missing": np.ones(size, dtype=bool),
    }


def _fill_block(plan: CohortPlan, entropy: int, block: int, cols: dict, offset: int) -> None:
    """Draw block ``block`` and write it into ``cols`` from row ``offset`` on.

    The order of the draws is part of the output's definition; do not change it without
    regenerating ``data/synthetic``.
    """
    m = plan.block_size(block)
    gen = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(block,)))
    counts = gen.multinomial(m, plan.share)
    cases = gen.binomial(counts, plan.p_case)
    para = gen.binomial(cases, plan.p_paraneoplastic_case)
    sclc = gen.binomial(para, plan.sclc_share)

    rows = slice(offset, offset + m)
    first_id = block * BLOCK_SIZE
    cols["person_id"][rows] = np.arange(first_id, first_id + m, dtype=plan.id_dtype)
    cols["age"][rows] = np.repeat(plan.age, counts)
    cols["sex"][rows] = np.repeat(plan.sex, counts)
    cols["smoking"][rows] = np.repeat(plan.smoking, counts)

    total = int(cases.sum())
    if total == 0:
        return
    # the cases of stratum h are the first cases[h] rows of its segment: SCLC paraneoplastic,
    # then other paraneoplastic, then non-paraneoplastic
    stratum = np.repeat(np.arange(counts.size), cases)
    first_case = np.cumsum(cases) - cases
    rank = np.arange(total) - np.repeat(first_case, cases)
    pos = offset + (np.cumsum(counts) - counts)[stratum] + rank
    is_para = rank < para[stratum]
    age = plan.age[stratum].astype(np.float64)

    floor = np.where(is_para, plan.min_onset[0], plan.min_onset[1])
    mean = np.where(is_para, plan.duration[0], plan.duration[1])
    window = np.maximum(age - floor, 0.0)
    u = gen.random(total)
    since = -mean * np.log1p(u * np.expm1(-window / mean))
    positive = gen.random(total) < np.where(is_para, plan.vgcc_positive[0], plan.vgcc_positive[1])

    cols["lems"][pos] = True
    cols["lems_type"][pos] = np.where(is_para, 0, 1).astype(np.int8)
    cols["cancer"][pos] = np.where(is_para, np.where(rank < sclc[stratum], 0, 1), -1
                                   ).astype(np.int8)
    cols["onset_age"][pos] = np.minimum(age - since, age).astype(np.float32)
    cols["vgcc_antibody"][pos] = positive
    cols["vgcc_missing"][pos] = False


def _categorical(codes: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _frame(plan: CohortPlan, cols: dict, entropy: int, **attrs) -> pd.DataFrame:
    data = {
        "person_id": cols["person_id"],
        "age": cols["age"],
        "sex": _categorical(cols["sex"], _SEX_DTYPE),
        "smoking": _categorical(cols["smoking"], _SMOKING_DTYPE),
        "lems": cols["lems"],
        "lems_type": _categorical(cols["lems_type"], _TYPE_DTYPE),
        "cancer": _categorical(cols["cancer"], _CANCER_DTYPE),
        "onset_age": cols["onset_age"],
        "vgcc_antibody": pd.arrays.BooleanArray(cols["vgcc_antibody"], cols["vgcc_missing"],
                                                copy=False),
    }
    frame = pd.DataFrame(data, copy=False)
    frame.attrs = {"scenario": plan.scenario, "n": plan.n, "entropy": entropy,
                   "block_size": BLOCK_SIZE, **attrs}
    return frame


def cohort_meta(plan: CohortPlan) -> pd.DataFrame:
    """An empty frame with the cohort's columns and dtypes (e.g. as Dask ``meta``).

    Examples
    --------
    >>> import lems_epi as le
    >>> cohort_meta(cohort_plan(le.Scenario.named("seed-base"), 10)).dtypes.astype(str).tolist()
    ['int32', 'int16', 'category', 'category', 'bool', 'category', 'category', 'float32', 'boolean']
    """
    return _frame(plan, _allocate(plan, 0), 0)


def simulate_block(plan: CohortPlan, entropy: int, block: int) -> pd.DataFrame:
    """Simulate one block of a cohort: the same rows as in :func:`simulate_cohort`.

    Parameters
    ----------
    plan : CohortPlan
        From :func:`cohort_plan`.
    entropy : int
        The cohort's entropy (``simulate_cohort(...).attrs["entropy"]``, or
        :func:`lems_epi._rng.entropy_from` of the ``rng``).
    block : int
        Block number in ``[0, plan.n_blocks)``.

    Returns
    -------
    pandas.DataFrame
        ``plan.block_size(block)`` rows with ``person_id`` from ``block * BLOCK_SIZE`` on; the
        index starts at 0.

    Examples
    --------
    >>> import lems_epi as le
    >>> s = le.Scenario.named("seed-base")
    >>> plan = cohort_plan(s, BLOCK_SIZE + 10)
    >>> part = simulate_block(plan, 7, 1)
    >>> len(part), int(part["person_id"].iloc[0]) == BLOCK_SIZE
    (10, True)
    >>> whole = le.simulate_cohort(s, BLOCK_SIZE + 10, rng=7)
    >>> whole.iloc[BLOCK_SIZE:].reset_index(drop=True).equals(part)
    True
    """
    if not isinstance(plan, CohortPlan):
        raise TypeError(f"simulate_block: 'plan' must come from cohort_plan(), got "
                        f"{type(plan).__name__}.")
    if isinstance(block, bool) or not isinstance(block, numbers.Integral):
        raise TypeError(f"simulate_block: 'block' must be an int, got {block!r}.")
    if isinstance(entropy, bool) or not isinstance(entropy, numbers.Integral) or entropy < 0:
        raise TypeError(f"simulate_block: 'entropy' must be a non-negative int (the cohort's "
                        f"attrs['entropy']), got {entropy!r}.")
    entropy = int(entropy)
    size = plan.block_size(int(block))
    cols = _allocate(plan, size)
    _fill_block(plan, entropy, int(block), cols, 0)
    return _frame(plan, cols, entropy, block=int(block))


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(n: int, *, caller: str) -> None:
    """Refuse, before allocating, a cohort whose columns would not fit in available memory.

    A person takes :data:`BYTES_PER_PERSON` bytes while the cohort is made (the columns and
    their category codes). Raises ``MemoryError`` with a one-line message naming ``n``.
    """
    need = n * BYTES_PER_PERSON
    available = _available_memory()
    if available is not None and need > available:
        raise MemoryError(f"{caller}: {n:,} persons need about {need / 2**30:,.1f} GiB of "
                          f"memory, more than the {available / 2**30:,.1f} GiB available; use a "
                          "smaller n, or engine='dask' to work partition by partition.")


def simulate_blocks(plan: CohortPlan, entropy: int) -> pd.DataFrame:
    """Simulate every block of a cohort in memory, one after the other, into one frame.

    Examples
    --------
    >>> import lems_epi as le
    >>> plan = cohort_plan(le.Scenario.named("seed-base"), 10)
    >>> len(simulate_blocks(plan, 1))
    10
    """
    check_memory(plan.n, caller="simulate_cohort")
    cols = _allocate(plan, plan.n)
    for block in range(plan.n_blocks):
        _fill_block(plan, int(entropy), block, cols, block * BLOCK_SIZE)
    return _frame(plan, cols, int(entropy))
