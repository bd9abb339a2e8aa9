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
    # --- end ingest ---

    # --- portal: settings of the web portal (edited by the portal work only) ---
    # --- end portal ---

    # --- omop: settings of the OMOP domain (edited by the OMOP work only) ---
    # --- end omop ---

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
        return f"sqlite:///{(self.data_dir / 'store.sqlite').resolve()}"

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
