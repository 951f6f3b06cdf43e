"""The evidence table: every figure about LEMS, who gives it, and where the sources disagree.

Each row of the table is one figure (or one qualitative claim) from one source:

* ``kind="seed"`` (status ``SEED``): everything the five seed documents say about frequency,
  tumours, age, sex, smoking, antibodies, associated diseases and risk factors. Their
  ``source_id`` is the seed file name without ``.txt`` (see :data:`SEED_IDS`).
* ``kind="literature"`` (status ``READ`` or ``READ-SECONDARY``): published figures from the
  project's literature notes that were read in a stored copy of the page (``READ``) or in a
  page describing the study (``READ-SECONDARY``, "reported by X about Y"). Figures the notes
  mark ``UNVERIFIED`` are left out, and so are the notes' own suggested anchors.
* ``kind="assumption"`` (status ``ASSUMPTION``, ``source_id="lems_epi"``): the number the
  package uses where a source gives only words ("slightly more men" -> 55% men), each with
  the reason in ``note``.

The columns are fixed (:data:`EVIDENCE_COLUMNS`): ``evidence_id``, ``parameter`` (see
:data:`PARAMETERS` for names, units and meanings), ``statistic``, ``value``, ``low``,
``high``, ``unit``, ``population`` (the denominator), ``source_id``, ``source``, ``locator``
(a few words that find the figure in the source), ``kind``, ``status``, ``note`` (how the
figure was read) and ``reading`` (a label for qualitative claims, e.g. ``younger``).
A range has ``low``/``high`` and ``value`` at their midpoint; a point figure has ``value``
and, where the source publishes one, its confidence interval in ``low``/``high``.

Nothing is averaged: where the seeds disagree with each other or with the literature, the
rows stand side by side and :func:`conflicts` lists the spread per parameter with one sentence
that reads it. :func:`source_label` gives each source the label readers see ("Wirtz 2003,
South Holland", "Seed 004 · DiseaseMaps.org (2026)").

The package is ``lems_epi.sources``; the names users reach for (:func:`evidence`,
:func:`conflicts`, :func:`source_label`, :func:`pooled_evidence`) are also at the top level.
"""


from lems_epi.sources.conflicts import CONFLICT_COLUMNS, READINGS, conflicts
from lems_epi.sources.labels import (
    SOURCE_LABELS,
    label_sources,
    source_label,
    source_labels,
    with_source_labels,
)
from lems_epi.sources.table import (
    AGE_PROFILE_READINGS,
    COUNT_COLUMNS,
    DENOMINATOR_UNITS,
    DESIGNS,
    EVIDENCE_COLUMNS,
    KINDS,
    PARAMETERS,
    SEED_IDS,
    STATISTICS,
    STATUSES,
    UNITS,
    evidence,
    read_evidence,
    validate_evidence,
)

__all__ = [
    "AGE_PROFILE_READINGS",
    "CONFLICT_COLUMNS",
    "COUNT_COLUMNS",
    "DENOMINATOR_UNITS",
    "DESIGNS",
    "EVIDENCE_COLUMNS",
    "KINDS",
    "PARAMETERS",
    "READINGS",
    "SEED_IDS",
    "SOURCE_LABELS",
    "STATISTICS",
    "STATUSES",
    "UNITS",
    "conflicts",
    "evidence",
    "label_sources",
    "read_evidence",
    "source_label",
    "source_labels",
    "validate_evidence",
    "with_source_labels",
]
