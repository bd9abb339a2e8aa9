"""DataCite XML (metadata kernel 4) for each database's DOI, and DOI registration.

``datacite_xml`` writes the record as DataCite XML: the mandatory properties (identifier,
creators, titles, publisher, publicationYear, resourceType) and the recommended ones the
record holds (subjects with MeSH, dates, language, alternate identifier, rights,
descriptions, geolocation). A database's DOI is its own when it has one, otherwise
``<catalogue_doi_prefix>/<slug>``.

``register`` sends it to the DataCite REST API (JSON:API, XML base64-encoded, basic auth
with the repository id and the password in ``catalogue_datacite_password_file``): ``POST
/dois`` for a record without a DOI, ``PUT /dois/<doi>`` to update one, then records the DOI.
"""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from typing import Any

from sqlalchemy import select

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import MESH_BASE
from healthdatahub.catalogue.rdf import EU, record_uri
from healthdatahub.config import Settings
from healthdatahub.errors import HubError
from healthdatahub.results import Outcome
from healthdatahub.store.db import session_scope
from healthdatahub.store.models_catalogue import CatalogueDatabase
from healthdatahub.store.types import utcnow

NS = "http://datacite.org/schema/kernel-4"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{NS} http://schema.datacite.org/meta/kernel-4/metadata.xsd"
#: The properties DataCite requires, as element names of the kernel.
MANDATORY = ("identifier", "creators", "titles", "publisher", "publicationYear",
             "resourceType")
MEDIA_TYPE = "application/vnd.api+json"


def doi_of(record: dict[str, Any], settings: Settings) -> str:
    """The database's DOI: its own, else one under the hub's prefix named after its slug."""
    return record.get("doi") or f"{settings.catalogue_doi_prefix}/{record['slug']}"


def _el(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{NS}}}{name}", {k: v for k, v in attrs.items() if v})
    if text is not None:
        node.text = text
    return node


def _texts(parent: ET.Element, name: str, value: dict[str, str], **attrs: str) -> None:
    for lang in F.LANGS:
        if value.get(lang):
            _el(parent, name, value[lang], **attrs).set(XML_LANG, lang)


