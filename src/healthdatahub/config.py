"""The one Settings object of the hub.

Every setting comes from an ``HDH_*`` environment variable, an optional ``hdh.toml``
file (path in ``HDH_CONFIG_FILE``, default ``./hdh.toml`` when present), or its default.
Nothing else in the code base reads environment variables.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from healthdatahub.errors import HubError

EngineName = Literal["duckdb", "spark"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]



def resolved(path: Path) -> Path:
    """``path`` made absolute with symlinks resolved, cached per working directory.

    Resolving walks the file system (one ``lstat`` per component); the portal asks for the
    store's URL several times per request, so the answer is kept.
    """
    return _resolved(os.getcwd(), path)


@lru_cache(maxsize=256)
def _resolved(cwd: str, path: Path) -> Path:
    return path.resolve()

class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``hdh.toml``; a malformed file is a HubError naming the file and line."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path | None):
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by pydantic here
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise HubError(f"Settings file {self.path} is not valid TOML: {exc}.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise HubError(f"Settings file {self.path} cannot be read: {exc}.") from None
        section = data.get("hdh", data)
        if not isinstance(section, dict):
            raise HubError(f"Settings file {self.path}: [hdh] must be a table of settings.")
        return {str(k).lower(): v for k, v in section.items()}


class Settings(BaseSettings):
    """Settings of one hub instance."""

    model_config = SettingsConfigDict(env_prefix="HDH_", extra="forbid", validate_default=True)

    data_dir: Path = Field(default=Path("hdh-data"), description="Root of the hub's data.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the metadata store; SQLite in data_dir if unset."
    )
    engine: EngineName = Field(default="duckdb", description="Data engine: duckdb or spark.")
    master_key_file: Path | None = Field(
        default=None, description="File holding the vault's master key (default data_dir/vault/master.key)."
    )
    log_level: LogLevel = Field(default="INFO")
    spark_master: str = Field(default="local[2]", description="Spark master URL for the spark engine.")
    duckdb_memory_limit: str | None = Field(default=None, description="DuckDB memory_limit, e.g. '4GB'.")
    duckdb_threads: int | None = Field(default=None, ge=1)

    # --- ingest: settings of the ingestion domain (edited by the ingestion work only) ---
    ingest_sample_rows: int = Field(
        default=5, ge=1, le=100, description="Rows in error shown per column and rule in a report."
    )
    ingest_max_error_rate: float = Field(
        default=0.01, ge=0.0, le=1.0,
        description="Default error-rate ceiling of the quarantine policy (rows in error / rows).",
    )
    ingest_memory_limit: str = Field(
        default="1536MB", description="DuckDB memory limit of an ingestion (spills to disk above)."
    )
    finess_min_stays: int = Field(
        default=10, ge=1, description="Establishments with fewer stays are grouped by FINESS suppression."
    )
    # --- end ingest ---

    # --- portal: settings of the web portal (edited by the portal work only) ---
    hub_name: str = Field(default="Health Data Hub", max_length=100,
                          description="The hub's name in the portal (white-label).")
    hub_logo_file: Path | None = Field(default=None, description="SVG or PNG logo (default: built-in).")
    hub_color_primary: str = Field(default="#1d4e89", pattern=r"^#[0-9a-fA-F]{6}$")
    hub_color_accent: str = Field(default="#b3261e", pattern=r"^#[0-9a-fA-F]{6}$")
    default_language: Literal["fr", "en"] = Field(default="fr")
    web_host: str = Field(default="127.0.0.1", description="Address `hdh serve` listens on.")
    web_port: int = Field(default=8000, ge=1, le=65535)
    web_threads: int = Field(
        default=8, ge=1, le=200,
        description="Worker threads per portal process for blocking work (store queries). "
                    "A few suffice on SQLite; many threads only fight over the GIL.")
    web_secret_key_file: Path | None = Field(
        default=None, description="Signing key of cookies (default data_dir/portal/secret.key, generated).")
    session_idle_minutes: int = Field(default=30, ge=1, description="Sessions expire after this idle time.")
    session_max_hours: int = Field(default=12, ge=1, description="Sessions expire after this age.")
    cookie_secure: bool = Field(
        default=True, description="Secure cookies; keep on (also behind a TLS-terminating proxy).")
    login_max_failures: int = Field(default=5, ge=1, description="Failed logins before a lockout.")
    login_lockout_minutes: int = Field(default=15, ge=1)
    login_rate_per_ip: int = Field(default=30, ge=1, description="Failed logins per IP per 15 min.")
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=1, ge=1)
    invitation_hours: int = Field(default=72, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest accepted request body.")
    web_upload_max_bytes: int = Field(
        default=536_870_912, ge=1024,
        description="Largest body accepted by upload routes (data holders' tables), in bytes.")
    oidc_issuer: str | None = Field(default=None, description="OpenID Connect issuer URL (optional).")
    oidc_client_id: str | None = Field(default=None)
    oidc_client_secret_file: Path | None = Field(default=None)
    oidc_mfa_acr: str = Field(default="", description="Comma-separated acr/amr values meaning MFA done.")

    @field_validator("hub_color_primary", "hub_color_accent")
    @classmethod
    def _readable_on_white(cls, value: str, info: Any) -> str:
        """The portal writes these colours as text on white (and white text on the primary)."""
        from healthdatahub.contrast import AA_TEXT, contrast_ratio

        ratio = contrast_ratio(value, "#ffffff")
        if ratio < AA_TEXT:
            raise ValueError(f"{value} contrasts {ratio:.2f}:1 with white; the portal shows "
                             f"{info.field_name} as text on white, which needs {AA_TEXT}:1 "
                             "(WCAG AA): choose a darker colour")
        return value
    # --- end portal ---

    # --- omop: settings of the OMOP domain (edited by the OMOP work only) ---
    # --- end omop ---

    # --- linkage: settings of the concentrateur (edited by the linkage work only) ---
    linkage_reference_dir: Path | None = Field(
        default=None,
        description="Civil-status reference (folder with ETAT_CIVIL and CORRESPONDANCE_NIR_PSA).")
    linkage_pseudonym_key_file: Path | None = Field(
        default=None, description="Secret of the pseudonymisation HMACs (default data_dir/vault/pseudonym.key).")
    linkage_match_threshold: float = Field(
        default=0.9, gt=0.0, lt=1.0, description="Match probability at or above which a pair is linked.")
    linkage_ambiguity_margin: float = Field(
        default=3.0, ge=0.0,
        description="Rows whose two best candidates are closer than this (match weight) stay unlinked.")
    linkage_max_upload_bytes: int = Field(
        default=2_000_000_000, ge=1024, description="Largest holder table accepted in one upload.")
    # --- end linkage ---

    # --- indicators: settings of indicators and disclosure control (indicators work only) ---
    disclosure_threshold: int = Field(
        default=10, ge=1, description="Counts from 1 to this value are masked (zeros stay).")
    disclosure_protection: int = Field(
        default=5, ge=1,
        description="Narrowest feasible range an attacker may get for a masked small count.")
    disclosure_rounding_base: int = Field(
        default=0, ge=0, description="Round published counts to this base (0: no rounding).")
    indicators_age_bands: str = Field(
        default="0-17,18-39,40-64,65-74,75-84,85-", description="Age bands of the templates.")
    indicators_source: Path | None = Field(
        default=None, description="SNDS extraction the portal's guichet runs requests on.")
    # --- end indicators ---

    # --- catalogue: settings of the metadata catalogue (edited by the catalogue work only) ---
    catalogue_base_uri: str = Field(
        default="https://catalogue.example.org/catalogue",
        description="Base of the records' URIs (each database is <base>/<slug>).")
    catalogue_publisher: str = Field(
        default="Health Data Hub", max_length=300,
        description="Publisher of the catalogue, and of records that name none.")
    catalogue_publisher_url: str = Field(default="https://catalogue.example.org/",
                                         description="Publisher's home page (RDF export).")
    catalogue_contact_email: str = Field(default="catalogue@example.org",
                                         description="Contact point of the catalogue.")
    catalogue_hdab: str = Field(default="Health Data Hub", max_length=300,
                                description="Health data access body named in the export.")
    catalogue_legislation: str = Field(
        default="http://data.europa.eu/eli/reg/2025/327/oj",
        description="Applicable legislation IRI (default: the EHDS regulation).")
    catalogue_mesh_fr_file: Path | None = Field(
        default=None, description="French MeSH labels (CSV/TSV: descriptor id, label), Inserm.")
    catalogue_doi_prefix: str = Field(default="10.5072",
                                      description="DOI prefix (10.5072 is DataCite's test one).")
    catalogue_datacite_url: str | None = Field(
        default=None, description="DataCite REST API base URL; unset: DOIs are not registered.")
    catalogue_datacite_user: str | None = Field(default=None, description="DataCite repository id.")
    catalogue_datacite_password_file: Path | None = Field(
        default=None, description="File holding the DataCite repository password.")
    catalogue_datacite_event: Literal["publish", "register", "draft"] = Field(
        default="publish", description="DataCite DOI state after registration: findable "
                                       "(publish), registered, or draft (no event sent).")
    catalogue_page_size: int = Field(default=50, ge=1, le=1000,
                                     description="Records per page of the harvesting endpoint.")
    catalogue_push_url: str | None = Field(
        default=None, description="Parent catalogue (e.g. European) receiving pushed records.")
    catalogue_push_key_file: Path | None = Field(
        default=None, description="File holding the parent catalogue's API key.")
    catalogue_home_text_fr: str = Field(default="", max_length=2000,
                                        description="Catalogue home text, French (white-label).")
    catalogue_home_text_en: str = Field(default="", max_length=2000,
                                        description="Catalogue home text, English (white-label).")
    # --- end catalogue ---

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get("HDH_CONFIG_FILE")
        path = Path(config_file) if config_file else Path("hdh.toml")
        if config_file and not path.exists():
            raise HubError(f"Settings file {path} (HDH_CONFIG_FILE) does not exist.")
        return (init_settings, env_settings, _TomlSource(settings_cls, path))

    @property
    def store_url(self) -> str:
        """The metadata store's URL: the configured one, or SQLite in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{resolved(self.data_dir / 'store.sqlite')}"

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def vault_dir(self) -> Path:
        return self.data_dir / "vault"

    @property
    def key_file(self) -> Path:
        return self.master_key_file or self.vault_dir / "master.key"


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning any validation problem into one clear HubError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"HDH_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise HubError(f"Invalid settings: {problems}.") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return load_settings()
