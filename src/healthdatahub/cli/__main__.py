"""``python -m healthdatahub.cli``."""

from healthdatahub.cli import main

main()
