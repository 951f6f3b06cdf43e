"""Tests of lems_epi.simulate.scale (cohorts on Dask) and lems_epi.stats.dask_reduce (aggregate).

Identity: a dask cohort is made of the very blocks of the in-memory cohort, so for the same
``rng`` its computed frame must equal :func:`lems_epi.simulate_cohort` exactly (values, dtypes,
index), whatever the partitioning, the scheduler (threads, or ``distributed`` with 1, 2 and 4
workers) and whatever is done on the way (Parquet round trip).

Aggregation: :func:`aggregate` is checked against pandas' own ``groupby`` on the in-memory
cohort (an independent computation), and the statistics computed from its small table
(:func:`lems_epi.rates`, :func:`lems_epi.standardize_direct`) against the same functions run
on the in-memory rows of persons.

The LocalClusters run in-process (``processes=False``): starting worker processes costs about
25 s on the 2-core CI machine, which this file cannot afford. Distributed still sends every
task through its scheduler and workers; that the tasks survive pickling, as they must between
processes, is checked separately (``test_partition_survives_pickling``). In-process clusters
emit no warning when they shut down (measured: none with 1, 2 or 4 workers), so no warning
filter is needed; pytest's ``filterwarnings = error`` would turn any into a failure.
"""

import pickle
import subprocess
import sys

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from lems_epi import Scenario, rates, simulate_cohort, standardize_direct
from lems_epi.simulate.blocks import BLOCK_SIZE, cohort_plan
from lems_epi.simulate.scale import (
    _cohort_partition,
    aggregate,
    partition_blocks,
    simulate_cohort_dask,
)
from lems_epi.stats.dask_reduce import as_stratum_table

# three blocks, the last one partial
N = 2 * BLOCK_SIZE + 54_321
SEED = 20261121
BY = ["age", "sex", "smoking"]


def assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Exact equality of values (NaN equal to NaN), dtypes, columns and index.

    ``DataFrame.equals`` is exact and fast; ``assert_frame_equal`` takes minutes on two
    million rows of categorical and float32 columns.
    """
    assert got.columns.tolist() == want.columns.tolist()
    pd.testing.assert_series_equal(got.dtypes, want.dtypes)
    pd.testing.assert_index_equal(got.index, want.index)
    assert got.equals(want)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    # a raised prevalence gives ~20,000 cases, so the case columns are far from empty
    return Scenario.named("seed-base").replace(prevalence=0.01)


@pytest.fixture(scope="module")
def cohort(scenario) -> pd.DataFrame:
    return simulate_cohort(scenario, N, rng=SEED)


@pytest.fixture(scope="module")
def expected_counts(cohort) -> pd.DataFrame:
    """Stratum counts by pandas' groupby on the in-memory cohort (independent of aggregate)."""
    return (cohort.groupby(BY, observed=True, sort=True)
            .agg(persons=("lems", "size"), events=("lems", "sum")).reset_index())


def test_partition_blocks_cover_every_block_once():
    runs = partition_blocks(10, 3)
    assert runs == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert partition_blocks(1, 4) == [(0, 1)]


