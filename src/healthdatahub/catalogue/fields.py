"""The catalogue's vocabulary: facet values with French/English labels, detail fields, checks.

Records are plain dicts (see ``records.py``); human-readable fields are ``{"fr": …, "en": …}``.
"""

from __future__ import annotations

import re
from typing import Any

from healthdatahub.errors import HubError

LANGS = ("fr", "en")
SPECIALITIES: dict[str, tuple[str, str]] = {
    "oncology": ("Oncologie", "Oncology"),
    "rare-diseases": ("Maladies rares", "Rare diseases"),
    "infectious-diseases": ("Maladies infectieuses", "Infectious diseases"),
    "cardiology": ("Cardiologie", "Cardiology"),
    "neurology": ("Neurologie", "Neurology"),
    "emergency-medicine": ("Médecine d'urgence", "Emergency medicine"),
    "ophthalmology": ("Ophtalmologie", "Ophthalmology"),
    "urology": ("Urologie", "Urology"),
    "metabolic-diseases": ("Maladies métaboliques", "Metabolic diseases"),
    "general-practice": ("Médecine générale", "General practice"),
    "public-health": ("Environnement et santé publique", "Environment and public health"),
    "medicines": ("Médicament", "Medicines"),
    "health-economics": ("Économie de la santé", "Health economics"),
    "all": ("Toutes spécialités", "All specialities"),
}
#: Health categories (theme facet), after the EHDS categories of electronic health data.
THEMES: dict[str, tuple[str, str]] = {
    "ADMINISTRATIVE": ("Données médico-administratives", "Administrative and claims data"),
    "REGISTRY": ("Registre", "Registry"),
    "COHORT": ("Cohorte", "Cohort"),
    "SURVEY": ("Enquête", "Survey"),
    "SURVEILLANCE": ("Surveillance sanitaire", "Public health surveillance"),
    "EHR": ("Entrepôt de données de santé", "Health data warehouse (EHR)"),
    "OTHER": ("Autre base de données de santé", "Other health database"),
}
ACCESS_RIGHTS: dict[str, tuple[str, str]] = {
    "NON_PUBLIC": ("Non publique (accès sur autorisation)", "Non-public (access on approval)"),
    "RESTRICTED": ("Restreinte", "Restricted"),
    "PUBLIC": ("Publique", "Public"),
}
LANGUAGES: dict[str, tuple[str, str]] = {"fr": ("Français", "French"), "en": ("Anglais", "English")}
CODING_SYSTEMS: tuple[str, ...] = ("CIM-10", "CCAM", "ATC", "CIP", "UCD", "NABM", "FINESS",
                                   "COG", "LOINC", "SNOMED CT", "Nomenclature SNDS")
FACETS: dict[str, dict[str, tuple[str, str]] | None] = {
    "speciality": SPECIALITIES, "theme": THEMES, "publisher": None,
    "access_rights": ACCESS_RIGHTS, "coding_system": None, "languages": LANGUAGES,
}
#: Facet names as shown (English msgids, translated by the portal's catalogues).
FACET_NAMES: dict[str, str] = {
    "speciality": "Medical speciality", "theme": "Health category", "publisher": "Publisher",
    "access_rights": "Access rights", "coding_system": "Coding system",
    "languages": "Language of the data",
}
#: Descriptive fields kept in ``details`` (label FR, label EN); ``*`` marks bilingual text.
DETAILS: dict[str, tuple[str, str]] = {
    "catalogue_ref": ("Référence catalogue", "Catalogue reference"),
    "documentation*": ("Documentation de valorisation", "Documentation"),
    "funding*": ("Financement", "Funding"),
    "data_flow*": ("Schéma de circulation des données", "Data flow schema"),
    "scientific_output*": ("Valorisation scientifique", "Scientific output"),
    "data_holder": ("Responsable de données", "Data holder"),
    "contact_email": ("Contact", "Contact point"),
    "legislation": ("Législation applicable", "Applicable legislation"),
    "hdab": ("Organisme d'accès aux données de santé", "Health data access body"),
    "population_coverage*": ("Population couverte", "Population coverage"),
    "min_typical_age": ("Âge typique minimal", "Minimum typical age"),
    "max_typical_age": ("Âge typique maximal", "Maximum typical age"),
    "number_of_records": ("Nombre d'enregistrements", "Number of records"),
    "number_of_individuals": ("Nombre d'individus uniques", "Number of unique individuals"),
    "temporal_start": ("Début de la couverture temporelle", "Temporal coverage start"),
    "temporal_end": ("Fin de la couverture temporelle", "Temporal coverage end"),
    "spatial": ("Couverture géographique", "Spatial coverage"),
    "frequency": ("Fréquence de mise à jour", "Update frequency"),
    "access_url": ("Accès aux données", "Data access"),
}
TEXT_DETAILS = frozenset(k[:-1] for k in DETAILS if k.endswith("*"))
DETAIL_KEYS = frozenset(k.rstrip("*") for k in DETAILS)
INT_DETAILS = ("min_typical_age", "max_typical_age", "number_of_records", "number_of_individuals")
FREQUENCIES = ("CONT", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "ANNUAL", "IRREG", "UNKNOWN")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
#: Slugs that would shadow the catalogue's own pages.
RESERVED_SLUGS = frozenset({"new", "mesh", "search", "dcat"})


def label(vocabulary: dict[str, tuple[str, str]] | None, code: str, lang: str) -> str:
    """The label of ``code`` in ``lang`` (the code itself when not in the vocabulary)."""
    if vocabulary and code in vocabulary:
        return vocabulary[code][0 if lang == "fr" else 1]
    return code


def text(value: Any) -> dict[str, str]:
    """A bilingual text from a string (French) or a ``{"fr", "en"}`` mapping."""
    if isinstance(value, dict):
        return {lang: str(value.get(lang) or "") for lang in LANGS}
    return {"fr": str(value or ""), "en": ""}


def pick(value: dict[str, str] | None, lang: str) -> str:
    """The text in ``lang``, falling back to the other language."""
    value = value or {}
    return value.get(lang) or value.get("en" if lang == "fr" else "fr") or ""


def slugify(value: str) -> str:
    """A URL slug from an acronym or title."""
    from healthdatahub.catalogue.mesh import fold

    slug = re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")[:100]
    if not slug:
        raise HubError(f"Cannot make an identifier from {value[:50]!r}.")
    return slug
