"""The counting pass lets DuckDB drop row order, and gives it back to the ordered scans after."""

from __future__ import annotations

import pytest

from healthdatahub.engine import get_engine
from healthdatahub.ingest.checks import scalar
from healthdatahub.ingest.validate import unordered

SETTING = "SELECT current_setting('preserve_insertion_order')"


@pytest.mark.parametrize("before", [True, False])
def test_unordered_restores_the_setting(settings, before):
    with get_engine(settings, "duckdb") as engine:
        engine.execute(f"SET preserve_insertion_order = {str(before).lower()}")
        with unordered(engine):
            assert scalar(engine, SETTING) is False
        assert scalar(engine, SETTING) is before
        with pytest.raises(RuntimeError), unordered(engine):
            raise RuntimeError("a failing query")
        assert scalar(engine, SETTING) is before
