"""The attacker's helpers are importable by the attack tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
