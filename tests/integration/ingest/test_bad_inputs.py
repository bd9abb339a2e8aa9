"""The bad-input suite: each bad delivery gives a clear message naming file, line and column,
and nothing half-lands."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from healthdatahub.errors import HubError
from healthdatahub.ingest import scan
from healthdatahub.ingest.service import get_report, ingest_files
from healthdatahub.snds.schema import JOIN_KEYS


def lines(path: Path) -> list[bytes]:
    """The file's lines (with their endings)."""
    return path.read_bytes().splitlines(keepends=True)


def _checks(outcome) -> dict[tuple[str | None, str], dict]:
    report = json.loads(Path(outcome.paths["report_json"]).read_text())
    return {(c["column"], c["rule"]): c for t in report["tables"] for c in t["checks"]}


def _nothing_landed(settings, dataset: str) -> None:
    lake = settings.lake_dir / dataset
    assert not lake.exists() or not [p for p in lake.iterdir() if not p.name.startswith(".")]


def test_clean_delivery_lands_and_reingest_is_noop(store_settings, delivery):
    first = ingest_files(store_settings, "ds", [delivery])
    assert first.ok and first.details["decision"] == "landed"
    assert (store_settings.lake_dir / "ds" / "v1" / "ER_PRS_F").is_dir()
    again = ingest_files(store_settings, "ds", [delivery])
    assert again.details["noop"] is True
    assert get_report(store_settings, first.details["ingestion_id"])["verdict"] == "valid"


def test_wrong_delimiter(store_settings, delivery):
    path = delivery / "ER_PRS_F.csv"
    path.write_bytes(path.read_bytes().replace(b";", b","))
    with pytest.raises(HubError, match=r"ER_PRS_F.csv line 1: .*','"):
        ingest_files(store_settings, "ds", [delivery])
    _nothing_landed(store_settings, "ds")


def test_wrong_encoding_names_the_line(store_settings, delivery):
    path = delivery / "IR_BEN_R.csv"
    rows = lines(path)
    rows[5] = rows[5].replace(b";", b";\xe9", 1)  # a latin-1 byte in a UTF-8 file
    path.write_bytes(b"".join(rows))
    outcome = ingest_files(store_settings, "ds", [delivery], encoding="utf-8")
    assert not outcome.ok
    check = _checks(outcome)[(None, "encoding")]
    assert check["first_rows"][0] == {"file": "IR_BEN_R.csv", "line": 6, "column": check[
        "first_rows"][0]["column"]}
    _nothing_landed(store_settings, "ds")


def test_truncated_last_line(store_settings, delivery):
    path = delivery / "ER_PRS_F.csv"
    data = path.read_bytes()
    n = data.count(b"\n")
    path.write_bytes(data[:-40])
    outcome = ingest_files(store_settings, "ds", [delivery])
    assert not outcome.ok
    assert _checks(outcome)[(None, "truncatedLine")]["first_rows"][0]["line"] == n


def test_empty_file(store_settings, delivery):
    (delivery / "ER_PRS_F.csv").write_bytes(b"")
    with pytest.raises(HubError, match=r"ER_PRS_F.csv is empty \(0 bytes\)"):
        ingest_files(store_settings, "ds", [delivery])


def test_missing_and_extra_columns(store_settings, delivery):
    path = delivery / "ER_PRS_F.csv"
    rows = lines(path)
    rows[0] = rows[0].replace(b"BEN_RES_COM", b"BEN_RES_XXX")
    path.write_bytes(b"".join(rows))
    checks = _checks(ingest_files(store_settings, "ds", [delivery]))
    assert checks[("BEN_RES_COM", "missingColumn")]["first_rows"][0]["line"] == 1
    assert checks[("BEN_RES_XXX", "unexpectedColumn")]["count"] == 1
    _nothing_landed(store_settings, "ds")


def test_duplicate_keys_across_two_files(store_settings, delivery):
    folder = delivery / "ER_PRS_F"
    folder.mkdir()
    rows = lines(delivery / "ER_PRS_F.csv")
    (delivery / "ER_PRS_F.csv").unlink()
    (folder / "part-1.csv").write_bytes(b"".join(rows[:100]))
    (folder / "part-2.csv").write_bytes(b"".join([rows[0], *rows[100:], rows[50]]))
    check = _checks(ingest_files(store_settings, "ds", [delivery]))[
        ("+".join(JOIN_KEYS), "primaryKey")]
    assert check["count"] == 1
    sample = check["first_rows"][0]
    assert sample["file"] == "ER_PRS_F/part-2.csv" and sample["line"] == len(rows) - 100 + 2
    assert sample["first_seen"] == {"file": "ER_PRS_F/part-1.csv", "line": 51}


