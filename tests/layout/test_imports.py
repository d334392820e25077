"""Imports point down only: the library never imports the Spark wiring, language knowledge imports no
rule module, the shared layers import no stage package, and no two modules import each other (imports
inside function bodies count too)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("pipeline.io", "pipeline.schema", "pipeline.stage", "pipeline.config", "pipeline.langs")
STAGE_PACKAGES = ("filters", "dedup", "repo", "recall", "tokenize", "web", "sources", "redact")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every `pipeline.*` / `jobs.*` module `path` imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] in ("pipeline", "jobs")}


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for folder in ("pipeline", "jobs") for p in (ROOT / folder).rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_library_never_imports_the_jobs():
    offenders = {m: sorted(i for i in deps if i.startswith("jobs")) for m, deps in graph().items()}
    assert {m: d for m, d in offenders.items() if m.startswith("pipeline") and d} == {}


def test_shared_layers_import_no_stage_package():
    stage_prefixes = tuple(f"pipeline.{p}" for p in STAGE_PACKAGES)
    bad = {}
    for module, deps in graph().items():
        if module.startswith(SHARED) and not module.endswith(".cli"):  # `corpus langs` is a tool entry
            wrong = sorted(d for d in deps if d.startswith(stage_prefixes))
            if wrong:
                bad[module] = wrong
    assert bad == {}


def test_no_import_cycles():
    edges = graph()
    cycles = []

    def visit(node, path, on_path, done):
        on_path.add(node)
        for dep in sorted(edges.get(node, ())):
            if dep in on_path:
                cycles.append(path[path.index(dep) :] + [dep])
            elif dep not in done:
                visit(dep, path + [dep], on_path, done)
        on_path.discard(node)
        done.add(node)

    done: set[str] = set()
    for start in sorted(edges):
        if start not in done:
            visit(start, [start], set(), done)
    # a package's __init__ re-exporting its own modules is not a cycle between modules
    real = [
        c
        for c in cycles
        if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(c, c[1:], strict=False))
    ]
    assert real == []
