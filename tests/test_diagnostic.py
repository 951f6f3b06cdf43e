"""Tests of lems_epi.stats.diagnostic and lems_epi.stats.binomial_limits.

Known values from R (epiR 2.0.57 ``epi.tests`` and ``epi.prev``, copied from the project's
reference folder), exact coverage of each interval method at the sizes of LEMS series, input
forms and bad input.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from lems_epi import diagnostic_test, predictive_values, true_prevalence
from lems_epi.exceptions import ZeroCellWarning
from lems_epi.stats.binomial_limits import BINOMIAL_LIMIT_METHODS, binomial_limits
from lems_epi.stats.contract import check_contract
from lems_epi.stats.diagnostic import DIAGNOSTIC_MEASURES, RoganGladenWarning

# --------------------------------------------------------------------- epi.tests known values


def _epir_tables(data_dir):
    ref = pd.read_csv(data_dir / "diagnostic_tests.csv")
    return ref


def _ours(ref_level):
    tables = ref_level.drop_duplicates("table_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ZeroCellWarning)
        res = diagnostic_test(tables["tp"], tables["fp"], tables["fn"], tables["tn"],
                              conf_level=float(ref_level["conf_level"].iloc[0]))
    names = dict(zip(range(1, len(tables) + 1), tables["table_id"], strict=True))
    out = res.table.assign(table_id=res.table["table_id"].map(names))
    return out.rename(columns={"measure": "statistic"}).replace(
        {"statistic": {"diagnostic_odds_ratio": "diagnostic_or"}})


def test_diagnostic_test_matches_epir(data_dir):
    """diagnostic_tests.csv: 12 tables x 2 levels x 18 statistics.

    R (epiR 2.0.57)::

        epi.tests(as.table(matrix(c(tp, fn, fp, tn), 2, 2)), method = "exact",
                  conf.level = level)$detail

    Tolerance 1e-8 relative (closed forms). Rows where R writes NA are tested in
    :func:`test_diagnostic_test_zero_cells`; NNDx where Youden's range straddles 0 in
    :func:`test_nndx_when_youden_range_straddles_zero`.
    """
    ref = _epir_tables(data_dir)
    for level, grp in ref.groupby("conf_level"):
        ours = _ours(grp).set_index(["table_id", "statistic"])
        for row in grp.itertuples():
            got = ours.loc[(row.table_id, row.statistic)]
            for col, theirs in (("estimate", row.est), ("lower", row.lower),
                                ("upper", row.upper)):
                if pd.isna(theirs):
                    continue
                if row.statistic == "nndx" and row.table_id == "T3" and col != "estimate":
                    continue
                assert_allclose(got[col], theirs, rtol=1e-8, atol=1e-14,
                                err_msg=f"{row.table_id} {row.statistic} {col} {level}")


def test_diagnostic_test_zero_cells(data_dir):
    """Where epi.tests gives NA: T4 (fp = 0) LR+ and DOR are Inf with lower NA; T5 (fn = 0)
    DOR Inf with lower NA, LR- = 0 with upper NA.

    lems_epi returns the same: the log-scale interval has no finite limit on that side, NaN
    there, and a ZeroCellWarning says so.
    """
    ref = _epir_tables(data_dir)
    na = ref[ref["lower"].isna() | ref["upper"].isna()]
    assert len(na) == 8
    tables = ref[ref["table_id"].isin(["T4", "T5"])].drop_duplicates("table_id")
    with pytest.warns(ZeroCellWarning, match="undefined or have no finite interval"):
        res = diagnostic_test(tables["tp"], tables["fp"], tables["fn"], tables["tn"])
    t = res.table.set_index(["table_id", "measure"])
    assert np.isinf(t.loc[(1, "lr_positive"), "estimate"])
    assert np.isnan(t.loc[(1, "lr_positive"), "lower"])
    assert np.isinf(t.loc[(1, "lr_positive"), "upper"])
    assert np.isinf(t.loc[(1, "diagnostic_odds_ratio"), "estimate"])
    assert np.isnan(t.loc[(1, "diagnostic_odds_ratio"), "lower"])
    assert np.isinf(t.loc[(2, "diagnostic_odds_ratio"), "estimate"])
    assert t.loc[(2, "lr_negative"), "estimate"] == 0
    assert t.loc[(2, "lr_negative"), "lower"] == 0
    assert np.isnan(t.loc[(2, "lr_negative"), "upper"])
    check_contract(res.table)


def test_nndx_when_youden_range_straddles_zero(data_dir):
    """T3 (3/1/2/9): Youden's range is [-0.298, 0.945]; epiR reports NNDx's "interval" as
    (min, max) of the reciprocals, (-3.35, 1.06), which does not contain the estimate 2.

    The reciprocals of (0, 0.945] are [1.06, inf): lems_epi reports that, so its lower
    limit is epiR's upper value and its upper limit is infinite.
    """
    ref = _epir_tables(data_dir)
    row = ref[(ref["table_id"] == "T3") & (ref["statistic"] == "nndx")
              & (ref["conf_level"] == 0.95)].iloc[0]
    assert row["lower"] < 0 < row["upper"] < row["est"]
    with pytest.warns(ZeroCellWarning, match="nndx"):  # an infinite limit is named (issue 19)
        res = diagnostic_test(3, 1, 2, 9)
    got = res.table.set_index("measure").loc["nndx"]
    assert_allclose(got["estimate"], row["est"], rtol=1e-12)
    assert_allclose(got["lower"], row["upper"], rtol=1e-8)
    assert np.isinf(got["upper"])
    check_contract(res.table)


# --------------------------------------------------------------------- epi.prev known values

_TOL = {"c-p": (1e-8, 0.0), "wilson": (1e-8, 0.0), "sterne": (0.0, 1e-5),
        "blaker": (0.0, 1e-4)}


def test_true_prevalence_matches_epi_prev(data_dir):
    """true_prevalence.csv: 10 inputs x 4 methods.

    R (epiR 2.0.57)::

        epi.prev(pos, tested, se, sp, method = "c-p"/"sterne"/"blaker"/"wilson", units = 1,
                 conf.level = 0.95)

    Tolerances (README): c-p and wilson 1e-8 relative; sterne 1e-5 absolute (epiR bisects
    to 1e-5); blaker 1e-4 absolute (epiR steps 1e-4 inwards from Clopper-Pearson; lems_epi
    finds the limit itself). For the true-prevalence limits the absolute tolerance is divided
    by se + sp - 1. The raw Rogan-Gladen values are compared, negative or above 1 included.
    """
    ref = pd.read_csv(data_dir / "true_prevalence.csv")
    for method, grp in ref.groupby("method"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoganGladenWarning)
            out = true_prevalence(grp["pos"], grp["tested"], sensitivity=grp["se"],
                                  specificity=grp["sp"], method=method)
        rtol, atol = _TOL[method]
        youden = (grp["se"] + grp["sp"] - 1).to_numpy()
        ap = out[out["measure"] == "apparent_prevalence"]
        tp = out[out["measure"] == "true_prevalence"]
        assert_allclose(ap["estimate"], grp["ap"], rtol=1e-12)
        assert_allclose(tp["estimate"], grp["tp"], rtol=1e-10)
        for side in ("lower", "upper"):
            assert_allclose(ap[side], grp[f"ap_{side}"], rtol=rtol, atol=atol,
                            err_msg=f"{method} ap {side}")
            theirs = grp[f"tp_{side}"].to_numpy()
            diff = np.abs(tp[side].to_numpy() - theirs)
            assert (diff <= rtol * np.abs(theirs) + atol / youden + 1e-15).all(), (
                f"{method} tp {side}: {diff}")
        assert (tp["rogan_gladen_valid"].to_numpy() == grp["rogan_gladen_valid"].to_numpy()).all()


def test_blaker_limits_lie_within_epir_step(data_dir):
    """epiR's Blaker limits are Clopper-Pearson moved inwards in steps of 1e-4 while the next
    step is still rejected, so the exact limit lies at most one step inside them."""
    ref = pd.read_csv(data_dir / "true_prevalence.csv")
    ref = ref[ref["method"] == "blaker"]
    lo, hi = binomial_limits(ref["pos"], ref["tested"], 0.95, "blaker")
    pos = ref["pos"].to_numpy()
    inner = pos > 0
    assert (lo[inner] >= ref["ap_lower"].to_numpy()[inner] - 1e-12).all()
    assert (lo[inner] <= ref["ap_lower"].to_numpy()[inner] + 1e-4 + 1e-12).all()
    assert (hi <= ref["ap_upper"].to_numpy() + 1e-12).all()
    assert (hi >= ref["ap_upper"].to_numpy() - 1e-4 - 1e-12).all()


def test_true_prevalence_flags_and_truncates():
    """1/250 with Sp = 0.99: AP = 0.004 < 1 - Sp, the raw estimate is negative (as epiR);
    a RoganGladenWarning is raised, the flag is False and the truncated columns are in [0, 1]."""
    with pytest.warns(RoganGladenWarning, match="outside"):
        t = true_prevalence([1, 20], [250, 100], sensitivity=0.85, specificity=0.99)
    tp = t[t["measure"] == "true_prevalence"]
    assert tp["estimate"].iloc[0] < 0
    assert list(tp["rogan_gladen_valid"]) == [False, True]
    assert tp["estimate_truncated"].iloc[0] == 0
    for col in ("estimate_truncated", "lower_truncated", "upper_truncated"):
        assert t[col].between(0, 1).all()
    check_contract(t)


def test_true_prevalence_per_and_peer_positional_call():
    """The peer checker calls ``true_prevalence(observed, n, sensitivity=, specificity=,
    method='blaker')`` (epiR's brucellosis example: 22 per 100, 95% CI 14 to 32)."""
    t = true_prevalence(45, 150, sensitivity=0.96, specificity=0.89, method="blaker", per=100)
    row = t[t["measure"] == "true_prevalence"].iloc[0]
    assert round(row["estimate"]) == 22
    assert round(row["lower"]) == 14
    assert round(row["upper"]) == 32
    assert row["per"] == 100


@pytest.mark.parametrize(("bad", "match"), [
    (dict(positive=5, tested=0), "'tested' is zero"),
    (dict(positive=6, tested=5), "exceeds"),
    (dict(positive=1, tested=5, sensitivity=0.5, specificity=0.4), "better than chance"),
    (dict(positive=1, tested=5, sensitivity=95), "in \\[0, 1\\]"),
])
def test_true_prevalence_bad_input(bad, match):
    args = dict(sensitivity=0.9, specificity=0.9) | bad
    with pytest.raises(ValueError, match=match):
        true_prevalence(args.pop("positive"), args.pop("tested"), **args)


# --------------------------------------------------------------------- input forms


def test_input_forms_agree():
    """Four counts, a DataFrame of cells, person rows and a long table give one answer."""
    base = diagnostic_test(12, 3, 2, 40).table
    cells = pd.DataFrame({"site": ["a"], "tp": [12], "fp": [3], "fn": [2], "tn": [40]})
    from_cells = diagnostic_test(cells, by="site").table
    long = pd.DataFrame({"site": "a", "test": [1, 1, 0, 0], "disease": [1, 0, 1, 0],
                         "count": [12, 3, 2, 40]})
    from_long = diagnostic_test(long, test="test", disease="disease", count="count",
                                by="site").table
    persons = long.loc[long.index.repeat(long["count"])].drop(columns="count")
    persons = persons.assign(test=persons["test"].astype(bool))
    from_persons = diagnostic_test(persons, test="test", disease="disease", by="site").table
    for other in (from_cells, from_long, from_persons):
        assert list(other["site"].unique()) == ["a"]
        assert_allclose(other["estimate"], base["estimate"], rtol=1e-14)
        assert_allclose(other["lower"], base["lower"], rtol=1e-14)
    assert list(base["measure"]) == list(DIAGNOSTIC_MEASURES)
    check_contract(base)


def test_result_object_parts():
    res = diagnostic_test([45, 670], [300, 202], [5, 74], [99650, 640])
    assert res.wide().shape == (2, 3 * len(DIAGNOSTIC_MEASURES))
    text = str(res.summary())
    assert "table_id=2 (tp=670, fp=202, fn=74, tn=640)" in text
    fig = res.plot()
    assert len(fig.data) >= 1
    assert "<h4>" in res._repr_html_()


def test_diagnostic_test_bad_input():
    with pytest.raises(TypeError, match="four cells"):
        diagnostic_test(1, 2)
    with pytest.raises(ValueError, match="whole numbers"):
        diagnostic_test(1.5, 2, 3, 4)
    with pytest.raises(ValueError, match="True/False or 1/0"):
        diagnostic_test(pd.DataFrame({"t": ["pos"], "d": [1]}), test="t", disease="d")
    with pytest.raises(ValueError, match="unknown method"):
        diagnostic_test(1, 2, 3, 4, method="magic")


# --------------------------------------------------------------------- predictive values


def test_predictive_values_bayes_rule_invariants():
    """PPV rises and NPV falls with prevalence; at prevalence 0 and 1 they are 0/1 and 1/0;
    PPV / (1 - PPV) = LR+ x prevalence odds."""
    prev = np.geomspace(1e-7, 0.9, 50)
    t = predictive_values(0.9, 0.983, prev)
    assert (np.diff(t["ppv"]) > 0).all()
    assert (np.diff(t["npv"]) < 0).all()
    assert_allclose(t["post_test_odds_positive"], t["lr_positive"] * prev / (1 - prev),
                    rtol=1e-10)
    ends = predictive_values(0.9, 0.983, [0.0, 1.0])
    assert ends["ppv"].tolist() == [0.0, 1.0]
    assert ends["npv"].tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="proportions"):
        predictive_values(0.9, 0.98, 2.7)


