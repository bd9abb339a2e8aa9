"""The concentrateur's portal pages and API: each holder reaches its own slot only, audited."""

from __future__ import annotations

import pytest

from healthdatahub.audit import list_events
from healthdatahub.linkage import service
from healthdatahub.linkage.access import Actor
from healthdatahub.web import api_tokens, testing

GOOD = "Id_acc;Nom;Prénom;Date naissance;Sexe\nA1;Dupontel;Jeanne;01/02/1980;2\n".encode()


@pytest.fixture
def hub(store_settings):
    settings = testing.fast(store_settings)
    op = Actor.operator()
    users = {slug: testing.add_user(settings, "data_holder")[0] for slug in ("a", "b")}
    portal_project = testing.add_project(settings, "pp", members={users["a"]: "data_holder"})
    other_project = testing.add_project(settings, "other", members={users["a"]: "data_holder"})
    service.create_project(settings, op, "p1", "P1", "reconstruction", project_id=portal_project)
    for slug, user in users.items():
        service.add_holder(settings, op, "p1", slug, slug.upper(), user_id=user)
    return settings, users, portal_project, other_project


def _denied(settings) -> list[str]:
    return [e.action for e in list_events(settings, limit=1000)[0] if e.outcome == "denied"]


def test_a_holder_uploads_to_its_slot_and_sees_only_it(hub):
    settings, users, _, _ = hub
    with testing.client(settings) as http:
        testing.sign_in(settings, http, users["a"])
        token = testing.csrf(http, "/linkage/p1")
        answer = http.post("/linkage/p1/a/upload", data={"csrf_token": token},
                           files={"table": ("a.csv", GOOD, "text/csv")})
        assert answer.status_code == 303
        page = http.get("/linkage/p1").text
        assert "Dupontel" not in page and "01/02/1980" not in page
        assert ">a<" in page and ">b<" not in page  # only its own slot
        assert [s["holder"] for s in http.get("/api/v1/linkage/p1/status").json()] == ["a"]
        refused = http.post("/linkage/p1/b/upload", data={"csrf_token": token},
                            files={"table": ("b.csv", GOOD, "text/csv")})
        assert refused.status_code == 403
        assert http.get("/linkage/p1/b/report").status_code == 403
    assert "linkage.upload" in _denied(settings) and "linkage.read_report" in _denied(settings)
    assert [s["state"] for s in service.status(settings, Actor.operator(), "p1")] == \
        ["checked", "waiting"]


def test_researchers_and_strangers_are_refused(hub):
    settings, _, _, _ = hub
    researcher, _ = testing.add_user(settings, "researcher")
    stranger, _ = testing.add_user(settings, "data_holder")
    with testing.client(settings) as http:
        assert http.get("/linkage/p1").status_code == 303  # anonymous: to the sign-in page
        testing.sign_in(settings, http, researcher)
        assert http.get("/linkage").status_code == 403
    with testing.client(settings) as http:
        testing.sign_in(settings, http, stranger)
        assert http.get("/linkage/p1").status_code == 403
        assert http.get("/linkage").status_code == 200
        token = testing.csrf(http, "/linkage")
        assert http.post("/linkage/p1/run", data={"csrf_token": token}).status_code == 403
        assert http.post("/linkage/p1/a/upload", data={"csrf_token": token},
                         files={"table": ("a.csv", GOOD, "text/csv")}).status_code == 403
    assert service.status(settings, Actor.operator(), "p1")[0]["state"] == "waiting"


def test_a_token_acts_only_within_its_project(hub):
    settings, users, portal_project, other_project = hub
    _, good = api_tokens.create(settings, users["a"], portal_project, "ok")
    _, wrong = api_tokens.create(settings, users["a"], other_project, "other")
    url = "/api/v1/linkage/p1/holders/a/upload"
    with testing.client(settings) as api:
        answer = api.post(url, content=GOOD, headers={"authorization": f"Bearer {wrong}",
                                                       "content-type": "text/csv"})
        assert answer.status_code == 403
        answer = api.post(url, content=GOOD, headers={"authorization": f"Bearer {good}",
                                                       "content-type": "text/csv"})
        assert answer.status_code == 201
        body = answer.json()
        assert body["state"] == "checked" and body["counts"]["received"] == 1
        assert "Dupontel" not in answer.text
        form = api.post(url, data={"x": "1"}, headers={"authorization": f"Bearer {good}"})
        assert form.status_code == 415
        # the page routes do not take tokens
        assert api.get("/linkage/p1", headers={"authorization": f"Bearer {good}"}
                       ).status_code == 403


def test_an_oversized_upload_is_refused_before_it_is_read(hub):
    settings, users, _, _ = hub
    small = settings.model_copy(update={"max_body_bytes": 1024, "web_upload_max_bytes": 2048})
    with testing.client(small) as http:
        testing.sign_in(small, http, users["a"])
        token = testing.csrf(http, "/linkage/p1")
        big = GOOD + b"A2;X;Y;01/02/1980;2\n" * 200
        answer = http.post("/linkage/p1/a/upload", data={"csrf_token": token},
                           files={"table": ("a.csv", big, "text/csv")})
        assert answer.status_code == 413
    assert service.status(settings, Actor.operator(), "p1")[0]["state"] == "waiting"
