"""Scenarios: one coherent, validated and traceable set of LEMS parameters.

A :class:`Scenario` is immutable. Each parameter records the evidence rows it rests on
(``Scenario.sources``: parameter name -> evidence ids from :func:`lems_epi.evidence`, or
``("assumption",)``). Named scenarios come from the sources:

``seed-low`` / ``seed-high``
    The seed documents' lowest and highest figures: prevalence exactly 1/250,000 and
    1/100,000, paraneoplastic share 0.50 and 0.60 (seed 000's "around 50 to 60%"; seed 002
    says "nearly 50%"). Non-paraneoplastic age: ``younger`` (seed 001) and ``older`` (seed 002).
``seed-base``
    The arithmetic midpoints: prevalence 7 per million, paraneoplastic share 0.55, and seed
    004's ``any-age`` reading of non-paraneoplastic age.
``literature``
    Published figures. Two of its parameters are solved by the risk model from published shares
    of cases (see :mod:`lems_epi.model.literature`, which documents every choice and re-derives
    both constants; a test checks that the stored values equal the solver's).
``pooled``
    The literature scenario with prevalence, paraneoplastic and SCLC shares pooled from the
    evidence table's counts by meta-analysis (:mod:`lems_epi.sources.pooled`).

Every named scenario is registered here, explicitly, so :meth:`Scenario.named` never depends on
which other modules happen to be imported; :func:`register_scenario` adds the user's own.
:func:`coerce_scenario` turns a Scenario or a name into a Scenario: every function of the
package that takes a scenario goes through it.

Two populations matter. A scenario's ``reference_population`` (default
:data:`REFERENCE_POPULATION`, ``"denmark-2013"``) is where its targets hold exactly. Every
function that counts, simulates or evaluates a scenario somewhere (``expected_counts``,
``simulate_*``, the sensitivity functions, the report and the command line) does so by default
in :data:`DEFAULT_POPULATION`, ``"finland-2016"``: a population other than the reference one,
so the age profiles and relative risks show in the results (in the reference population
calibration fixes the crude prevalence and the paraneoplastic share). Two functions default to
the reference population instead, because that is what they are about:
``calibration_report`` (targets vs model) and ``simulate_followup`` (whose drift figures are
measured against it). In the model, simulation and sensitivity functions ``population=None``
means the reference population.

Sex and smoking enter the risk model as relative risks (``male_rr_*``, ``smoking_rr_*``). The
evidence often gives a *share of cases* instead (70-79% of paraneoplastic cases are men); such a
target is given as ``male_share_*`` or ``smoker_share_*`` and the risk model solves the relative
risk that reproduces it in the reference population. For each type and factor exactly one of the
two is set; the other is ``None``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from lems_epi.populations.loaders import POPULATION_NAMES, check_population
from lems_epi.populations.smoking import SMOKING_NAMES, smoking_prevalence

__all__ = ["AGE_VARIANTS", "DEFAULT_POPULATION", "NAMED_SCENARIOS", "REFERENCE_POPULATION",
           "Scenario", "coerce_scenario", "register_scenario", "scenario_names", "scenarios"]

#: The population every function counts, simulates and evaluates in by default.
DEFAULT_POPULATION = "finland-2016"
#: The default reference population of a scenario: where its targets hold exactly.
REFERENCE_POPULATION = "denmark-2013"

#: Named age profiles of non-paraneoplastic LEMS (see :mod:`lems_epi.model` for the formulas).
AGE_VARIANTS = ("younger", "older", "any-age", "bimodal")
SHARE_OF = ("prevalent", "incident")

_PROB_FIELDS = ("paraneoplastic_share", "sclc_share", "vgcc_positive_paraneoplastic",
                "vgcc_positive_nonparaneoplastic", "former_excess_fraction")
_OPTIONAL_SHARES = ("male_share_paraneoplastic", "male_share_nonparaneoplastic",
                    "smoker_share_paraneoplastic", "smoker_share_nonparaneoplastic")
_POSITIVE_FIELDS = ("duration_paraneoplastic", "duration_nonparaneoplastic",
                    "age_paraneoplastic_mean", "age_paraneoplastic_sd")


def _fmt(value) -> str:
    if isinstance(value, pd.DataFrame):
        return "<DataFrame>"
    if isinstance(value, Mapping):
        return repr(dict(value))
    return repr(value)


def _check_real(name: str, value, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Scenario: '{name}' must be a number, got {_fmt(value)} "
                        f"of type {type(value).__name__}.")
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"Scenario: '{name}' must be a finite number, got {value!r}.")
    return value


@dataclass(frozen=True, eq=False)
class Scenario:
    """One coherent set of LEMS parameters, validated when created.

    Parameters
    ----------
    name : str
        A label (``"custom"`` unless the scenario is a named one).
    prevalence : float
        Point prevalence of LEMS as a proportion, in (0, 1); 7 per million is ``7e-6``.
    paraneoplastic_share : float
        Share of LEMS cases that are paraneoplastic (carry a tumour), in [0, 1].
    paraneoplastic_share_of : {"prevalent", "incident"}
        Whether ``paraneoplastic_share`` counts existing (prevalent) or new (incident) cases.
        An incident share ``s`` becomes the prevalent share ``s D_p / (s D_p + (1 - s) D_n)``
        with the mean durations below.
    sclc_share : float
        Share of paraneoplastic cases whose tumour is small-cell lung cancer, in [0, 1].
    age_paraneoplastic_mean, age_paraneoplastic_sd : float
        Mean and standard deviation (years) of the age of paraneoplastic cases: adults, mostly
        over 50 (seeds: "around 60", "over the age of 50").
    age_profile_nonparaneoplastic : {"younger", "older", "any-age", "bimodal"}
        The age profile of non-paraneoplastic cases: seed 001's "more often in younger
        patients", seed 002's "more common in older people", seed 004's "any age, including
        childhood", or the literature's two peaks near 35 and 60.
    male_rr_paraneoplastic, male_rr_nonparaneoplastic : float or None
        Risk in men relative to women, by type (``None`` when the share below is given).
    male_share_paraneoplastic, male_share_nonparaneoplastic : float or None
        Target share of men among cases, solved into a relative risk by the model.
    smoking_rr_paraneoplastic, smoking_rr_nonparaneoplastic : mapping or None
        ``{"former": rr, "current": rr}`` relative to never smokers.
    smoker_share_paraneoplastic, smoker_share_nonparaneoplastic : float or None
        Target share of ever smokers (former or current) among cases; the model solves the
        current-smoker relative risk ``r`` with the former-smoker risk
        ``1 + former_excess_fraction * (r - 1)``.
    former_excess_fraction : float
        Share of a current smoker's excess risk that a former smoker keeps (assumption: 0.5;
        the excess declines after quitting but does not vanish).
    smoking_prevalence : str or pandas.DataFrame
        Smoking shares by age and sex: the shipped assumption ``"assumption-2013"`` or a user
        table (see :func:`lems_epi.populations.smoking_prevalence`).
    duration_paraneoplastic, duration_nonparaneoplastic : float
        Mean duration of each type in years (from onset to death or recovery).
    reference_population : str or pandas.DataFrame
        Population in which the targets hold exactly (default ``"denmark-2013"``).
    vgcc_positive_paraneoplastic, vgcc_positive_nonparaneoplastic : float
        Share of cases with P/Q-type VGCC antibodies, by type.
    sources : mapping
        Parameter name -> tuple of evidence ids (or ``("assumption",)``).
    description : str
        One or two sentences saying where the scenario comes from.

    Examples
    --------
    >>> s = Scenario.named("seed-base")
    >>> s.prevalence, s.paraneoplastic_share
    (7e-06, 0.55)
    >>> s.replace(prevalence=2.7e-6).prevalence
    2.7e-06
    >>> Scenario(prevalence=2.0)
    Traceback (most recent call last):
    ...
    ValueError: Scenario: 'prevalence' must lie strictly between 0 and 1 (a proportion: 7 per million is 7e-06), got 2.0.
    """

    name: str = "custom"
    prevalence: float = 7e-6
    paraneoplastic_share: float = 0.55
    paraneoplastic_share_of: str = "prevalent"
    sclc_share: float = 0.6
    age_paraneoplastic_mean: float = 62.0
    age_paraneoplastic_sd: float = 9.0
    age_profile_nonparaneoplastic: str = "any-age"
    male_rr_paraneoplastic: float | None = 1.0
    male_rr_nonparaneoplastic: float | None = 1.0
    male_share_paraneoplastic: float | None = None
    male_share_nonparaneoplastic: float | None = None
    smoking_rr_paraneoplastic: Mapping | None = field(
        default_factory=lambda: {"former": 4.0, "current": 10.0})
    smoking_rr_nonparaneoplastic: Mapping | None = field(
        default_factory=lambda: {"former": 1.0, "current": 1.0})
    smoker_share_paraneoplastic: float | None = None
    smoker_share_nonparaneoplastic: float | None = None
    former_excess_fraction: float = 0.5
    smoking_prevalence: str | pd.DataFrame = "assumption-2013"
    duration_paraneoplastic: float = 2.04
    duration_nonparaneoplastic: float = 25.0
    reference_population: str | pd.DataFrame = REFERENCE_POPULATION
    vgcc_positive_paraneoplastic: float = 1.0
    vgcc_positive_nonparaneoplastic: float = 0.91
    sources: Mapping = field(default_factory=dict)
    description: str = ""

    # ------------------------------------------------------------------ validation
    def __post_init__(self):
        set_ = object.__setattr__
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Scenario: 'name' must be a non-empty string, got {self.name!r}.")
        prev = _check_real("prevalence", self.prevalence)
        if not 0 < prev < 1:
            raise ValueError("Scenario: 'prevalence' must lie strictly between 0 and 1 (a "
                             f"proportion: 7 per million is 7e-06), got {prev!r}.")
        set_(self, "prevalence", prev)
        for name in _PROB_FIELDS:
            v = _check_real(name, getattr(self, name))
            if not 0 <= v <= 1:
                raise ValueError(f"Scenario: '{name}' is a share and must lie in [0, 1], "
                                 f"got {v!r}.")
            set_(self, name, v)
        for name in _OPTIONAL_SHARES:
            v = _check_real(name, getattr(self, name), allow_none=True)
            if v is not None and not 0 < v < 1:
                raise ValueError(f"Scenario: '{name}' is a target share of cases and must lie "
                                 f"strictly between 0 and 1 (cap a 100% share, e.g. at 0.98), "
                                 f"got {v!r}.")
            set_(self, name, v)
        for name in _POSITIVE_FIELDS:
            v = _check_real(name, getattr(self, name))
            if v <= 0:
                raise ValueError(f"Scenario: '{name}' must be > 0, got {v!r}.")
            set_(self, name, v)
        if self.age_paraneoplastic_mean < 18 or self.age_paraneoplastic_mean > 95:
            raise ValueError("Scenario: 'age_paraneoplastic_mean' must lie between 18 and 95 "
                             f"years (paraneoplastic LEMS affects adults), got "
                             f"{self.age_paraneoplastic_mean!r}.")
        if self.paraneoplastic_share_of not in SHARE_OF:
            raise ValueError(f"Scenario: 'paraneoplastic_share_of' must be one of {SHARE_OF}, "
                             f"got {self.paraneoplastic_share_of!r}.")
        if self.age_profile_nonparaneoplastic not in AGE_VARIANTS:
            raise ValueError(f"Scenario: 'age_profile_nonparaneoplastic' must be one of "
                             f"{AGE_VARIANTS}, got {self.age_profile_nonparaneoplastic!r}.")
        for t in ("paraneoplastic", "nonparaneoplastic"):
            self._check_pair(f"male_rr_{t}", f"male_share_{t}")
            self._check_pair(f"smoking_rr_{t}", f"smoker_share_{t}")
            rr = getattr(self, f"male_rr_{t}")
            if rr is not None:
                v = _check_real(f"male_rr_{t}", rr)
                if v <= 0:
                    raise ValueError(f"Scenario: 'male_rr_{t}' is a relative risk and must be "
                                     f"> 0, got {v!r}.")
                set_(self, f"male_rr_{t}", v)
            srr = getattr(self, f"smoking_rr_{t}")
            if srr is not None:
                set_(self, f"smoking_rr_{t}", self._check_smoking_rr(f"smoking_rr_{t}", srr))
        self._check_population_like()
        if isinstance(self.smoking_prevalence, pd.DataFrame):
            set_(self, "smoking_prevalence", smoking_prevalence(self.smoking_prevalence))
        elif self.smoking_prevalence not in SMOKING_NAMES:
            raise ValueError(f"Scenario: 'smoking_prevalence' must be one of {SMOKING_NAMES} or a "
                             f"DataFrame, got {self.smoking_prevalence!r}.")
        if not isinstance(self.sources, Mapping):
            raise TypeError("Scenario: 'sources' must map parameter names to evidence ids.")
        names = {f.name for f in dataclasses.fields(self)}
        clean = {}
        for key, ids in self.sources.items():
            if key not in names:
                raise ValueError(f"Scenario: 'sources' names an unknown parameter {key!r}.")
            ids = (ids,) if isinstance(ids, str) else tuple(ids)
            if not ids or not all(isinstance(i, str) for i in ids):
                raise TypeError(f"Scenario: sources[{key!r}] must be evidence ids (strings).")
            clean[key] = ids
        set_(self, "sources", MappingProxyType(clean))
        if not isinstance(self.description, str):
            raise TypeError("Scenario: 'description' must be a string.")

    def _check_pair(self, rr_name: str, share_name: str) -> None:
        rr, share = getattr(self, rr_name), getattr(self, share_name)
        if (rr is None) == (share is None):
            raise ValueError(f"Scenario: give exactly one of '{rr_name}' (a relative risk) and "
                             f"'{share_name}' (a target share of cases, solved into a relative "
                             f"risk); got {rr_name}={_fmt(rr)} and {share_name}={_fmt(share)}. "
                             f"Set the other to None.")

    @staticmethod
    def _check_smoking_rr(name: str, value) -> MappingProxyType:
        if not isinstance(value, Mapping) or set(value) != {"former", "current"}:
            raise ValueError(f"Scenario: '{name}' must be a mapping with keys 'former' and "
                             f"'current' (relative risks against never smokers), got {value!r}.")
        out = {}
        for key in ("former", "current"):
            v = _check_real(f"{name}[{key!r}]", value[key])
            if v <= 0:
                raise ValueError(f"Scenario: '{name}[{key!r}]' is a relative risk and must be "
                                 f"> 0, got {v!r}.")
            out[key] = v
        return MappingProxyType(out)

    def _check_population_like(self) -> None:
        ref = self.reference_population
        if isinstance(ref, pd.DataFrame):
            object.__setattr__(self, "reference_population",
                               check_population(ref, caller="Scenario",
                                                name="reference_population"))
        elif ref not in POPULATION_NAMES:
            raise ValueError(f"Scenario: 'reference_population' must be one of "
                             f"{POPULATION_NAMES} or a population DataFrame, got {ref!r}.")

    # ------------------------------------------------------------------ derived values
    @property
    def paraneoplastic_share_prevalent(self) -> float:
        """Paraneoplastic share among prevalent cases (converted if given for incident ones)."""
        s = self.paraneoplastic_share
        if self.paraneoplastic_share_of == "prevalent":
            return s
        dp, dn = self.duration_paraneoplastic, self.duration_nonparaneoplastic
        return s * dp / (s * dp + (1 - s) * dn)

    @property
    def paraneoplastic_share_incident(self) -> float:
        """Paraneoplastic share among incident cases (converted if given for prevalent ones)."""
        s = self.paraneoplastic_share
        if self.paraneoplastic_share_of == "incident":
            return s
        dp, dn = self.duration_paraneoplastic, self.duration_nonparaneoplastic
        return (s / dp) / (s / dp + (1 - s) / dn)

    def check(self, *, population=None, unstated: str = "incident") -> pd.DataFrame:
        """Where this scenario departs from the evidence: one row per derived quantity.

        Each quantity the model derives (paraneoplastic share of new and of existing cases,
        male, current- and ever-smoker shares and the share aged 50 or over by type, the share
        under 18, the implied incidence) is compared with the range of the sources on the same
        quantity; see :func:`lems_epi.model.evidence_check.check_scenario` for the reading
        rules and the parameters.

        Examples
        --------
        >>> c = Scenario.named("seed-base").check()
        >>> "paraneoplastic share of incident cases" in set(
        ...     c.loc[c["status"] == "outside every source", "quantity"])
        True
        """
        from lems_epi.model.evidence_check import check_scenario

        return check_scenario(self, population=population, unstated=unstated)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def named(cls, name: str) -> Scenario:
        """Return a named scenario (see :func:`scenarios` for the list).

        Examples
        --------
        >>> Scenario.named("seed-low").prevalence
        4e-06
        """
        if not isinstance(name, str):
            raise TypeError(f"Scenario.named: 'name' must be a string, got {name!r}.")
        if name not in _REGISTRY:
            raise ValueError(f"Scenario.named: unknown scenario {name!r}; choose one of "
                             f"{sorted(_REGISTRY)}.")
        return _REGISTRY[name]()

    def replace(self, **changes) -> Scenario:
        """Return a validated copy with some parameters changed.

        A changed parameter whose ``sources`` entry no longer applies is marked
        ``("user",)``, and the copy is renamed ``"<name> (modified)"`` unless ``name`` is given.
        """
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"Scenario.replace: unknown parameter(s) {unknown}; known: "
                             f"{sorted(names)}.")
        if "sources" not in changes:
            src = dict(self.sources)
            for key in changes:
                if key not in ("name", "description") and key in src:
                    src[key] = ("user",)
            changes["sources"] = src
        if "name" not in changes and set(changes) - {"sources", "description"}:
            changes["name"] = self.name if self.name.endswith("(modified)") \
                else f"{self.name} (modified)"
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        """Return the parameters as plain Python values (tables as lists of records).

        Examples
        --------
        >>> d = Scenario.named("seed-base").to_dict()
        >>> Scenario.from_dict(d) == Scenario.named("seed-base")
        True
        """
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, pd.DataFrame):
                v = {"records": v.astype(object).where(v.notna(), None).to_dict("records")}
            elif isinstance(v, Mapping):
                v = {k: (list(x) if isinstance(x, tuple) else x) for k, x in v.items()}
            out[f.name] = v
        return out

    @classmethod
    def from_dict(cls, data: Mapping) -> Scenario:
        """Build a scenario from :meth:`to_dict` output (or a TOML table)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"Scenario.from_dict: expected a mapping, got {type(data).__name__}.")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"Scenario.from_dict: unknown parameter(s) {unknown}.")
        kwargs = {}
        for key, v in data.items():
            if key in ("smoking_prevalence", "reference_population") and isinstance(v, Mapping):
                v = pd.DataFrame.from_records(v["records"])
            kwargs[key] = v
        return cls(**kwargs)

    def to_toml(self, path=None, *, overwrite: bool = False) -> str:
        """Write the scenario as TOML (``None`` values are left out) and return the text.

        The file is written atomically and never overwritten unless ``overwrite=True``.
        """
        import tomli_w

        data = {k: v for k, v in self.to_dict().items() if v is not None}
        for key in ("smoking_prevalence", "reference_population"):
            if isinstance(data[key], dict):
                data[key] = {"records": [{k: v for k, v in r.items() if v is not None}
                                         for r in data[key]["records"]]}
        text = tomli_w.dumps(data)
        if path is not None:
            from lems_epi._io import write_text_atomic

            write_text_atomic(Path(path), text, overwrite=overwrite)
        return text

    @classmethod
    def from_toml(cls, source) -> Scenario:
        """Read a scenario from a TOML file path or TOML text."""
        if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                        and source.endswith(".toml")):
            text = Path(source).read_text(encoding="utf-8")
        elif isinstance(source, str):
            text = source
        else:
            raise TypeError("Scenario.from_toml: give a path or TOML text.")
        data = tomllib.loads(text)
        defaults = {f.name: f for f in dataclasses.fields(cls)}
        for key in _OPTIONAL_SHARES + ("male_rr_paraneoplastic", "male_rr_nonparaneoplastic",
                                       "smoking_rr_paraneoplastic",
                                       "smoking_rr_nonparaneoplastic"):
            if key not in data and key in defaults:
                data[key] = None
        smoking = data.get("smoking_prevalence")
        if isinstance(smoking, dict):
            records = [{"age_end": None, **r} for r in smoking["records"]]
            data["smoking_prevalence"] = {"records": records}
        return cls.from_dict(data)

    # ------------------------------------------------------------------ comparison, display
    def __eq__(self, other) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return _comparable(self.to_dict()) == _comparable(other.to_dict())

    __hash__ = None

    def summary(self) -> pd.DataFrame:
        """One row per parameter: ``parameter, value, sources``.

        Examples
        --------
        >>> Scenario.named("seed-base").summary().set_index("parameter").loc["prevalence", "value"]
        '7e-06'
        """
        rows = []
        for f in dataclasses.fields(self):
            if f.name in ("sources", "description"):
                continue
            v = getattr(self, f.name)
            if isinstance(v, pd.DataFrame):
                text = f"<table, {len(v)} rows>"
            elif isinstance(v, Mapping):
                text = ", ".join(f"{k}={x:g}" for k, x in v.items())
            else:
                text = "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
            rows.append({"parameter": f.name, "value": text,
                         "sources": "; ".join(self.sources.get(f.name, ()))})
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        return f"<p><b>Scenario {self.name}</b>: {self.description}</p>" + \
            self.summary()._repr_html_()

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={getattr(self, k)!r}" for k in (
            "name", "prevalence", "paraneoplastic_share", "paraneoplastic_share_of",
            "sclc_share", "age_profile_nonparaneoplastic"))
        return f"Scenario({shown}, ...)"


