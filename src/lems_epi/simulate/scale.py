"""Cohorts larger than memory: the same blocks as the in-memory cohort, on Dask.

:func:`simulate_cohort_dask` builds a lazy ``dask.dataframe.DataFrame`` with
:func:`dask.dataframe.from_map`: partition ``p`` is a run of consecutive blocks of
:data:`lems_epi.simulate.blocks.BLOCK_SIZE` persons, and every block is made by
:func:`lems_epi.simulate.blocks.simulate_block` from its own seed,
``numpy.random.SeedSequence(entropy, spawn_key=(block,))``. Since the block size is a constant
of the library and a block's rows depend on nothing but the plan, the entropy and the block
number, the computed frame is the in-memory cohort of :func:`lems_epi.simulate_cohort`, row for
row, whatever the number of blocks per partition, the scheduler or the number of workers.

Nothing is computed until asked: ``ddf.to_parquet(path)`` writes partition after partition,
and :func:`aggregate` reduces each partition to a small table of counts as soon as it is made,
so memory stays bounded by a few partitions per worker.

Dask is imported inside the functions, never at ``import lems_epi``.
"""

from __future__ import annotations

import pandas as pd

from lems_epi._rng import entropy_from
from lems_epi._validation import check_whole_number
from lems_epi.scenario import DEFAULT_POPULATION
from lems_epi.simulate.blocks import (
    BLOCK_SIZE,
    CohortPlan,
    cohort_meta,
    cohort_plan,
    simulate_block,
)
from lems_epi.stats.dask_reduce import aggregate, is_dask_dataframe

__all__ = [
    "DEFAULT_BLOCKS_PER_PARTITION",
    "aggregate",
    "is_dask_dataframe",
    "partition_blocks",
    "simulate_cohort_dask",
]

#: Blocks per partition by default: 4 x 2**20 persons, about 70 MB a partition in memory.
DEFAULT_BLOCKS_PER_PARTITION = 4


def partition_blocks(n_blocks: int, blocks_per_partition: int) -> list[tuple[int, int]]:
    """Cut blocks ``0 .. n_blocks - 1`` into runs: ``(first, stop)`` per partition.

    Examples
    --------
    >>> partition_blocks(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    return [(first, min(first + blocks_per_partition, n_blocks))
            for first in range(0, n_blocks, blocks_per_partition)]


def _cohort_partition(blocks: tuple[int, int], plan: CohortPlan, entropy: int,
                      columns=None) -> pd.DataFrame:
    """Blocks ``blocks[0] .. blocks[1] - 1`` of a cohort as one frame (a dask partition).

    The index is the persons' row number in the whole cohort (``person_id``), as in the
    in-memory frame. ``columns`` lets dask's optimizer keep only the columns it needs.
    """
    first, stop = blocks
    frames = [simulate_block(plan, entropy, b) for b in range(first, stop)]
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    start = first * BLOCK_SIZE
    frame.index = pd.RangeIndex(start, start + len(frame))
    frame.attrs = {k: v for k, v in frames[0].attrs.items() if k != "block"}
    if columns is not None:
        frame = frame[list(columns)]
    return frame


def _check_blocks_per_partition(value, *, caller: str) -> int:
    return check_whole_number(value, name="blocks_per_partition", caller=caller,
                              hint=f"Each block holds {BLOCK_SIZE:,} persons; 4 is usual.")


def simulate_cohort_dask(scenario, n, *, population=DEFAULT_POPULATION, rng=None,
                         blocks_per_partition=DEFAULT_BLOCKS_PER_PARTITION):
    """Simulate a cohort of ``n`` persons as a lazy dask DataFrame.

    The rows are those of :func:`lems_epi.simulate_cohort` with the same arguments: the
    same fixed-size blocks, each seeded by ``numpy.random.SeedSequence(entropy,
    spawn_key=(block,))``; a partition groups ``blocks_per_partition`` consecutive blocks.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set, or the name of a named one.
    n : int
        Number of persons (at least 1); any size, since nothing is held in memory until a
        partition is computed.
    rng : None, int or numpy.random.Generator, optional
        As in :func:`lems_epi.simulate_cohort`: an int is the blocks' entropy, so the same int
        gives the same cohort in memory and on Dask. Pass an int to be able to rebuild the
        cohort (with ``None`` the entropy is drawn from the operating system; it is in the
        ``attrs["entropy"]`` of every computed partition).
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        Population whose age x sex structure the persons follow (``None``: the scenario's
        reference population).
    blocks_per_partition : int, default 4
        Blocks of ``BLOCK_SIZE`` (2**20) persons per partition. It changes how the work is cut,
        never the rows.

    Returns
    -------
    dask.dataframe.DataFrame
        Columns and dtypes of :func:`lems_epi.simulate_cohort`; the index is the row number
        in the cohort (equal to ``person_id``), with known divisions. ``compute()`` gives the
        in-memory cohort (only when it fits); ``to_parquet(path)`` writes it at any size;
        :func:`aggregate` reduces it to stratum counts.

    Notes
    -----
    Works with any dask scheduler: the default threaded one, or a ``distributed.Client``
    (a ``LocalCluster`` or a real cluster, ``Client("tcp://scheduler:8786")``); the
    workers need ``lems_epi`` installed. See ``docs/dask.md``.

    References
    ----------
    .. [1] Rocklin M (2015). Dask: parallel computation with blocked algorithms and task
       scheduling. Proceedings of the 14th Python in Science Conference, 126-132.
       https://doi.org/10.25080/Majora-7b98e3ed-013
    .. [2] L'Ecuyer P, Simard R, Chen EJ, Kelton WD (2002). An object-oriented random-number
       package with many long streams and substreams. Operations Research 50(6):1073-1075.

    Examples
    --------
    >>> import lems_epi as le
    >>> s = le.Scenario.named("seed-base").replace(prevalence=0.001)
    >>> ddf = simulate_cohort_dask(s, 2_500_000, rng=11, blocks_per_partition=1)
    >>> ddf.npartitions
    3
    >>> ddf.compute().equals(le.simulate_cohort(s, 2_500_000, rng=11))
    True
    >>> counts = aggregate(ddf, by="sex", events="lems")
    >>> list(counts.columns), int(counts["persons"].sum())
    (['sex', 'persons', 'events', 'person_time'], 2500000)
    """
    caller = "simulate_cohort"
    bpp = _check_blocks_per_partition(blocks_per_partition, caller=caller)
    entropy = entropy_from(rng, caller=caller)
    plan = cohort_plan(scenario, n, population=population, caller=caller)
    import dask.dataframe as dd

    runs = partition_blocks(plan.n_blocks, bpp)
    divisions = (*(first * BLOCK_SIZE for first, _ in runs), plan.n - 1)
    meta = cohort_meta(plan)
    meta.index = pd.RangeIndex(0)
    meta.attrs = {}
    return dd.from_map(_cohort_partition, runs, args=(plan, entropy), meta=meta,
                       divisions=divisions, label="simulate-cohort", enforce_metadata=False)

