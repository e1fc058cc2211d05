"""The product's layers: the sample site is a development tool beside the product, never inside it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("albumml", "crawler", "flows")
# The one place the product may name the sample site: `albumml sample-site`, importing it inside its commands.
LAZY_IMPORTER = Path("albumml/cli/sample_site.py")


def _wheel_packages() -> list[str]:
    """The packages the wheel holds, found the way setuptools finds them from pyproject.toml."""
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    return find_namespace_packages(where=str(ROOT), include=find["include"], exclude=find.get("exclude", ()))


def _sample_site_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, inside a function) of every import of sample_site in a module."""
    found: list[tuple[int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            if any(name == "sample_site" or name.startswith("sample_site.") for name in names):
                found.append((child.lineno, in_function))
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda))

    visit(ast.parse(path.read_text(), str(path)), False)
    return found


def test_the_wheel_holds_the_product_packages_and_not_the_sample_site() -> None:
    packages = _wheel_packages()
    assert set(PRODUCT) <= set(packages)
    assert "albumml.cli" in packages and "crawler.spiders" in packages
    assert not [name for name in packages if name.split(".")[0] not in PRODUCT], packages
    assert not [name for name in packages if "sample_site" in name.split(".")], packages


def test_the_product_never_imports_the_sample_site_at_import_time() -> None:
    offenders = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            for line, in_function in _sample_site_imports(path):
                if not (relative == LAZY_IMPORTER and in_function):
                    offenders.append(f"{relative}:{line}")
    assert not offenders, f"imports of sample_site in the product: {offenders}"
    assert any(in_function for _, in_function in _sample_site_imports(ROOT / LAZY_IMPORTER))


def test_the_sample_site_commands_need_a_checkout() -> None:
    """Without an importable sample_site the CLI loads, and its commands fail in one clean line."""
    script = (
        "import sys; sys.modules['sample_site'] = None\n"
        "from albumml.cli import main\n"
        "assert sys.modules['sample_site'] is None\n"
        "sys.argv = ['albumml', 'sample-site', 'change', '--albums', '1']\n"
        "main()\n"
    )
    env = {**os.environ, "COLUMNS": "200"}
    completed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert completed.returncode == 1, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the sample site is a development tool"), lines
    assert "source checkout" in lines[0]


def test_the_sample_site_is_importable_in_subprocesses() -> None:
    """Tests, the demo and the benchmarks start processes that import it (from the checkout, without a PYTHONPATH
    of their own)."""
    completed = subprocess.run(
        [sys.executable, "-c", "import sample_site, sys; print(sample_site.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert completed.returncode == 0, completed.stderr
    assert Path(completed.stdout.strip()).resolve().parent == ROOT / "sample_site"
