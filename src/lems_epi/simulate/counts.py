r"""Synthetic stratum counts: binomial draws around the risk model's expected counts.

The risk model (:func:`lems_epi.model.expected_counts`) gives, for every stratum of age x sex x
smoking, the population and the expected number of prevalent cases by type. A synthetic count is
one draw of the numbers that a complete survey of that population might find:

.. math::

    P_h &\sim \mathrm{Binomial}(N_h,\ p_{P,h}) \\
    Q_h \mid P_h &\sim \mathrm{Binomial}(N_h - P_h,\ p_{Q,h} / (1 - p_{P,h})) \\
    S_h \mid P_h &\sim \mathrm{Binomial}(P_h,\ \sigma_h)

with :math:`N_h` the stratum population, :math:`p_{P,h}` and :math:`p_{Q,h}` the
paraneoplastic and non-paraneoplastic prevalences (expected count / population), and
:math:`\sigma_h` the SCLC share of paraneoplastic cases (``expected_sclc /
expected_paraneoplastic``). The first two lines together are one multinomial draw over
(paraneoplastic, non-paraneoplastic, no LEMS), so a person is never counted twice. One call draws
about three binomials per stratum whatever the population size, so a population of 10^10 persons
costs the same milliseconds as one of 10^5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lems_epi._rng import as_generator
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario

__all__ = ["expected_table", "simulate_counts", "stratum_probabilities"]

_EXPECTED = ("population", "expected_paraneoplastic", "expected_sclc",
             "expected_nonparaneoplastic", "expected_cases")


def expected_table(scenario, population, *, caller: str) -> pd.DataFrame:
    """The risk model's expected counts of ``scenario`` in ``population``, for a simulation.

    ``scenario`` is a Scenario or a name; ``population`` a name, a table, or ``None`` for the
    scenario's reference population. Errors name ``caller``.
    """
    scenario = coerce_scenario(scenario, caller=caller)
    if population is not None and not isinstance(population, (str, pd.DataFrame)):
        raise TypeError(f"{caller}: 'population' must be a population name such as "
                        f"{DEFAULT_POPULATION!r}, a table with columns age, sex, population, or "
                        "None (the scenario's reference population); got "
                        f"{type(population).__name__}.")
    from lems_epi.model import expected_counts

    return expected_counts(scenario, population=population)


def stratum_probabilities(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-stratum probabilities from an expected-counts table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`lems_epi.model.expected_counts`.

    Returns
    -------
    p_paraneoplastic, p_nonparaneoplastic, sclc_share : numpy.ndarray
        ``expected_paraneoplastic / population``, ``expected_nonparaneoplastic / population``
        and ``expected_sclc / expected_paraneoplastic``; 0 where the denominator is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"population": [100, 0], "expected_paraneoplastic": [2.0, 0.0],
    ...                   "expected_sclc": [1.0, 0.0], "expected_nonparaneoplastic": [3.0, 0.0]})
    >>> [a.tolist() for a in stratum_probabilities(t)]
    [[0.02, 0.0], [0.03, 0.0], [0.5, 0.0]]
    """
    pop = table["population"].to_numpy(dtype=np.float64)
    para = table["expected_paraneoplastic"].to_numpy(dtype=np.float64)
    non = table["expected_nonparaneoplastic"].to_numpy(dtype=np.float64)
    sclc = table["expected_sclc"].to_numpy(dtype=np.float64)
    zero = np.zeros_like(pop)
    p_para = np.divide(para, pop, out=zero.copy(), where=pop > 0)
    p_non = np.divide(non, pop, out=zero.copy(), where=pop > 0)
    share = np.divide(sclc, para, out=zero.copy(), where=para > 0)
    bad = (p_para < 0) | (p_non < 0) | (p_para + p_non > 1) | (share < 0) | (share > 1)
    if bad.any() or not (np.isfinite(p_para).all() and np.isfinite(p_non).all()):
        raise ValueError("expected counts give probabilities outside [0, 1] (expected cases "
                         "above the stratum population, or SCLC cases above paraneoplastic "
                         f"ones) in {int(bad.sum())} strata; check the scenario.")
    return p_para, p_non, np.clip(share, 0.0, 1.0)


def simulate_counts(scenario, *, population=DEFAULT_POPULATION, rng=None) -> pd.DataFrame:
    """Draw synthetic prevalent case counts for every stratum of a population.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set (for example ``Scenario.named("seed-base")``) or its name.
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        The population to count in: a shipped name (default
        :data:`lems_epi.scenario.DEFAULT_POPULATION`, ``"finland-2016"``; or ``"denmark-2013"``),
        ``None`` for the scenario's reference population, or a table with columns ``age``, ``sex``,
        ``population`` (whole numbers; any size up to about 10^18 persons in total).
    rng : None, int or numpy.random.Generator, optional
        Source of randomness; the same int gives the same table.

    Returns
    -------
    pandas.DataFrame
        The :func:`lems_epi.model.expected_counts` table (``age``, ``sex``, ``smoking``,
        ``population``, ``expected_paraneoplastic``, ``expected_sclc``,
        ``expected_nonparaneoplastic``, ``expected_cases``) followed by the drawn int64 counts
        ``paraneoplastic``, ``sclc`` (the SCLC part of ``paraneoplastic``),
        ``nonparaneoplastic`` and ``cases`` (``paraneoplastic + nonparaneoplastic``).
        ``attrs`` records the scenario name.

    Notes
    -----
    Each stratum gets a multinomial split of its population into paraneoplastic,
    non-paraneoplastic and no LEMS, drawn as two binomials (see the module docstring), and the
    SCLC cases are a binomial thinning of the paraneoplastic ones. The counts are prevalent
    cases of a single survey; they are not Poisson counts, so a case can never outnumber the
    population of its stratum.

    References
    ----------
    .. [1] Johnson NL, Kotz S, Balakrishnan N (1997). *Discrete Multivariate Distributions*.
       Wiley, New York. Chapter 35 (the multinomial as a sequence of conditional binomials).

    Examples
    --------
    >>> import lems_epi as le
    >>> counts = le.simulate_counts("seed-base", population="denmark-2013", rng=1)
    >>> bool((counts["cases"] == counts["paraneoplastic"] + counts["nonparaneoplastic"]).all())
    True
    >>> bool((counts["sclc"] <= counts["paraneoplastic"]).all())
    True
    >>> int(counts["population"].sum())
    5602628
    """
    caller = "simulate_counts"
    scenario = coerce_scenario(scenario, caller=caller)
    gen = as_generator(rng, caller=caller)
    table = expected_table(scenario, population, caller=caller)
    p_para, p_non, share = stratum_probabilities(table)
    pop = table["population"].to_numpy(dtype=np.int64)
    para = gen.binomial(pop, p_para).astype(np.int64)
    rest = pop - para
    cond = np.divide(p_non, 1.0 - p_para, out=np.zeros_like(p_non), where=p_para < 1)
    non = gen.binomial(rest, np.clip(cond, 0.0, 1.0)).astype(np.int64)
    sclc = gen.binomial(para, share).astype(np.int64)
    out = table.assign(paraneoplastic=para, sclc=sclc, nonparaneoplastic=non, cases=para + non)
    out.attrs = {**dict(table.attrs), "scenario": scenario.name}
    return out
