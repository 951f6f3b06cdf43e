"""Test characteristics for LEMS screening and diagnosis, with their sources.

Two questions, two tests:

* **Does this patient have LEMS?** The P/Q-type VGCC antibody test: positive in nearly all
  patients (Lennon 1995: 32/32 with cancer, 91% of 33 without), but also in 1.7% of healthy
  controls, 3.4% of neurological patients and 4% of lung-cancer patients without a
  neurological syndrome (Zalewski 2016). The false-positive rate depends on the setting.
* **Does this LEMS patient have SCLC?** SOX antibodies (Titulaer 2009: sensitivity 67%,
  specificity 95%) and the DELTA-P score, whose calibration differs between the Dutch
  derivation cohort (Titulaer 2011) and the UK prospective cohort (Maddison 2020).

:class:`TestCharacteristics` holds these numbers (every one traced to an evidence row);
:func:`screening_characteristics` builds it for a scenario (the VGCC sensitivities come from the
scenario; the rest are defaults read from the evidence table). :data:`PRETEST_SETTINGS`
names the pre-test probabilities a teacher uses.

Examples
--------
>>> from lems_epi.screening import screening_characteristics
>>> tc = screening_characteristics("literature")
>>> tc.vgcc_false_positive["general population"]
0.017
>>> round(tc.vgcc_ppv("general population", prevalence=2.7e-6), 6)
0.000152
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

__all__ = [
    "DELTA_P_SOURCES",
    "PRETEST_SETTINGS",
    "TestCharacteristics",
    "screening_characteristics",
]

#: The two calibrations of the DELTA-P score.
DELTA_P_SOURCES = ("titulaer2011", "maddison2020")

#: Named settings: (pre-test probability of LEMS, evidence id or assumption it rests on,
#: the setting's VGCC false-positive key). The general-population figure is the literature's
#: central prevalence; the neurology-clinic probability is an assumption; the SCLC figure is
#: the share of SCLC patients with LEMS in prospective hospital series.
PRETEST_SETTINGS = MappingProxyType({
    "general population": (2.7e-6, "lit-yoshikawa2022-prevalence", "general population"),
    "neurology clinic": (0.01, "assumption: 1 in 100 patients tested for suspected LEMS "
                         "(proximal weakness, areflexia) has it", "neurology clinic"),
    "SCLC patients": (0.032, "lit-payne-lems-share-among-sclc", "lung cancer"),
})

_FALSE_POSITIVE_IDS = {
    "general population": "lit-zalewski2016-vgcc-healthy-controls",
    "neurology clinic": "lit-zalewski2016-vgcc-neurological",
    "lung cancer": "lit-zalewski2016-vgcc-lung-cancer",
}
_SOX_IDS = {"sox_sensitivity": "lit-titulaer2009-sox-sensitivity",
            "sox_specificity": "lit-titulaer2009-sox-specificity"}


def _check_probability(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise TypeError(f"TestCharacteristics: {name!r} must be a number in [0, 1], got "
                        f"{value!r}.")
    if not 0 <= value <= 1:
        raise ValueError(f"TestCharacteristics: {name!r} must lie in [0, 1], got {value!r}; "
                         "give proportions (0.9, not 90).")
    return float(value)


@dataclass(frozen=True)
class TestCharacteristics:
    """Sensitivities, false-positive rates and the DELTA-P calibration, validated.

    Parameters
    ----------
    vgcc_sensitivity_paraneoplastic, vgcc_sensitivity_nonparaneoplastic : float
        Share of LEMS patients with / without a tumour whose VGCC antibody test is positive.
    vgcc_false_positive : mapping of str to float
        False-positive rate of the VGCC test by setting (people without LEMS).
    sox_sensitivity, sox_specificity : float
        SOX antibodies as a test for SCLC among LEMS patients.
    delta_p_source : {"titulaer2011", "maddison2020"}
        Which calibration of the DELTA-P score synthetic patients follow.
    sources : mapping of str to str
        The evidence id (or assumption) behind each field.

    Examples
    --------
    >>> TestCharacteristics(sox_sensitivity=1.5)
    Traceback (most recent call last):
    ...
    ValueError: TestCharacteristics: 'sox_sensitivity' must lie in [0, 1], got 1.5; give proportions (0.9, not 90).
    """

    __test__ = False  # not a pytest test class despite its name

    vgcc_sensitivity_paraneoplastic: float = 1.0
    vgcc_sensitivity_nonparaneoplastic: float = 0.91
    vgcc_false_positive: Mapping = field(default_factory=lambda: {
        "general population": 0.017, "neurology clinic": 0.034, "lung cancer": 0.04})
    sox_sensitivity: float = 0.67
    sox_specificity: float = 0.95
    delta_p_source: str = "titulaer2011"
    sources: Mapping = field(default_factory=dict)

    def __post_init__(self):
        for name in ("vgcc_sensitivity_paraneoplastic", "vgcc_sensitivity_nonparaneoplastic",
                     "sox_sensitivity", "sox_specificity"):
            object.__setattr__(self, name, _check_probability(name, getattr(self, name)))
        if not isinstance(self.vgcc_false_positive, Mapping) or not self.vgcc_false_positive:
            raise TypeError("TestCharacteristics: 'vgcc_false_positive' must be a mapping "
                            "from setting to false-positive rate.")
        rates = {str(k): _check_probability(f"vgcc_false_positive[{k!r}]", v)
                 for k, v in self.vgcc_false_positive.items()}
        object.__setattr__(self, "vgcc_false_positive", MappingProxyType(rates))
        if self.delta_p_source not in DELTA_P_SOURCES:
            raise ValueError(f"TestCharacteristics: unknown delta_p_source "
                             f"{self.delta_p_source!r}; choose one of {list(DELTA_P_SOURCES)}.")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    def replace(self, **changes) -> TestCharacteristics:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def vgcc_sensitivity(self, paraneoplastic_share: float) -> float:
        """Sensitivity of the VGCC test among all LEMS patients at a paraneoplastic share."""
        share = _check_probability("paraneoplastic_share", paraneoplastic_share)
        return (share * self.vgcc_sensitivity_paraneoplastic
                + (1 - share) * self.vgcc_sensitivity_nonparaneoplastic)

    def vgcc_ppv(self, setting: str, *, prevalence: float | None = None,
                 paraneoplastic_share: float = 0.5) -> float:
        """Positive predictive value of the VGCC test in a named setting.

        ``prevalence`` defaults to the setting's pre-test probability in
        :data:`PRETEST_SETTINGS`; the setting also picks the false-positive rate.
        """
        if setting not in PRETEST_SETTINGS:
            raise ValueError(f"vgcc_ppv: unknown setting {setting!r}; choose one of "
                             f"{list(PRETEST_SETTINGS)}.")
        pretest, _, fp_key = PRETEST_SETTINGS[setting]
        prev = pretest if prevalence is None else _check_probability("prevalence", prevalence)
        share = 1.0 if setting == "SCLC patients" else paraneoplastic_share
        se = self.vgcc_sensitivity(share)
        fpr = self.vgcc_false_positive[fp_key]
        return se * prev / (se * prev + fpr * (1 - prev))


def _evidence_values(ids) -> dict[str, float]:
    from lems_epi.sources import evidence

    table = evidence().set_index("evidence_id")
    return {key: float(table.loc[eid, "value"]) for key, eid in ids.items()}


def screening_characteristics(scenario=None, *, delta_p_source: str = "titulaer2011"
                         ) -> TestCharacteristics:
    """The test characteristics of a scenario.

    Parameters
    ----------
    scenario : lems_epi.Scenario or str, optional
        A scenario or its name; its ``vgcc_positive_paraneoplastic`` and
        ``vgcc_positive_nonparaneoplastic`` become the VGCC sensitivities. The defaults of
        :class:`TestCharacteristics` when omitted.
    delta_p_source : {"titulaer2011", "maddison2020"}, default "titulaer2011"
        The DELTA-P calibration.

    Returns
    -------
    TestCharacteristics
        False-positive rates (Zalewski 2016) and SOX figures (Titulaer 2009) read from the
        evidence table, with ``sources`` naming each row.

    Examples
    --------
    >>> tc = screening_characteristics("seed-base", delta_p_source="maddison2020")
    >>> tc.sox_sensitivity, tc.delta_p_source
    (0.67, 'maddison2020')
    """
    fpr = _evidence_values(_FALSE_POSITIVE_IDS)
    sox = _evidence_values(_SOX_IDS)
    sources = {f"vgcc_false_positive[{k}]": v for k, v in _FALSE_POSITIVE_IDS.items()}
    sources.update(_SOX_IDS)
    sources["delta_p_source"] = {"titulaer2011": "lit-titulaer2011-delta-p-*",
                                 "maddison2020": "lit-maddison2020-delta-p-*"}.get(
        delta_p_source, delta_p_source)
    changes = {}
    if scenario is not None:
        from lems_epi.scenario import coerce_scenario

        s = coerce_scenario(scenario, caller="screening_characteristics")
        changes = {"vgcc_sensitivity_paraneoplastic": s.vgcc_positive_paraneoplastic,
                   "vgcc_sensitivity_nonparaneoplastic": s.vgcc_positive_nonparaneoplastic}
        sources["vgcc_sensitivity"] = f"scenario {s.name!r}"
    return TestCharacteristics(vgcc_false_positive=fpr, delta_p_source=delta_p_source,
                               sources=sources, **sox, **changes)
