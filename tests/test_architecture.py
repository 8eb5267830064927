"""The package's shape: dependencies one way (import-linter), and no import hidden in a function without a reason."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "platform" / "vitrine"
ROOT = PACKAGE.parents[1]


def _function_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import made inside a function body."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    found += [(node.lineno, alias.name) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    found.append((node.lineno, "." * node.level + (node.module or "")))
    return sorted(set(found))


def _is_reason(comment: str) -> bool:
    """A comment that says something: not a linter's or type checker's switch alone."""
    text = comment.lstrip("#").strip()
    return bool(text) and not text.startswith(("noqa", "type: ignore", "pragma"))


def _has_reason(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or on the lines just above it (the why)."""
    line = lines[lineno - 1]
    if "#" in line and _is_reason(line[line.index("#") :]):
        return True
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith(("from ", "import ")):
        index -= 1  # an import block: the comment may stand above its first line
    return index >= 0 and lines[index].strip().startswith("#") and _is_reason(lines[index].strip())


def test_the_checker_finds_an_unexplained_import_and_accepts_an_explained_one():
    source = (
        "def a():\n    import json\n\n\ndef b():\n    # why: json is slow to import\n    import json\n\n\n"
        "def c():\n    import json  # noqa: F401\n"
    )
    lines = source.splitlines()
    assert [(n, m) for n, m in _function_imports(source) if not _has_reason(lines, n)] == [(2, "json"), (11, "json")]


def test_no_import_inside_a_function_unless_a_comment_says_why():
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        unexplained += [
            f"{path.relative_to(ROOT)}:{n} {module}"
            for n, module in _function_imports(source)
            if not _has_reason(lines, n)
        ]
    assert unexplained == []


def test_apps_depend_one_way():
    # given the contracts in pyproject.toml ([tool.importlinter])
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    # when import-linter checks the package
    result = subprocess.run(
        [command, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PACKAGE.parent), "PATH": "/usr/bin:/bin"},
    )
    # then every contract is kept: no app imports one above it or beside it
    assert result.returncode == 0, result.stdout[-3000:]
