"""Direct linkage on NIR and triplet (twins reported, not guessed), key rotation, destroy."""

from __future__ import annotations

import duckdb
import pytest
from sqlalchemy import select

from healthdatahub.audit import list_events
from healthdatahub.errors import HubError
from healthdatahub.linkage import runs, service
from healthdatahub.linkage.access import Actor
from healthdatahub.linkage.holders import write_holder_table
from healthdatahub.linkage.keys import pseudonym_secret
from healthdatahub.linkage.pseudonymise import national_pseudonym, project_pseudonym
from healthdatahub.store import session_scope
from healthdatahub.store.models_linkage import LinkageProject

OP = Actor.operator()


def _twins(reference):
    return duckdb.sql(f"""
        SELECT c.NIR_OUVRANT_DROIT, e.SEXE, strftime(e.DATE_NAISSANCE, '%d/%m/%Y')
        FROM read_parquet('{reference}/ETAT_CIVIL/*.parquet') e
        JOIN read_parquet('{reference}/CORRESPONDANCE_NIR_PSA/*.parquet') c USING (NIR)
        GROUP BY ALL HAVING count(*) > 1 LIMIT 1""").fetchall()


def test_direct_project_links_reports_twins_and_survives_key_rotation(store_settings, reference,
                                                                      tmp_path, monkeypatch):
    settings = store_settings
    states = []
    record = runs._set
    monkeypatch.setattr(runs, "_set", lambda upload_id, s, **values: (
        states.append((values.get("state"), values.get("counts", {}).get("pseudonymised"))),
        record(upload_id, s, **values)))
    service.create_project(settings, OP, "d1", "Direct", "direct")
    hid = service.add_holder(settings, OP, "d1", "reg", "Registre").details["holder_id"]
    csv, truth = tmp_path / "reg.csv", tmp_path / "reg.truth.parquet"
    write_holder_table(settings, reference, csv, truth, 600, mode="direct", seed=4)
    data = csv.read_bytes() + b"KEYERR;;1;01/07/1952;152073702541111\n"  # key off by one
    twins = _twins(reference)
    if twins:
        opener, sex, date = twins[0]
        data += f"TWIN1;{opener};{sex};{date};\n".encode()
    service.upload(settings, Actor.holder(hid), "d1", "reg", data)
    assert service.rotate_master_key(settings, OP).counts["rewrapped"] == 1
    outcome = service.run_linkage(settings, OP, "d1", reference)
    counts = outcome.details["by_holder"]["reg"]
    assert counts["received"] == 601 + bool(twins)
    assert counts["rejected"] >= 1  # the key off by one, and the generator's
    assert counts["linked_direct"] == counts["pseudonymised"] >= 0.97 * 590
    # the upload was recorded as pseudonymised (with its count, audited) before it was linked
    assert states == [("pseudonymised", counts["pseudonymised"]),
                      ("linked", counts["pseudonymised"])]
    events, _ = list_events(settings, action="linkage.pseudonymise")
    assert [(e.object_id, e.details) for e in events] == [
        ("d1/reg", {"pseudonyms": counts["pseudonymised"]})]
    assert counts["ambiguous"] >= bool(twins)
    # the delivered pseudonym is the documented two-stage HMAC of the true NIR
    out = (service.project_dir(settings, "d1") / "reg" / "correspondance.csv").read_text()
    first_id, first_psn = out.splitlines()[1].split(";")
    nir = duckdb.sql(f"SELECT nir FROM read_parquet('{truth}') WHERE id_acc = '{first_id}'"
                     ).fetchall()[0][0]
    with session_scope(settings) as session:
        uid = session.scalar(select(LinkageProject.uid))
    secret = pseudonym_secret(settings)
    assert first_psn == project_pseudonym(secret, uid, national_pseudonym(secret, nir))
    service.deliver(settings, OP, "d1")
    with pytest.raises(HubError, match="no upload waiting"):
        service.run_linkage(settings, OP, "d1", reference)
