"""Permanent ids, the chart of masked cells, and the audit's time bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthdatahub.errors import HubError
from healthdatahub.indicators.disclosure import Rules
from healthdatahub.indicators.publish import chart_svg, permanent_id

PARAMS = {"phenotype": "crohn", "year": [2023], "by": ["sex"], "where": {}}


def test_permanent_id_is_deterministic_and_depends_on_every_input() -> None:
    pid = permanent_id("prevalence", PARAMS, "1.0.0", "abc", "0-")
    assert pid == permanent_id("prevalence", dict(PARAMS), "1.0.0", "abc", "0-")
    assert pid.startswith("ind-crohn-")
    others = {permanent_id("incidence", PARAMS, "1.0.0", "abc", "0-"),
              permanent_id("prevalence", {**PARAMS, "by": ["region"]}, "1.0.0", "abc", "0-"),
              permanent_id("prevalence", PARAMS, "1.1.0", "abc", "0-"),
              permanent_id("prevalence", PARAMS, "1.0.0", "abd", "0-"),
              permanent_id("prevalence", PARAMS, "1.0.0", "abc", "0-64,65-"),
              permanent_id("prevalence", PARAMS, "1.0.0", "abc", "0-", Rules(threshold=5))}
    assert pid not in others and len(others) == 6


def test_chart_draws_masked_cells_without_value() -> None:
    table = pd.DataFrame({"sex": ["1", "2"], "cases": pd.array([pd.NA, 42], dtype="Int64"),
                          "cases_status": ["primary", "published"]})
    svg = chart_svg(table, "t <&>")
    assert svg.startswith("<svg") and "masked" in svg and 'class="value"' in svg and ">42</text>" in svg
    assert "t &lt;&amp;&gt;" in svg


def test_audit_time_bound_refuses_instead_of_hanging() -> None:
    import time

    from healthdatahub.indicators.audit import feasible_ranges
    from healthdatahub.indicators.cube import build_cube, dimension

    idx = np.indices((4, 3)).reshape(2, -1)
    cells = pd.DataFrame({f"d{i}": [f"v{x}" for x in idx[i]] for i in range(2)})
    cells["count"] = np.arange(len(cells)) + 20
    dims = [dimension(d, sorted(cells[d].unique())) for d in ("d0", "d1")]
    cube = build_cube(cells, dims)
    masked = np.ones(cube.size, dtype=bool)  # everything masked: every cell is free
    need = np.full(cube.size, 1e9)  # and needs an LP
    assert feasible_ranges(cube, masked, need)[0].size == cube.size
    with pytest.raises(HubError, match="time bound"):
        feasible_ranges(cube, masked, need, deadline=time.monotonic() - 1)
