"""Secondary suppression by hypercubes, each one a certificate that its cells stay protected.

For a masked cell, pick in every dimension a vector ``s_d`` over the dimension's nodes that
is zero on every group constraint and non-zero at the cell's node: a leaf and a sibling leaf
(+1, -1); a mid-level node, a sibling node and one child of each (+1, -1, +1, -1); the root
and one child, down to a leaf (+1, +1, +1). The product ``z = s_1 ⊗ … ⊗ s_D`` satisfies
every margin of the table, so once all its cells (the corners) are masked an attacker can
move the published table along ``z`` without breaking any total: the cell can take any value
in ``[x - down, x + up]`` (``down``/``up``: the smallest corner of each sign). The cheapest
hypercube (values of the corners newly masked; margins cost more) whose range is at least the
required width is chosen, cell by cell, the smallest counts first.
"""

from __future__ import annotations

import numpy as np

from healthdatahub.indicators.cube import Cube, Dimension

CANDIDATES = 3  # alternatives kept per dimension (3**D hypercubes tried per cell)
ALL = 64  # alternatives listed per node, before the ones largest near the cell are kept


def _vectors(d: Dimension, margin: np.ndarray, many: int
             ) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """For each node of ``d``: up to ``many`` (nodes, signs) null vectors through it."""
    nodes = d.nodes()
    root = len(nodes) - 1
    group_of: dict[int, int] = {}
    kids: dict[int, list[int]] = {}
    for g, children in d.groups():
        kids[g] = children
        for c in children:
            group_of[c] = g

    def biggest(pool: list[int], k: int, skip: int = -1) -> list[int]:
        pool = [p for p in pool if p != skip]
        return sorted(pool, key=lambda p: -margin[p])[:k]

    def leaf_below(n: int) -> list[int]:
        return [n] if n not in kids else [n, *leaf_below(biggest(kids[n], 1)[0])]

    def mid_vectors(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        a_child = biggest(kids[n], 1)[0]
        return [(np.array([n, b, a_child, biggest(kids[b], 1)[0]]),
                 np.array([1.0, -1.0, 1.0, -1.0]))
                for b in biggest(kids[group_of[n]], many, skip=n)]

    def root_vectors() -> list[tuple[np.ndarray, np.ndarray]]:
        return [(np.array(chain), np.ones(len(chain)))
                for chain in ([root, *leaf_below(c)] for c in biggest(kids[root], many))]

    out: list[list[tuple[np.ndarray, np.ndarray]]] = []
    for n in range(len(nodes)):
        if n == root or (group_of[n] == root and len(kids[root]) == 1):
            cands = root_vectors()  # an only child of the root is the root's twin cell
        elif n in kids:  # a mid-level node: pair it with a sibling and one child of each
            cands = mid_vectors(n)
        elif len(kids[group_of[n]]) == 1 and group_of[n] != root:
            cands = mid_vectors(group_of[n])  # an only child is its parent's twin cell
        else:
            cands = [(np.array([n, b]), np.array([1.0, -1.0]))
                     for b in biggest(kids[group_of[n]], many, skip=n)]
        out.append(cands)
    return out


def _pad(cands: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(c[0]) for c in cands)
    nodes = np.zeros((len(cands), width), dtype=np.int64)
    signs = np.zeros((len(cands), width))
    for i, (nd, sg) in enumerate(cands):
        nodes[i, : len(nd)], signs[i, : len(sg)] = nd, sg
    return nodes, signs


def hypercubes(cube: Cube, masked: np.ndarray, cost: np.ndarray, locked: np.ndarray,
               need: np.ndarray, targets: np.ndarray, cert: np.ndarray,
               many: int = CANDIDATES, near: bool = False) -> None:
    """Mask the corners of a hypercube for each target cell, cheapest first.

    ``masked`` and ``cert`` (per cell, the widest range certified by a hypercube through it)
    are updated in place; a target whose ``cert`` stays below ``need`` found no hypercube.
    """
    shape = cube.shape
    strides = np.array([int(np.prod(shape[k + 1:])) for k in range(len(shape))])
    coords = np.stack(np.unravel_index(np.arange(cube.size), shape), axis=1)
    per_dim = []
    for k, d in enumerate(cube.dims):
        root_sl = [len(x.nodes()) - 1 for x in cube.dims]
        margin = np.array([cube.values[int(np.dot([*root_sl[:k], n, *root_sl[k + 1:]], strides))]
                           for n in range(len(d.nodes()))])
        per_dim.append([_pad(c) if c else None for c in _vectors(d, margin, ALL)])
    x = cube.values.astype(float)
    for cell in targets:
        if cert[cell] >= need[cell]:
            continue
        parts = [per_dim[k][coords[cell, k]] for k in range(len(shape))]
        if any(p is None for p in parts):
            continue
        for k, (nodes, signs) in enumerate(parts):  # siblings largest overall, or near the cell
            if nodes.shape[0] > many:
                local = x[cell + (nodes[:, 1] - coords[cell, k]) * strides[k]]
                top = np.argsort(-local, kind="stable")[:many] if near else np.arange(many)
                parts[k] = (nodes[top], signs[top])
        ids = np.zeros((1, 1), dtype=np.int64)
        sgn = np.ones((1, 1))
        for k, (nodes, signs) in enumerate(parts):  # combos × corners, built one dimension at a time
            c, w = nodes.shape
            ids = (ids[:, None, :, None] + nodes[None, :, None, :] * strides[k]).reshape(
                ids.shape[0] * c, ids.shape[1] * w)
            sgn = (sgn[:, None, :, None] * signs[None, :, None, :]).reshape(ids.shape)
        live = sgn != 0
        bad = (locked[ids] & live & ~masked[ids]).any(axis=1)
        xs = x[ids]
        up = np.where(live & (sgn < 0), xs, np.inf).min(axis=1)
        down = np.where(live & (sgn > 0), xs, np.inf).min(axis=1)
        width = np.where(bad, -1.0, up + down)
        extra = np.where(live & ~masked[ids], cost[ids], 0.0).sum(axis=1)
        ok = width >= need[cell]
        pick = int(np.argmin(np.where(ok, extra, np.inf))) if ok.any() else int(np.argmax(width))
        if width[pick] < 0:
            continue
        corners = ids[pick][live[pick]]
        masked[corners] = True
        cert[corners] = np.maximum(cert[corners], width[pick])
