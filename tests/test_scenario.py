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


# ---------------------------------------------------------------------- one coercion, one default
def _scenario_callers():
    """Every public function that takes a scenario: (name, call with the scenario)."""
    from lems_epi import sensitivity as sa
    from lems_epi.model import resolve
    from lems_epi.simulate.blocks import cohort_plan
    from lems_epi.simulate.incidence import onset_rates

    small = {"population": "denmark-2013"}
    return [
        ("expected_counts", lambda s: le.expected_counts(s, **small)),
        ("calibration_report", lambda s: le.calibration_report(s)),
        ("resolve", lambda s: resolve(s).prevalence),
        ("simulate_counts", lambda s: le.simulate_counts(s, rng=1, **small)),
        ("simulate_cohort", lambda s: le.simulate_cohort(s, 500, rng=1, **small)),
        ("simulate_case_control", lambda s: le.simulate_case_control(
            le.coerce_scenario(s).replace(prevalence=0.01), 2000, rng=1, **small)),
        ("simulate_followup", lambda s: le.simulate_followup(s, n=300, years=1, rng=1)),
        ("cohort_plan", lambda s: cohort_plan(s, 10).p_case),
        ("onset_rates", lambda s: onset_rates(s)),
        ("one_way", lambda s: sa.one_way("expected_cases", base=s,
                                         ranges={"prevalence": (4e-6, 1e-5)})),
        ("evaluate", lambda s: sa.evaluate("expected_cases", base=s)),
        ("sobol", lambda s: sa.sobol("expected_cases", {"prevalence": sa.uniform(2e-6, 4e-6),
                                                        "sclc_share": sa.uniform(0.5, 0.9)},
                                     n=64, n_resamples=100, base=s, rng=1).table),
        ("probabilistic", lambda s: sa.probabilistic(
            "expected_cases", {"prevalence": sa.uniform(2e-6, 4e-6)}, n=20, base=s,
            rng=1).table),
    ]


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif hasattr(a, "shape"):
        assert (a == b).all()
    else:
        assert a == b


@pytest.mark.parametrize(("name", "call"), _scenario_callers(),
                         ids=[n for n, _ in _scenario_callers()])
def test_every_function_taking_a_scenario_takes_its_name(name, call):
    by_name = call("seed-base")
    by_object = call(Scenario.named("seed-base"))
    _same(by_name, by_object)
    with pytest.raises(TypeError, match=r"must be a Scenario or a scenario name"):
        call(3.5)
    with pytest.raises(ValueError, match="unknown scenario 'seed-middle'"):
        call("seed-middle")


def test_one_default_population():
    import inspect

    from lems_epi import sensitivity as sa
    from lems_epi.cli import build_parser
    from lems_epi.report import build_report, write_report
    from lems_epi.scenario import DEFAULT_POPULATION
    from lems_epi.simulate.io import write_simulation

    assert DEFAULT_POPULATION == "finland-2016"
    for func in (le.expected_counts, le.simulate_counts, le.simulate_cohort,
                 le.simulate_case_control, write_simulation, sa.one_way, sa.scenario_grid,
                 sa.probabilistic, sa.sobol, sa.evaluate, build_report, write_report):
        default = inspect.signature(func).parameters["population"].default
        assert default == DEFAULT_POPULATION, func.__name__
    parser = build_parser()
    for command in ("simulate", "sensitivity", "report"):
        extra = ["--out", "x.csv"] if command == "simulate" else []
        assert parser.parse_args([command, *extra]).population == DEFAULT_POPULATION


def test_named_scenarios_need_no_risk_model_and_errors_are_loud():
    """The registry is explicit: naming a scenario does not import the model, and the
    literature scenario is always there (it was dropped when any import inside the model
    failed)."""
    import subprocess
    import sys

    code = ("import sys; from lems_epi.scenario import Scenario, scenario_names; "
            "s = Scenario.named('literature'); "
            "print('literature' in scenario_names(), 'lems_epi.model' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.split() == ["True", "False"]


def test_literature_constants_are_the_solvers():
    from lems_epi.model.literature import (
        solve_current_rr_nonparaneoplastic,
        solve_former_excess_fraction,
    )
    from lems_epi.scenario import (
        LITERATURE_CURRENT_RR_NONPARANEOPLASTIC,
        LITERATURE_FORMER_EXCESS_FRACTION,
    )

    assert solve_former_excess_fraction() == pytest.approx(LITERATURE_FORMER_EXCESS_FRACTION,
                                                           rel=1e-12)
    assert solve_current_rr_nonparaneoplastic() == pytest.approx(
        LITERATURE_CURRENT_RR_NONPARANEOPLASTIC, rel=1e-12)


def test_register_scenario_makes_a_name_work_everywhere():
    from functools import partial

    from lems_epi.scenario import NAMED_SCENARIOS, register_scenario, scenario_names

    register_scenario("test-double", partial(Scenario, name="test-double", prevalence=1.4e-5),
                      "twice seed-base")
    assert "test-double" in scenario_names()
    assert "test-double" not in NAMED_SCENARIOS
    t = le.expected_counts("test-double", population=None)
    assert t["expected_cases"].sum() / t["population"].sum() == pytest.approx(1.4e-5)
    with pytest.raises(TypeError, match="factory"):
        register_scenario("x", 3, "not callable")
