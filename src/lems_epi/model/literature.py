"""How the ``literature`` named scenario was built: published LEMS figures, and two solved constants.

The scenario itself is registered in :mod:`lems_epi.scenario` (so that naming it never needs
the risk model); this module documents its choices and re-derives the two constants that the
risk model solves (:func:`solve_former_excess_fraction`, :func:`solve_current_rr_nonparaneoplastic`).
A test checks that the stored constants equal the solver's.

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
  solved (closed form inside a root find, :func:`solve_current_rr_nonparaneoplastic`) so that 16% of non-paraneoplastic cases
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

import dataclasses
from functools import lru_cache

from scipy.optimize import brentq

from lems_epi.model.api import expected_counts
from lems_epi.scenario import REFERENCE_POPULATION, Scenario

__all__ = ["CURRENT_SMOKER_SHARE_NONPARANEOPLASTIC", "CURRENT_SMOKER_SHARE_PARANEOPLASTIC",
           "literature_scenario", "solve_current_rr_nonparaneoplastic",
           "solve_former_excess_fraction"]

#: Published share of current smokers among non-paraneoplastic cases (Maddison et al. 2020).
CURRENT_SMOKER_SHARE_NONPARANEOPLASTIC = 0.16
#: Published share of current smokers at diagnosis among SCLC-LEMS (Titulaer et al. 2008).
CURRENT_SMOKER_SHARE_PARANEOPLASTIC = 0.86


def _draft(current_rr: float, phi: float) -> Scenario:
    """The literature scenario with the two solved constants set to ``current_rr`` and ``phi``."""
    return dataclasses.replace(
        Scenario.named("literature"), former_excess_fraction=phi,
        smoking_rr_nonparaneoplastic={"former": 1.0 + phi * (current_rr - 1.0),
                                      "current": current_rr})


def _current_share(kind: str, current_rr: float, phi: float) -> float:
    t = expected_counts(_draft(current_rr, phi), population=REFERENCE_POPULATION)
    col = t[f"expected_{kind}"]
    return float(col[t["smoking"] == "current"].sum() / col.sum())


@lru_cache(maxsize=1)
def solve_former_excess_fraction() -> float:
    """Solve ``former_excess_fraction`` so that 86% of paraneoplastic cases are current smokers.

    The paraneoplastic shares do not depend on the non-paraneoplastic risks (set to 1 here).

    Examples
    --------
    >>> from lems_epi.scenario import LITERATURE_FORMER_EXCESS_FRACTION
    >>> abs(solve_former_excess_fraction() - LITERATURE_FORMER_EXCESS_FRACTION) < 1e-12
    True
    """
    target = CURRENT_SMOKER_SHARE_PARANEOPLASTIC
    return brentq(lambda phi: _current_share("paraneoplastic", 1.0, phi) - target, 1e-4, 1.0,
                  xtol=1e-14, rtol=1e-14)


@lru_cache(maxsize=1)
def solve_current_rr_nonparaneoplastic() -> float:
    """Solve the current-smoker relative risk of non-paraneoplastic LEMS (16% current smokers).

    Examples
    --------
    >>> from lems_epi.scenario import LITERATURE_CURRENT_RR_NONPARANEOPLASTIC as stored
    >>> abs(solve_current_rr_nonparaneoplastic() - stored) < 1e-12
    True
    """
    target = CURRENT_SMOKER_SHARE_NONPARANEOPLASTIC
    phi = solve_former_excess_fraction()
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
    return Scenario.named("literature")