@pytest.mark.parametrize("blocks_per_partition", [1, 2, 4])
def test_dask_cohort_equals_in_memory(scenario, cohort, blocks_per_partition):
    ddf = simulate_cohort_dask(scenario, N, rng=SEED, blocks_per_partition=blocks_per_partition)
    assert ddf.npartitions == -(-3 // blocks_per_partition)
    assert ddf.known_divisions
    assert (ddf.divisions[0], ddf.divisions[-1]) == (0, N - 1)
    out = ddf.compute(scheduler="threads")
    assert int(out["lems"].sum()) > 10_000          # the comparison covers many cases
    assert_same_frame(out, cohort)
    assert out.attrs["entropy"] == SEED
    # the lazy frame's dtypes (meta) are those of the computed frame
    pd.testing.assert_series_equal(ddf.dtypes, cohort.dtypes)


def test_generator_rng_gives_the_same_cohort_as_in_memory(scenario):
    n = BLOCK_SIZE + 1_000
    ddf = simulate_cohort_dask(scenario, n, rng=np.random.default_rng(8), blocks_per_partition=1)
    mem = simulate_cohort(scenario, n, rng=np.random.default_rng(8))
    assert_same_frame(ddf.compute(), mem)
    other = simulate_cohort_dask(scenario, n, rng=np.random.default_rng(9)).compute()
    assert not other["age"].equals(mem["age"])


def test_rng_none_fixes_the_entropy_when_the_frame_is_built(scenario):
    ddf = simulate_cohort_dask(scenario, 5_000, rng=None)
    first = ddf.compute()
    assert_same_frame(ddf.compute(), first)            # computing again: the same persons
    entropy = first.attrs["entropy"]
    assert_same_frame(simulate_cohort(scenario, 5_000, rng=entropy), first)


def test_one_partition_and_column_projection(scenario, cohort):
    ddf = simulate_cohort_dask(scenario, N, rng=SEED, blocks_per_partition=8)
    assert ddf.npartitions == 1
    got = ddf["onset_age"].compute()
    assert got.dtype == np.float32
    assert got.equals(cohort["onset_age"])
    assert _cohort_partition((1, 3), cohort_plan(scenario, N), SEED,
                             columns=["sex"]).columns.tolist() == ["sex"]


def test_partition_survives_pickling(scenario, cohort):
    """Distributed pickles a task's function and arguments to ship them to a worker."""
    plan = cohort_plan(scenario, N)
    func, args = pickle.loads(pickle.dumps((_cohort_partition, ((1, 3), plan, SEED))))
    part = func(*args)
    assert_same_frame(part, cohort.iloc[BLOCK_SIZE:])


@pytest.fixture(scope="module")
def distributed_results(scenario):
    """Cohort and stratum counts computed on LocalClusters of 1, 2 and 4 workers."""
    distributed = pytest.importorskip("distributed")
    out = {}
    for workers in (1, 2, 4):
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                      processes=False, dashboard_address=":0") as cluster, \
                distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == workers
            ddf = simulate_cohort_dask(scenario, N, rng=SEED, blocks_per_partition=1)
            out[workers] = (ddf.compute(), aggregate(ddf, by=BY, events="lems"))
    return out


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_distributed_equals_in_memory(distributed_results, cohort, expected_counts, workers):
    frame, counts = distributed_results[workers]
    assert_same_frame(frame, cohort)
    pd.testing.assert_frame_equal(counts.drop(columns="person_time"), expected_counts,
                                  check_dtype=False)


def test_parquet_round_trip(scenario, cohort, tmp_path):
    ddf = simulate_cohort_dask(scenario, N, rng=SEED, blocks_per_partition=1)
    ddf.to_parquet(tmp_path / "cohort", write_index=False)
    assert len(list((tmp_path / "cohort").glob("*.parquet"))) == ddf.npartitions
    # read back with pandas/pyarrow, independently of dask (whose read_parquet also calls
    # reset_index(inplace=True), deprecated in pandas 3.1: a Pandas4Warning under our filters)
    back = pd.read_parquet(tmp_path / "cohort")
    assert back.columns.tolist() == cohort.columns.tolist()
    assert back.equals(cohort.reset_index(drop=True))


def test_aggregate_equals_pandas_groupby(scenario, cohort, expected_counts):
    ddf = simulate_cohort_dask(scenario, N, rng=SEED, blocks_per_partition=1)
    with dask.config.set(scheduler="threads"):
        counts = aggregate(ddf, by=BY, events="lems", split_every=2)
    assert counts.columns.tolist() == [*BY, "persons", "events", "person_time"]
    assert counts["sex"].dtype == cohort["sex"].dtype
    assert counts["age"].dtype == cohort["age"].dtype
    pd.testing.assert_frame_equal(counts[[*BY, "persons", "events"]], expected_counts,
                                  check_dtype=False)
    np.testing.assert_array_equal(counts["person_time"], counts["persons"])
    # the pandas path of aggregate gives the same table
    pd.testing.assert_frame_equal(aggregate(cohort, by=BY, events="lems"), counts)
    crude = aggregate(ddf, events="lems")
    assert crude.columns.tolist() == ["persons", "events", "person_time"]
    assert crude.iloc[0].tolist() == [N, int(cohort["lems"].sum()), float(N)]


