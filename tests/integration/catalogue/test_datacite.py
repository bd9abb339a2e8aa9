"""DataCite XML of each database, and DOI registration against a local fake DataCite.

The fake DataCite is a real HTTP server on 127.0.0.1 (stdlib ``http.server`` in a thread)
that checks what the REST API checks and we rely on: basic auth, the JSON:API media type,
``POST /dois`` to create and ``PUT /dois/<doi>`` to update, a base64 DataCite XML whose
identifier is the DOI, and refuses a DOI taken twice with 422.
"""

from __future__ import annotations

import base64
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthdatahub.catalogue import datacite, service
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.web.testing import client, fast

NS = {"d": datacite.NS}
REPOSITORY, PASSWORD = "HDH.TEST", "fake-datacite-password"


class FakeDataCite(BaseHTTPRequestHandler):
    """Answers like DataCite's REST API; keeps the DOIs it holds in ``server.dois``."""

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", datacite.MEDIA_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, title: str) -> None:
        self._answer(status, {"errors": [{"status": str(status), "title": title}]})

    def _handle(self, doi_in_path: str | None) -> None:
        expected = base64.b64encode(f"{REPOSITORY}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != f"Basic {expected}":
            return self._error(401, "Bad credentials.")
        if self.headers.get("Content-Type") != datacite.MEDIA_TYPE:
            return self._error(415, "Wrong media type.")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((self.command, self.path, body))
        attributes = body["data"]["attributes"]
        doi = attributes["doi"]
        root = ET.fromstring(base64.b64decode(attributes["xml"]))
        if root.findtext("d:identifier", namespaces=NS) != doi:
            return self._error(422, "The identifier of the XML is not the DOI.")
        if body["data"]["type"] != "dois" or not attributes.get("url"):
            return self._error(422, "Url can't be blank.")
        if doi_in_path is None and doi in self.server.dois:
            return self._error(422, "This DOI has already been taken.")
        if doi_in_path is not None and doi_in_path != doi:
            return self._error(422, "The DOI of the path is not the DOI of the body.")
        self.server.dois[doi] = attributes
        state = {"publish": "findable", "register": "registered"}.get(attributes.get("event"),
                                                                       "draft")
        self._answer(201 if doi_in_path is None else 200,
                     {"data": {"id": doi, "type": "dois", "attributes": {"doi": doi,
                                                                         "state": state}}})

    def do_POST(self) -> None:
        if self.path != "/dois":
            return self._error(404, "Not found.")
        self._handle(None)

    def do_PUT(self) -> None:
        if not self.path.startswith("/dois/"):
            return self._error(404, "Not found.")
        self._handle(self.path[len("/dois/"):])


@pytest.fixture
def fake_datacite() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDataCite)
    server.dois, server.requests = {}, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _configured(settings: Settings, server: ThreadingHTTPServer, tmp_path: Path,
                password: str = PASSWORD) -> Settings:
    secret = tmp_path / "datacite-password"
    secret.write_text(password + "\n", encoding="utf-8")
    return settings.model_copy(update={
        "catalogue_datacite_url": f"http://127.0.0.1:{server.server_address[1]}",
        "catalogue_datacite_user": REPOSITORY, "catalogue_datacite_password_file": secret,
        "catalogue_doi_prefix": "10.5072"})


def _mandatory(xml: str) -> dict[str, str]:
    root = ET.fromstring(xml)
    assert root.tag == f"{{{datacite.NS}}}resource"
    return {"identifier": root.findtext("d:identifier", namespaces=NS),
            "identifierType": root.find("d:identifier", NS).get("identifierType"),
            "creator": root.findtext("d:creators/d:creator/d:creatorName", namespaces=NS),
            "titles": [t.text for t in root.findall("d:titles/d:title", NS)],
            "publisher": root.findtext("d:publisher", namespaces=NS),
            "year": root.findtext("d:publicationYear", namespaces=NS),
            "type": root.find("d:resourceType", NS).get("resourceTypeGeneral")}


def test_every_seeded_database_has_complete_datacite_xml(seeded: Settings) -> None:
    for record in service.list_databases(seeded):
        xml = datacite.record_xml(seeded, record["slug"])
        found = _mandatory(xml)
        assert found["identifier"] == datacite.doi_of(record, seeded), record["slug"]
        assert found["identifierType"] == "DOI" and found["type"] == "Dataset"
        assert found["creator"] and found["publisher"] and found["titles"][0]
        assert found["year"].isdigit() and len(found["year"]) == 4
        assert datacite.missing_properties(xml) == []


