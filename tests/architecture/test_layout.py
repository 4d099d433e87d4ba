"""The package layout is enforced, not hoped: layer contracts, rooms of bounded size, no import circles."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cases", "geo", "ui")
#: A package with more modules side by side than this should be split into rooms.
MAX_MODULES = 15


def test_import_linter_contracts_are_kept():
    """The contracts in pyproject.toml (layers ui → cases → geo, rooms pointing down, no Streamlit below ui)."""
    run = subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command;"
                          " sys.argv = ['lint-imports']; sys.exit(lint_imports_command())"],
                         cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_geo_imports_nothing_of_cases_or_ui():
    graph = grimp.build_graph(*PACKAGES)
    offenders = [(m, i) for m in graph.find_children("geo") | {
        d for c in graph.find_children("geo") for d in graph.find_descendants(c)}
        for i in graph.find_modules_directly_imported_by(m) if i.split(".")[0] in ("cases", "ui")]
    assert offenders == []


def test_no_import_circles_between_modules():
    graph = grimp.build_graph(*PACKAGES)
    circles = sorted({tuple(sorted((a, b))) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
                      if graph.chain_exists(importer=b, imported=a)})
    assert circles == []


@pytest.mark.parametrize("package", [p for top in PACKAGES for p in [ROOT / top, *sorted((ROOT / top).glob("*/"))]
                                     if (p / "__init__.py").exists()], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_room_holds_more_than_fifteen_modules(package):
    modules = [f for f in package.glob("*.py") if f.name not in ("__init__.py", "__main__.py")]
    assert len(modules) <= MAX_MODULES, f"{package.name}: {len(modules)} modules side by side"


def test_only_ui_and_app_import_streamlit():
    bad = []
    for top in ("cases", "geo", "bench", "scripts"):
        for f in (ROOT / top).rglob("*.py"):
            tree = ast.parse(f.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                bad += [f"{f.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in ("streamlit", "streamlit_folium")]
    assert bad == []


def test_no_sys_path_patches():
    pattern = re.compile(r"sys\.path\.(insert|append)")
    hits = [str(f.relative_to(ROOT)) for top in ("bench", "scripts", "cases", "geo", "ui")
            for f in (ROOT / top).rglob("*.py") if pattern.search(f.read_text(encoding="utf-8"))]
    assert hits == []
