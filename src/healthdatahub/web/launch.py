"""Start a long hub command from the portal: a detached ``hdh`` process, followed as a job.

The portal never runs long work inside a request. It starts the same command an operator
would type, in its own process with the portal's settings, and the command records its job
in the store; the jobs page shows its progress. Arguments are passed as a list (no shell).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from healthdatahub.config import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process exactly these settings (``HDH_*``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDH_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, dict, tuple)):
            text = json.dumps(value, default=str)
        else:
            text = str(value)
        env[f"HDH_{name.upper()}"] = text
    env["HDH_DATABASE_URL"] = settings.store_url
    return env


def start_command(settings: Settings, args: list[str]) -> int:
    """Start ``hdh ARGS…`` detached (its output goes to a log under the data dir); its pid."""
    logs = Path(settings.data_dir) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "portal-commands.log").open("ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "healthdatahub.cli", *args],
                                env=settings_env(settings), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=log, start_new_session=True)
    return proc.pid
