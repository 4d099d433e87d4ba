"""Entry point for ``python -m cases``."""

import sys

from cases.cli import main

sys.exit(main())