def test_predictive_values_match_counts():
    """At the sample's own prevalence, Bayes' rule gives the table's PPV and NPV."""
    res = diagnostic_test(670, 202, 74, 640).table.set_index("measure")["estimate"]
    t = predictive_values(res["sensitivity"], res["specificity"], res["true_prevalence"])
    assert_allclose(t["ppv"], res["ppv"], rtol=1e-12)
    assert_allclose(t["npv"], res["npv"], rtol=1e-12)


# --------------------------------------------------------------------- exact coverage

SIZES = (20, 35, 50, 75, 100, 150)
SENSITIVITIES = np.linspace(0.85, 0.99, 29)


def exact_coverage(method, n, p, conf_level=0.95):
    """Coverage of the interval at true proportion p: the binomial probability of every
    outcome x whose interval contains p (no simulation error)."""
    x = np.arange(n + 1)
    lo, hi = binomial_limits(x, np.full(x.size, n), conf_level, method)
    pmf = stats.binom.pmf(x[:, None], n, p[None, :])
    inside = (lo[:, None] <= p[None, :]) & (p[None, :] <= hi[:, None])
    return (pmf * inside).sum(axis=0)


@pytest.fixture(scope="module")
def coverage():
    return {m: np.array([exact_coverage(m, n, SENSITIVITIES) for n in SIZES])
            for m in BINOMIAL_LIMIT_METHODS}


