"""The ``literature`` named scenario: published LEMS figures, with evidence ids.

Choices (each is documented in the scenario's ``description`` and ``sources``):

* Prevalence 2.7 per million (Yoshikawa et al. 2022, Japan nationwide survey, 95% CI 1.9-3.5;
  the population-based estimates range from 2.3 to 3.5 per million).
* Paraneoplastic share 0.5 *of incident cases*: the cohorts behind it (Dutch nationwide
  consecutive cohort, 54% SCLC; UK prospective cohort of newly diagnosed patients, 51% lung
  cancer; O'Neill et al. 1988, 50% carcinoma) count patients at diagnosis. With the mean
  durations below, the prevalent share is 0.5 x 2.04 / (0.5 x 2.04 + 0.5 x 25) = 0.075: at any
  time most people living with LEMS have the non-paraneoplastic form.
* SCLC share 0.8 of paraneoplastic cases (71-90% in the cohorts).
* Paraneoplastic age profile: mean 64, SD 9 years (onset means and medians 58-67: Japan 67.1
  SD 9.0, UK median 65, BMJ Best Practice "60s", Wirtz et al. 2002 median 58).
* Non-paraneoplastic age profile ``bimodal`` (peaks near 35 and 60).
* Men: 72% of paraneoplastic cases (Wirtz et al. 2002, 70%; Japan 78.6%) and 45% of
  non-paraneoplastic cases (Wirtz 2002 "no sex difference"; Japan 31%).
* Smoking: 98% of paraneoplastic cases are ever smokers (all SCLC-LEMS patients had smoked,
  capped at 98%: ``assumption-smoker-share-sclc-cap``). For non-paraneoplastic cases the
  published 16% (Maddison et al. 2020) is tobacco use *at onset*, i.e. current smokers; read as
  ever smokers it cannot be reached (even a current-smoker relative risk near 0 leaves former
  smokers half the risk, which gives at least about 25% ever smokers among cases with the
  shipped smoking table). So the current-smoker relative risk of non-paraneoplastic LEMS is
  solved (closed form inside a root find, at first use) so that 16% of non-paraneoplastic cases
  are current smokers in the reference population, with former-smoker risk
  ``1 + former_excess_fraction (r - 1)``; the calibration report checks it.
* Former smokers: ``former_excess_fraction`` (the share of the current smoker's excess risk
  that a former smoker keeps) is solved so that 86% of paraneoplastic cases are current smokers
  (Titulaer et al. 2008: all SCLC-LEMS patients had smoked and 86% were still smoking at
  diagnosis). The ever-smoker share (98%) then fixes the current-smoker relative risk and the
  current share fixes how much of it former smokers keep (about 0.062: the SCLC risk falls
  soon after quitting but never back to baseline, Pesch et al. 2012). The former 0.5 (an
  assumption) put only half of paraneoplastic cases among current smokers. The same fraction is
  used for the non-paraneoplastic relative risks.
* Durations: paraneoplastic 2.04 years (median survival 17 months after SCLC diagnosis in
  SCLC-LEMS, Lipka et al. 2020, read as an exponential mean 17 / ln 2 months); non-paraneoplastic
  25 years (survival like the general population's, Lipka et al. 2020; assumption).
"""

from __future__ import annotations

from functools import lru_cache

from scipy.optimize import brentq

from lems_epi.scenario import Scenario, register_scenario

__all__ = ["CURRENT_SMOKER_SHARE_NONPARANEOPLASTIC", "CURRENT_SMOKER_SHARE_PARANEOPLASTIC",
           "literature_scenario"]

#: Published share of current smokers among non-paraneoplastic cases (Maddison et al. 2020).
CURRENT_SMOKER_SHARE_NONPARANEOPLASTIC = 0.16
#: Published share of current smokers at diagnosis among SCLC-LEMS (Titulaer et al. 2008).
CURRENT_SMOKER_SHARE_PARANEOPLASTIC = 0.86

