"""Human labels for the sources of the evidence table, for tables, plots and the command line.

A source is stored under a short identifier: a seed's file name (``004_113001bf63506033``), a
citation key (``wirtz2003``) or ``lems_epi`` for the package's own assumptions. Readers should
see "Seed 004 · DiseaseMaps.org (2026)" or "Wirtz 2003, South Holland" instead. One function,
:func:`source_label`, gives that label everywhere (the report, the tornado plot, the CLI), so a
source is called the same wherever it appears.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["SOURCE_COLUMNS", "SOURCE_LABELS", "SEED_FILE_PATTERN", "label_sources",
           "source_label", "source_labels", "with_source_labels"]

#: a seed file name as stored in ``source_id`` (three digits, underscore, 16 hex digits)
SEED_FILE_PATTERN = re.compile(r"\b(\d{3})_[0-9a-f]{16}\b")

#: source_id -> the label readers see (short: author, year, and what or where)
SOURCE_LABELS: dict[str, str] = {
    "000_49f4798c04258ec4": "Seed 000 · web article on the causes of LEMS",
    "001_0550fcf935f6308b": "Seed 001 · 'What causes LEMS?' web article",
    "002_a567babd76eed526": "Seed 002 · Lambert-Eaton News (2019)",
    "003_24031032f9d47664": "Seed 003 · Autoimmune Association (NIH GARD text)",
    "004_113001bf63506033": "Seed 004 · DiseaseMaps.org (2026)",
    "abenroth2017": "Abenroth 2017, US Veterans Affairs",
    "accessneurology": "AccessNeurology textbook chapter",
    "bekircan-kurt2015": "Bekircan-Kurt 2015, review",
    "bmj-best-practice": "BMJ Best Practice",
    "bradbury": "Bradbury, 64 SCLC patients (Oxford)",
    "deenen2015": "Deenen 2015, neuromuscular epidemiology review",
    "drapkin2025": "Drapkin 2025, US claims data",
    "elrington1991": "Elrington 1991, 150 SCLC patients (UK)",
    "emedicine2009": "eMedicine 2009",
    "hirnstiftung": "Deutsche Hirnstiftung",
    "huang2015": "Huang 2015 (citing Kalemkerian 2013)",
    "immunemediateddisease": "immunemediateddisease.com",
    "itt2013": "ImmunoTargets and Therapy 2013",
    "japan-review": "Review, Japanese LEMS patients",
    "kohler-meisel2018": "Kohler & Meisel 2018",
    "lems_epi": "lems_epi assumption",
    "lemsnews-japan": "Lambert-Eaton News, Japan article",
    "lennon1995": "Lennon 1995, Mayo Clinic",
    "lipka2020": "Lipka 2020, Dutch cohort",
    "liu2019": "Liu 2019, Huashan Hospital (China)",
    "livingwithlems": "livingwithlems.org",
    "maddison-gozzard2013": "Maddison & Gozzard 2013, UK survey",
    "maddison-lang": "Maddison & Lang, 100 SCLC patients",
    "maddison1999": "Maddison 1999, Lancet",
    "maddison2017-news": "Maddison 2017 (via Lambert-Eaton News)",
    "maddison2020": "Maddison 2020, UK cohort",
    "maddison2020-intro": "Maddison 2020, introduction",
    "maddison2020-news": "Maddison 2020 (via Lambert-Eaton News)",
    "medscape": "Medscape (2019)",
    "merino-ramirez2016": "Merino-Ramirez 2016, case review",
    "nord": "NORD report",
    "oneill1988": "O'Neill 1988, 50 UK patients",
    "orphanet": "Orphanet prevalence class",
    "payne": "Payne, 63 SCLC patients (Oxford)",
    "pellkofer2008": "Pellkofer 2008",
    "springer-les": "Springer chapter (2018)",
    "titulaer2008": "Titulaer 2008, Dutch cohort",
    "titulaer2011": "Titulaer 2011, Lancet Neurology",
    "wikipedia": "Wikipedia",
    "wirtz-hla-smoking": "Wirtz, British and Dutch patients",
    "wirtz2002": "Wirtz 2002, 227 published cases",
    "wirtz2003": "Wirtz 2003, South Holland",
    "wirtz2004": "Wirtz 2004, the Netherlands",
    "yoshikawa2022": "Yoshikawa 2022, Japan survey",
    "zambelis2020": "Zambelis 2020, Greek centre",
}

_AUTHOR_YEAR = re.compile(r"^([a-z]+)(?:-([a-z]+))?(\d{4})")


def _from_source_text(source_id: str, source: str | None) -> str:
    """A label for a source missing from :data:`SOURCE_LABELS`: its own words, shortened."""
    seed = SEED_FILE_PATTERN.fullmatch(source_id)
    if seed:
        return f"Seed {seed.group(1)}"
    if source and isinstance(source, str):
        short = re.split(r"[,(:;]", source, maxsplit=1)[0].strip()
        if 0 < len(short) <= 50:
            return short
    match = _AUTHOR_YEAR.match(source_id)
    if match:
        first, second, year = match.groups()
        names = first.capitalize() + (f" & {second.capitalize()}" if second else "")
        return f"{names} {year}"
    return source_id


def _lookup_table() -> pd.DataFrame:
    from lems_epi.sources.table import evidence

    return evidence()[["evidence_id", "source_id", "source"]]


def source_label(key, *, table: pd.DataFrame | None = None) -> str:
    """The human label of a source, given its ``source_id`` or an ``evidence_id`` of its rows.

    Parameters
    ----------
    key : str
        A ``source_id`` (``"wirtz2003"``, a seed file name such as
        ``"004_113001bf63506033"``) or an ``evidence_id`` (``"lit-wirtz2003-prevalence"``).
        Any text with a seed file name in it has the name replaced by the seed's label.
    table : pandas.DataFrame, optional
        The evidence table to read unknown keys from (default: the shipped table).

    Returns
    -------
    str
        The label, e.g. ``"Wirtz 2003, South Holland"``; a key the table does not know is
        returned unchanged (a seed file name inside it is still replaced).

    Examples
    --------
    >>> from lems_epi.sources import source_label
    >>> source_label("004_113001bf63506033")
    'Seed 004 · DiseaseMaps.org (2026)'
    >>> source_label("lit-wirtz2003-prevalence")
    'Wirtz 2003, South Holland'
    >>> source_label("lems_epi")
    'lems_epi assumption'
    """
    if not isinstance(key, str):
        raise TypeError(f"source_label: key must be a source_id or evidence_id string, got "
                        f"{type(key).__name__}; pass e.g. 'wirtz2003'")
    if key in SOURCE_LABELS:
        return SOURCE_LABELS[key]
    rows = _lookup_table() if table is None else table
    by_source = rows[rows["source_id"] == key]
    if len(by_source):
        return _from_source_text(key, by_source["source"].iloc[0])
    by_evidence = rows[rows["evidence_id"] == key]
    if len(by_evidence):
        return source_label(str(by_evidence["source_id"].iloc[0]), table=rows)
    if SEED_FILE_PATTERN.fullmatch(key):
        return _from_source_text(key, None)
    return SEED_FILE_PATTERN.sub(lambda m: source_label(m.group(0), table=rows), key)


def source_labels(keys, *, table: pd.DataFrame | None = None) -> list[str]:
    """:func:`source_label` of each key (source or evidence ids), reading the table once.

    Parameters
    ----------
    keys : iterable of str
        Source ids or evidence ids.
    table : pandas.DataFrame, optional
        The evidence table (default: the shipped table).

    Returns
    -------
    list of str
        One label per key, in order.

    Examples
    --------
    >>> from lems_epi.sources import source_labels
    >>> source_labels(["wirtz2003", "orphanet"])
    ['Wirtz 2003, South Holland', 'Orphanet prevalence class']
    """
    keys = list(keys)
    rows = table
    if rows is None and any(k not in SOURCE_LABELS for k in keys):
        rows = _lookup_table()
    return [source_label(k, table=rows) for k in keys]


#: Columns that hold source or evidence ids in lems_epi's tables, labelled by
#: :func:`with_source_labels`.
SOURCE_COLUMNS = ("source_id", "source_low", "source_high", "sources", "evidence_ids")

_PART = re.compile(r"^(?P<key>[^\s;()]+)(?P<rest>.*)$", re.S)


def label_sources(text, *, table: pd.DataFrame | None = None) -> str:
    """Label every source in a ``"; "``-separated list, keeping any words after each id.

    Parameters
    ----------
    text : str
        E.g. ``"004_113001bf63506033; wirtz2003 (raised to the model's floor)"``.
    table : pandas.DataFrame, optional
        The evidence table (default: the shipped table).

    Returns
    -------
    str
        The same list with each id replaced by its label; repeated labels are shown once.

    Examples
    --------
    >>> from lems_epi.sources import label_sources
    >>> label_sources("lit-wirtz2003-prevalence; orphanet (band)")
    'Wirtz 2003, South Holland; Orphanet prevalence class (band)'
    """
    if not isinstance(text, str) or not text.strip():
        return text
    out = []
    for part in text.split(";"):
        match = _PART.match(part.strip())
        if not match:
            continue
        label = source_label(match["key"], table=table) + match["rest"]
        if label not in out:
            out.append(label)
    return "; ".join(out)


def with_source_labels(frame: pd.DataFrame, columns=SOURCE_COLUMNS) -> pd.DataFrame:
    """A copy of ``frame`` whose source columns show labels instead of ids.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any lems_epi table (the evidence table, ``conflicts()``, a one-way result, ...).
    columns : sequence of str
        Columns to label where present (default :data:`SOURCE_COLUMNS`).

    Returns
    -------
    pandas.DataFrame
        The copy; other columns are unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> from lems_epi.sources import with_source_labels
    >>> with_source_labels(pd.DataFrame({"source_id": ["wirtz2003"]}))["source_id"].tolist()
    ['Wirtz 2003, South Holland']
    """
    out = frame.copy()
    present = [c for c in columns if c in out.columns]
    if present:
        table = _lookup_table()
        for c in present:
            out[c] = out[c].map(lambda v: label_sources(v, table=table))
    return out
