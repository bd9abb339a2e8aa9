"""A table of counts with all its margins, and the additive constraints that bind its cells.

A :class:`Dimension` lists its leaf codes and, optionally, a parent for each leaf (a
hierarchy such as département → région); every dimension has a root, ``TOTAL``. The cube
holds one cell per combination of nodes (leaves, parents, roots) of every dimension, so a
table by any subset of the dimensions, at any level, is a slice of it. Constraints are
"lines": along one dimension, the cells of a group's children sum to the group's cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd

from healthdatahub.errors import HubError

TOTAL = "Total"


@dataclass(frozen=True)
class Dimension:
    """One dimension of a table: its leaf codes and, for a hierarchy, each leaf's parent."""

    name: str
    leaves: tuple[str, ...]
    parents: dict[str, str] = field(default_factory=dict)

    def nodes(self) -> list[str]:
        """Leaves, then parents (sorted), then the root."""
        mids = sorted({p for p in self.parents.values() if p not in self.leaves})
        return [*self.leaves, *mids, TOTAL]

    def groups(self) -> list[tuple[int, list[int]]]:
        """(group node, child nodes) as node indices: each parent over its leaves, root over tops."""
        nodes = self.nodes()
        index = {n: i for i, n in enumerate(nodes)}
        children: dict[str, list[int]] = {}
        for leaf in self.leaves:
            children.setdefault(self.parents.get(leaf, TOTAL), []).append(index[leaf])
        for mid in nodes[len(self.leaves):-1]:
            children.setdefault(TOTAL, []).append(index[mid])
        return [(index[g], kids) for g, kids in children.items()]

    def ancestors(self) -> list[list[int]]:
        """For each leaf index, the node indices it counts in (itself, its parent, the root)."""
        index = {n: i for i, n in enumerate(self.nodes())}
        out = []
        for i, leaf in enumerate(self.leaves):
            chain = [i]
            if leaf in self.parents:
                chain.append(index[self.parents[leaf]])
            chain.append(index[TOTAL])
            out.append(chain)
        return out


@dataclass
class Cube:
    """Every cell of a table with margins: coordinates (node indices), values, constraint blocks."""

    dims: list[Dimension]
    shape: tuple[int, ...]
    values: np.ndarray  # int64, one per cell, C order over ``shape``
    blocks: list[tuple[int, np.ndarray, np.ndarray]]  # (dimension, total ids (M,), child ids (M, k))

    @property
    def size(self) -> int:
        """Number of cells, margins included."""
        return int(self.values.size)

    def labels(self) -> pd.DataFrame:
        """One row per cell: the node label of each dimension."""
        idx = np.unravel_index(np.arange(self.size), self.shape)
        return pd.DataFrame({d.name: np.asarray(d.nodes(), dtype=object)[i]
                             for d, i in zip(self.dims, idx, strict=True)})

    def level(self) -> np.ndarray:
        """How many dimensions of each cell are not leaves (0 for an inner cell)."""
        idx = np.unravel_index(np.arange(self.size), self.shape)
        return sum((i >= len(d.leaves)).astype(np.int64) for d, i in zip(self.dims, idx, strict=True))


def dimension(name: str, leaves: list[str] | tuple[str, ...],
              parents: dict[str, str] | None = None) -> Dimension:
    """A dimension, checked: distinct leaves, no leaf named like the root."""
    leaves = tuple(str(v) for v in leaves)
    if len(set(leaves)) != len(leaves) or TOTAL in leaves:
        raise HubError(f"Dimension {name!r} needs distinct leaf codes other than {TOTAL!r}.")
    return Dimension(name, leaves, {str(k): str(v) for k, v in (parents or {}).items()})


def build_cube(cells: pd.DataFrame, dims: list[Dimension], count: str = "count") -> Cube:
    """The cube of ``cells`` (leaf rows: one column per dimension and ``count``) with margins."""
    missing = [d.name for d in dims if d.name not in cells.columns] + (
        [] if count in cells.columns else [count])
    if missing:
        raise HubError(f"Table of counts lacks column(s) {', '.join(missing)}.")
    shape = tuple(len(d.nodes()) for d in dims)
    leaf_shape = tuple(len(d.leaves) for d in dims)
    codes = []
    for d in dims:
        cat = pd.Categorical(cells[d.name].astype(str), categories=list(d.leaves))
        if (cat.codes < 0).any():
            raise HubError(f"Column {d.name!r} holds a value that is not a leaf of its dimension.")
        codes.append(cat.codes.astype(np.int64))
    vals = pd.to_numeric(cells[count]).to_numpy()
    if (vals < 0).any():
        raise HubError("Counts must be non-negative.")
    leaf = np.zeros(leaf_shape, dtype=np.int64)
    np.add.at(leaf, tuple(codes), vals.astype(np.int64))
    full = np.zeros(shape, dtype=np.int64)
    # Spread the leaf cube to every ancestor combination, one dimension at a time.
    current = leaf
    for axis, d in enumerate(dims):
        out_shape = list(current.shape)
        out_shape[axis] = len(d.nodes())
        spread = np.zeros(out_shape, dtype=np.int64)
        for i, chain in enumerate(d.ancestors()):
            piece = np.take(current, [i], axis=axis)
            for node in chain:
                sl = [slice(None)] * current.ndim
                sl[axis] = slice(node, node + 1)
                spread[tuple(sl)] += piece
        current = spread
    full[...] = current
    return Cube(dims, shape, full.ravel(), _blocks(dims, shape))


def _blocks(dims: list[Dimension], shape: tuple[int, ...]) -> list[tuple[int, np.ndarray, np.ndarray]]:
    ids = np.arange(int(np.prod(shape))).reshape(shape)
    blocks = []
    for axis, d in enumerate(dims):
        moved = np.moveaxis(ids, axis, -1)
        for group, kids in d.groups():
            totals = moved[..., group].ravel()
            children = moved[..., kids].reshape(-1, len(kids))
            blocks.append((axis, totals, children))
    return blocks


def slice_labels(dims: list[Dimension], by: list[str]) -> list[tuple[str, ...]]:
    """All label combinations of a table by ``by`` (other dimensions at the root)."""
    pools = [d.nodes() if d.name in by else [TOTAL] for d in dims]
    return list(product(*pools))
