"""Reconstruction on Splink's Spark backend: as good as on DuckDB, in a JVM of its own.

Splink's similarity functions come from a jar that must be on the JVM's class path when it
starts, so the Spark run goes through the benchmark script in a child process (about a
minute), as an operator would run it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from healthdatahub.config import load_settings
from healthdatahub.errors import HubError
from healthdatahub.linkage.holders import write_holder_table

pytestmark = pytest.mark.spark
BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_linkage.py"


def _variant(name: str, reference: Path, csv: Path, truth: Path) -> dict:
    done = subprocess.run([sys.executable, str(BENCH), "--variant", name, "--reference",
                           str(reference), "--csv", str(csv), "--truth", str(truth)],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return next(r for r in result["quality"] if r["threshold"] == 0.9) | {"all": result}


def test_a_session_without_splinks_jar_is_refused_not_reused():
    from healthdatahub.engine.spark_engine import shared_session
    from healthdatahub.linkage.spark_backend import spark_session

    shared_session()
    with pytest.raises(HubError, match="without Splink's similarity functions"):
        spark_session()


def test_spark_backend_links_as_well_as_duckdb(reference, tmp_path):
    csv, truth = tmp_path / "h.csv", tmp_path / "t.parquet"
    write_holder_table(load_settings(data_dir=tmp_path / "data"), reference, csv, truth, 300,
                       seed=3)
    duck = _variant("ours", reference, csv, truth)
    spark = _variant("spark", reference, csv, truth)
    assert spark["precision"] >= 0.99 and spark["recall"] >= 0.97
    assert abs(spark["recall"] - duck["recall"]) <= 0.01
    assert abs(spark["linked"] - duck["linked"]) <= 3
    assert set(spark["all"]["steps"]) >= {"u_s", "em_s", "predict_s"}
    assert spark["all"]["jvm_cpu_s"] > 0
