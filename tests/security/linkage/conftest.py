"""A small synthetic reference (outside any data dir) and one full two-holder linkage run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from healthdatahub.config import Settings, get_settings, load_settings
from healthdatahub.linkage import service
from healthdatahub.linkage.access import Actor
from healthdatahub.linkage.holders import write_holder_table
from healthdatahub.snds.synth import generate
from healthdatahub.store import dispose_engines, upgrade

HOLDERS = ("chu-a", "chu-b")


@dataclass
class FullRun:
    """A finished two-holder project: settings, the holders' uploaded files, and outputs."""

    settings: Settings
    uploads: dict[str, Path]
    outcome: object
    log_text: str


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,500-person synthetic civil-status reference, standing for the national register."""
    out = tmp_path_factory.mktemp("register") / "synth"
    generate(out, 1500, 11)
    return out / "reference"


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory, reference: Path) -> FullRun:
    """Upload two holders' tables, check, link, deliver and erase, capturing the logs."""
    import io
    import logging

    root = tmp_path_factory.mktemp("hub")
    get_settings.cache_clear()
    settings = load_settings(data_dir=root / "data", log_level="DEBUG")
    upgrade(settings.store_url)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    previous = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        op = Actor.operator()
        service.create_project(settings, op, "etude", "Étude", "reconstruction")
        uploads = {}
        for seed, slug in enumerate(HOLDERS, start=1):
            service.add_holder(settings, op, "etude", slug, slug.upper())
            csv = root / "holders" / f"{slug}.csv"
            write_holder_table(settings, reference, csv, root / "holders" / f"{slug}.truth", 150,
                               seed=seed)
            holder = Actor.holder(service.holder_id(settings, "etude", slug))
            service.upload(settings, holder, "etude", slug, csv.read_bytes())
            service.check(settings, holder, "etude", slug)
            uploads[slug] = csv
        outcome = service.run_linkage(settings, op, "etude", reference)
        for slug in HOLDERS:
            service.get_report(settings, op, "etude", slug)
        service.deliver(settings, op, "etude")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(previous)
        dispose_engines()
    return FullRun(settings, uploads, outcome, stream.getvalue())
