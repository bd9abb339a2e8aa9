"""Statistical disclosure control: the one place where every output of the hub is made safe.

``protect(cells, dims, rules)`` takes a table of counts (leaf cells, one column per
dimension), builds it with all its margins and returns the published table and its
disclosure log. The rules, in order:

1. Primary suppression: a count from 1 to ``threshold`` is masked (zeros stay: an empty cell
   says nothing about a person).
2. Secondary suppression: along every line of the table (the cells of a group and their
   total, in every dimension and at every level of a hierarchy) a lone masked cell would be
   recovered by subtraction, so the smallest non-zero cell of that line is masked with it,
   until no line holds exactly one masked cell.
3. Audit and repair: every masked cell's feasible range given all published cells, all the
   margins and non-negativity is computed (:mod:`.audit`); a cell recoverable exactly, or a
   small count narrowed to fewer than ``protection`` values, gets one more cell of its lines
   masked, and steps 2-3 run again.
4. Optional rounding of the published counts to ``rounding_base``.

Rates are computed afterwards from published counts only (:func:`masked_rate`), so a rate
is masked whenever its count is. Peers: OpenSAFELY (≤ 7 suppressed, rounded to 5), ACRO
(threshold 10 + dominance), DARWIN EU (< 5 masked); the hub's default masks 1 to 10.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthdatahub.errors import HubError
from healthdatahub.indicators.audit import feasible_ranges
from healthdatahub.indicators.cube import TOTAL, Cube, Dimension, build_cube, dimension
from healthdatahub.indicators.hypercube import hypercubes

THRESHOLD = 10  # counts 1..THRESHOLD are masked
PROTECTION = 5  # a masked small count's feasible range must span at least this
ROUNDING_BASE = 0  # 0: published counts are exact
MAX_ROUNDS = 200
AUDIT_LIMIT = 1500  # masked cells up to which an uncertified table gets the LP audit
WIDE = 8  # alternatives per dimension for the cells the first pass could not protect
PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
_ZERO_COST = 1e15  # zeros are masked as complements only when nothing else is left
_LEVEL_COST = 1e12  # prefer inner cells over margins


@dataclass(frozen=True)
class Rules:
    """The disclosure-control parameters of one output."""

    threshold: int = THRESHOLD
    protection: int = PROTECTION
    rounding_base: int = ROUNDING_BASE

    @classmethod
    def from_settings(cls, settings: Any) -> Rules:
        """The rules configured for the hub (``disclosure_*`` settings)."""
        return cls(settings.disclosure_threshold, settings.disclosure_protection,
                   settings.disclosure_rounding_base)


@dataclass
class Protected:
    """A table that passed disclosure control, and the log of what was masked and why."""

    table: pd.DataFrame  # dimensions, count (nullable Int64), status
    log: dict[str, Any] = field(default_factory=dict)

    def slice(self, by: list[str]) -> pd.DataFrame:
        """The rows of a table by ``by`` only (the other dimensions at their total)."""
        others = [c for c in self.log["dimensions"] if c not in by]
        keep = np.ones(len(self.table), dtype=bool)
        for c in others:
            keep &= (self.table[c] == TOTAL).to_numpy()
        return self.table[keep].reset_index(drop=True)


def _line_rule(cube: Cube, masked: np.ndarray, cost: np.ndarray, locked: np.ndarray,
               reason: np.ndarray) -> int:
    """Mask complements until no line holds exactly one masked cell; returns cells added."""
    added = 0
    for _ in range(MAX_ROUNDS):
        changed = 0
        for axis, totals, children in cube.blocks:
            members = np.concatenate([children, totals[:, None]], axis=1)
            lone = masked[members].sum(axis=1) == 1
            if not lone.any():
                continue
            rows = members[lone]
            c = np.where(masked[rows] | locked[rows], np.inf, cost[rows])
            pick = rows[np.arange(rows.shape[0]), c.argmin(axis=1)]
            ok = np.isfinite(c.min(axis=1))
            pick = np.unique(pick[ok & ~masked[pick]])
            masked[pick] = True
            reason[pick] = f"complement along {cube.dims[axis].name}"
            changed += pick.size
        added += changed
        if not changed:
            return added
    raise HubError("Secondary suppression did not converge.")  # pragma: no cover


def _repair(cube: Cube, masked: np.ndarray, cost: np.ndarray, locked: np.ndarray,
            weak: np.ndarray, reason: np.ndarray) -> None:
    """For each weakly protected cell, mask the cheapest open cell of one of its lines."""
    for cell in weak:
        best, best_cost = -1, np.inf
        for _axis, totals, children in cube.blocks:
            members = np.concatenate([children, totals[:, None]], axis=1)
            rows = members[(members == cell).any(axis=1)]
            if rows.size == 0:
                continue
            c = np.where(masked[rows] | locked[rows], np.inf, cost[rows])
            j = np.unravel_index(c.argmin(), c.shape)
            if c[j] < best_cost:
                best, best_cost = int(rows[j]), float(c[j])
        if best >= 0:
            masked[best] = True
            reason[best] = "audit repair: protects a recoverable cell"


def protect(cells: pd.DataFrame, dims: list[Dimension | str], rules: Rules | None = None,
            count: str = "count", locked: pd.DataFrame | None = None,
            time_limit: float | None = None) -> Protected:
    """Primary and secondary suppression of ``cells`` with all margins; a table and its log.

    ``dims`` are :class:`Dimension` objects or column names (leaves = the values seen).
    ``locked`` lists cells (dimension columns) already published elsewhere: never masked.
    ``time_limit`` (seconds) bounds the LP audit: past it the table is refused, never published.
    """
    rules = rules or Rules()
    deadline = None if time_limit is None else time.monotonic() + time_limit
    dims = [d if isinstance(d, Dimension) else
            dimension(d, sorted(cells[d].astype(str).unique())) for d in dims]
    cube = build_cube(cells, dims, count)
    v = cube.values
    labels = cube.labels()
    primary = (v >= 1) & (v <= rules.threshold)
    masked = primary.copy()
    reason = np.where(primary, f"count from 1 to {rules.threshold}", "").astype(object)
    cost = np.where(v > 0, v.astype(float), _ZERO_COST) + cube.level() * _LEVEL_COST
    lock = np.zeros(cube.size, dtype=bool)
    if locked is not None and len(locked):
        key = labels.merge(locked[[d.name for d in dims]].astype(str).drop_duplicates()
                           .assign(_lock=True), how="left", on=[d.name for d in dims])
        lock = key["_lock"].fillna(False).to_numpy(dtype=bool) & ~primary
    need = np.where(primary, float(rules.protection), 1.0)
    targets = np.flatnonzero(primary)
    targets = targets[np.argsort(v[targets], kind="stable")]
    cert = np.zeros(cube.size)
    hypercubes(cube, masked, cost, lock, need, targets, cert)
    if (cert[targets] < need[targets]).any():  # retry the failures with more siblings
        hypercubes(cube, masked, cost, lock, need, targets, cert, many=WIDE, near=True)
    reason[masked & (reason == "")] = "hypercube complement"
    # Hard rule: no masked cell is recoverable exactly (a certified range of at least 1).
    certified = bool((cert[masked] >= 1.0).all())
    rounds, stats = 0, {"method": "hypercube"}
    ids = np.flatnonzero(masked)
    lo, hi = np.zeros(ids.size), cert[ids]
    if not certified:
        if int(masked.sum()) > AUDIT_LIMIT:
            raise HubError("Disclosure control cannot prove this table safe; it is not published.")
        # Masking more cells only widens every range, so a width proven in one round is a
        # floor for the next: cells already proven wide enough are not solved again.
        proven = cert.copy()
        for rounds in range(1, MAX_ROUNDS + 1):
            _line_rule(cube, masked, cost, lock, reason)
            ids, lo, hi, stats = feasible_ranges(cube, masked, need, proven, deadline)
            proven[ids] = np.maximum(proven[ids], hi - lo)
            stats["method"] = "hypercube + linear-programming audit"
            weak = ids[(hi - lo) < np.minimum(need[ids], 1.0) - 1e-9]
            if weak.size == 0:
                break
            before = int(masked.sum())
            _repair(cube, masked, cost, lock, weak, reason)
            if int(masked.sum()) == before:
                raise HubError("Disclosure control cannot protect this table; it is not published.")
    below = int(((hi - lo) < need[ids] - 1e-9).sum()) if ids.size else 0
    stats["below_protection_target"] = below
    published = np.where(masked, -1, v)
    if rules.rounding_base > 1:
        base = rules.rounding_base
        published = np.where(masked, -1, np.round(published / base).astype(np.int64) * base)
    table = labels.copy()
    table["count"] = pd.array(np.where(masked, 0, published), dtype="Int64")
    table.loc[masked, "count"] = pd.NA
    table["status"] = np.where(primary, PRIMARY, np.where(masked, SECONDARY, PUBLISHED))
    log = _log(labels, dims, rules, primary, masked, reason, stats, rounds, ids, lo, hi)
    return Protected(table, log)


def _log(labels: pd.DataFrame, dims: list[Dimension], rules: Rules, primary: np.ndarray,
         masked: np.ndarray, reason: np.ndarray, stats: dict[str, int], rounds: int,
         ids: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> dict[str, Any]:
    """The machine-readable disclosure log (cells by label, never by value)."""
    rows = np.flatnonzero(masked)
    width = dict(zip(ids.tolist(), (hi - lo).tolist(), strict=True))
    cells = [{"cell": {d.name: labels.iat[i, k] for k, d in enumerate(dims)},
              "status": PRIMARY if primary[i] else SECONDARY, "reason": str(reason[i]),
              "attacker_range_width": (None if not np.isfinite(width.get(int(i), np.inf))
                                       else round(width[int(i)], 3))} for i in rows]
    return {
        "module": __name__, "rules": asdict(rules),
        "dimensions": [d.name for d in dims],
        "cells_total": int(masked.size), "cells_masked_primary": int(primary.sum()),
        "cells_masked_secondary": int((masked & ~primary).sum()),
        "rounding": (f"published counts rounded to base {rules.rounding_base}"
                     if rules.rounding_base > 1 else "none"),
        "audit": {**stats, "rounds": rounds,
                  "min_range_width_of_masked": (round(float((hi - lo).min()), 3)
                                                if ids.size else None)},
        "masked": cells,
    }


def masked_rate(count: pd.Series, population: pd.Series, per: int = 100_000) -> pd.Series:
    """Rate per ``per`` from published values: masked when either value is masked."""
    num = pd.to_numeric(count, errors="coerce").astype("Float64")
    den = pd.to_numeric(population, errors="coerce").astype("Float64")
    rate = (num * per / den.where(den > 0)).round(1)
    return rate.where(num.notna() & den.notna())


def check_published(table: pd.DataFrame, rules: Rules) -> None:
    """Refuse a table that did not pass :func:`protect` or shows a small count (every writer's guard)."""
    if "status" not in table.columns:
        raise HubError("A table that did not pass disclosure control cannot leave the hub.")
    counts = pd.to_numeric(table["count"], errors="coerce")
    masked = table["status"] != PUBLISHED
    small = (counts >= 1) & (counts <= rules.threshold)
    if counts[masked].notna().any() or (rules.rounding_base <= 1 and small.any()):
        raise HubError("A table with unmasked small counts cannot leave the hub.")
