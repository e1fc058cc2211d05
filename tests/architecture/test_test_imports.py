"""The suite's own layering: tests share helpers through `tests.support`, never by importing one another."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
SUPPORT = "tests.support"


def _module_name(path: Path) -> str:
    """`tests/crawler/test_crawl.py` -> `tests.crawler.test_crawl` (a package's `__init__.py` -> the package)."""
    parts = path.relative_to(TESTS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, at any depth, relative imports resolved; for
    `from PACKAGE import NAME` both PACKAGE.NAME and PACKAGE, since NAME may be a module."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
            found.append((node.lineno, base))
    return found


def _allowed(name: str) -> bool:
    """Whether a module name is fair to import from a test: anything outside the suite, or a helper module of
    `tests.support` (not one of its own test modules, not a conftest)."""
    parts = name.split(".")
    if "conftest" in parts:
        return False
    if parts[0] != "tests":
        return True
    if len(parts) == 1:
        return True  # `from tests import support`: the names it brings in are checked one by one
    if parts[1] != "support":
        return False
    return not any(part.startswith("test_") for part in parts[2:])


def test_the_module_names_resolve_as_pytest_imports_them() -> None:
    assert _module_name(TESTS / "crawler" / "test_crawl.py") == "tests.crawler.test_crawl"
    assert _module_name(TESTS / "support" / "__init__.py") == "tests.support"
    assert not _allowed("tests.crawler.test_crawl") and not _allowed("tests.conftest")
    assert not _allowed("tests.recommend.conftest") and not _allowed("conftest")
    assert not _allowed("tests.support.test_services") and not _allowed("tests.catalogue")
    assert _allowed("tests.support.crawling") and _allowed("tests.support") and _allowed("albumml.catalogue")


def test_tests_import_only_the_support_package_from_the_suite() -> None:
    offenders: dict[str, str] = {}
    for path in sorted(TESTS.rglob("*.py")):
        for line, name in _imported(path):
            if not _allowed(name):
                offenders.setdefault(f"{path.relative_to(TESTS.parent)}:{line}", name)
    assert not offenders, "share helpers through tests/support, not by importing tests or conftests:\n" + "\n".join(
        f"{where} imports {name}" for where, name in offenders.items()
    )
