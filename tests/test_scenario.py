import dataclasses

import pandas as pd
import pytest

import lems_epi as le
from lems_epi import Scenario


def test_seed_scenarios_take_the_seed_figures():
    low, base, high = (Scenario.named(n) for n in ("seed-low", "seed-base", "seed-high"))
    assert low.prevalence == 1 / 250_000
    assert high.prevalence == 1 / 100_000
    assert base.prevalence == pytest.approx(7e-6, rel=1e-15)
    assert (low.paraneoplastic_share, base.paraneoplastic_share, high.paraneoplastic_share) == (
        0.50, 0.55, 0.60)
    assert low.age_profile_nonparaneoplastic == "younger"
    assert high.age_profile_nonparaneoplastic == "older"
    assert base.age_profile_nonparaneoplastic == "any-age"
    assert base.reference_population == "denmark-2013"
    assert base.sources["prevalence"] == ("seed004-prevalence",)


def test_scenarios_table_lists_named_with_name_first():
    t = le.scenarios()
    assert t.columns[0] == "name"
    assert {"seed-low", "seed-base", "seed-high"} <= set(t["name"])
    assert t.set_index("name").loc["seed-base", "prevalence_per_million"] == pytest.approx(7.0)


def test_every_parameter_has_a_source_or_assumption_in_seed_scenarios():
    s = Scenario.named("seed-base")
    skip = {"name", "sources", "description", "paraneoplastic_share_of",
            "male_share_paraneoplastic", "male_share_nonparaneoplastic",
            "smoker_share_paraneoplastic", "smoker_share_nonparaneoplastic"}
    for f in dataclasses.fields(s):
        if f.name not in skip:
            assert s.sources.get(f.name), f.name


def test_frozen_and_replace_validates():
    s = Scenario.named("seed-base")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.prevalence = 1e-5
    r = s.replace(prevalence=3e-6)
    assert r.prevalence == 3e-6
    assert r.sources["prevalence"] == ("user",)
    assert r.name == "seed-base (modified)"
    assert s.prevalence == 7e-6
    with pytest.raises(ValueError, match="prevalence"):
        s.replace(prevalence=0)
    with pytest.raises(ValueError, match="unknown parameter"):
        s.replace(prevalance=1e-6)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"prevalence": 1.5}, ValueError, "'prevalence' must lie strictly between 0 and 1"),
        ({"prevalence": -1e-6}, ValueError, "prevalence"),
        ({"prevalence": "7e-6"}, TypeError, "'prevalence' must be a number"),
        ({"paraneoplastic_share": 1.2}, ValueError, "'paraneoplastic_share' is a share"),
        ({"sclc_share": -0.1}, ValueError, "sclc_share"),
        ({"male_rr_paraneoplastic": -2.0}, ValueError, "relative risk"),
        ({"smoking_rr_paraneoplastic": {"former": 1.0, "current": -3.0}}, ValueError,
         "relative risk"),
        ({"smoking_rr_paraneoplastic": {"current": 3.0}}, ValueError, "'former' and 'current'"),
        ({"duration_paraneoplastic": -1.0}, ValueError, "duration_paraneoplastic"),
        ({"age_profile_nonparaneoplastic": "young"}, ValueError, "younger"),
        ({"reference_population": "mars-2020"}, ValueError, "denmark-2013"),
        ({"paraneoplastic_share_of": "both"}, ValueError, "incident"),
        ({"male_share_paraneoplastic": 0.75}, ValueError, "exactly one of"),
        ({"male_rr_paraneoplastic": None, "male_share_paraneoplastic": 1.0}, ValueError,
         "strictly between 0 and 1"),
        ({"vgcc_positive_paraneoplastic": float("nan")}, ValueError, "finite"),
        ({"smoking_prevalence": "nope"}, ValueError, "assumption-2013"),
    ],
)
def test_bad_values_are_refused_with_the_parameter_named(changes, error, match):
    with pytest.raises(error, match=match):
        Scenario.named("seed-base").replace(**changes)


def test_unknown_named_scenario():
    with pytest.raises(ValueError, match="seed-base"):
        Scenario.named("seed-middle")


def test_incident_share_converts_to_prevalent_in_closed_form():
    s = Scenario(paraneoplastic_share=0.5, paraneoplastic_share_of="incident",
                 duration_paraneoplastic=1.5, duration_nonparaneoplastic=20.0)
    assert s.paraneoplastic_share_prevalent == pytest.approx(0.5 * 1.5 / (0.5 * 1.5 + 0.5 * 20))
    back = s.replace(paraneoplastic_share=s.paraneoplastic_share_prevalent,
                     paraneoplastic_share_of="prevalent")
    assert back.paraneoplastic_share_incident == pytest.approx(0.5)


def test_dict_round_trip():
    s = Scenario.named("seed-high")
    assert Scenario.from_dict(s.to_dict()) == s
    assert Scenario.from_dict(s.to_dict()) != Scenario.named("seed-low")


def test_toml_round_trip_with_share_targets_and_user_tables(tmp_path):
    smoking = le.populations.smoking_prevalence().assign(current=lambda t: t["current"] * 0.5)
    smoking["never"] = 1 - smoking["former"] - smoking["current"]
    s = Scenario.named("seed-base").replace(
        male_rr_paraneoplastic=None, male_share_paraneoplastic=0.74,
        smoking_prevalence=smoking, reference_population=le.population("finland-2016"))
    path = tmp_path / "s.toml"
    s.to_toml(path)
    back = Scenario.from_toml(path)
    assert back == s
    assert back.male_share_paraneoplastic == 0.74
    assert back.male_rr_paraneoplastic is None
    assert isinstance(back.reference_population, pd.DataFrame)
    with pytest.raises(FileExistsError, match="overwrite"):
        s.to_toml(path)
    s.replace(prevalence=2e-6).to_toml(path, overwrite=True)
    assert Scenario.from_toml(path).prevalence == 2e-6


def test_summary_and_html():
    s = Scenario.named("seed-low")
    summary = s.summary()
    assert list(summary.columns) == ["parameter", "value", "sources"]
    assert "seed-low" in s._repr_html_()