SOURCES = {
    "prevalence": ("lit-yoshikawa2022-prevalence", "lit-wirtz2003-prevalence",
                   "lit-abenroth2017-prevalence-confirmed"),
    "paraneoplastic_share": ("lit-titulaer2008-sclc-share-of-all",
                             "lit-maddison2020-paraneoplastic-share",
                             "lit-oneill1988-paraneoplastic-share",
                             "lit-yoshikawa2022-paraneoplastic-share"),
    "paraneoplastic_share_of": ("lit-titulaer2008-sclc-share-of-all",
                                "lit-maddison2020-paraneoplastic-share"),
    "sclc_share": ("lit-yoshikawa2022-sclc-share", "lit-oneill1988-sclc-share",
                   "lit-zambelis2020-sclc-share", "lit-livingwithlems-sclc-share"),
    "age_paraneoplastic_mean": ("lit-yoshikawa2022-onset-age-paraneoplastic",
                                "lit-maddison2020-onset-age-paraneoplastic",
                                "lit-bmj-best-practice-onset-age-paraneoplastic",
                                "lit-wirtz2002-onset-age-paraneoplastic"),
    "age_paraneoplastic_sd": ("lit-yoshikawa2022-onset-age-paraneoplastic",),
    "age_profile_nonparaneoplastic": ("lit-accessneurology-age-profile-nonparaneoplastic",
                                      "lit-bmj-best-practice-age-profile-nonparaneoplastic",
                                      "assumption-age-bimodal"),
    "male_share_paraneoplastic": ("lit-wirtz2002-male-share-paraneoplastic",
                                  "lit-yoshikawa2022-male-share-paraneoplastic"),
    "male_share_nonparaneoplastic": ("lit-wirtz2002-male-share-nonparaneoplastic",
                                     "lit-yoshikawa2022-male-share-nonparaneoplastic",
                                     "lit-bmj-best-practice-male-share-nonparaneoplastic"),
    "smoker_share_paraneoplastic": ("lit-titulaer2008-smoker-share-sclc",
                                    "assumption-smoker-share-sclc-cap"),
    "smoking_rr_nonparaneoplastic": ("lit-maddison2020-smoker-share-nonparaneoplastic",),
    "former_excess_fraction": ("lit-titulaer2008-smoker-share-sclc-current",),
    "smoking_prevalence": ("assumption",),
    "duration_paraneoplastic": ("assumption-duration-paraneoplastic",
                                "lit-lipka2020-survival-sclc-lems"),
    "duration_nonparaneoplastic": ("assumption-duration-nonparaneoplastic",
                                   "lit-lipka2020-survival-nonparaneoplastic"),
    "vgcc_positive_paraneoplastic": ("lit-lennon1995-vgcc-paraneoplastic",),
    "vgcc_positive_nonparaneoplastic": ("lit-lennon1995-vgcc-nonparaneoplastic",),
    "reference_population": ("assumption",),
}

DESCRIPTION = (
    "Published LEMS figures: prevalence 2.7 per million (Japan 2017), half of incident cases "
    "paraneoplastic (about 7.5% of prevalent cases, given the short survival with SCLC), 80% of "
    "those with SCLC; men 72% of paraneoplastic and 45% of other cases; 98% of paraneoplastic "
    "cases have smoked and 86% still smoke, 16% of other cases smoke; bimodal ages without a "
    "tumour.")


def _draft(current_rr: float, phi: float) -> Scenario:
    return Scenario(
        name="literature", prevalence=2.7e-6, paraneoplastic_share=0.5,
        paraneoplastic_share_of="incident", sclc_share=0.8, age_paraneoplastic_mean=64.0,
        age_paraneoplastic_sd=9.0, age_profile_nonparaneoplastic="bimodal",
        male_rr_paraneoplastic=None, male_share_paraneoplastic=0.72,
        male_rr_nonparaneoplastic=None, male_share_nonparaneoplastic=0.45,
        smoking_rr_paraneoplastic=None, smoker_share_paraneoplastic=0.98,
        smoking_rr_nonparaneoplastic={"former": 1.0 + phi * (current_rr - 1.0),
                                      "current": current_rr},
        former_excess_fraction=phi, smoking_prevalence="assumption-2013",
        duration_paraneoplastic=2.04, duration_nonparaneoplastic=25.0,
        reference_population="denmark-2013", vgcc_positive_paraneoplastic=1.0,
        vgcc_positive_nonparaneoplastic=0.91, sources=SOURCES, description=DESCRIPTION)


def _current_share(kind: str, current_rr: float, phi: float) -> float:
    from lems_epi.model.api import expected_counts

    t = expected_counts(_draft(current_rr, phi))
    col = t[f"expected_{kind}"]
    return float(col[t["smoking"] == "current"].sum() / col.sum())


@lru_cache(maxsize=1)
def _solved_phi() -> float:
    # the paraneoplastic shares do not depend on the non-paraneoplastic risks (rr 1 here)
    target = CURRENT_SMOKER_SHARE_PARANEOPLASTIC
    return brentq(lambda phi: _current_share("paraneoplastic", 1.0, phi) - target, 1e-4, 1.0,
                  xtol=1e-14, rtol=1e-14)


@lru_cache(maxsize=1)
def _solved_current_rr() -> float:
    target = CURRENT_SMOKER_SHARE_NONPARANEOPLASTIC
    phi = _solved_phi()
    return brentq(lambda r: _current_share("nonparaneoplastic", r, phi) - target, 1e-3, 50.0,
                  xtol=1e-14, rtol=1e-14)


def literature_scenario() -> Scenario:
    """Return the ``literature`` scenario (see the module docstring for every choice).

    Examples
    --------
    >>> s = literature_scenario()
    >>> s.prevalence, s.paraneoplastic_share_of, s.male_share_paraneoplastic
    (2.7e-06, 'incident', 0.72)
    >>> round(s.paraneoplastic_share_prevalent, 4)
    0.0754
    """
    return _draft(_solved_current_rr(), _solved_phi())


register_scenario("literature", literature_scenario, "published figures")
