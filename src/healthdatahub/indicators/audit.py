"""How far an attacker can narrow each masked cell of a cube, knowing every published cell.

The masked cells are the unknowns; every constraint line of the cube is an equation; counts
are non-negative. For each independent group of unknowns (a connected component of the
equations) the null space tells at once which cells are uniquely determined; a cheap lower
bound on each cell's feasible range comes from moving along its own null-space direction;
only the cells whose bound is too narrow are solved exactly by linear programming (min and
max of the cell over the feasible region, HiGHS through scipy).
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from healthdatahub.errors import HubError
from healthdatahub.indicators.cube import Cube

EXACT_TOL = 1e-7
DENSE_LIMIT = 2500  # components larger than this are solved by LP cell by cell


def equations(cube: Cube, masked: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """(A, b, unknown cell ids): the lines that hold a masked cell, over the masked cells."""
    unknown = np.flatnonzero(masked)
    col = np.full(cube.size, -1, dtype=np.int64)
    col[unknown] = np.arange(unknown.size)
    rows, cols, data, rhs = [], [], [], []
    n_rows = 0
    for _axis, totals, children in cube.blocks:
        members = np.concatenate([children, totals[:, None]], axis=1)
        signs = np.concatenate([np.ones(children.shape), -np.ones((totals.size, 1))], axis=1)
        hit = masked[members].any(axis=1)
        if not hit.any():
            continue
        members, signs = members[hit], signs[hit]
        is_m = masked[members]
        known = np.where(is_m, 0.0, signs * cube.values[members]).sum(axis=1)
        r, c = np.nonzero(is_m)
        rows.append(r + n_rows)
        cols.append(col[members[r, c]])
        data.append(signs[r, c])
        rhs.append(-known)
        n_rows += members.shape[0]
    if not rows:
        return sparse.csr_matrix((0, unknown.size)), np.zeros(0), unknown
    a = sparse.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(n_rows, unknown.size))
    return a, np.concatenate(rhs), unknown


def _lp_range(a: np.ndarray | sparse.spmatrix, b: np.ndarray, i: int) -> tuple[float, float]:
    n = a.shape[1]
    c = np.zeros(n)
    c[i] = 1.0
    lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    low = lo.fun if lo.status == 0 else 0.0
    high = -hi.fun if hi.status == 0 else np.inf  # unbounded: no upper limit
    return float(low), float(high)


def _component_widths(a: np.ndarray, b: np.ndarray, x: np.ndarray, need: np.ndarray,
                      floor: np.ndarray, stats: dict[str, int],
                      deadline: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper feasible bounds of each unknown of one component."""
    k = x.size
    lo, hi = x.astype(float).copy(), x.astype(float).copy()
    if a.shape[0] == 0:
        return np.zeros(k), np.full(k, np.inf)
    if k <= DENSE_LIMIT:
        _, s, vh = np.linalg.svd(a, full_matrices=True)
        rank = int((s > 1e-9 * max(s.max(initial=0.0), 1.0)).sum())
        null = vh[rank:].T  # k × (k - rank)
        proj = null @ null.T  # projection on the null space
        diag = np.diag(proj).copy()
        free = diag > EXACT_TOL
        with np.errstate(divide="ignore", invalid="ignore"):
            # Moving along column i of proj keeps A x = b; stop when a cell reaches 0.
            ratio = x[:, None] / np.abs(proj)
            up = np.where(proj < -EXACT_TOL, ratio, np.inf).min(axis=0)
            down = np.where(proj > EXACT_TOL, ratio, np.inf).min(axis=0)
        lo = np.where(free, x - down * diag, x)
        hi = np.where(free, x + up * diag, x)
        lo = np.maximum(lo, 0.0)
        todo = np.flatnonzero(free & ((hi - lo) < need) & (floor < need))
    else:
        todo = np.flatnonzero(floor < need)
    for i in todo:
        if deadline is not None and time.monotonic() > deadline:
            raise HubError("Disclosure control could not prove this table safe within its time "
                           "bound; it is not published (use fewer or coarser dimensions).")
        stats["lp"] += 2
        lo[i], hi[i] = _lp_range(a, b, int(i))
    return lo, np.maximum(hi, lo + floor)


def feasible_ranges(cube: Cube, masked: np.ndarray, need: np.ndarray,
                    floor: np.ndarray | None = None, deadline: float | None = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """(cell ids, lower, upper) of every masked cell, plus counters (components, LP calls).

    ``need`` (one value per cell) is the width below which a cell's range is solved exactly;
    ``floor`` (per cell) a width already proven (a hypercube through the cell), 0 if none.
    """
    floor = np.zeros(cube.size) if floor is None else floor
    a, b, unknown = equations(cube, masked)
    stats = {"unknowns": int(unknown.size), "equations": int(a.shape[0]), "components": 0,
             "lp": 0, "largest_component": 0}
    lo = np.zeros(unknown.size)
    hi = np.full(unknown.size, np.inf)
    if unknown.size == 0:
        return unknown, lo, hi, stats
    adjacency = (a.T @ a) if a.shape[0] else sparse.eye(unknown.size)
    ncomp, labels = connected_components(adjacency, directed=False)
    stats["components"] = int(ncomp)
    a_csc = a.tocsc()
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(ncomp + 1))
    x_all = cube.values[unknown].astype(float)
    need_u = need[unknown]
    for c in range(ncomp):
        cols = order[bounds[c]:bounds[c + 1]]
        stats["largest_component"] = max(stats["largest_component"], int(cols.size))
        sub = a_csc[:, cols]
        rows = np.unique(sub.nonzero()[0])
        sub = sub[rows]
        dense = sub.toarray() if cols.size <= DENSE_LIMIT else sub
        lo[cols], hi[cols] = _component_widths(dense, b[rows], x_all[cols], need_u[cols],
                                               floor[unknown][cols], stats, deadline)
    return unknown, lo, hi, stats
