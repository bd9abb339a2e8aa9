"""The whole catalogue as N-Triples, formatted as strings straight from the store's rows.

The full dump (10,000 databases, 1,000,000 variables: some 17 M statements) cannot afford
rdflib's term objects, so ``record_text`` writes the statements of ``rdf.add_record`` as
N-Triples text from the same record dict. The two mappings must say the same thing: a test
parses this output and checks it is isomorphic to the rdflib graph of the same records
(awkward text included), and a sample passes the SHACL shapes. Change both together.
``catalogue.dump`` reads the records from the store and calls ``record_text``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from healthdatahub.catalogue import fields as F
from healthdatahub.catalogue.mesh import MESH_BASE
from healthdatahub.catalogue.rdf import (
    _HDH_PLAIN,
    _HDH_TEXT,
    EU,
    LANG_IRI,
    iri,
    record_uri,
)
from healthdatahub.config import Settings

_XSD = "http://www.w3.org/2001/XMLSchema#"
_NS = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
       "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "dcat": "http://www.w3.org/ns/dcat#",
       "dct": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
       "skos": "http://www.w3.org/2004/02/skos/core#", "adms": "http://www.w3.org/ns/adms#",
       "dcatap": "http://data.europa.eu/r5r/", "health": "http://healthdataportal.eu/ns/health#",
       "csvw": "http://www.w3.org/ns/csvw#", "dpv": "https://w3id.org/dpv#",
       "vcard": "http://www.w3.org/2006/vcard/ns#", "eli": "http://data.europa.eu/eli/ontology#",
       "hdh": "https://w3id.org/healthdatahub/ns#"}


def _t(curie: str) -> str:
    prefix, name = curie.split(":", 1)
    return f"<{_NS[prefix]}{name}>"


A = _t("rdf:type")
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\\x7f]')
_ESCAPES = {i: f"\\u{i:04X}" for i in range(0x20)} | {
    ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
    0x7F: "\\u007F"}


def _esc(text: str) -> str:
    """The body of an N-Triples string literal (ECHAR/UCHAR for quotes, backslashes, controls)."""
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def lit(text: str, lang: str | None = None) -> str:
    """A plain (or language-tagged) literal."""
    return f'"{_esc(text)}"@{lang}' if lang else f'"{_esc(text)}"'


def typed(lexical: str, datatype: str) -> str:
    """A literal with an XSD datatype (``datatype`` is the local name)."""
    return f'"{_esc(lexical)}"^^<{_XSD}{datatype}>'


_TRUE, _FALSE = typed("true", "boolean"), typed("false", "boolean")


def value(v: Any) -> str:
    """A Python value as rdflib's ``Literal(v)`` writes it (bool, int, float, text)."""
    if v is True or v is False:
        return _TRUE if v else _FALSE
    if isinstance(v, int):
        return f'"{v}"^^<{_XSD}integer>'
    if isinstance(v, float):
        return f'"{v!r}"^^<{_XSD}double>'
    return lit(str(v))


def _texts(out: list[str], node: str, prop: str, texts: dict[str, str]) -> None:
    for lang, text in texts.items():
        if text:
            out.append(f"{node} {prop} {lit(text, lang)} .\n")


def _concept(out: list[str], node: str, labels: dict[str, str], scheme: str | None) -> str:
    out.append(f"{node} {A} {_t('skos:Concept')} .\n")
    _texts(out, node, _t("skos:prefLabel"), labels)
    if scheme:
        out.append(f"{node} {_t('skos:inScheme')} <{iri(scheme)}> .\n")
    return node


def _agent(out: list[str], node: str, name: str, settings: Settings, email: str) -> str:
    home, mbox, contact = (f"<{iri(settings.catalogue_publisher_url)}>",
                           f"<{iri(f'mailto:{email}')}>", f"{node[:-1]}-contact>")
    out += [f"{node} {A} {_t('foaf:Agent')} .\n", f"{node} {_t('foaf:name')} {lit(name)} .\n",
            f"{node} {_t('foaf:homepage')} {home} .\n", f"{node} {_t('foaf:mbox')} {mbox} .\n",
            f"{node} {_t('dcat:contactPoint')} {contact} .\n",
            f"{contact} {A} {_t('vcard:Kind')} .\n",
            f"{contact} {_t('vcard:hasEmail')} {mbox} .\n",
            f"{contact} {_t('vcard:hasURL')} {home} .\n"]
    return node


