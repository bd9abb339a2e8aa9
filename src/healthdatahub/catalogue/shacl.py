"""SHACL validation of exported RDF against the DCAT-AP 3 and HealthDCAT-AP shapes.

The shapes are the package's copies (``shapes/``) of the shared reference files; HealthDCAT-AP
imports DCAT-AP by URL, so it is validated offline with the DCAT-AP shapes loaded beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from rdflib import Graph
from rdflib.namespace import SH

PROFILES: dict[str, tuple[str, ...]] = {
    "dcat-ap": ("dcat-ap-3.0.1-shapes.ttl", "dcat-ap-3.0.1-range.ttl"),
    "healthdcat-ap": ("dcat-ap-3.0.1-shapes.ttl", "healthdcat-ap-r5-nonpublic.ttl"),
    "hdh": ("healthdcat-ap-hdh.ttl",),
}


@dataclass(frozen=True)
class Violation:
    """One failed constraint: which shape, which path, on which node, and why."""

    profile: str
    shape: str
    path: str
    focus: str
    message: str


@cache
def shapes(profile: str) -> Graph:
    """The shapes graph of a profile (parsed once)."""
    graph = Graph()
    folder = resources.files("healthdatahub.catalogue") / "shapes"
    for name in PROFILES[profile]:
        graph.parse(data=(folder / name).read_text(encoding="utf-8"), format="turtle")
    return graph


def validate(data: Graph, profiles: tuple[str, ...] = tuple(PROFILES),
             shapes_graph: Graph | None = None) -> list[Violation]:
    """Every violation of ``data`` against the profiles (empty when it conforms)."""
    from pyshacl import validate as run

    found: list[Violation] = []
    for profile in profiles:
        conforms, report, _ = run(data, shacl_graph=shapes_graph or shapes(profile),
                                  do_owl_imports=False, inference="none", advanced=True,
                                  allow_warnings=True)
        if conforms:
            continue
        for result in report.subjects(SH.resultSeverity, SH.Violation):
            found.append(Violation(
                profile, str(report.value(result, SH.sourceShape) or ""),
                str(report.value(result, SH.resultPath) or ""),
                str(report.value(result, SH.focusNode) or ""),
                str(report.value(result, SH.resultMessage) or "")))
    return sorted(found, key=lambda v: (v.profile, v.focus, v.path))
