"""Settings: environment, hdh.toml, defaults, and one clear sentence when they are wrong."""

from pathlib import Path

import pytest

from healthdatahub.config import Settings, load_settings
from healthdatahub.errors import HubError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    for var in ("HDH_DATA_DIR", "HDH_DATABASE_URL", "HDH_ENGINE", "HDH_MASTER_KEY_FILE",
                "HDH_LOG_LEVEL", "HDH_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_put_everything_in_the_data_dir():
    s = load_settings()
    assert s.engine == "duckdb"
    assert s.data_dir == Path("hdh-data")
    assert s.store_url == f"sqlite:///{(Path('hdh-data') / 'store.sqlite').resolve()}"
    assert s.key_file == Path("hdh-data/vault/master.key")


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("HDH_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("HDH_ENGINE", "spark")
    monkeypatch.setenv("HDH_LOG_LEVEL", "debug")
    monkeypatch.setenv("HDH_DATABASE_URL", "postgresql+psycopg://u@h/db")
    s = load_settings()
    assert (s.data_dir, s.engine, s.log_level) == (tmp_path / "d", "spark", "DEBUG")
    assert s.store_url == "postgresql+psycopg://u@h/db"


def test_toml_file_is_read_and_env_wins(monkeypatch, tmp_path):
    (tmp_path / "hdh.toml").write_text('[hdh]\ndata_dir = "from-toml"\nengine = "spark"\n')
    assert load_settings().data_dir == Path("from-toml")
    monkeypatch.setenv("HDH_ENGINE", "duckdb")
    assert load_settings().engine == "duckdb"


def test_corrupted_settings_file_is_one_clear_sentence(tmp_path):
    (tmp_path / "hdh.toml").write_text('[hdh]\ndata_dir = "unterminated\n')
    with pytest.raises(HubError, match=r"hdh\.toml is not valid TOML.*line 2"):
        Settings()


def test_unknown_engine_names_the_setting(monkeypatch):
    monkeypatch.setenv("HDH_ENGINE", "oracle")
    with pytest.raises(HubError, match="HDH_ENGINE"):
        load_settings()


def test_unknown_key_in_file_is_refused(tmp_path):
    (tmp_path / "hdh.toml").write_text('[hdh]\ndata_dri = "typo"\n')
    with pytest.raises(HubError, match="HDH_DATA_DRI"):
        load_settings()


def test_missing_explicit_config_file(monkeypatch, tmp_path):
    monkeypatch.setenv("HDH_CONFIG_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(HubError, match="does not exist"):
        load_settings()
