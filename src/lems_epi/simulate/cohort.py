"""Synthetic cohorts in memory: one row per person.

See :mod:`lems_epi.simulate.blocks` for the block design, the stratified draws and how
``onset_age`` and ``vgcc_antibody`` are drawn.
"""

from __future__ import annotations

from lems_epi._rng import entropy_from
from lems_epi.scenario import DEFAULT_POPULATION, coerce_scenario
from lems_epi.simulate.blocks import check_cohort_size, cohort_plan, simulate_blocks

__all__ = ["simulate_cohort"]


def simulate_cohort(scenario, n, *, population=DEFAULT_POPULATION, rng=None,
                    engine="pandas"):
    """Simulate a cohort of ``n`` persons, one row per person.

    Parameters
    ----------
    scenario : Scenario or str
        The parameter set, or the name of a named one.
    n : int
        Number of persons (at least 1). At the seed prevalences a cohort of 100,000 holds
        about one case; raise the prevalence with ``scenario.replace(prevalence=...)`` for
        lessons that need many.
    rng : None, int or numpy.random.Generator, optional
        An int is used as the entropy of the blocks' seed sequences (the same int gives the
        same frame); from a Generator an entropy is drawn, so two generators spawned from one
        parent give different cohorts. The entropy is stored in ``attrs["entropy"]``.
    population : str, pandas.DataFrame or None, default DEFAULT_POPULATION
        Population whose age x sex structure the persons follow (default
        :data:`lems_epi.scenario.DEFAULT_POPULATION`; ``None``: the scenario's reference
        population). Smoking follows the scenario's smoking prevalence.
    engine : {"pandas", "dask"}, default "pandas"
        ``"pandas"`` builds the cohort in memory; ``"dask"`` returns a lazy
        ``dask.dataframe.DataFrame`` over the same blocks (see
        :func:`lems_epi.simulate.scale.simulate_cohort_dask`), equal to the in-memory cohort
        once computed, for cohorts larger than memory.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Columns ``person_id`` (int32, or int64 beyond 2^31 persons), ``age`` (int16, whole
        years; the population's top age means that age and over), ``sex`` and ``smoking``
        (categorical), ``lems`` (bool), ``lems_type`` (categorical ``paraneoplastic`` /
        ``non-paraneoplastic``, missing for non-cases), ``cancer`` (categorical ``sclc`` /
        ``other`` for paraneoplastic cases, missing otherwise), ``onset_age`` (float32, missing
        for non-cases) and ``vgcc_antibody`` (nullable boolean, missing for non-cases).
        About 17 bytes a person. ``attrs`` holds ``scenario``, ``n``, ``entropy`` and
        ``block_size``.

    Notes
    -----
    See the module docstring of :mod:`lems_epi.simulate.blocks` for the block design, the
    stratified draws, the order of the rows and how ``onset_age`` and ``vgcc_antibody`` are
    drawn.

    References
    ----------
    .. [1] L'Ecuyer P, Simard R, Chen EJ, Kelton WD (2002). An object-oriented random-number
       package with many long streams and substreams. Operations Research 50(6):1073-1075
       (independent substreams for blocks of a simulation).
    .. [2] Keiding N (1991). Age-specific incidence and prevalence: a statistical perspective.
       Journal of the Royal Statistical Society, Series A 154(3):371-412 (prevalence, incidence
       and the duration of prevalent cases).

    Examples
    --------
    >>> import lems_epi as le
    >>> s = le.Scenario.named("seed-base").replace(prevalence=0.01)
    >>> cohort = le.simulate_cohort(s, 20_000, rng=3)
    >>> list(cohort.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['person_id', 'age', 'sex', 'smoking', 'lems', 'lems_type', 'cancer', 'onset_age',
     'vgcc_antibody']
    >>> cohort.equals(le.simulate_cohort(s, 20_000, rng=3))
    True
    >>> bool(cohort.loc[cohort["lems"], "onset_age"].le(cohort.loc[cohort["lems"], "age"]).all())
    True
    """
    caller = "simulate_cohort"
    if engine == "dask":
        from lems_epi.simulate.scale import simulate_cohort_dask  # lazy: dask is heavy

        return simulate_cohort_dask(scenario, n, rng=rng, population=population)
    if engine != "pandas":
        raise ValueError(f"{caller}: 'engine' must be 'pandas' (in memory) or 'dask' (lazy, "
                         f"for cohorts beyond memory), got {engine!r}.")
    n = check_cohort_size(n, caller=caller)
    entropy = entropy_from(rng, caller=caller)
    plan = cohort_plan(coerce_scenario(scenario, caller=caller), n, population=population,
                       caller=caller)
    return simulate_blocks(plan, entropy)
