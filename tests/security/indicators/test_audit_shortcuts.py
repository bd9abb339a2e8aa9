"""The LP audit's shortcuts (points reused across cells, widths carried across rounds, QR null
space) reach the decisions of a full LP audit, and tables that need the audit resist attack."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from attack import recovered
from scipy.optimize import linprog

from healthdatahub.indicators.audit import equations, feasible_ranges
from healthdatahub.indicators.cube import build_cube, dimension
from healthdatahub.indicators.disclosure import Rules, protect


def _sparse(shape: tuple[int, ...], seed: int, mean: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = np.indices(shape).reshape(len(shape), -1)
    df = pd.DataFrame({f"d{i}": [f"v{x}" for x in idx[i]] for i in range(len(shape))})
    df["count"] = rng.poisson(mean, len(df))
    return df


def _exact_widths(cube, masked: np.ndarray) -> np.ndarray:
    """Max - min of every masked cell by two LPs each (the audit without any shortcut)."""
    a, b, unknown = equations(cube, masked)
    widths = np.zeros(unknown.size)
    for j in range(unknown.size):
        c = np.zeros(unknown.size)
        c[j] = 1.0
        lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        widths[j] = np.inf if hi.status == 3 else -hi.fun - lo.fun
    return widths


@pytest.mark.parametrize(("shape", "seed", "share"), [((5, 4), 1, 0.5), ((4, 2, 3), 2, 0.6),
                                                      ((3, 2, 3, 2), 3, 0.4), ((6, 2), 4, 0.7)])
def test_audit_decisions_equal_a_full_lp_audit(shape, seed, share):
    cells = _sparse(shape, seed, 6.0)
    dims = [dimension(d, sorted(cells[d].unique())) for d in cells.columns if d != "count"]
    cube = build_cube(cells, dims)
    rng = np.random.default_rng(seed)
    masked = rng.random(cube.size) < share
    need = np.where((cube.values >= 1) & (cube.values <= 10), 5.0, 1.0)
    ids, lo, hi, stats = feasible_ranges(cube, masked, need)
    got, exact = hi - lo, _exact_widths(cube, masked)
    tol = 1e-6
    assert ids.size == exact.size > 0
    assert np.array_equal(got < 1 - tol, exact < 1 - tol)  # exactly recoverable: same cells
    assert np.array_equal(got < need[ids] - tol, exact < need[ids] - tol)  # below the target
    assert (got <= exact + tol).all()  # a reported width is never more than the truth
    narrow = exact < need[ids] - tol
    assert np.allclose(got[narrow], exact[narrow], atol=tol)  # and exact where it matters
    assert stats["lp"] <= 2 * ids.size  # never more LPs than the full audit


@pytest.mark.parametrize(("seed", "mean"), [(0, 0.5), (1, 0.5), (4, 0.5), (2, 1.0), (2, 2.0)])
def test_sparse_tables_that_need_the_audit_resist_the_attack(seed, mean):
    cells = _sparse((3, 2, 6), seed, mean)  # mostly zeros and small counts: hypercubes fail
    dims = [c for c in cells.columns if c != "count"]
    out = protect(cells, dims, Rules())
    assert "linear-programming audit" in out.log["audit"]["method"]  # the shortcuts ran
    assert out.log["cells_masked_primary"] > 0
    assert recovered([(out.table, dims)]) == []
