"""How far an attacker can narrow each masked cell of a cube, knowing every published cell.

The masked cells are the unknowns; every constraint line of the cube is an equation; counts
are non-negative. For each independent group of unknowns (a connected component of the
equations) the null space tells at once which cells are uniquely determined; a cheap lower
bound on each cell's feasible range comes from moving along its own null-space direction;
only the cells whose bound is too narrow are solved exactly by linear programming (min and
max of the cell over the feasible region, HiGHS through scipy).

Every point found on the way (a null-space move, an LP's optimal vertex) is a table the
attacker cannot rule out, so each cell's range contains that point's value: the ranges are
widened with every LP solution, and a cell whose range already reaches its need is not
solved. The decisions (exactly recoverable, below the protection target) are those of a
full LP audit; a skipped cell's reported width is a proven lower bound (at least its need).
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.linalg import qr
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


def _lp_extreme(a: np.ndarray | sparse.spmatrix, b: np.ndarray, i: int, sign: float
                ) -> tuple[float, np.ndarray | None]:
    """Min (sign 1) or max (sign -1) of unknown ``i``, and the optimal point (None if unbounded)."""
    c = np.zeros(a.shape[1])
    c[i] = sign
    res = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    if res.status == 0:
        return float(res.x[i]), res.x
    return (0.0 if sign > 0 else np.inf), None  # unbounded above: no upper limit


def _null_space(a: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the null space of ``a`` (rank-revealing QR of its transpose).

    The same space as the SVD's, several times faster on the audit's matrices: the first
    ``rank`` columns of Q span the rows of ``a``, the others their orthogonal complement.
    """
    q, r, _ = qr(a.T, pivoting=True, mode="full")
    d = np.abs(np.diag(r))
    rank = int((d > 1e-9 * max(d.max(initial=0.0), 1.0)).sum())
    return q[:, rank:]


def _component_widths(a: np.ndarray, b: np.ndarray, x: np.ndarray, need: np.ndarray,
                      floor: np.ndarray, stats: dict[str, int],
                      deadline: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper feasible bounds of each unknown of one component."""
    k = x.size
    a_lp = sparse.csr_matrix(a)  # HiGHS works on the sparse form (a line has few cells)
    lo, hi = x.astype(float).copy(), x.astype(float).copy()
    if a.shape[0] == 0:
        return np.zeros(k), np.full(k, np.inf)
    if k <= DENSE_LIMIT:
        null = _null_space(a)  # k × (k - rank)
        proj = null @ null.T  # projection on the null space
        diag = np.diag(proj).copy()
        free = diag > EXACT_TOL
        with np.errstate(divide="ignore", invalid="ignore"):
            # Moving along column i of proj keeps A x = b; stop when a cell reaches 0.
            ratio = x[:, None] / np.abs(proj)
            up = np.where(proj < -EXACT_TOL, ratio, np.inf).min(axis=0)
            down = np.where(proj > EXACT_TOL, ratio, np.inf).min(axis=0)
            lo = np.where(free, x - down * diag, x)  # inf x 0 on determined cells: not used
            hi = np.where(free, x + up * diag, x)
        lo = np.maximum(lo, 0.0)
        todo = np.flatnonzero(free & ((hi - lo) < need) & (floor < need))
    else:
        todo = np.flatnonzero(floor < need)
    for i in todo[np.argsort(hi[todo] - lo[todo], kind="stable")]:  # narrowest first
        if hi[i] - lo[i] >= need[i]:
            continue  # earlier LP points already spread this cell enough
        for sign in (1.0, -1.0):
            if deadline is not None and time.monotonic() > deadline:
                raise HubError("Disclosure control could not prove this table safe within its "
                               "time bound; it is not published (use fewer or coarser "
                               "dimensions).")
            stats["lp"] += 1
            value, point = _lp_extreme(a_lp, b, int(i), sign)
            if point is not None:  # a feasible table: every cell's range contains its value
                lo, hi = np.minimum(lo, point), np.maximum(hi, point)
            if sign > 0:
                lo[i] = value
            else:
                hi[i] = value
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
