"""The metadata store: SQLAlchemy 2 models, sessions and Alembic migrations."""

from healthdatahub.store.db import (
    current_revision,
    dispose_engines,
    downgrade,
    ensure_schema,
    get_engine,
    head_revision,
    make_engine,
    safe_url,
    session_factory,
    session_scope,
    store_error,
    upgrade,
)
from healthdatahub.store.models import (
    JOB_FINAL_STATES,
    JOB_STATES,
    Base,
    Dataset,
    DatasetVersion,
    Ingestion,
    Job,
    Project,
    ProjectMember,
    User,
)
from healthdatahub.store.service import upgrade_store
from healthdatahub.store.types import UTCDateTime, utcnow

__all__ = [
    "JOB_FINAL_STATES",
    "JOB_STATES",
    "Base",
    "Dataset",
    "DatasetVersion",
    "Ingestion",
    "Job",
    "Project",
    "ProjectMember",
    "UTCDateTime",
    "User",
    "current_revision",
    "dispose_engines",
    "downgrade",
    "ensure_schema",
    "get_engine",
    "head_revision",
    "make_engine",
    "safe_url",
    "session_factory",
    "session_scope",
    "store_error",
    "upgrade",
    "upgrade_store",
    "utcnow",
]
