"""The package's structure: stages import only downward, no private name crosses a module, and only
the edges read the environment."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "analysis"
LINT = Path(sys.executable).parent / "lint-imports"
#: The only modules that read environment variables: the settings and the edges that call them.
ENVIRONMENT_READERS = {"settings.py", "api.py", "__main__.py"}


#: A stripped environment keeps the interpreter's library path (a Python built with shared libraries
#: outside the system's finds its own libpython, not the system's).
_LIBRARY_PATH = {k: os.environ[k] for k in ("LD_LIBRARY_PATH",) if k in os.environ}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--config", str(folder / "pyproject.toml"), "--no-cache"], cwd=folder,
                          env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin", **_LIBRARY_PATH}, capture_output=True, text=True)


def test_the_layer_contract_holds():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Stages import only downward KEPT" in result.stdout


@pytest.mark.parametrize("module, planted", [
    ("corpus/clean.py", "from analysis import build"),            # the bottom stage imports the top
    ("perarticle/terms.py", "from analysis.aggregate import frequency"),  # perarticle ↔ aggregate, as before
])
def test_a_planted_upward_import_breaks_the_contract(tmp_path, module, planted):
    shutil.copytree(PACKAGE, tmp_path / "analysis", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / "analysis" / module
    # Inside a function: an import there counts as much as one at the top.
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _planted():\n    {planted}  # noqa\n",
                      encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode != 0 and "BROKEN" in result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout


def test_no_private_name_is_imported_across_modules():
    crossing = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            # This package's modules only (the standard library's internals are not ours to police).
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("analysis")):
                crossing += [f"{path.relative_to(ROOT)}:{node.lineno} {a.name}" for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
    assert crossing == []


def test_only_the_edges_read_the_environment():
    readers = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                    isinstance(node.value, ast.Name) and node.value.id == "os":
                readers.append(path.relative_to(PACKAGE).as_posix())
    assert set(readers) <= ENVIRONMENT_READERS, sorted(set(readers) - ENVIRONMENT_READERS)


def test_no_module_caches_on_a_corpus_setting():
    """Derived objects live on the Corpus object (``Corpus.memo``), not in module-level caches keyed on
    a global setting: no ``lru_cache`` outside the pure per-file caches of page lines and fonts."""
    allowed = {"corpus/field_lines.py", "figures/style.py"}
    found = {p.relative_to(PACKAGE).as_posix() for p in modules() if "lru_cache" in p.read_text(encoding="utf-8")}
    assert found <= allowed, sorted(found - allowed)