def test_aggregate_sums_person_time_and_counts():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"area": rng.choice(["north", "south", "east"], 5_000),
                      "band": rng.integers(0, 4, 5_000),
                      "events": rng.poisson(0.3, 5_000),
                      "years": rng.uniform(0, 5, 5_000)})
    out = aggregate(dd.from_pandas(d, npartitions=6), by=["band", "area"], events="events",
                    person_time="years")
    ref = (d.groupby(["band", "area"], sort=True)
           .agg(persons=("events", "size"), events=("events", "sum"),
                person_time=("years", "sum")).reset_index())
    pd.testing.assert_frame_equal(out[["persons", "events"]], ref[["persons", "events"]])
    np.testing.assert_allclose(out["person_time"], ref["person_time"], rtol=1e-12)
    assert out["area"].astype(str).tolist() == ref["area"].astype(str).tolist()
    assert out["band"].tolist() == ref["band"].tolist()


def test_aggregate_many_sparse_groups():
    """Groups far apart in value: the combined key is factorized rather than counted densely."""
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"a": rng.integers(0, 10**12, 3_000), "b": rng.integers(0, 40, 3_000),
                      "c": rng.integers(0, 10**12, 3_000) * 1.5,
                      "x": rng.integers(0, 3, 3_000)})
    d = pd.concat([d, d.iloc[:500]], ignore_index=True)      # some groups of two rows
    out = aggregate(dd.from_pandas(d, npartitions=3), by=["a", "b", "c"], events="x")
    ref = (d.groupby(["a", "b", "c"], sort=True)
           .agg(persons=("x", "size"), events=("x", "sum")).reset_index())
    pd.testing.assert_frame_equal(out.drop(columns="person_time"), ref)


def test_rates_from_dask_table_equal_rates_from_rows(scenario, cohort):
    ddf = simulate_cohort_dask(scenario, N, rng=SEED)
    table = aggregate(ddf, by="sex", events="lems")
    got = rates(table, by="sex", per=100_000)
    want = rates(cohort.assign(events=cohort["lems"].astype(np.int64), person_time=1.0),
                 by="sex", per=100_000)
    pd.testing.assert_frame_equal(got, want)


def test_standardize_direct_from_dask_table_equals_rows(scenario, cohort):
    ddf = simulate_cohort_dask(scenario, N, rng=SEED, blocks_per_partition=2)
    table = aggregate(ddf, by=["age", "sex"], events="lems")
    got = standardize_direct(table, "esp2013", age="age", by="sex", single_year_ages=True)
    rows = cohort[["age", "sex"]].assign(events=cohort["lems"].astype(np.int64),
                                          person_time=1.0)
    want = standardize_direct(rows, "esp2013", age="age", by="sex", single_year_ages=True)
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)


def test_as_stratum_table_reduces_dask_and_passes_pandas(cohort):
    rows = cohort[["age", "sex"]].assign(n=cohort["lems"].astype(np.int64), t=2.0)
    same, ev, pt = as_stratum_table(rows, ["age", "sex"], "n", "t")
    assert same is rows
    assert (ev, pt) == ("n", "t")
    table, ev, pt = as_stratum_table(dd.from_pandas(rows, npartitions=4), ["age", "sex"],
                                     "n", "t")
    assert (ev, pt) == ("events", "person_time")
    # what standardize_direct would compute from the rows and from the reduced table
    want = standardize_direct(rows, "esp2013", events="n", person_time="t", age="age",
                              by="sex", single_year_ages=True)
    got = standardize_direct(table, "esp2013", events=ev, person_time=pt, age="age", by="sex",
                             single_year_ages=True)
    pd.testing.assert_frame_equal(got, want, rtol=1e-12)


