"""Entry point for ``python -m cases``."""

import sys

from cases.cli.main import main

sys.exit(main())
