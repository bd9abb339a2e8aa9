"""After a full two-holder run, no uploaded identity is in the data dir, the logs or any HTTP answer.

The civil-status reference is generated outside the data dir (it stands for the national
register, outside the hub), so nothing needs to be excluded from the scan.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3

from healthdatahub.linkage import service
from healthdatahub.linkage.access import Actor


def _identities(path) -> set[bytes]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))[1:]
    out: set[bytes] = set()
    for _, nom, prenom, date, _ in rows:
        for name in (nom, prenom):
            if len(name) >= 5:  # shorter strings occur by chance in binary files
                out.add(name.encode("utf-8"))
        out.add(date.encode("ascii"))
        day, month, year = (date.split("/") if "/" in date else date.split("-")[::-1])
        out.add(f"{year}-{month}-{day}".encode())
    return out



def test_no_identity_in_any_file_or_log(full_run):
    settings = full_run.settings
    needles = set().union(*(_identities(p) for p in full_run.uploads.values()))
    assert len(needles) > 200
    files = [p for p in settings.data_dir.rglob("*") if p.is_file()]
    assert any(p.name == "correspondance.csv" for p in files)
    assert any(p.name == "report.html" for p in files)
    hits = []
    for path in files:
        blob = path.read_bytes()
        hits += [(path.name, n[:3]) for n in needles if n in blob]
    hits += [("log", n[:3]) for n in needles if n in full_run.log_text.encode()]
    assert len(full_run.responses) > 15
    for i, body in enumerate(full_run.responses):
        hits += [(f"HTTP answer {i}", n[:3]) for n in needles if n in body]
    assert hits == []


def test_no_nir_anywhere_and_identities_erased(full_run, reference):
    import duckdb

    settings = full_run.settings
    nirs = {r[0].encode() for r in duckdb.sql(
        f"SELECT NIR FROM read_parquet('{reference}/ETAT_CIVIL/*.parquet')").fetchall()}
    for path in (p for p in settings.data_dir.rglob("*") if p.is_file()):
        blob = path.read_bytes()
        found = re.findall(rb"[1-478][0-9]{14}", blob)
        assert not (set(found) & nirs), path.name
    assert not list((settings.vault_dir / "linkage").glob("*.hdhv"))  # sealed files deleted
    con = sqlite3.connect(settings.data_dir / "store.sqlite")
    assert con.execute("SELECT count(*) FROM linkage_upload WHERE wrapped_key IS NOT NULL"
                       ).fetchone()[0] == 0
    actions = {r[0] for r in con.execute("SELECT action FROM audit_event")}
    assert {"linkage.upload", "linkage.run", "linkage.deliver", "linkage.identities.erase"} <= actions
    states = service.status(settings, Actor.operator(), "etude")
    assert [s["state"] for s in states] == ["delivered", "delivered"] and all(s["erased"] for s in states)


def test_correspondence_holds_only_ids_and_pseudonyms(full_run):
    by_holder = full_run.outcome["by_holder"]
    for slug, counts in by_holder.items():
        path = service.project_dir(full_run.settings, "etude") / slug / "correspondance.csv"
        lines = path.read_text().splitlines()
        assert lines[0] == "Id_acc;pseudonyme"
        assert len(lines) - 1 == counts["pseudonymised"] == counts["linked_probabilistic"]
        assert all(re.fullmatch(r"ACC\d{8};[0-9a-f]{64}", line) for line in lines[1:])
        assert counts["linked_probabilistic"] >= 0.85 * counts["received"]