def _comparable(d):
    if isinstance(d, dict):
        return {k: _comparable(v) for k, v in d.items()}
    if isinstance(d, (list, tuple)):
        return [_comparable(v) for v in d]
    if isinstance(d, float):
        return round(d, 12)
    return d


# ---------------------------------------------------------------------- named scenarios
_REGISTRY: dict[str, Callable[[], Scenario]] = {}
_DESCRIPTIONS: dict[str, str] = {}


def register_scenario(name: str, factory: Callable[[], Scenario], description: str) -> None:
    """Register a named scenario: ``factory()`` returns it, ``description`` says what it is.

    The package's own scenarios are registered in this module; use this for your own, e.g. a
    scenario read from a TOML file, so that its name works wherever a scenario is taken.

    Examples
    --------
    >>> from functools import partial
    >>> register_scenario("my-high", partial(Scenario, name="my-high", prevalence=1e-5),
    ...                   "my high prevalence")
    >>> coerce_scenario("my-high").prevalence
    1e-05
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_scenario: 'name' must be a non-empty string, got {name!r}.")
    if not callable(factory):
        raise TypeError("register_scenario: 'factory' must be a function returning a Scenario.")
    _REGISTRY[name] = factory
    _DESCRIPTIONS[name] = str(description)


def scenario_names() -> list[str]:
    """The names of the registered scenarios, in registration order.

    Examples
    --------
    >>> scenario_names()[:4]
    ['seed-low', 'seed-high', 'seed-base', 'literature']
    """
    return list(_REGISTRY)


def coerce_scenario(scenario, *, name: str = "scenario", caller: str = "lems_epi") -> Scenario:
    """Return ``scenario`` as a :class:`Scenario` (a name is looked up in the registry).

    Every function of the package that takes a scenario calls this, so a name works wherever a
    scenario does.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario or the name of a registered one (:func:`scenario_names`).
    name : str, default "scenario"
        The argument's name in the caller, for the error message.
    caller : str
        The calling function's name, for the error message.

    Raises
    ------
    TypeError
        For anything else than a Scenario or a string.
    ValueError
        For an unknown name (the message lists the known ones).

    Examples
    --------
    >>> coerce_scenario("seed-base").prevalence
    7e-06
    >>> coerce_scenario(3, caller="simulate_counts")
    Traceback (most recent call last):
    ...
    TypeError: simulate_counts: 'scenario' must be a Scenario or a scenario name (one of 'seed-low', 'seed-high', 'seed-base', 'literature', ...), got int.
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str):
        if scenario not in _REGISTRY:
            raise ValueError(f"{caller}: unknown scenario {scenario!r} for '{name}'; choose one "
                             f"of {scenario_names()} or give a Scenario.")
        return _REGISTRY[scenario]()
    known = ", ".join(repr(n) for n in scenario_names()[:4])
    raise TypeError(f"{caller}: '{name}' must be a Scenario or a scenario name (one of {known}, "
                    f"...), got {type(scenario).__name__}.")


