"""The indicators spec tests reuse the hand-built SNDS world of the unit tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "indicators"))
