"""Run every benchmark under bench/ in turn (each prints its own markdown table).

Results land in bench/out/*.json; copy the figures into docs/benchmarks.md with the
command that produced them. Not part of the test suite: timings flake on shared machines.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    """Run each bench_*.py with its default arguments; stop at the first failure."""
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.name}\n", flush=True)
        code = subprocess.call([sys.executable, str(script), *sys.argv[1:]])
        if code:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
