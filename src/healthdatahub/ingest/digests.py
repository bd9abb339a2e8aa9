"""SHA-256 and quote presence of a delivery's files, computed by a child process beside the engine.

The child reads every byte of every file once. A thread of the validating process was measured
to slow the engine to half speed (GIL hand-offs with its calls), hence a process. Whether a CSV
file contains a quote character (so that quoted values may hold newlines, which shift line
numbers: ``scan.collect_newlines``) rides on the same read, instead of a serial scan of the
whole file before the engine starts.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from healthdatahub.errors import HubError

BLOCK = 1 << 22
_CHILD = f"""import hashlib, sys
for p in sys.argv[1:]:
    h, quotes = hashlib.sha256(), False
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read({BLOCK}), b""):
            h.update(block)
            quotes = quotes or b'"' in block
    print(h.hexdigest(), int(quotes), flush=True)
"""


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, streamed (in this process)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            h.update(block)
    return h.hexdigest()


class FileDigests:
    """The child's findings by file (relative path), read in file order as they are needed."""

    def __init__(self, paths: list[Path], rels: list[str]) -> None:
        self._rels = list(rels)
        self._found: dict[str, tuple[str, bool]] = {}
        self._proc = subprocess.Popen([sys.executable, "-c", _CHILD, *map(str, paths)],
                                      stdout=subprocess.PIPE, text=True)

    def _until(self, rel: str) -> tuple[str, bool]:
        """(SHA-256, has a quote) of ``rel``, waiting for the child to reach it."""
        assert self._proc.stdout is not None
        while rel not in self._found and len(self._found) < len(self._rels):
            words = self._proc.stdout.readline().split()
            if len(words) != 2:
                self._failed()
            self._found[self._rels[len(self._found)]] = (words[0], words[1] == "1")
        return self._found[rel]

    def has_quotes(self, rel: str) -> bool:
        """Whether the file contains a double quote anywhere."""
        return self._until(rel)[1]

    def checksums(self) -> dict[str, str]:
        """Every file's SHA-256, once the child is done."""
        for rel in self._rels:
            self._until(rel)
        if self._proc.wait() != 0:
            self._failed()
        return {rel: self._found[rel][0] for rel in self._rels}

    def stop(self) -> None:
        """End the child if it is still running (validation failed before it finished)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()

    def _failed(self) -> None:
        self.stop()
        raise HubError("A delivered file could not be read to compute its SHA-256.")
