"""Hash of the package code a pipeline script uses (the rerun trigger for package edits).

Snakemake's ``code`` trigger only sees a rule's own script, not the modules it imports
(docs/pipeline.md, FIELD_NOTES A8). Each rule therefore gets ``params: code=code_hash(script)``:
the SHA-256 of the syntax trees of every ``linrnn`` module the script imports, followed
transitively through the package (static analysis with ``ast``; nothing is imported or run).
Editing a module reruns exactly the rules whose scripts reach it; comment and formatting edits
(which leave the syntax tree unchanged) rerun nothing. Standard library only, so the Snakefile
can call it cheaply at parse time.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

PACKAGE = "linrnn"
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _module_file(module: str) -> Path | None:
    """File of a dotted ``linrnn...`` module (package → its __init__.py), None if absent."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    if base.is_dir() and (base / "__init__.py").exists():
        return base / "__init__.py"
    file = base.with_suffix(".py")
    return file if file.exists() else None


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _module_name(file: Path) -> str:
    rel = file.relative_to(PACKAGE_DIR).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(tree: ast.AST, current: str | None = None) -> set[str]:
    """Dotted ``linrnn`` modules named by the import statements of a syntax tree."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level and current is not None:
                pkg = current.split(".")
                if not str(_module_file(current)).endswith("__init__.py"):
                    pkg = pkg[:-1]  # a plain module resolves against its package
                pkg = pkg[: len(pkg) - (node.level - 1)]
                module = ".".join(pkg + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            for alias in node.names:  # ``from linrnn import rules`` names a submodule
                found.add(f"{module}.{alias.name}")
    return {m for m in found if m == PACKAGE or m.startswith(PACKAGE + ".")}


def syntax_digest(tree: ast.AST) -> str:
    """SHA-256 of a syntax tree without positions: comments and formatting do not change it."""
    return hashlib.sha256(ast.dump(tree, include_attributes=False).encode()).hexdigest()


@functools.cache
def _parsed_module(file: Path, stamp: tuple[int, int]) -> tuple[str, frozenset[str]]:
    """(syntax-tree digest, linrnn imports) of a package file, parsed once per process and
    file version (``stamp`` = mtime, size: an edited file is parsed again)."""
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return syntax_digest(tree), frozenset(imported_modules(tree, current=_module_name(file)))


def _module_info(file: Path) -> tuple[str, frozenset[str]]:
    stat = file.stat()
    return _parsed_module(file, (stat.st_mtime_ns, stat.st_size))


def module_closure(script, modules: Iterable[str] = ()) -> list[Path]:
    """Every package file reached from ``script`` through imports (with parent __init__ files),
    plus ``modules`` (dotted names a script imports by name at run time, e.g. one figure module)
    and what they import."""
    seen: dict[str, Path] = {}
    todo = list(imported_modules(ast.parse(Path(script).read_text(encoding="utf-8")))) + list(modules)
    while todo:
        module = todo.pop()
        for name in [*_parents(module), module]:
            if name in seen:
                continue
            file = _module_file(name)
            if file is None:
                continue
            seen[name] = file
            todo.extend(_module_info(file)[1])
    return sorted(seen.values())


def code_hash(script, modules: Iterable[str] = ()) -> str:
    """16-hex-digit digest of the package code ``script`` (and ``modules``) depend on (see module
    docstring)."""
    h = hashlib.sha256()
    for file in module_closure(script, modules):
        h.update(file.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(_module_info(file)[0].encode())
    return h.hexdigest()[:16]
