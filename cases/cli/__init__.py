"""The command line, ``python -m cases …``."""

from cases.cli.main import main

__all__ = ["main"]
