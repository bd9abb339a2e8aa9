"""The synthetic SNDS generator: determinism, schema conformance, integrity, realism, conventions."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from healthdatahub.errors import HubError
from healthdatahub.snds.nir import is_valid_nir
from healthdatahub.snds.schema import JOIN_KEYS, field_names, table_schema
from healthdatahub.snds.synth import generate
from healthdatahub.snds.synth import writer as synth_writer

# Each test module queries through its own connection, never DuckDB's process-wide default.
_DB = duckdb.connect()

N = 2_500
SNDS = ["IR_BEN_R", "IR_IMB_R", "ER_PRS_F", "ER_PHA_F", "ER_ETE_F", "KI_CCI_R", "KI_ECD_R",
        "T_MCO23B", "T_MCO23C", "T_MCO23D", "T_MCO23A"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth") / "out"
    generate(d, N, 11, chunk_size=1_000)
    return d


@pytest.fixture(scope="module")
def csv_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth_csv") / "out"
    generate(d, 1_000, 11, "csv", encoding="latin-1", date_format="ddmmyyyy")
    return d


def _pq(root: Path, table: str) -> str:
    return f"read_parquet('{root / table}/*.parquet')"


def _read(root: Path, table: str) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in sorted((root / table).glob("*.parquet"))])


def test_same_seed_same_files(out: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, N, 11, chunk_size=1_000)
    a = {f["path"]: f["sha256"] for f in json.loads((out / "manifest.json").read_text())["files"]}
    b = {f["path"]: f["sha256"] for f in json.loads((again / "manifest.json").read_text())["files"]}
    assert a == b


def test_chunk_size_does_not_change_rows(out: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, N, 11, chunk_size=2_000)
    for table in SNDS + ["reference/ETAT_CIVIL"]:
        assert _read(out, table).equals(_read(other, table)), table


def test_columns_follow_descriptors(out: Path) -> None:
    for table in SNDS:
        assert _read(out, table).column_names == field_names(table), table


def test_values_satisfy_descriptor_constraints(out: Path) -> None:
    for table in SNDS:
        src = _pq(out, table)
        for f in table_schema(table).fields:
            c, col = dict(f.constraints or {}), f'"{f.name}"'
            checks = []
            if c.get("required"):
                checks.append(f"{col} IS NULL")
            if "maxLength" in c:
                checks.append(f"length({col}) > {c['maxLength']}")
            if "minLength" in c:
                checks.append(f"length({col}) < {c['minLength']}")
            if "pattern" in c:
                checks.append(f"NOT regexp_full_match({col}, '{c['pattern']}')")
            if "minimum" in c:
                checks.append(f"{col} < {c['minimum']}")
            if "maximum" in c:
                checks.append(f"{col} > {c['maximum']}")
            if "enum" in c:
                values = ", ".join(repr(v) for v in c["enum"])
                checks.append(f"{col} NOT IN ({values})")
            for check in checks:
                bad = _DB.sql(f"SELECT count(*) FROM {src} WHERE {check}").fetchall()[0][0]
                assert bad == 0, f"{table}.{f.name}: {bad} rows with {check}"


def test_referential_integrity(out: Path) -> None:
    keys = " AND ".join(f"p.{k} = f.{k}" for k in JOIN_KEYS)
    for detail in ("ER_PHA_F", "ER_ETE_F"):
        orphans = _DB.sql(f"SELECT count(*) FROM {_pq(out, detail)} f ANTI JOIN "
                             f"{_pq(out, 'ER_PRS_F')} p ON {keys}").fetchall()[0][0]
        assert orphans == 0, detail
    key = ", ".join(JOIN_KEYS)
    dup = _DB.sql(f"SELECT count(*) - count(DISTINCT ({key})) FROM {_pq(out, 'ER_PRS_F')}")
    assert dup.fetchall()[0][0] == 0
    for table in ("ER_PRS_F", "IR_IMB_R"):
        orphans = _DB.sql(f"SELECT count(*) FROM {_pq(out, table)} f ANTI JOIN "
                             f"{_pq(out, 'IR_BEN_R')} b USING (BEN_NIR_PSA, BEN_RNG_GEM)")
        assert orphans.fetchall()[0][0] == 0, table
    ben = _DB.sql(f"SELECT count(*) - count(DISTINCT (BEN_NIR_PSA, BEN_RNG_GEM)), "
                     f"count(*) - count(DISTINCT BEN_IDT_ANO) FROM {_pq(out, 'IR_BEN_R')}")
    assert ben.fetchall()[0] == (0, 0)
    for table in ("T_MCO23C", "T_MCO23D", "T_MCO23A"):
        orphans = _DB.sql(f"SELECT count(*) FROM {_pq(out, table)} x ANTI JOIN "
                             f"{_pq(out, 'T_MCO23B')} b USING (ETA_NUM, RSA_NUM)")
        assert orphans.fetchall()[0][0] == 0, table
    linked = _DB.sql(f"SELECT count(*) FILTER (WHERE b.BEN_NIR_PSA IS NULL AND NOT c.NIR_RET)"
                        f" FROM {_pq(out, 'T_MCO23C')} c LEFT JOIN (SELECT DISTINCT BEN_NIR_PSA "
                        f"FROM {_pq(out, 'IR_BEN_R')}) b ON c.NIR_ANO_17 = b.BEN_NIR_PSA")
    assert linked.fetchall()[0][0] == 0
    deaths = _DB.sql(f"SELECT count(*) FROM {_pq(out, 'KI_CCI_R')} k ANTI JOIN "
                        f"{_pq(out, 'IR_BEN_R')} b USING (BEN_IDT_ANO)").fetchall()[0][0]
    assert deaths == 0


def test_reference_nirs_and_ground_truth(out: Path) -> None:
    civil = _read(out, "reference/ETAT_CIVIL")
    nirs = civil["NIR"].to_pylist()
    assert len(set(nirs)) == len(nirs) == N
    assert all(is_valid_nir(x) for x in nirs)
    truth = _DB.sql(f"SELECT count(*) FROM {_pq(out, 'reference/CORRESPONDANCE_NIR_PSA')} t "
                       f"ANTI JOIN {_pq(out, 'IR_BEN_R')} b USING (BEN_NIR_PSA, BEN_RNG_GEM)")
    assert truth.fetchall()[0][0] == 0
    twins = _DB.sql(f"SELECT count(*) FROM {_pq(out, 'IR_BEN_R')} WHERE BEN_RNG_GEM = 2")
    assert twins.fetchall()[0][0] > 0
    assert civil["NOM_USAGE"].null_count < N


def test_realism(out: Path) -> None:
    ben = _pq(out, "IR_BEN_R")
    women, old, young = _DB.sql(
        f"SELECT avg((BEN_SEX_COD = 2)::INT), avg((2023 - BEN_NAI_ANN >= 66)::INT), "
        f"avg((2023 - BEN_NAI_ANN <= 20)::INT) FROM {ben}").fetchall()[0]
    assert 0.49 < women < 0.55
    assert 0.16 < old < 0.26
    assert 0.19 < young < 0.29
    from healthdatahub.snds.synth.reference import drugs

    a10 = [int(c) for c, atc in zip(drugs()["cip13"], drugs()["atc"]) if atc.startswith("A10")]
    keys = " AND ".join(f"p.{k} = f.{k}" for k in JOIN_KEYS)
    rate = _DB.sql(
        f"WITH d AS (SELECT p.BEN_NIR_PSA, p.BEN_RNG_GEM FROM {_pq(out, 'ER_PHA_F')} f JOIN "
        f"{_pq(out, 'ER_PRS_F')} p ON {keys} WHERE f.PHA_PRS_C13 IN ({','.join(map(str, a10))})"
        f" AND f.PHA_ACT_QSN > 0 GROUP BY ALL HAVING count(DISTINCT p.EXE_SOI_DTD) >= 3) "
        f"SELECT (SELECT count(*) FROM d JOIN {ben} USING (BEN_NIR_PSA, BEN_RNG_GEM) "
        f"WHERE 2022 - BEN_NAI_ANN >= 18) / count(*) FROM {ben} WHERE 2022 - BEN_NAI_ANN >= 18"
    ).fetchall()[0][0]
    assert 0.04 <= rate <= 0.07
    quirks = _DB.sql(f"SELECT count(*) FILTER (WHERE DPN_QLF = 71), count(*) FILTER (WHERE "
                        f"BSE_REM_MNT < 0) FROM {_pq(out, 'ER_PRS_F')}").fetchall()[0]
    assert quirks[0] > 0 and quirks[1] > 0


def test_csv_conventions(csv_out: Path) -> None:
    raw = (csv_out / "reference" / "ETAT_CIVIL.csv").read_bytes()
    text = raw.decode("latin-1")
    assert any(ch in text for ch in "éèçëï")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    for table in ("ER_PRS_F", "T_MCO23C", "IR_BEN_R"):
        with (csv_out / f"{table}.csv").open(encoding="latin-1") as f:
            assert f.readline().rstrip("\n").split(";") == field_names(table)
    bad = _DB.sql(f"SELECT count(*) FROM read_csv('{csv_out / 'ER_PRS_F.csv'}', delim=';', "
                     f"header=true, all_varchar=true) WHERE NOT regexp_full_match(FLX_DIS_DTD, "
                     f"'[0-3][0-9][01][0-9]20[0-9]{{2}}')").fetchall()[0][0]
    assert bad == 0
    manifest = json.loads((csv_out / "manifest.json").read_text())
    assert {f["path"] for f in manifest["files"]} >= {"ER_PRS_F.csv", "reference/ETAT_CIVIL.csv"}


@pytest.mark.parametrize("kwargs", [
    {"beneficiaries": 0}, {"beneficiaries": 50_000_001}, {"beneficiaries": 10, "fmt": "xls"},
    {"beneficiaries": 10, "encoding": "utf-16"}, {"beneficiaries": 10, "date_format": "us"},
])
def test_bad_input(tmp_path: Path, kwargs: dict) -> None:
    args = {"out_dir": tmp_path / "x", "seed": 1, **kwargs}
    with pytest.raises(HubError):
        generate(**args)
    assert not (tmp_path / "x").exists()


def test_refuses_foreign_folder_and_replaces_own(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    with pytest.raises(HubError):
        generate(foreign, 10, 1)
    assert (foreign / "precious.txt").exists()
    own = tmp_path / "own"
    generate(own, 10, 1)
    with pytest.raises(HubError):
        generate(own, 10, 1)
    generate(own, 20, 1, overwrite=True)
    assert json.loads((own / "manifest.json").read_text())["beneficiaries"] == 20
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(HubError):
        generate(blocked / "sub", 10, 1)


def test_failure_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    original = synth_writer.TableWriter.write

    def flaky(self, chunk):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("disk full")
        return original(self, chunk)

    monkeypatch.setattr(synth_writer.TableWriter, "write", flaky)
    with pytest.raises(RuntimeError):
        generate(tmp_path / "out", 50, 1)
    assert list(tmp_path.iterdir()) == []