def datacite_xml(record: dict[str, Any], settings: Settings) -> str:
    """The record as DataCite XML (kernel 4), UTF-8 with an XML declaration."""
    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    d = record["details"]
    publisher = record["publisher"] or settings.catalogue_publisher
    root = ET.Element(f"{{{NS}}}resource", {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION})
    _el(root, "identifier", doi_of(record, settings), identifierType="DOI")
    creators = _el(root, "creators")
    creator = _el(creators, "creator")
    _el(creator, "creatorName", d.get("data_holder") or publisher, nameType="Organizational")
    titles = _el(root, "titles")
    _texts(titles, "title", record["title"])
    _el(titles, "title", record["acronym"], titleType="AlternativeTitle")
    _el(root, "publisher", publisher)
    created = record.get("created_at") or utcnow().isoformat()
    _el(root, "publicationYear", created[:4])
    theme = record["theme"] or "OTHER"
    _el(root, "resourceType", F.label(F.THEMES, theme, "en"), resourceTypeGeneral="Dataset")
    subjects = _el(root, "subjects")
    for keyword in record["keywords"]:
        _el(subjects, "subject", keyword).set(XML_LANG, "fr")
    for m in record["mesh"]:
        _el(subjects, "subject", m["label"], subjectScheme="MeSH", schemeURI=MESH_BASE,
            valueURI=MESH_BASE + m["id"]).set(XML_LANG, "en")
    if record["speciality"]:
        _el(subjects, "subject", F.label(F.SPECIALITIES, record["speciality"], "en"))
    dates = _el(root, "dates")
    if record.get("updated_at"):
        _el(dates, "date", record["updated_at"][:10], dateType="Updated")
    if d.get("temporal_start") or d.get("temporal_end"):
        _el(dates, "date", f"{d.get('temporal_start', '')}/{d.get('temporal_end', '')}",
            dateType="Coverage")
    if record["languages"]:
        _el(root, "language", record["languages"][0])
    alternates = _el(root, "alternateIdentifiers")
    _el(alternates, "alternateIdentifier", str(record_uri(settings, record["slug"])),
        alternateIdentifierType="URL")
    rights = _el(root, "rightsList")
    _el(rights, "rights", F.label(F.ACCESS_RIGHTS, record["access_rights"], "en"),
        rightsURI=EU + "access-right/" + record["access_rights"])
    descriptions = _el(root, "descriptions")
    _texts(descriptions, "description", record["description"], descriptionType="Abstract")
    if d.get("spatial"):
        _el(_el(_el(root, "geoLocations"), "geoLocation"), "geoLocationPlace", d["spatial"])
    for container in list(root):
        if container.tag != f"{{{NS}}}identifier" and len(container) == 0 and not (
                container.text or "").strip():
            root.remove(container)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def missing_properties(xml: str) -> list[str]:
    """The mandatory DataCite properties absent or empty in ``xml`` (HubError if malformed)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise HubError(f"The DataCite XML is not well-formed: {exc}.") from None
    missing = []
    for name in MANDATORY:
        node = root.find(f"{{{NS}}}{name}")
        texts = [] if node is None else [t.strip() for t in node.itertext() if t.strip()]
        if not texts:
            missing.append(name)
    return missing


def record_xml(settings: Settings, slug: str) -> str:
    """The DataCite XML of one database record."""
    from healthdatahub.catalogue.service import get_database

    return datacite_xml(get_database(settings, slug, variables=False), settings)


def _credentials(settings: Settings) -> tuple[str, str, str]:
    url, user = settings.catalogue_datacite_url, settings.catalogue_datacite_user
    secret = settings.catalogue_datacite_password_file
    if not (url and user and secret):
        raise HubError("Set catalogue_datacite_url, catalogue_datacite_user and "
                       "catalogue_datacite_password_file to register DOIs.")
    try:
        password = secret.read_text(encoding="utf-8").strip()
    except OSError:
        raise HubError(f"The DataCite password file {secret} cannot be read.") from None
    return url.rstrip("/"), user, password


def _refusal(response: Any, doi: str) -> HubError:
    if response.status_code in (401, 403):
        return HubError(f"DataCite refused the repository credentials (HTTP "
                        f"{response.status_code}); check catalogue_datacite_user and "
                        f"catalogue_datacite_password_file.")
    reason = ""
    try:
        errors = response.json().get("errors") or []
        first = errors[0] if errors else {}
        reason = str(first.get("title") or first.get("detail") or "")[:200]
    except (ValueError, AttributeError, IndexError):
        pass
    if response.status_code == 422:
        return HubError(f"DataCite refused the metadata of DOI {doi} (HTTP 422)"
                        + (f": {reason.rstrip('.')}." if reason else "."))
    return HubError(f"DataCite answered HTTP {response.status_code} for DOI {doi}.")


def register(settings: Settings, slug: str, client: Any | None = None) -> Outcome:
    """Create or update the database's DOI at DataCite and record it on the database."""
    import httpx

    from healthdatahub.catalogue.service import get_database

    url, user, password = _credentials(settings)
    record = get_database(settings, slug, variables=False)
    if record["harvested_from"]:
        raise HubError(f"Record {slug} was harvested; its DOI is registered by its source.")
    doi = doi_of(record, settings)
    if not doi.lower().startswith(settings.catalogue_doi_prefix.lower() + "/"):
        raise HubError(f"The DOI {doi} of record {slug} is not under the prefix "
                       f"{settings.catalogue_doi_prefix} of this hub.")
    xml = datacite_xml(record, settings)
    missing = missing_properties(xml)
    if missing:
        raise HubError(f"Record {slug} lacks the DataCite properties {', '.join(missing)}.")
    attributes = {"doi": doi, "url": str(record_uri(settings, slug)),
                  "xml": base64.b64encode(xml.encode("utf-8")).decode("ascii")}
    if settings.catalogue_datacite_event != "draft":
        attributes["event"] = settings.catalogue_datacite_event
    payload = {"data": {"type": "dois", "attributes": attributes}}
    update = bool(record["doi"])
    if update:
        payload["data"]["id"] = doi
    own = client or httpx.Client(timeout=60)
    try:
        response = (own.put if update else own.post)(
            f"{url}/dois/{doi}" if update else f"{url}/dois", content=json.dumps(payload),
            headers={"Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE}, auth=(user, password))
    except httpx.HTTPError as exc:
        raise HubError(f"DataCite at {url} cannot be reached ({type(exc).__name__}).") from None
    finally:
        if client is None:
            own.close()
    if response.status_code not in (200, 201):
        raise _refusal(response, doi)
    with session_scope(settings) as db:
        row = db.scalars(select(CatalogueDatabase).where(
            CatalogueDatabase.slug == slug)).one()
        row.doi = doi
        row.updated_at = utcnow()
    return Outcome("catalogue datacite", f"DOI {doi} {'updated' if update else 'registered'} "
                   f"at DataCite for {slug}.", details={"doi": doi, "database": slug,
                                                         "event": attributes.get("event")})
