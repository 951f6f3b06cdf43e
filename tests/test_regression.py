"""Tests of lems_epi.stats.regression: Danish lung cancer against R, invariants, simulation."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import lems_epi as le

DATA = Path(__file__).parent / "data"
FORMULA = "cases ~ C(age) + C(period)"


@pytest.fixture(scope="module")
def lung():
    return pd.read_csv(DATA / "poisson_glm_input.csv")


@pytest.fixture(scope="module")
def expected():
    return pd.read_csv(DATA / "poisson_glm_expected.csv")


@pytest.fixture(scope="module")
def lung_fit(lung):
    return le.poisson_regression(lung, FORMULA, person_time="person_years")


class TestDanishLungCancerR:
    """Reference: R 4.2, Epi::lungDK (male lung cancer in Denmark, two Lexis triangles per
    age x period), shared/reference/poisson_glm_input.csv and poisson_glm_expected.csv.

    > fit <- glm(cases ~ factor(age) + factor(period), offset = log(person_years),
    +            family = poisson, data = d)
    > coef(summary(fit)); exp(coef(fit)); exp(confint.default(fit))
    > deviance(fit); df.residual(fit)

    R names terms factor(age)45, patsy C(age)[T.45]: compared in order.
    Tolerances (shared/reference/README.md): closed form 1e-8, GLM standard errors 1e-6,
    p-values below 1e-12 to an absolute 1e-14.
    """

    def test_terms_in_order(self, lung_fit, expected):
        terms = lung_fit.table["term"].tolist()
        assert len(terms) == len(expected) == 20
        assert terms[0] == "Intercept"
        r_names = [t.replace("factor(", "C(").replace(")", ")[T.") + "]"
                   for t in expected["term"][1:]]
        assert terms[1:] == r_names

    def test_coefficients_and_errors(self, lung_fit, expected):
        t = lung_fit.table
        assert_allclose(t["coef"], expected["coef"], rtol=1e-8)
        assert_allclose(t["std_err"], expected["std_err"], rtol=1e-6)
        assert_allclose(t["statistic"], expected["z"], rtol=1e-6)
        assert_allclose(t["p_value"], expected["p"], rtol=1e-6, atol=1e-14)
        assert_allclose(t["estimate"], expected["irr"], rtol=1e-8)
        assert (t["measure"] == "irr").all()
        assert_allclose(t["lower"], expected["irr_lower"], rtol=1e-6)
        assert_allclose(t["upper"], expected["irr_upper"], rtol=1e-6)

    def test_deviance(self, lung_fit, expected):
        assert lung_fit.deviance == pytest.approx(expected["deviance"].iloc[0], rel=1e-8)
        assert lung_fit.df_resid == expected["df_resid"].iloc[0]


def test_result_object(lung_fit):
    from lems_epi.stats.contract import check_contract

    check_contract(lung_fit.table)
    assert list(lung_fit.table.columns) == ["term", "measure", "estimate", "lower", "upper",
                                            "conf_level", "method", "per", "statistic",
                                            "p_value", "alternative", "coef", "std_err"]
    assert "Coefficients" in str(lung_fit.summary())
    assert lung_fit.dispersion == pytest.approx(lung_fit.model.pearson_chi2 / 200, rel=1e-12)
    with pytest.raises(dataclasses.FrozenInstanceError):
        lung_fit.deviance = 0.0
    assert "<table" in lung_fit._repr_html_()
    assert "overdispersion" in repr(lung_fit)


def test_overdispersion_note_and_negative_binomial(lung, lung_fit):
    """The age-period model of lungDK leaves Pearson chi2 / df ~ 17: a note, and the
    negative binomial fit has a dispersion near 1, wider intervals and no note."""
    assert lung_fit.dispersion > 10
    assert "negative-binomial" in lung_fit.note
    nb = le.poisson_regression(lung, FORMULA, person_time="person_years",
                               family="negative-binomial")
    assert nb.family == "negative-binomial"
    assert nb.note == ""
    assert nb.alpha_nb > 0
    assert 0.8 < nb.dispersion < 1.5
    assert (nb.table["std_err"] > lung_fit.table["std_err"]).all()
    # the GLM at the estimated alpha gives the maximum likelihood coefficients of the
    # discrete NB2 model (statsmodels' NegativeBinomial, fitted independently)
    from statsmodels.discrete.discrete_model import NegativeBinomial

    joint = NegativeBinomial.from_formula(FORMULA, data=lung,
                                          offset=np.log(lung["person_years"])).fit(disp=0)
    assert_allclose(nb.table["coef"], joint.params.iloc[:-1], rtol=1e-4, atol=1e-5)
    assert nb.alpha_nb == pytest.approx(joint.params["alpha"], rel=1e-6)


def test_person_time_units_shift_only_the_intercept(lung, lung_fit):
    days = lung.assign(person_days=lung["person_years"] * 365.25)
    fit = le.poisson_regression(days, FORMULA, person_time="person_days")
    assert fit.table["coef"].iloc[0] == pytest.approx(
        lung_fit.table["coef"].iloc[0] - np.log(365.25), rel=1e-10)
    assert_allclose(fit.table["coef"].iloc[1:], lung_fit.table["coef"].iloc[1:], rtol=1e-10)
    assert_allclose(fit.table["std_err"], lung_fit.table["std_err"], rtol=1e-8)


def test_recovers_known_rate_ratio_with_nominal_coverage(rng):
    """Poisson counts with a true IRR of 2 for exposure: the 95% Wald interval covers the
    truth in about 95% of 120 simulated data sets, and no note appears on average."""
    exposure = np.repeat([0, 1], 20)
    age = np.tile(np.arange(20), 2)
    person_time = rng.uniform(500, 2000, size=40)
    mu = person_time * 1e-2 * np.exp(np.log(2.0) * exposure + 0.05 * age)
    hits, notes = 0, 0
    reps = 120
    for _ in range(reps):
        frame = pd.DataFrame({"cases": rng.poisson(mu), "exposed": exposure, "age": age,
                              "person_time": person_time})
        fit = le.poisson_regression(frame, "cases ~ exposed + age")
        row = fit.table.set_index("term").loc["exposed"]
        hits += row["lower"] <= 2.0 <= row["upper"]
        notes += bool(fit.note)
    assert abs(hits / reps - 0.95) < 3 * np.sqrt(0.95 * 0.05 / reps)
    assert notes / reps < 0.1


def test_negative_binomial_recovers_alpha(rng):
    """Gamma-Poisson counts with alpha = 0.5: the Poisson fit notes overdispersion and the
    negative binomial fit recovers alpha and the IRR."""
    n = 600
    exposed = rng.integers(0, 2, size=n)
    person_time = rng.uniform(50, 150, size=n)
    mu = person_time * 0.05 * np.exp(np.log(1.5) * exposed)
    counts = rng.poisson(mu * rng.gamma(shape=2.0, scale=0.5, size=n))  # var = mu + mu^2/2
    frame = pd.DataFrame({"cases": counts, "exposed": exposed, "person_time": person_time})
    pois = le.poisson_regression(frame, "cases ~ exposed")
    assert "overdispersion" in pois.note
    nb = le.poisson_regression(frame, "cases ~ exposed", family="negative-binomial")
    assert nb.alpha_nb == pytest.approx(0.5, abs=0.12)
    row = nb.table.set_index("term").loc["exposed"]
    assert row["lower"] < 1.5 < row["upper"]


def test_bad_input(lung):
    with pytest.raises(ValueError, match=r"column\(s\) \['person_time'\] not found"):
        le.poisson_regression(lung, FORMULA)
    with pytest.raises(ValueError, match="'cases' has negative values"):
        le.poisson_regression(lung.assign(cases=-lung["cases"]), FORMULA,
                              person_time="person_years")
    with pytest.raises(ValueError, match="'cases' must hold whole numbers"):
        le.poisson_regression(lung.assign(cases=lung["cases"] + 0.5), FORMULA,
                              person_time="person_years")
    with pytest.raises(ValueError, match="'person_years' has zero or negative"):
        le.poisson_regression(lung.assign(person_years=0.0), FORMULA,
                              person_time="person_years")
    with pytest.raises(ValueError, match="'formula' must be a string"):
        le.poisson_regression(lung, "cases + age", person_time="person_years")
    with pytest.raises(ValueError, match="could not build the model"):
        le.poisson_regression(lung, "cases ~ C(agee)", person_time="person_years")
    with pytest.raises(ValueError, match="unknown family"):
        le.poisson_regression(lung, FORMULA, person_time="person_years", family="binomial")
    with pytest.raises(TypeError, match="DataFrame"):
        le.poisson_regression(lung.to_dict(), FORMULA, person_time="person_years")


def test_infinite_wald_limits_come_with_a_warning():
    """Person-time from 1.7e3 to 8.3e11 (found by tests/test_fuzz.py): standard errors near
    1,900 on the log scale give limits of 0 and inf, which used to come back silently."""
    from lems_epi.exceptions import ConvergenceWarning

    d = pd.DataFrame({"x": [0, 1, 0, 1], "z": [0, 0, 1, 1], "cases": [1, 20, 1, 1],
                      "person_time": [1.056574e05, 8.295913e11, 4.976797e11, 1.689153e03]})
    with pytest.warns(ConvergenceWarning, match="0 or infinite"):
        res = le.poisson_regression(d, "cases ~ x + z", person_time="person_time")
    assert np.isinf(res.table["upper"]).all()
