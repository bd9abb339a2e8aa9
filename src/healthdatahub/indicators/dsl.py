"""The phenotype language: a population defined by criteria on care, as immutable values.

A criterion says what a person must have had during the year: drug deliveries
(:class:`Drugs`, ATC prefixes, a number of distinct dates, fewer if one is a large pack,
optionally within some months), a long-term condition (:class:`Ald`, CIM-10 prefixes), a
hospital stay (:class:`Stay`, CIM-10 prefixes as principal, related or associated
diagnoses). :class:`AnyOf` and :class:`AllOf` combine them. A :class:`Phenotype` names a
criterion and carries its version, sources, validity notes, the cartography columns it
produces and the OMOP concept sets an OMOP backend compiles the same criteria to. Compilers
(``compile_snds``, ``compile_omop``) turn the same value into engine SQL.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Union

from healthdatahub.errors import HubError

_CODE = re.compile(r"^[A-Z0-9]{1,7}$")
POSITIONS = ("DP", "DR", "DAS")


def _codes(values: tuple[str, ...], what: str) -> None:
    if not values or any(not _CODE.match(v) for v in values):
        raise HubError(f"{what} codes must be 1-7 upper-case letters or digits, at least one.")


@dataclass(frozen=True)
class Drugs:
    """At least ``min_dates`` deliveries on distinct dates (``min_dates_large`` with a large pack)."""

    atc: tuple[str, ...]
    min_dates: int = 3
    min_dates_large: int | None = 2
    months: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _codes(self.atc, "ATC")
        if self.min_dates < 1 or (self.min_dates_large or 1) < 1:
            raise HubError("Drug criteria need at least one delivery date.")
        if any(m < 1 or m > 12 for m in self.months):
            raise HubError("Months are 1 to 12.")


@dataclass(frozen=True)
class Ald:
    """A long-term condition (ALD) active during the year for one of the CIM-10 prefixes."""

    cim10: tuple[str, ...]

    def __post_init__(self) -> None:
        _codes(self.cim10, "CIM-10")


@dataclass(frozen=True)
class Stay:
    """A hospital (MCO) stay ending in the year with a CIM-10 prefix at one of ``positions``."""

    cim10: tuple[str, ...]
    positions: tuple[str, ...] = ("DP", "DR")

    def __post_init__(self) -> None:
        _codes(self.cim10, "CIM-10")
        if not self.positions or set(self.positions) - set(POSITIONS):
            raise HubError(f"Diagnosis positions are among {', '.join(POSITIONS)}.")


@dataclass(frozen=True)
class AnyOf:
    """Any of the criteria (a union)."""

    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class AllOf:
    """All of the criteria (an intersection)."""

    criteria: tuple[Criterion, ...]


Criterion = Union[Drugs, Ald, Stay, AnyOf, AllOf]  # noqa: UP007 - a runtime alias


@dataclass(frozen=True)
class Phenotype:
    """A named, versioned, documented population definition."""

    name: str
    version: str
    title: str
    description: str
    criterion: Criterion
    sources: tuple[str, ...]
    validity: str
    min_age: int = 0
    cartography: tuple[str, ...] = ()
    omop: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.match(r"^[a-z][a-z0-9_]{1,40}$", self.name):
            raise HubError(f"Phenotype name {self.name!r} must be lower-case letters, digits, _.")
        if not re.match(r"^\d+\.\d+(\.\d+)?$", self.version):
            raise HubError(f"Phenotype {self.name}: version {self.version!r} is not N.N[.N].")


def to_dict(value: Any) -> Any:
    """A JSON-ready form of a criterion or phenotype (each node tagged with its kind)."""
    if isinstance(value, Phenotype):
        out = asdict(value)
        out["criterion"] = to_dict(value.criterion)
        return out
    if isinstance(value, AnyOf | AllOf):
        return {"kind": type(value).__name__, "criteria": [to_dict(c) for c in value.criteria]}
    return {"kind": type(value).__name__, **asdict(value)}


def from_dict(data: dict[str, Any]) -> Criterion:
    """The criterion of a :func:`to_dict` document (the downloadable declarative source)."""
    kinds = {"Drugs": Drugs, "Ald": Ald, "Stay": Stay, "AnyOf": AnyOf, "AllOf": AllOf}
    kind = kinds.get(data.get("kind", ""))
    if kind is None:
        raise HubError(f"Unknown criterion kind {data.get('kind')!r}.")
    body = {k: v for k, v in data.items() if k != "kind"}
    if kind in (AnyOf, AllOf):
        return kind(tuple(from_dict(c) for c in body["criteria"]))
    return kind(**{k: tuple(v) if isinstance(v, list) else v for k, v in body.items()})