@pytest.mark.parametrize("method", ["clopper-pearson", "blaker", "sterne"])
def test_exact_methods_never_undercover(coverage, method):
    """Clopper-Pearson, Blaker and Sterne invert exact tests: coverage >= 95% at every n in
    20-150 and sensitivity 0.85-0.99 (computed exactly, so no false-alarm rate)."""
    assert coverage[method].min() >= 0.95 - 1e-9


def test_blaker_and_sterne_shorter_than_clopper_pearson(coverage):
    """Less conservative than Clopper-Pearson on average, still exact."""
    assert coverage["blaker"].mean() < coverage["clopper-pearson"].mean()
    assert coverage["sterne"].mean() < coverage["clopper-pearson"].mean()


@pytest.mark.parametrize("method", ["wilson", "wilson-hmisc", "jeffreys"])
def test_approximate_methods_near_nominal_on_average(coverage, method):
    """Wilson and Jeffreys are near 95% on average over the grid (within 2 points), though
    they dip below it at some (n, sensitivity)."""
    assert abs(coverage[method].mean() - 0.95) < 0.02
    assert coverage[method].min() < 0.95


# --------------------------------------------------------------------- plots


def test_forest_plot_takes_tables_with_infinite_ratios():
    """A zero cell gives an infinite LR+ and DOR: forest_plot draws the table without a
    warning (no bar where a limit is infinite or undefined)."""
    from lems_epi.plots import forest_plot

    with pytest.warns(ZeroCellWarning):
        res = diagnostic_test([12, 3], [0, 1], [3, 2], [40, 9])
    assert len(forest_plot(res.table).data) == 1
    assert len(forest_plot(true_prevalence(20, 100, sensitivity=0.9,
                                           specificity=0.95)).data) == 1