_SEED_SOURCES = {
    "prevalence": ("seed004-prevalence",),
    "paraneoplastic_share": ("seed000-paraneoplastic-share", "seed002-paraneoplastic-share"),
    "sclc_share": ("seed001-sclc-share",),
    "age_paraneoplastic_mean": ("seed002-onset-age-paraneoplastic",
                                "seed004-onset-age-paraneoplastic"),
    "age_paraneoplastic_sd": ("assumption",),
    "male_rr_paraneoplastic": ("seed004-male-excess", "assumption"),
    "male_rr_nonparaneoplastic": ("seed004-male-excess", "assumption"),
    "smoking_rr_paraneoplastic": ("seed000-smoking", "assumption"),
    "smoking_rr_nonparaneoplastic": ("assumption",),
    "former_excess_fraction": ("assumption",),
    "smoking_prevalence": ("assumption",),
    "duration_paraneoplastic": ("assumption-duration-paraneoplastic",),
    "duration_nonparaneoplastic": ("assumption-duration-nonparaneoplastic",),
    "vgcc_positive_paraneoplastic": ("lit-lennon1995-vgcc-paraneoplastic",),
    "vgcc_positive_nonparaneoplastic": ("lit-lennon1995-vgcc-nonparaneoplastic",),
    "reference_population": ("assumption",),
}


