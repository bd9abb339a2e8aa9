"""A type error in row 9,999,999, an interrupted ingestion, multi-line values, FINESS suppression."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from healthdatahub.ingest.finess import is_finess_field
from healthdatahub.ingest.service import ingest_files, suppress_finess

SCHEMA = {"name": "T", "primaryKey": ["ID"], "fields": [
    {"name": "ID", "type": "integer", "constraints": {"required": True}},
    {"name": "QTY", "type": "integer"}, {"name": "NOTE", "type": "string"}]}


def _big_csv(path: Path, rows: int, bad_row: int) -> None:
    duckdb.connect().execute(f"COPY (SELECT i AS ID, CASE WHEN i = {bad_row} THEN '1.5' ELSE CAST(i % 7 AS "
               f"VARCHAR) END AS QTY, 'x' AS NOTE FROM range(1, {rows + 1}) t(i)) TO '{path}' "
               "(HEADER, DELIMITER ';')")


def test_type_error_in_row_9_999_999(store_settings, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    data = tmp_path / "in" / "T.csv"
    data.parent.mkdir()
    _big_csv(data, 10_000_000, 9_999_999)
    outcome = ingest_files(store_settings, "big", [data], schema=str(schema))
    report = json.loads(Path(outcome.paths["report_json"]).read_text())
    (check,) = report["tables"][0]["checks"]
    assert (check["column"], check["rule"], check["count"]) == ("QTY", "type", 1)
    assert check["first_rows"] == [{"file": "T.csv", "line": 10_000_000, "column": "QTY",
                                    "value": "1.5"}]
    assert not (store_settings.lake_dir / "big" / "v1").exists()


def test_multiline_quoted_values_keep_physical_lines(store_settings, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    data = tmp_path / "T.csv"
    data.write_bytes(b'ID;QTY;NOTE\n1;1;"a\nb\nc"\n2;2;x\n3;z;y\n')
    outcome = ingest_files(store_settings, "ml", [data], schema=str(schema))
    report = json.loads(Path(outcome.paths["report_json"]).read_text())
    assert report["tables"][0]["checks"][0]["first_rows"][0]["line"] == 6


def test_sigkill_leaves_no_visible_version_and_rerun_lands(store_settings, tmp_path):
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    data = tmp_path / "in" / "T.csv"
    data.parent.mkdir()
    _big_csv(data, 6_000_000, -1)
    env = {**os.environ, "HDH_DATA_DIR": str(store_settings.data_dir),
           "HDH_DATABASE_URL": store_settings.store_url}
    proc = subprocess.Popen([sys.executable, "-m", "healthdatahub.cli", "ingest", "k", str(data),
                             "--schema", str(schema), "--json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lake = store_settings.lake_dir / "k"
    # Kill it while it lands (its hidden temporary version exists), not after a fixed delay:
    # on a quiet machine the whole ingestion can finish within any delay chosen.
    deadline = time.monotonic() + 300
    while not (lake.is_dir() and any(p.name.startswith(".tmp-") for p in lake.iterdir())):
        assert proc.poll() is None, "the ingestion ended before it was seen landing"
        assert time.monotonic() < deadline, "the ingestion never started landing"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not lake.exists() or not [p for p in lake.iterdir() if not p.name.startswith(".")]
    outcome = ingest_files(store_settings, "k", [data], schema=str(schema))
    assert outcome.ok and (lake / "v1" / "T").is_dir()
    assert not [p for p in lake.iterdir() if p.name.startswith(".tmp-")]


def test_no_finess_value_survives(store_settings, synth_csv):
    landed = ingest_files(store_settings, "snds", [synth_csv])
    assert landed.ok, landed.summary
    originals: set[str] = set()
    version = store_settings.lake_dir / "snds" / "v1"
    for table in version.iterdir():
        t = pq.read_table(table)
        for col in t.column_names:
            if is_finess_field(table.name, col):
                originals |= {str(v) for v in t.column(col).to_pylist() if v is not None}
    assert originals
    for mode in ("pseudonymise", "remove"):
        out = suppress_finess(store_settings, "snds", "v1", f"p-{mode}", mode=mode, min_stays=3)
        for table in Path(out.paths["delivery"]).iterdir():
            t = pq.read_table(table)
            for col in t.column_names:
                values = {str(v) for v in t.column(col).to_pylist() if v is not None}
                assert not values & originals, (table.name, col)
    a = suppress_finess(store_settings, "snds", "v1", "pa", min_stays=1)
    b = suppress_finess(store_settings, "snds", "v1", "pb", min_stays=1)
    pa_ids = set(pq.read_table(Path(a.paths["delivery"]) / "T_MCO23B").column("ETA_NUM").to_pylist())
    pb_ids = set(pq.read_table(Path(b.paths["delivery"]) / "T_MCO23B").column("ETA_NUM").to_pylist())
    assert pa_ids - {"GROUPED"} and not (pa_ids - {"GROUPED"}) & pb_ids  # keyed per project


def test_finess_pseudonyms_survive_master_key_rotation(store_settings, synth_csv):
    """Pseudonyms come from the never-rotated pseudonymisation secret, not the master key."""
    from healthdatahub.linkage import service as linkage
    from healthdatahub.linkage.access import Actor
    from healthdatahub.linkage.keys import current_master_key

    assert ingest_files(store_settings, "snds", [synth_csv]).ok

    def pseudonyms(out: Path) -> list:
        result = suppress_finess(store_settings, "snds", "v1", "p", out=out, min_stays=1)
        return sorted(pq.read_table(Path(result.paths["delivery"]) / "T_MCO23B")
                      .column("ETA_NUM").to_pylist())

    before = pseudonyms(store_settings.data_dir / "before")
    _, master = current_master_key(store_settings)
    linkage.rotate_master_key(store_settings, Actor.operator())
    assert store_settings.key_file.read_bytes() != master
    assert pseudonyms(store_settings.data_dir / "after") == before