def _legislation(out: list[str], settings: Settings, node: str, own: str | None = None) -> None:
    own = own if own and own.startswith(("http://", "https://")) else None
    law = f"<{iri(own or settings.catalogue_legislation)}>"
    out += [f"{law} {A} {_t('eli:LegalResource')} .\n",
            f"{node} {_t('dcatap:applicableLegislation')} {law} .\n"]


def _distribution(out: list[str], base: str, record: dict[str, Any], settings: Settings) -> str:
    node, rights, fmt = f"<{base}#dictionary>", f"<{base}#rights>", f"<{EU}file-type/JSON>"
    size = typed(str(dictionary_bytes(record)), "nonNegativeInteger")
    out += [f"{node} {A} {_t('dcat:Distribution')} .\n",
            f"{node} {_t('dcat:accessURL')} <{base}/dictionary.json> .\n",
            f"{node} {_t('dct:title')} {lit('Dictionnaire des données', 'fr')} .\n",
            f"{node} {_t('dct:title')} {lit('Data dictionary', 'en')} .\n",
            f"{node} {_t('dcat:byteSize')} {size} .\n",
            f"{fmt} {A} {_t('dct:MediaTypeOrExtent')} .\n", f"{node} {_t('dct:format')} {fmt} .\n",
            f"{rights} {A} {_t('dct:RightsStatement')} .\n",
            f"{rights} {_t('rdfs:label')} {lit('Accès aux données sur autorisation', 'fr')} .\n",
            f"{node} {_t('dct:rights')} {rights} .\n"]
    _legislation(out, settings, node)
    if record["collections"]:
        out.append(f"{node} {_t('dct:conformsTo')} <{base}#tables> .\n")
    return node


_TABLE = {k: _t(v) for k, v in (
    ("table", "csvw:table"), ("Table", "csvw:Table"), ("column", "csvw:column"),
    ("Column", "csvw:Column"), ("name", "csvw:name"), ("position", "hdh:position"),
    ("title", "dct:title"), ("description", "dct:description"), ("datatype", "csvw:datatype"),
    ("required", "csvw:required"), ("titles", "csvw:titles"), ("details", "hdh:details"),
    ("generated", "hdh:generatedDescription"), ("identifying", "hdh:identifying"))}
_TABLE_OPTIONAL = (("row_count", _t("hdh:rowCount")), ("time_min", _t("hdh:timeMin")),
                   ("time_max", _t("hdh:timeMax")))
_COLUMN_OPTIONAL = (("unit", _t("hdh:unit")), ("coding_system", _t("hdh:codingSystem")),
                    ("null_rate", _t("hdh:nullRate")), ("distinct_count", _t("hdh:distinctCount")),
                    ("min_value", _t("hdh:minValue")), ("max_value", _t("hdh:maxValue")))


def _tables(out: list[str], base: str, record: dict[str, Any]) -> None:
    if not record["collections"]:
        return
    T = _TABLE
    group = f"<{base}#tables>"
    out += [f"{group} {A} {_t('csvw:TableGroup')} .\n", f"{group} {A} {_t('dct:Standard')} .\n"]
    for i, c in enumerate(record["collections"]):
        name = c["name"]
        table_iri = iri(f"{base}/{name}")
        table = f"<{table_iri}>"
        out += [f"{group} {T['table']} {table} .\n", f"{table} {A} {T['Table']} .\n",
                f"{table} {T['name']} {lit(name)} .\n",
                f'{table} {T["position"]} "{i}"^^<{_XSD}integer> .\n']
        if any(c["title"].values()):
            _texts(out, table, T["title"], c["title"])
        else:
            out.append(f"{table} {T['title']} {lit(name)} .\n")
        _texts(out, table, T["description"], c["description"])
        for key, prop in _TABLE_OPTIONAL:
            if c.get(key) is not None:
                out.append(f"{table} {prop} {value(c[key])} .\n")
        if c.get("details"):
            out.append(f"{table} {T['details']} {lit(json.dumps(c['details'], sort_keys=True))} .\n")
        head = f"{table} {T['column']} <"
        for j, v in enumerate(c["variables"]):
            vname, label, description = v["name"], v["label"], v["description"]
            column = f"<{iri(table_iri + '/' + vname)}>"
            out.append(
                f"{head}{column[1:]} .\n{column} {A} {T['Column']} .\n"
                f"{column} {T['name']} {lit(vname)} .\n"
                f'{column} {T["position"]} "{j}"^^<{_XSD}integer> .\n'
                f"{column} {T['datatype']} {lit(v['type'])} .\n"
                f"{column} {T['required']} {_FALSE if v['nullable'] else _TRUE} .\n"
                f"{column} {T['identifying']} {_TRUE if v['identifying'] else _FALSE} .\n")
            for lang in ("fr", "en"):  # _texts, inlined: a million variables
                if label[lang]:
                    out.append(f"{column} {T['titles']} {lit(label[lang], lang)} .\n")
                if description[lang]:
                    out.append(f"{column} {T['description']} {lit(description[lang], lang)} .\n")
            if not (label["fr"] or label["en"]):
                out.append(f"{column} {T['titles']} {lit(vname)} .\n")
            if not (description["fr"] or description["en"]):
                out.append(f"{column} {T['description']} "
                           f"{lit(label['fr'] or label['en'] or vname)} .\n"
                           f"{column} {T['generated']} {_TRUE} .\n")
            for key, prop in _COLUMN_OPTIONAL:
                if (x := v[key]) is not None and x != "":
                    out.append(f"{column} {prop} {value(x)} .\n")


