"""Is a process still alive? Used to tell a running job from one killed without notice."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def hostname() -> str:
    """This machine's name, recorded with a job's pid (a pid only means something here)."""
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists on this machine and is not a zombie."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        # Field 3 (after the parenthesised command name) is the state; Z is a zombie.
        state = stat.read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")
