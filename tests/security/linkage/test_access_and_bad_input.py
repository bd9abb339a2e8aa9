"""Holders cannot reach each other's slots, nobody can download an upload, bad tables are refused."""

from __future__ import annotations

import pytest

from healthdatahub.audit import list_events
from healthdatahub.errors import HubError
from healthdatahub.linkage import service
from healthdatahub.linkage.access import AccessDenied, Actor

HEADER = "Id_acc;Nom;Prénom;Date naissance;Sexe\n"
GOOD = (HEADER + "A1;Dupontel;Jeanne;01/02/1980;2\n").encode()


@pytest.fixture
def project(store_settings):
    op = Actor.operator(user_id=None)
    service.create_project(store_settings, op, "p1", "P1", "reconstruction")
    a = service.add_holder(store_settings, op, "p1", "a", "A").details["holder_id"]
    b = service.add_holder(store_settings, op, "p1", "b", "B").details["holder_id"]
    return store_settings, Actor.holder(a, user_id=None), Actor.holder(b, user_id=None)


def _denied(settings):
    return [e for e in list_events(settings, limit=1000)[0] if e.outcome == "denied"]


def test_holder_cannot_upload_to_or_read_another_holder(project):
    settings, a, b = project
    service.upload(settings, a, "p1", "a", GOOD)
    with pytest.raises(AccessDenied):
        service.upload(settings, a, "p1", "b", GOOD)
    with pytest.raises(AccessDenied):
        service.get_report(settings, b, "p1", "a")
    with pytest.raises(AccessDenied):
        service.check(settings, b, "p1", "a")
    with pytest.raises(AccessDenied):
        service.run_linkage(settings, a, "p1")
    assert [r["holder"] for r in service.status(settings, b, "p1")] == ["b"]
    assert AccessDenied.status_code == 403
    assert len(_denied(settings)) == 4


def test_nobody_can_download_an_uploaded_table(project):
    settings, a, _ = project
    service.upload(settings, a, "p1", "a", GOOD)
    for actor in (a, Actor.operator()):
        with pytest.raises(AccessDenied) as info:
            service.download_upload(settings, actor, "p1", "a")
        assert "Dupontel" not in str(info.value)
    assert {e.action for e in _denied(settings)} == {"linkage.download_upload"}
    assert not hasattr(service, "read_upload")


@pytest.mark.parametrize(("data", "message"), [
    (b"Id_acc,Nom,Prenom,Date naissance,Sexe\nA1,Dupontel,Jeanne,01/02/1980,2\n", "commas"),
    (b"Id_acc;Nom;Sexe\nA1;Dupontel;2\n", "header does not match"),
    ((HEADER + "A1;Dupontel;Jérôme;01/02/1980;2\n").encode("cp1252"), "not UTF-8"),
])
def test_bad_tables_are_refused_audited_and_not_stored(project, data, message):
    settings, a, _ = project
    with pytest.raises(HubError, match=message) as info:
        service.upload(settings, a, "p1", "a", data)
    assert "Dupontel" not in str(info.value)
    assert not (settings.vault_dir / "linkage").exists() or not any(
        (settings.vault_dir / "linkage").iterdir())
    failures = [e for e in list_events(settings, limit=1000)[0] if e.outcome == "failure"]
    assert failures and "Dupontel" not in str([e.details for e in failures])


def test_row_level_reasons_for_the_holder_without_values(project):
    settings, a, _ = project
    nir = "152073702541110"
    rows = [f"D{i % 45};Nom{i:03d}x;Jeanne;01/02/1980;2" for i in range(50)]
    rows += ["F1;Dupontel;Jeanne;01/02/2999;2", "F2;Dupontel;Jeanne;31/04/1980;2", f"F3;;Jeanne;{nir};2"]
    service.upload(settings, a, "p1", "a", (HEADER + "\n".join(rows) + "\n").encode())
    outcome = service.check(settings, a, "p1", "a")
    assert outcome.details["reasons"] == {"id_acc_duplicate": 10, "date_future": 1,
                                          "date_invalid": 1, "name_empty": 1}
    text = (service.report_dir(settings, "p1", "a") / "checks.json").read_text()
    assert "Dupontel" not in text and nir not in text and '"line": 53' in text