def test_hash_collisions_are_not_duplicates(store_settings, delivery, monkeypatch):
    """The counting pass screens keys by a 64-bit hash; rows are only reported as repeats when
    their key values are equal. Every key made to share one hash: still valid, then one true
    repeat is the one counted (at national volumes, 64-bit collisions do happen)."""
    from healthdatahub.ingest import validate

    real = validate._pk_hash
    monkeypatch.setattr(validate, "_pk_hash", lambda cols: ("0", real(cols)[1]))
    outcome = ingest_files(store_settings, "ds", [delivery])
    assert outcome.ok and outcome.details["decision"] == "landed"
    rows = lines(delivery / "ER_PRS_F.csv")
    (delivery / "ER_PRS_F.csv").write_bytes(b"".join([*rows, rows[7]]))
    check = _checks(ingest_files(store_settings, "ds2", [delivery]))[
        ("+".join(JOIN_KEYS), "primaryKey")]
    assert check["count"] == 1 and check["first_rows"][0]["first_seen"]["line"] == 8


def test_orphan_foreign_key(store_settings, delivery):
    path = delivery / "ER_PRS_F.csv"
    rows = lines(path)
    fields = rows[20].split(b";")
    fields[9] = b"ZZZZZZZZZZZZZZZZZ"
    rows[20] = b";".join(fields)
    path.write_bytes(b"".join(rows))
    check = _checks(ingest_files(store_settings, "ds", [delivery]))[
        ("BEN_NIR_PSA+BEN_RNG_GEM", "foreignKey")]
    assert check["count"] == 1 and check["first_rows"][0]["line"] == 21
    assert "value" not in check["first_rows"][0]  # a pseudonym is never shown


def test_gzip_named_csv(store_settings, delivery):
    path = delivery / "ER_PRS_F.csv"
    path.write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(HubError, match=r"ER_PRS_F.csv is gzip-compressed but named .csv"):
        ingest_files(store_settings, "ds", [delivery])


def test_path_does_not_exist(store_settings, tmp_path):
    with pytest.raises(HubError, match=r"does not exist"):
        ingest_files(store_settings, "ds", [tmp_path / "nope"])


def test_file_growing_while_read(store_settings, delivery, monkeypatch):
    original = scan.scan_csv

    def growing(engine, index, src, work, delimiter):
        with src.path.open("ab") as fh:
            fh.write(b"")
            fh.write(lines(src.path)[-1])
        return original(engine, index, src, work, delimiter)

    monkeypatch.setattr(scan, "scan_csv", growing)
    with pytest.raises(HubError, match=r"changed while it was being read"):
        ingest_files(store_settings, "ds", [delivery])
    _nothing_landed(store_settings, "ds")


def test_quarantine_policy_lands_valid_rows(store_settings, delivery):
    path = delivery / "ER_PRS_F.csv"
    rows = lines(path)
    fields = rows[3].split(b";")
    fields[11] = b"7"  # BEN_SEX_COD outside its enum
    rows[3] = b";".join(fields)
    path.write_bytes(b"".join(rows))
    outcome = ingest_files(store_settings, "dq", [delivery], policy="quarantine",
                           max_error_rate=0.01)
    assert outcome.ok and outcome.counts["quarantined_rows"] == 1
    check = _checks(outcome)[("BEN_SEX_COD", "enum")]
    assert check["first_rows"][0] == {"file": "ER_PRS_F.csv", "line": 4,
                                      "column": "BEN_SEX_COD", "value": "7"}
    import pyarrow.parquet as pq

    q = pq.read_table(Path(outcome.paths["quarantine"]) / "ER_PRS_F").to_pylist()
    assert q[0]["__line"] == 4 and q[0]["__reasons"] == ["BEN_SEX_COD:enum"]
    landed = pq.read_table(store_settings.lake_dir / "dq" / "v1" / "ER_PRS_F")
    assert landed.num_rows == len(rows) - 2