def _seed(name, prevalence, share, variant, age_source, description):
    def factory() -> Scenario:
        sources = dict(_SEED_SOURCES)
        sources["age_profile_nonparaneoplastic"] = age_source
        return Scenario(name=name, prevalence=prevalence, paraneoplastic_share=share,
                        sclc_share=0.6, age_paraneoplastic_mean=60.0,
                        age_profile_nonparaneoplastic=variant, sources=sources,
                        description=description)
    return factory


register_scenario(
    "seed-low", _seed("seed-low", 1 / 250_000, 0.50, "younger",
                      ("seed001-age-profile-nonparaneoplastic",),
                      "The seeds' lowest figures: prevalence 1 in 250,000, paraneoplastic share "
                      "50%, non-paraneoplastic cases younger (seed 001)."),
    "seeds' lowest figures")
register_scenario(
    "seed-high", _seed("seed-high", 1 / 100_000, 0.60, "older",
                       ("seed002-age-profile-nonparaneoplastic",),
                       "The seeds' highest figures: prevalence 1 in 100,000, paraneoplastic "
                       "share 60%, non-paraneoplastic cases older (seed 002)."),
    "seeds' highest figures")
register_scenario(
    "seed-base", _seed("seed-base", 7e-6, 0.55, "any-age",
                       ("seed004-age-profile-nonparaneoplastic",),
                       "Midpoints of the seed figures: prevalence 7 per million, paraneoplastic "
                       "share 55%, non-paraneoplastic cases at any age (seed 004)."),
    "midpoints of the seed figures")

