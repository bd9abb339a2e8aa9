"""Attacks on published indicator tables: none may recover a masked count exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from attack import recovered

from healthdatahub.errors import HubError
from healthdatahub.indicators.cube import TOTAL
from healthdatahub.indicators.disclosure import Rules, check_published, protect


def _table(shape: tuple[int, ...], seed: int, scale: float = 20.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    idx = np.indices(shape).reshape(len(shape), -1)
    df = pd.DataFrame({f"d{i}": [f"v{x}" for x in idx[i]] for i in range(len(shape))})
    df["count"] = rng.poisson(rng.gamma(0.9, scale, len(df)))
    return df


@pytest.mark.parametrize(("shape", "seed"), [((4, 3), 1), ((5, 4), 2), ((6, 5), 3),
                                             ((4, 3, 3), 4), ((5, 3, 2), 5), ((3, 3, 3, 2), 6)])
def test_margins_of_one_table_do_not_reveal_a_masked_cell(shape, seed):
    cells = _table(shape, seed)
    dims = [c for c in cells.columns if c != "count"]
    out = protect(cells, dims, Rules())
    assert out.log["cells_masked_primary"] > 0  # the attack has something to attack
    assert recovered([(out.table, dims)]) == []


def test_primary_suppression_alone_is_broken_by_the_attack():
    cells = _table((5, 4), 2)
    dims = ["d0", "d1"]
    out = protect(cells, dims, Rules())
    naive = out.table.copy()
    naive["count"] = naive["count"].astype("Float64")
    values = protect(cells, dims, Rules(threshold=0)).table["count"]  # nothing masked
    naive.loc[naive["status"] == "secondary", "count"] = values[naive["status"] == "secondary"]
    assert recovered([(naive, dims)])  # without secondary suppression, cells fall


def test_two_tables_sharing_a_margin_do_not_reveal_a_masked_cell():
    cells = _table((5, 4, 3), 7)
    dims = ["d0", "d1", "d2"]
    out = protect(cells, dims, Rules())
    by_01, by_02 = out.slice(["d0", "d1"]), out.slice(["d0", "d2"])
    assert (by_01["count"].isna().any() or by_02["count"].isna().any())
    tables = [(by_01.drop(columns="d2"), ["d0", "d1"]), (by_02.drop(columns="d1"), ["d0", "d2"])]
    assert recovered(tables) == []
    assert recovered([(out.table, dims)]) == []


def test_every_masked_small_count_keeps_a_range_wider_than_a_point():
    cells = _table((6, 4, 3), 8, scale=8.0)
    out = protect(cells, ["d0", "d1", "d2"], Rules())
    widths = [c["attacker_range_width"] for c in out.log["masked"]]
    assert widths and all(w is None or w >= 1 for w in widths)


def test_zeros_stay_and_small_counts_never_show():
    cells = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"],
                          "count": [0, 3, 40, 55]})
    out = protect(cells, ["a", "b"], Rules())
    t = out.table.set_index(["a", "b"])
    assert t.loc[("x", "p"), "status"] != "primary"  # a zero is masked only as a complement
    assert pd.isna(t.loc[("x", "q"), "count"])
    assert recovered([(out.table, ["a", "b"])]) == []
    check_published(out.table, Rules())


def test_an_unprotected_table_cannot_leave():
    raw = pd.DataFrame({"a": ["x", TOTAL], "count": [3, 3]})
    with pytest.raises(HubError):
        check_published(raw, Rules())
    with pytest.raises(HubError):
        check_published(raw.assign(status="published"), Rules())


def test_rounding_to_base_five():
    cells = _table((4, 3), 9, scale=60)
    out = protect(cells, ["d0", "d1"], Rules(rounding_base=5))
    shown = out.table["count"].dropna().astype(int)
    assert (shown % 5 == 0).all()
    assert "base 5" in out.log["rounding"]
