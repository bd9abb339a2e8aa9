"""Schemathesis against the API's own OpenAPI document: no 500, responses match the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from healthdatahub.config import load_settings
from healthdatahub.jobs import run_job
from healthdatahub.store import upgrade
from healthdatahub.web import api_tokens
from healthdatahub.web.app import create_app
from healthdatahub.web.testing import FAST, add_project, add_user

_data = Path(tempfile.mkdtemp(prefix="hdh-schemathesis-"))
_settings = load_settings(data_dir=_data, **FAST)
upgrade(_settings.store_url)
_user, _ = add_user(_settings, "data_holder")
_project = add_project(_settings, "fuzz", members={_user: "data_holder"})
with run_job(_settings, "fuzz", "A synthetic job", total=2,
             params={"project_id": _project, "requested_by": _user}) as _job:
    _job.advance(1)
_, TOKEN = api_tokens.create(_settings, _user, _project, "fuzz")
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(_settings))


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_anonymous(case) -> None:
    case.call_and_validate()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_with_token(case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"})