#: ``literature``: share of a current smoker's excess risk that a former smoker keeps, solved by
#: :func:`lems_epi.model.literature.solve_former_excess_fraction` (86% of paraneoplastic cases
#: are current smokers, Titulaer et al. 2008).
LITERATURE_FORMER_EXCESS_FRACTION = 0.062222665844033846
#: ``literature``: current-smoker relative risk of non-paraneoplastic LEMS, solved by
#: :func:`lems_epi.model.literature.solve_current_rr_nonparaneoplastic` (16% of
#: non-paraneoplastic cases are current smokers, Maddison et al. 2020).
LITERATURE_CURRENT_RR_NONPARANEOPLASTIC = 0.6585108418989554

_LITERATURE_SOURCES = {
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


def _literature() -> Scenario:
    phi, current = LITERATURE_FORMER_EXCESS_FRACTION, LITERATURE_CURRENT_RR_NONPARANEOPLASTIC
    return Scenario(
        name="literature", prevalence=2.7e-6, paraneoplastic_share=0.5,
        paraneoplastic_share_of="incident", sclc_share=0.8, age_paraneoplastic_mean=64.0,
        age_paraneoplastic_sd=9.0, age_profile_nonparaneoplastic="bimodal",
        male_rr_paraneoplastic=None, male_share_paraneoplastic=0.72,
        male_rr_nonparaneoplastic=None, male_share_nonparaneoplastic=0.45,
        smoking_rr_paraneoplastic=None, smoker_share_paraneoplastic=0.98,
        smoking_rr_nonparaneoplastic={"former": 1.0 + phi * (current - 1.0), "current": current},
        former_excess_fraction=phi, smoking_prevalence="assumption-2013",
        duration_paraneoplastic=2.04, duration_nonparaneoplastic=25.0,
        reference_population=REFERENCE_POPULATION, vgcc_positive_paraneoplastic=1.0,
        vgcc_positive_nonparaneoplastic=0.91, sources=_LITERATURE_SOURCES,
        description=(
            "Published LEMS figures: prevalence 2.7 per million (Japan 2017), half of incident "
            "cases paraneoplastic (about 7.5% of prevalent cases, given the short survival with "
            "SCLC), 80% of those with SCLC; men 72% of paraneoplastic and 45% of other cases; "
            "98% of paraneoplastic cases have smoked and 86% still smoke, 16% of other cases "
            "smoke; bimodal ages without a tumour."))


register_scenario("literature", _literature, "published figures")


def _pooled() -> Scenario:
    # built from the evidence table's counts by meta-analysis (lems_epi.sources.pooled)
    from lems_epi.sources.pooled import pooled_scenario

    return pooled_scenario(Scenario.named("literature"))


register_scenario("pooled", _pooled, "pooled studies (meta-analysis of the counts)")

#: The package's own named scenarios (those registered above), in order.
NAMED_SCENARIOS = tuple(_REGISTRY)


def scenarios() -> pd.DataFrame:
    """List the named scenarios with their main parameters.

    Returns
    -------
    pandas.DataFrame
        One row per named scenario: ``name`` first, then ``description``, ``prevalence``,
        ``prevalence_per_million``, ``paraneoplastic_share``, ``paraneoplastic_share_of``,
        ``sclc_share``, ``age_profile_nonparaneoplastic``, ``reference_population``.

    Examples
    --------
    >>> t = scenarios()
    >>> t.columns[0], {"seed-low", "seed-base", "seed-high"} <= set(t["name"])
    ('name', True)
    """
    rows = []
    for name in _REGISTRY:
        s = Scenario.named(name)
        ref = s.reference_population
        rows.append({
            "name": name, "description": s.description, "prevalence": s.prevalence,
            "prevalence_per_million": s.prevalence * 1e6,
            "paraneoplastic_share": s.paraneoplastic_share,
            "paraneoplastic_share_of": s.paraneoplastic_share_of,
            "sclc_share": s.sclc_share,
            "age_profile_nonparaneoplastic": s.age_profile_nonparaneoplastic,
            "reference_population": ref if isinstance(ref, str) else "user table",
        })
    return pd.DataFrame(rows)
