"""The indicator pages: the public algorithm library, the guichet's request form, the operator's
run and the published result page (which only ever shows protected counts)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from healthdatahub.config import Settings
from healthdatahub.indicators import service
from healthdatahub.indicators.dsl import from_dict
from healthdatahub.indicators.library import CROHN, PHENOTYPES
from healthdatahub.web.i18n import translations
from healthdatahub.web.locale.catalog_fr import FR
from healthdatahub.web.testing import add_user, client, csrf, fast, sign_in


@pytest.fixture
def portal(store_settings: Settings, extraction: Path) -> Settings:
    return fast(store_settings, indicators_source=extraction)


class _Fields(HTMLParser):
    """The form fields of a page and the ids its labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str | None, bool]] = []
        self.labelled: set[str] = set()
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labelled.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append((a.get("name") or "", a.get("id"), self.in_label > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1


def _unlabelled(page: str) -> list[str]:
    parser = _Fields()
    parser.feed(page)
    assert parser.fields, "no form field on the page"
    return [name for name, fid, inside in parser.fields
            if not inside and (fid is None or fid not in parser.labelled)]


def test_library_is_public_with_each_phenotype_and_its_code(portal: Settings) -> None:
    with client(portal) as http:
        page = http.get("/indicators")
        assert page.status_code == 200
        assert "Bibliothèque d'algorithmes" in html.unescape(page.text)  # French by default
        assert all(f'href="/indicators/phenotypes/{name}"' in page.text for name in PHENOTYPES)
        detail = http.get(f"/indicators/phenotypes/{CROHN.name}")
        assert detail.status_code == 200
        text = html.unescape(detail.text)
        assert CROHN.version in text and CROHN.validity in text and CROHN.sources[0] in text
        definition = http.get(f"/indicators/phenotypes/{CROHN.name}/definition.json")
        assert definition.headers["content-type"].startswith("application/json")
        assert from_dict(definition.json()["criterion"]) == CROHN.criterion
        sql = http.get(f"/indicators/phenotypes/{CROHN.name}/query.sql?year=2022")
        assert "attachment" in sql.headers["content-disposition"]
        assert "T_MCO22B" in sql.text and "IR_IMB_R" in sql.text
        # the page shows both compiled queries, the OMOP one over CDM tables (in French)
        assert "Sur les tables du modèle OMOP CDM 5.4" in text and "SQL compilé pour 2023" in text
        assert "FROM IR_IMB_R" in text and "FROM condition_occurrence" in text
        omop = http.get(f"/indicators/phenotypes/{CROHN.name}/query.sql?year=2022&source=omop")
        assert f'{CROHN.name}-2022-omop.sql' in omop.headers["content-disposition"]
        assert "condition_occurrence" in omop.text and "IR_IMB_R" not in omop.text
        assert "DATE '2022-12-31'" in omop.text
        bad = http.get(f"/indicators/phenotypes/{CROHN.name}/query.sql?source=other")
        assert bad.status_code == 422
        assert http.get("/indicators/phenotypes/no_such").status_code == 404
        http.cookies.set("hdh_lang", "en")
        assert "Algorithm library" in http.get("/indicators").text


def test_request_form_needs_sign_in_and_labels_every_field(portal: Settings) -> None:
    with client(portal) as http:
        assert http.get("/indicators/requests/new").status_code == 303  # to the sign-in page
        user_id, _ = add_user(portal, "public")
        sign_in(portal, http, user_id)
        form = http.get("/indicators/requests/new")
        assert form.status_code == 200 and 'name="csrf_token"' in form.text
        assert _unlabelled(form.text) == []
        token = csrf(http, "/indicators/requests/new")
        missing = http.post("/indicators/requests/new", data={"csrf_token": token,
                                                              "requester": "Association X"})
        assert missing.status_code == 422
        no_csrf = http.post("/indicators/requests/new", data={
            "requester": "Association X", "what": "crohn", "when": "2023"})
        assert no_csrf.status_code == 403
        bad_year = http.post("/indicators/requests/new", data={
            "csrf_token": token, "requester": "Association X", "what": "crohn", "when": "20x3"})
        assert bad_year.status_code == 400 and "YYYY" in bad_year.text
    assert service.list_requests(portal).counts["requests"] == 0


def test_every_message_of_the_indicator_pages_is_translated() -> None:
    folder = Path(__file__).parents[3] / "src" / "healthdatahub" / "web" / "templates" / "indicators"
    used: set[str] = set()
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        used |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(re.findall(r"_\('([^']+)'\)", text))
    assert len(used) > 30 and used - set(FR) == set()
    assert translations("fr").gettext("Algorithm library") == "Bibliothèque d'algorithmes"


def _published_counts(text: str) -> list[str]:
    return re.findall(r'<td class="count">([^<]*)</td>', text)


def test_association_requests_operator_runs_result_is_protected(portal: Settings) -> None:
    with client(portal) as http:
        member, _ = add_user(portal, "public")
        sign_in(portal, http, member)
        token = csrf(http, "/indicators/requests/new")
        sent = http.post("/indicators/requests/new", data={
            "csrf_token": token, "requester": "Association Alzheimer 35",
            "what": "demence_alzheimer", "when": "2023", "by": ["region"],
            "where": "toute la France", "why": "Plaidoyer pour des places d'accueil de jour."})
        assert sent.status_code == 303 and "sent=" in sent.headers["location"]
        rid = int(sent.headers["location"].rsplit("=", 1)[1])
        assert "Demande" in http.get(sent.headers["location"]).text
        stored = service.get_request(portal, rid)
        assert stored["state"] == "submitted" and stored["params"]["phenotype"] == "demence_alzheimer"
        # A non-operator may neither see the requests nor run one.
        assert http.get("/indicators/requests").status_code == 403
        token = csrf(http, "/indicators/requests/new")
        refused = http.post(f"/indicators/requests/{rid}/run", data={"csrf_token": token})
        assert refused.status_code == 403 and refused.headers.get("x-hdh-policy") == "denied"
        assert service.get_request(portal, rid)["state"] == "submitted"

        operator, _ = add_user(portal, "operator")
        sign_in(portal, http, operator)
        listing = http.get("/indicators/requests")
        assert listing.status_code == 200 and "Association Alzheimer 35" in listing.text
        assert _unlabelled(listing.text) == []
        token = csrf(http, "/indicators/requests")
        run = http.post(f"/indicators/requests/{rid}/run", data={
            "csrf_token": token, "template": "prevalence", "phenotype": "demence_alzheimer",
            "year": "2023", "by": "region", "bands": "40-"})
        assert run.status_code == 303, run.text[:300]
        location = run.headers["location"]
        assert location.startswith("/indicators/published/ind-demence-alzheimer-")
        assert service.get_request(portal, rid)["state"] == "published"
        assert http.post(f"/indicators/requests/{rid}/run", data={
            "csrf_token": token}).status_code == 400  # already published

    with client(portal) as anonymous:
        page = anonymous.get(location)
        assert page.status_code == 200
        assert f'href="http://testserver{location}"' in page.text  # the permanent link
        counts = _published_counts(page.text)
        assert counts, "the published table shows no count"
        values = [int(c) for c in counts if c.isdigit()]
        assert values and not any(1 <= v <= 10 for v in values)
        assert "masqué" in counts  # some cells were masked, and say so
        files = {name: anonymous.get(f"{location}/{name}") for name in (
            "data.csv", "data.xlsx", "chart.svg", "disclosure-log.json", "dataset.jsonld")}
        assert all(r.status_code == 200 for r in files.values())
        assert files["data.xlsx"].content[:2] == b"PK"
        assert files["chart.svg"].headers["content-type"].startswith("image/svg+xml")
        rows = list(csv.DictReader(io.StringIO(files["data.csv"].text)))
        for row in rows:
            for col in ("cases", "population"):
                assert row[col] == "masked" or not 1 <= int(row[col]) <= 10
        log = json.loads(files["disclosure-log.json"].text)
        assert log["cases"]["cells_masked_primary"] >= 1
        assert all("count" not in cell for cell in log["cases"]["masked"])
        assert anonymous.get(f"{location}/store.sqlite").status_code == 404
        assert anonymous.get("/indicators/published/ind-none").status_code == 404
        library = anonymous.get("/indicators")
        assert location.rsplit("/", 1)[1] in library.text



def test_operator_run_of_a_differencing_request_is_refused(portal: Settings, extraction: Path,
                                                           small_age_cut: int) -> None:
    cut = small_age_cut
    base = {"phenotype": "hta_traitee", "year": "2023", "by": "sex", "bands": "0-"}
    first = service.submit_request(portal, "Association A", "hta", "", "2023", "", "prevalence",
                                   base).details["id"]
    second = service.submit_request(portal, "Association B", "hta", "", "2023", "",
                                    "prevalence", base).details["id"]
    operator, _ = add_user(portal, "operator")
    with client(portal) as http:
        sign_in(portal, http, operator)
        token = csrf(http, "/indicators/requests")
        form = {"csrf_token": token, "template": "prevalence", "phenotype": "hta_traitee",
                "year": "2023", "by": "sex", "bands": "0-"}
        assert http.post(f"/indicators/requests/{first}/run", data=form).status_code == 303
        sneaky = http.post(f"/indicators/requests/{second}/run",
                           data={**form, "where": f"age_max={cut}"})
        assert sneaky.status_code == 303 and sneaky.headers["location"] == "/indicators/requests"
        assert service.get_request(portal, second)["state"] == "refused"
        listing = html.unescape(http.get("/indicators/requests").text)
        assert "refusée" in listing and "differencing" in listing
        closed = listing.split("Association B")[1].split("</section>")[0]
        assert "refusée" in closed and "<form" not in closed  # no run form on a closed request