def test_aggregate_rejects_missing_group_labels(scenario):
    ddf = simulate_cohort_dask(scenario, BLOCK_SIZE + 10, rng=2, blocks_per_partition=1)
    with pytest.raises(ValueError, match="grouping column 'lems_type' has missing values"):
        aggregate(ddf, by="lems_type", events="lems")
    cases = ddf[ddf["lems"]]
    out = aggregate(cases, by="lems_type", events="lems")
    assert out["persons"].tolist() == out["events"].tolist()
    assert out["lems_type"].astype(str).tolist() == ["paraneoplastic", "non-paraneoplastic"]


def test_aggregate_bad_input():
    d = pd.DataFrame({"g": ["a", "b", "a"], "x": [1, -2, 0], "t": [1.0, 2.0, np.nan],
                      "s": ["1", "2", "3"]})
    with pytest.raises(ValueError, match="'x' must hold whole numbers >= 0"):
        aggregate(dd.from_pandas(d, npartitions=2), by="g", events="x")
    with pytest.raises(ValueError, match="person_time column 't' must be finite"):
        aggregate(d.assign(x=1), by="g", events="x", person_time="t")
    with pytest.raises(TypeError, match="events column 's' must hold booleans"):
        aggregate(d, events="s")
    with pytest.raises(TypeError, match="person_time column 's' must be numeric"):
        aggregate(d.assign(x=1), events="x", person_time="s")
    with pytest.raises(ValueError, match="nope"):
        aggregate(d, by="nope", events="x")
    with pytest.raises(ValueError, match="more than once"):
        aggregate(d, by=["g", "g"], events="x")
    with pytest.raises(TypeError, match="'data' must be a pandas or dask DataFrame"):
        aggregate({"x": [1]}, events="x")


def test_bad_blocks_per_partition(scenario):
    with pytest.raises(ValueError, match="'blocks_per_partition' must be at least 1"):
        simulate_cohort_dask(scenario, 10, blocks_per_partition=0)
    with pytest.raises(TypeError, match="'blocks_per_partition' must be a whole number"):
        simulate_cohort_dask(scenario, 10, blocks_per_partition=2.5)
    with pytest.raises(ValueError, match="'n'"):
        simulate_cohort_dask(scenario, 0)


def test_import_lems_epi_does_not_import_dask():
    code = "import sys, lems_epi; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_public_entry_points_accept_dask():
    """simulate_cohort(engine="dask"), rates and standardize_direct on a dask cohort equal the
    in-memory results (the public dispatch, not only the helpers)."""
    import lems_epi as le

    s = le.Scenario.named("seed-base").replace(prevalence=5e-3)
    ddf = le.simulate_cohort(s, 300_000, rng=11, engine="dask")
    pdf = le.simulate_cohort(s, 300_000, rng=11)
    lazy = le.rates(ddf, events="lems", person_time=None, by="sex")
    eager = le.rates(pdf, events="lems", person_time=None, by="sex")
    pd.testing.assert_frame_equal(lazy.assign(sex=lazy["sex"].astype(str)),
                                  eager.assign(sex=eager["sex"].astype(str)),
                                  check_dtype=False)
    std_lazy = le.standardize_direct(ddf, "esp2013", events="lems", person_time=None, age="age",
                                     single_year_ages=True, open_top_age=100)
    std_eager = le.standardize_direct(pdf, "esp2013", events="lems", person_time=None,
                                      age="age", single_year_ages=True, open_top_age=100)
    np.testing.assert_allclose(std_lazy[["estimate", "lower", "upper"]].to_numpy(float),
                               std_eager[["estimate", "lower", "upper"]].to_numpy(float), rtol=1e-12)
    with pytest.raises(ValueError, match="'engine'"):
        le.simulate_cohort(s, 10, engine="spark")
