import numpy as np
import pandas as pd
import pytest

import lems_epi as le
from lems_epi.populations import check_population, merge_open_top


def test_denmark_total_and_open_top():
    pop = le.population("denmark-2013")
    assert int(pop["population"].sum()) == 5_602_628
    assert pop["age"].min() == 0
    assert pop["age"].max() == 99
    assert pop.attrs["open_top_age"] == 99
    assert list(pop.columns) == ["age", "sex", "population"]
    assert set(pop["sex"]) == {"female", "male"}


def test_finland_ages():
    pop = le.population("finland-2016")
    assert pop["age"].max() == 100
    assert len(pop) == 2 * 101


def test_standard_weights_match_reference_totals():
    expected_totals = {"esp2013": 100_000, "who2000": 100_035, "segi1960": 100_000,
                       "esp1976": 100_000, "nordic2000": 100_000}
    for name, total in expected_totals.items():
        std = le.standard_population(name)
        assert list(std.columns) == ["age_group", "age_start", "age_end", "weight"]
        assert std["weight"].sum() == pytest.approx(total)
        assert pd.isna(std["age_end"].iloc[-1])


def test_who2000_open_top_merge_for_denmark():
    merged = merge_open_top("who2000", 99)
    assert merged["age_group"].iloc[-1] == "95+"
    std = le.standard_population("who2000")
    assert merged["weight"].iloc[-1] == std["weight"].iloc[-2:].sum()
    assert merged["weight"].sum() == std["weight"].sum()


def test_open_top_already_aligned_is_unchanged():
    merged = merge_open_top("esp2013", 99)
    assert merged["age_group"].tolist() == le.standard_population("esp2013")["age_group"].tolist()


def test_band_population_keeps_total_and_sex():
    pop = le.population("finland-2016")
    banded = le.band_population(pop, "esp2013", by="sex")
    assert int(banded["population"].sum()) == int(pop["population"].sum())
    assert len(banded) == 2 * 19
    assert banded["weight"].notna().all()


def test_band_ages_labels_and_errors():
    labels = le.band_ages([0, 4, 5, 89, 90, 120], "esp2013")
    assert list(labels) == ["0-4", "0-4", "5-9", "85-89", "90+", "90+"]
    with pytest.raises(ValueError, match="outside the bands"):
        le.band_ages([-1], "esp2013")
    with pytest.raises(ValueError, match="increasing"):
        le.age_bands([10, 5])


def test_life_table():
    lt = le.life_table("finland-2013")
    assert (lt["hazard"] >= 0).all()
    # the source has a few zero hazards at child ages with no deaths that year
    assert (lt.loc[lt["age"] >= 20, "hazard"] > 0).all()
    old = lt[lt["age"] == 90].set_index("sex")["hazard"]
    assert old["male"] > old["female"]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda t: t.drop(columns="population"), "not found"),
        (lambda t: t.assign(population=[1, -2]), "rows \\[1\\]"),
        (lambda t: t.assign(population=[1.5, 2]), "non-integer"),
        (lambda t: t.assign(sex=["male", "unknown"]), "unknown"),
        (lambda t: t.assign(sex=["male", "male"]), "duplicated"),
    ],
)
def test_malformed_population_is_refused(change, match):
    base = pd.DataFrame({"age": [30, 30], "sex": ["male", "female"], "population": [5, 6]})
    with pytest.raises(ValueError, match=match):
        check_population(change(base))


def test_unknown_population_name_suggests():
    with pytest.raises(ValueError, match="denmark-2013"):
        le.population("denmark")
    with pytest.raises(TypeError):
        check_population(np.zeros(3))

