"""The attacker: recover masked cells from published tables by linear programming.

It knows only what is published (labels, visible counts, masks), that margins add up and that
counts are non-negative; for each masked cell it computes the smallest and largest value
consistent with all of that (scipy's HiGHS). Written independently of the hub's audit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

TOTAL = "Total"


def lines(table: pd.DataFrame, dims: list[str]) -> list[tuple[list[int], int]]:
    """(child rows, total row) for every margin of a published table with flat dimensions."""
    index = {tuple(r): i for i, r in enumerate(table[dims].astype(str).itertuples(index=False))}
    out = []
    for d in dims:
        others = [x for x in dims if x != d]
        for key, grp in table.groupby(others, sort=False) if others else [((), table)]:
            key = key if isinstance(key, tuple) else (key,)
            total = {**dict(zip(others, key, strict=True)), d: TOTAL}
            t = index.get(tuple(str(total[x]) for x in dims))
            kids = [i for i in grp.index if str(table.at[i, d]) != TOTAL]
            if t is not None and kids:
                out.append((kids, t))
    return out


def ranges(tables: list[tuple[pd.DataFrame, list[str]]]) -> dict[tuple, tuple[float, float]]:
    """Feasible (min, max) of every masked cell of one or more published tables combined."""
    cells: dict[tuple, int] = {}
    eqs = []
    for table, dims in tables:
        def key(i: int, table=table, dims=dims) -> tuple:
            return tuple(sorted((d, str(table.at[i, d])) for d in dims))
        for kids, t in lines(table, dims):
            row: dict[int, float] = {}
            rhs = 0.0
            for i, sign in [(k, 1.0) for k in kids] + [(t, -1.0)]:
                v = table.at[i, "count"]
                if pd.isna(v):
                    j = cells.setdefault(key(i), len(cells))
                    row[j] = row.get(j, 0.0) + sign
                else:
                    rhs -= sign * float(v)
            if row:
                eqs.append((row, rhs))
    n = len(cells)
    if n == 0:
        return {}
    a = np.zeros((len(eqs), n))
    b = np.zeros(len(eqs))
    for r, (row, rhs) in enumerate(eqs):
        for j, s in row.items():
            a[r, j] = s
        b[r] = rhs
    out = {}
    for k, j in cells.items():
        c = np.zeros(n)
        c[j] = 1
        lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        out[k] = (lo.fun, np.inf if hi.status == 3 else -hi.fun)
    return out


def recovered(tables: list[tuple[pd.DataFrame, list[str]]], tol: float = 1e-6) -> list[tuple]:
    """The masked cells whose value the attacker pins down exactly."""
    return [k for k, (lo, hi) in ranges(tables).items() if hi - lo < tol]
