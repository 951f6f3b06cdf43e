"""Point and period prevalence, incidence rates and P = I x D on small hand-made tables."""

import numpy as np
import pandas as pd
import pytest

from lems_epi import (
    incidence_rates,
    period_prevalence,
    point_prevalence,
    prevalence_incidence_duration,
)

# four persons followed 2020-2030: a prevalent paraneoplastic case who dies in 2022, a
# non-paraneoplastic case with onset in 2024 who remits in 2028, a person born in 2025, and a
# person free of LEMS
F = pd.DataFrame({
    "birth": [1950.0, 1980.0, 2025.0, 1990.0],
    "entry": [2020.0, 2020.0, 2025.0, 2020.0],
    "exit": [2022.0, 2030.0, 2030.0, 2030.0],
    "lems_onset": [2019.0, 2024.0, np.nan, np.nan],
    "lems_end": [2022.0, 2028.0, np.nan, np.nan],
    "lems_type": ["paraneoplastic", "nonparaneoplastic", None, None],
})


def test_point_prevalence_by_hand():
    p = point_prevalence(F, at=[2021.0, 2026.0]).set_index(["at", "lems_type"])
    assert p.loc[(2021.0, "paraneoplastic"), "events"] == 1
    assert p.loc[(2021.0, "all"), "n"] == 3
    assert p.loc[(2026.0, "nonparaneoplastic"), "events"] == 1
    assert p.loc[(2026.0, "paraneoplastic"), "events"] == 0
    assert p.loc[(2026.0, "all"), "n"] == 3
    assert p.loc[(2026.0, "all"), "estimate"] == pytest.approx(1 / 3)
    assert set(p.columns) >= {"lower", "upper", "conf_level", "method"}


def test_period_prevalence_by_hand():
    p = period_prevalence(F, 2023.0, 2025.0).set_index("lems_type")
    assert p.loc["all", "n"] == 2  # person 1 dead, person 3 not born
    assert p.loc["nonparaneoplastic", "events"] == 1
    assert p.loc["paraneoplastic", "events"] == 0
    with pytest.raises(ValueError, match="start"):
        period_prevalence(F, 2025.0, 2023.0)


def test_pid_by_hand():
    pid = prevalence_incidence_duration(
        F, duration={"paraneoplastic": 2.0, "nonparaneoplastic": 4.0}).set_index("lems_type")
    person_time = 2 + 10 + 5 + 10
    assert pid.loc["paraneoplastic", "person_time"] == person_time
    assert pid.loc["paraneoplastic", "onsets"] == 0  # prevalent at start, not incident
    assert pid.loc["nonparaneoplastic", "onsets"] == 1
    assert pid.loc["paraneoplastic", "case_person_time"] == 2.0
    assert pid.loc["nonparaneoplastic", "case_person_time"] == 4.0
    assert pid.loc["nonparaneoplastic", "incidence"] == pytest.approx(1 / person_time)
    assert pid.loc["nonparaneoplastic", "prevalence_ratio"] == pytest.approx(
        (4 / person_time) / (4 / person_time))
    assert pid.loc["nonparaneoplastic", "duration_observed"] == pytest.approx(4.0)


def test_pid_needs_durations():
    with pytest.raises(ValueError, match="duration"):
        prevalence_incidence_duration(F)


def test_incidence_rates_split():
    r = incidence_rates(F, age_breaks=[0, 40], period_breaks=[2020, 2025], per=1)
    total_pt = r[r["lems_type"] == "nonparaneoplastic"]["person_time"].sum()
    assert total_pt == pytest.approx((F["exit"] - F["entry"]).sum())
    row = r[(r["lems_type"] == "nonparaneoplastic") & (r["events"] == 1)]
    assert row[["age_group", "period"]].values.tolist() == [[40.0, 2020.0]]  # onset age 44
    assert (r["lower"] <= r["estimate"]).all()
    assert (r["estimate"] <= r["upper"]).all()


def test_bad_followup():
    with pytest.raises(TypeError, match="followup"):
        point_prevalence([1, 2], at=2020)
    with pytest.raises(ValueError, match="at"):
        point_prevalence(F, at=[np.nan])


def test_outputs_follow_the_contract():
    from lems_epi.stats.contract import check_contract

    point = point_prevalence(F, at=2021.0, per=1000)
    period = period_prevalence(F, 2020, 2025)
    rates = incidence_rates(F, age_breaks=[0, 40])
    for table in (point, period, rates):
        check_contract(table)
    assert point["measure"].unique().tolist() == ["prevalence"]
    assert point.loc[point["lems_type"] == "all", "estimate"].iloc[0] == pytest.approx(1000 / 3)
    assert rates["measure"].unique().tolist() == ["rate"]
    assert rates["per"].unique().tolist() == [1.0]     # the default multiplier is 1
    per_million = incidence_rates(F, age_breaks=[0, 40], per=1e6)
    np.testing.assert_allclose(per_million["estimate"], 1e6 * rates["estimate"], rtol=1e-14)


def test_hyphenated_type_spelling_counts_in_its_row():
    """simulate_cohort writes 'non-paraneoplastic'; it counts as nonparaneoplastic."""
    f = F.assign(lems_type=["paraneoplastic", "non-paraneoplastic", None, None])
    got = point_prevalence(f, at=2026.0).set_index("lems_type")["events"]
    want = point_prevalence(F, at=2026.0).set_index("lems_type")["events"]
    pd.testing.assert_series_equal(got, want)


def test_missing_entry_is_an_error_not_a_smaller_denominator():
    with pytest.raises(ValueError, match=r"'entry' has missing or infinite values at rows \[2\]"):
        point_prevalence(F.assign(entry=[2020.0, 2020.0, np.nan, 2020.0]), at=2026.0)