def test_xml_carries_the_record(one: Settings) -> None:
    xml = datacite.record_xml(one, "demo-db")
    found = _mandatory(xml)
    assert found["identifier"] == "10.5072/demo-db"
    assert found["titles"] == ["Base de démonstration", "Demo database", "DEMO-DB"]
    assert found["publisher"] == "Test publisher"
    root = ET.fromstring(xml)
    mesh = root.find("d:subjects/d:subject[@subjectScheme='MeSH']", NS)
    assert mesh.text == "Neoplasms" and mesh.get("valueURI").endswith("/D009369")
    description = root.find("d:descriptions/d:description", NS)
    assert "<script>" in description.text  # text, escaped by the serialiser
    assert "<script>" not in xml
    assert datacite.missing_properties(f"<resource xmlns='{datacite.NS}'/>") == list(
        datacite.MANDATORY)
    with pytest.raises(HubError, match="not well-formed"):
        datacite.missing_properties("<resource>")


def test_portal_serves_the_xml(one: Settings) -> None:
    with client(fast(one)) as http:
        page = http.get("/catalogue/demo-db/datacite.xml")
        assert page.status_code == 200 and page.headers["content-type"] == "application/xml"
        assert _mandatory(page.text)["identifier"] == "10.5072/demo-db"
        assert http.get("/catalogue/nope/datacite.xml").status_code == 404


def test_register_then_update_the_doi(one: Settings, fake_datacite, tmp_path: Path) -> None:
    settings = _configured(one, fake_datacite, tmp_path)
    assert service.get_database(settings, "demo-db")["doi"] is None
    first = datacite.register(settings, "demo-db")
    assert first.details["doi"] == "10.5072/demo-db" and "registered" in first.summary
    method, path, body = fake_datacite.requests[-1]
    assert (method, path) == ("POST", "/dois")
    assert body["data"]["attributes"]["event"] == "publish"
    assert body["data"]["attributes"]["url"] == "https://catalogue.example.org/catalogue/demo-db"
    assert service.get_database(settings, "demo-db")["doi"] == "10.5072/demo-db"

    again = datacite.register(settings, "demo-db")
    assert "updated" in again.summary
    assert fake_datacite.requests[-1][:2] == ("PUT", "/dois/10.5072/demo-db")
    assert set(fake_datacite.dois) == {"10.5072/demo-db"}


def test_refusals_are_one_clear_sentence(one: Settings, fake_datacite, tmp_path: Path,
                                         make_record) -> None:
    wrong = _configured(one, fake_datacite, tmp_path, password="not-the-password")
    with pytest.raises(HubError, match=r"^DataCite refused the repository credentials "
                                       r"\(HTTP 401\); check catalogue_datacite_user"):
        datacite.register(wrong, "demo-db")
    assert service.get_database(one, "demo-db")["doi"] is None

    settings = _configured(one, fake_datacite, tmp_path)
    fake_datacite.dois["10.5072/demo-db"] = {}  # someone else holds this DOI already
    with pytest.raises(HubError) as refused:
        datacite.register(settings, "demo-db")
    assert str(refused.value) == ("DataCite refused the metadata of DOI 10.5072/demo-db "
                                  "(HTTP 422): This DOI has already been taken.")
    assert service.get_database(one, "demo-db")["doi"] is None

    service.save_record(one, make_record("foreign", identifier="f", doi="10.1234/elsewhere"))
    with pytest.raises(HubError, match="not under the prefix 10.5072"):
        datacite.register(settings, "foreign")
    with pytest.raises(HubError, match="Set catalogue_datacite_url"):
        datacite.register(one, "demo-db")


def test_cli_prints_and_registers(one: Settings, fake_datacite, tmp_path: Path,
                                  monkeypatch) -> None:
    from healthdatahub.cli import app
    from healthdatahub.config import get_settings

    settings = _configured(one, fake_datacite, tmp_path)
    monkeypatch.setenv("HDH_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HDH_DATABASE_URL", settings.store_url)
    monkeypatch.setenv("HDH_CATALOGUE_DATACITE_URL", settings.catalogue_datacite_url)
    monkeypatch.setenv("HDH_CATALOGUE_DATACITE_USER", REPOSITORY)
    monkeypatch.setenv("HDH_CATALOGUE_DATACITE_PASSWORD_FILE",
                       str(settings.catalogue_datacite_password_file))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        printed = runner.invoke(app, ["catalogue", "datacite", "demo-db"])
        assert printed.exit_code == 0
        assert _mandatory(printed.output.strip())["identifier"] == "10.5072/demo-db"
        registered = runner.invoke(app, ["catalogue", "datacite", "demo-db", "--register"])
        assert registered.exit_code == 0 and "10.5072/demo-db" in registered.output
        assert "10.5072/demo-db" in fake_datacite.dois
        missing = runner.invoke(app, ["catalogue", "datacite", "nope"])
        assert isinstance(missing.exception, HubError)  # `hdh` prints it and exits 2
    finally:
        get_settings.cache_clear()