def test_predictive_value_plot():
    from lems_epi.plots import predictive_value_plot

    fig = predictive_value_plot(0.955, 0.983, ranges={"seeds": (4e-6, 1e-5)},
                                settings={"clinic": 0.01, "SCLC": (0.032, 1.0, 0.96)})
    names = [t.name for t in fig.data]
    assert names == ["PPV", "NPV", "clinic", "SCLC"]
    assert fig.layout.xaxis.type == "log"
    expected = 1.0 * 0.032 / (1.0 * 0.032 + 0.04 * (1 - 0.032))
    assert_allclose(fig.data[3].y[0], expected, rtol=1e-12)
    with pytest.raises(ValueError, match="0 < low < high < 1"):
        predictive_value_plot(0.9, 0.9, prevalence=(0, 1))


# --------------------------------------------------------------------- epiR's own examples

PEER = Path(__file__).parents[2] / "shared" / "peer" / "r" / "epiR_correct_misclassification.csv"


@pytest.mark.skipif(not PEER.exists(), reason="../shared/peer is absent (other projects' "
                    "expected values are read in place, never copied)")
def test_true_prevalence_matches_epi_prev_help_examples():
    """epiR's ``epi.prev`` help page (man/epi.prev.Rd): the values written in its comments,
    per 100, to whole numbers (rounded or truncated). Example 2 (6/151, Se 0.964, Sp 0.927,
    Clopper-Pearson) has AP < 1 - Sp: the raw estimate -4 and lower limit -6 per 100 are kept,
    as epiR reports them; the other examples use Blaker's interval."""
    rows = pd.read_csv(PEER)
    rows = rows[rows["case"].str.startswith("epi.prev")]
    assert len(rows) == 15
    for case, grp in rows.groupby("case"):
        first = grp.iloc[0]
        method = "clopper-pearson" if "Example 2" in case else "blaker"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoganGladenWarning)
            t = true_prevalence(int(first["observed"]), int(first["n"]),
                                sensitivity=first["sensitivity"],
                                specificity=first["specificity"], method=method, per=100)
        got = t[t["measure"] == "true_prevalence"].iloc[0]
        for row in grp.itertuples():
            value = got["estimate" if row.quantity == "true_prevalence" else row.quantity]
            expected = float(row.expected)
            rounded = abs(value - expected) <= 0.5 + 1e-9
            truncated = 0 <= (value - expected) * np.sign(value or 1) < 1
            assert rounded or truncated, (case, row.quantity, value, expected)
