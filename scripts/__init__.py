"""One-off scripts that made the shipped data, run from the repository root as ``python -m scripts.<name>``."""