def record_text(record: dict[str, Any], settings: Settings) -> str:
    """The N-Triples statements of one record: those of ``rdf.add_record`` (same graph)."""
    base = str(record_uri(settings, record["slug"]))
    uri, d, out = f"<{base}>", record["details"], []
    home = settings.catalogue_base_uri.rstrip("/")
    out += [f"{uri} {A} {_t('dcat:Dataset')} .\n",
            f"{uri} {_t('dct:identifier')} {typed(record['identifier'], 'anyURI')} .\n",
            f"{uri} {_t('hdh:slug')} {lit(record['slug'])} .\n",
            f"{uri} {_t('dct:alternative')} {lit(record['acronym'])} .\n",
            f"{uri} {_t('hdh:source')} {lit(record.get('source') or 'portal')} .\n"]
    _texts(out, uri, _t("dct:title"), record["title"])
    _texts(out, uri, _t("dct:description"), record["description"])
    if record.get("doi"):
        ident = f"<{iri('https://doi.org/' + record['doi'])}>"
        out += [f"{ident} {A} {_t('adms:Identifier')} .\n",
                f"{ident} {_t('skos:notation')} {lit(record['doi'])} .\n",
                f"{uri} {_t('adms:identifier')} {ident} .\n"]
    for keyword in record["keywords"] or [record["acronym"]]:
        out.append(f"{uri} {_t('dcat:keyword')} {lit(keyword, 'fr')} .\n")
    heal = _concept(out, f"<{EU}data-theme/HEAL>", {"fr": "Santé", "en": "Health"},
                    EU + "data-theme")
    out.append(f"{uri} {_t('dcat:theme')} {heal} .\n")
    for m in record["mesh"]:
        node = _concept(out, f"<{iri(MESH_BASE + m['id'])}>", {"en": m["label"]},
                        "https://id.nlm.nih.gov/mesh")
        out.append(f"{uri} {_t('dcat:theme')} {node} .\n")
    theme = record["theme"] or "OTHER"
    category = _concept(out, f"<{iri(f'{home}/vocabulary/health-category/{theme}')}>",
                        dict(zip(F.LANGS, F.THEMES.get(theme, (theme, theme)), strict=True)), None)
    out += [f"{uri} {_t('health:healthCategory')} {category} .\n",
            f"{uri} {_t('dct:type')} {category} .\n"]
    speciality = record["speciality"] or "all"
    node = _concept(out, f"<{iri(f'{home}/vocabulary/speciality/{speciality}')}>",
                    dict(zip(F.LANGS, F.SPECIALITIES.get(speciality, (speciality, speciality)),
                             strict=True)), None)
    out.append(f"{uri} {_t('health:healthTheme')} {node} .\n")
    access = f"<{iri(EU + 'access-right/' + record['access_rights'])}>"
    out += [f"{access} {A} {_t('dct:RightsStatement')} .\n",
            f"{uri} {_t('dct:accessRights')} {access} .\n"]
    for lang in record["languages"]:
        node = f"<{LANG_IRI.get(lang, EU + 'language/MUL')}>"
        out += [f"{node} {A} {_t('dct:LinguisticSystem')} .\n",
                f"{uri} {_t('dct:language')} {node} .\n"]
    email = d.get("contact_email") or settings.catalogue_contact_email
    name = record["publisher"] or settings.catalogue_publisher
    publisher = _agent(out, f"<{base}#publisher>", name, settings, email)
    holder = f"<{iri(home + '/vocabulary/publisher-type/holder')}>"
    out += [f"{publisher} {_t('health:publisherType')} {holder} .\n",
            f"{publisher} {_t('health:publisherNote')} {lit(name, 'fr')} .\n",
            f"{publisher} {_t('health:trustedDataHolder')} {_FALSE} .\n",
            f"{uri} {_t('dct:publisher')} {publisher} .\n",
            f"{uri} {_t('dcat:contactPoint')} <{base}#publisher-contact> .\n"]
    hdab = _agent(out, f"<{base}#hdab>", d.get("hdab") or settings.catalogue_hdab, settings,
                  settings.catalogue_contact_email)
    out.append(f"{uri} {_t('health:hdab')} {hdab} .\n")
    _legislation(out, settings, uri, d.get("legislation"))
    spatial = f"<{iri(EU + 'country/' + (d.get('spatial') or 'FRA'))}>"
    out += [f"{spatial} {A} {_t('dct:Location')} .\n", f"{uri} {_t('dct:spatial')} {spatial} .\n"]
    if d.get("frequency"):
        freq = f"<{iri(EU + 'frequency/' + d['frequency'])}>"
        out += [f"{freq} {A} {_t('dct:Frequency')} .\n",
                f"{uri} {_t('dct:accrualPeriodicity')} {freq} .\n"]
    if d.get("temporal_start") or d.get("temporal_end"):
        period = f"<{base}#temporal>"
        out.append(f"{period} {A} {_t('dct:PeriodOfTime')} .\n")
        for key, prop in (("temporal_start", "dcat:startDate"), ("temporal_end", "dcat:endDate")):
            if d.get(key):
                out.append(f"{period} {_t(prop)} {typed(str(d[key]), 'date')} .\n")
        out.append(f"{uri} {_t('dct:temporal')} {period} .\n")
    for key, prop in (("min_typical_age", "minTypicalAge"), ("max_typical_age", "maxTypicalAge"),
                      ("number_of_records", "numberOfRecords"),
                      ("number_of_individuals", "numberOfUniqueIndividuals")):
        if d.get(key) is not None:
            out.append(f"{uri} {_t('health:' + prop)} "
                       f"{typed(str(d[key]), 'nonNegativeInteger')} .\n")
    if "population_coverage" in d:
        _texts(out, uri, _t("health:populationCoverage"), d["population_coverage"])
    for key in _HDH_TEXT:
        if key in d:
            _texts(out, uri, _t("hdh:" + key), d[key])
    for key in (*_HDH_PLAIN, "contact_email", "hdab"):
        if key in d:
            out.append(f"{uri} {_t('hdh:' + key)} {value(d[key])} .\n")
    provenance, label = f"<{base}#provenance>", f"Catalogue record ({record.get('source')})"
    out += [f"{provenance} {A} {_t('dct:ProvenanceStatement')} .\n",
            f"{provenance} {_t('rdfs:label')} {lit(label)} .\n",
            f"{uri} {_t('dct:provenance')} {provenance} .\n",
            f"{uri} {_t('dpv:hasPurpose')} {_t('dpv:ScientificResearch')} .\n"]
    dist = _distribution(out, base, record, settings)
    out += [f"{uri} {_t('dcat:distribution')} {dist} .\n", f"{uri} {_t('adms:sample')} {dist} .\n"]
    _tables(out, base, record)
    return "".join(out)


def dictionary_bytes(record: dict[str, Any]) -> int:
    """``len(rdf.dictionary_json(record).encode())`` for a record from ``dump.read_records``,
    whose dicts are built in sorted key order: the same JSON without sorting (twice faster)."""
    text = json.dumps({"collections": record["collections"], "database": record["slug"]},
                      ensure_ascii=False, separators=(",", ":"))
    return len(text.encode())
