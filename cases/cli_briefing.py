"""Sub-commands registered into ``python -m cases`` (filled in by their issue)."""

from __future__ import annotations

import argparse
from typing import Callable


def register(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add this module's sub-commands to the CLI."""
