"""Benchmark of repository samples: import resolution and dependency order quality, and speed.

- Built-in sample: resolved edges against the expected graphs of samples/README.md.
- Real code installed on this machine, checked independently of pipeline/repo:
  Python packages of the venv (truth from Python's `ast` + the file system), npm's JavaScript
  (truth from `require`/`import` strings + Node's file rules), Arrow's C++ headers (truth from
  quoted includes found under the include root).
Per language: share of intra-repository imports resolved (edge recall, and precision), and the
share of non-cycle edges whose target precedes its source, for our order and for the paper's plain
minimal-in-degree rule. Then files per second for extraction + resolution + ordering.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.repo.order import paper_order  # noqa: E402
from pipeline.repo.samples import repo_graph  # noqa: E402
from tests.repo.expected import EXPECTED_EDGES  # noqa: E402
from tests.repo.sample_repos import inline_registry, language_of, sample_rows  # noqa: E402

SITE = ROOT / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
PYTHON_PACKAGES = [
    "requests",
    "urllib3",
    "flask",
    "jinja2",
    "werkzeug",
    "packaging",
    "tqdm",
    "jsonschema",
    "anyio",
    "_pytest",
    "pydantic",
    "graphql",
    "huggingface_hub",
    "pygments",
    "networkx",
    "fsspec",
]
NPM = Path("/usr/lib/node_modules/npm")
ARROW_INCLUDE = SITE / "pyarrow" / "include"
REGISTRY = inline_registry()


class Tally:
    def __init__(self):
        self.truth = self.found = self.hit = 0
        self.non_cycle = self.respected = self.paper_respected = 0
        self.files = 0
        self.bytes = 0
        self.seconds = 0.0

    def line(self, name: str) -> str:
        recall = self.hit / self.truth if self.truth else float("nan")
        precision = self.hit / self.found if self.found else float("nan")
        ours = self.respected / self.non_cycle if self.non_cycle else float("nan")
        paper = self.paper_respected / self.non_cycle if self.non_cycle else float("nan")
        return (
            f"{name:<22} files {self.files:>6}  intra imports {self.truth:>6}  resolved {recall:7.2%}  "
            f"precision {precision:7.2%}  non-cycle edges {self.non_cycle:>6}  respected: ours {ours:7.2%}"
            f"  paper {paper:7.2%}"
        )


def measure(rows: list[dict], truth: set[tuple[str, str]] | None, tally: Tally) -> None:
    started = time.perf_counter()
    graph = repo_graph(rows, REGISTRY)
    tally.seconds += time.perf_counter() - started
    tally.files += len(rows)
    tally.bytes += sum(len(r["content"].encode()) for r in rows)
    found = {(graph.paths[a], graph.paths[b]) for a, b in graph.edges}
    if truth is not None:
        tally.truth += len(truth)
        tally.found += len(found)
        tally.hit += len(found & truth)
    position = {x: k for k, x in enumerate(x for seq in graph.sequences for x in seq)}
    paper = {x: k for k, x in enumerate(paper_order(graph.paths, graph.edges))}
    for a, b in graph.edges:
        if graph.component[a] != graph.component[b]:
            tally.non_cycle += 1
            tally.respected += position[b] < position[a]
            tally.paper_respected += paper[b] < paper[a]


def rows_from_folder(folder: Path, prefix: str, extensions: tuple[str, ...]) -> list[dict]:
    rows = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or not path.name.endswith(extensions) or "__pycache__" in path.parts:
            continue
        rel = f"{prefix}/{path.relative_to(folder).as_posix()}" if prefix else path.relative_to(folder).as_posix()
        try:
            content = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rows.append(
            {
                "id": rel,
                "repo_name": prefix or folder.name,
                "path": rel,
                "language": language_of(rel, REGISTRY),
                "content": content,
            }
        )
    return rows


# ---- independent truth -------------------------------------------------------------------------------


def python_truth(rows: list[dict]) -> set[tuple[str, str]]:
    """Intra-package imports by `ast`, resolved with plain file-system rules."""
    files = {r["path"] for r in rows}
    top = rows[0]["path"].split("/")[0]

    def module_file(parts):
        stem = "/".join(parts)
        for candidate in (f"{stem}.py", f"{stem}/__init__.py", f"{stem}.pyi"):
            if candidate in files:
                return candidate
        return None

    truth = set()
    for row in rows:
        try:
            tree = ast.parse(row["content"])
        except SyntaxError:
            continue
        package = row["path"].split("/")[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == top:
                        while parts and not module_file(parts):
                            parts = parts[:-1]
                        if parts:
                            truth.add((row["path"], module_file(parts)))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    if node.level - 1 > len(package):
                        continue
                    base = package[: len(package) - (node.level - 1)]
                else:
                    base = []
                parts = base + (node.module.split(".") if node.module else [])
                if not parts or parts[0] != top:
                    continue
                targets = [module_file(parts + [a.name]) for a in node.names if a.name != "*"]
                if any(t is None for t in targets) or not targets:
                    owner = parts
                    while owner and not module_file(owner):
                        owner = owner[:-1]
                    targets.append(module_file(owner) if owner else None)
                truth.update((row["path"], t) for t in targets if t and t != row["path"])
    return truth


JS_SPEC = re.compile(r"""(?:require\(\s*|import\s*\(\s*|from\s+|import\s+)(['"])(\.[^'"]*)\1""")


def js_truth(rows: list[dict]) -> set[tuple[str, str]]:
    files = {r["path"] for r in rows}
    truth = set()
    for row in rows:
        for match in JS_SPEC.finditer(row["content"]):
            base = os.path.normpath(os.path.join(os.path.dirname(row["path"]), match.group(2)))
            for candidate in (base, base + ".js", base + ".json", base + ".cjs", base + ".mjs", base + "/index.js"):
                if candidate in files:
                    if candidate != row["path"]:
                        truth.add((row["path"], candidate))
                    break
    return truth


C_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def c_truth(rows: list[dict], include_root: str) -> set[tuple[str, str]]:
    files = {r["path"] for r in rows}
    truth = set()
    for row in rows:
        for target in C_INCLUDE.findall(row["content"]):
            for candidate in (
                os.path.normpath(os.path.join(os.path.dirname(row["path"]), target)),
                os.path.normpath(os.path.join(include_root, target)),
            ):
                if candidate in files:
                    if candidate != row["path"]:  # a header including itself is not a dependency
                        truth.add((row["path"], candidate))
                    break
    return truth


# ---- runs --------------------------------------------------------------------------------------------


def bench_sample() -> dict[str, Tally]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    by_repo = defaultdict(list)
    for row in sample_rows():
        by_repo[row["repo_name"]].append(row)
    for repo, rows in sorted(by_repo.items()):
        code = [r for r in rows if r["language"] in LANGUAGE_OF_SAMPLE]
        language = max({r["language"] for r in code}, key=lambda lang: sum(r["language"] == lang for r in code))
        measure(rows, EXPECTED_EDGES[repo], tallies[LANGUAGE_OF_SAMPLE[language]])
    return tallies


LANGUAGE_OF_SAMPLE = {
    "Python": "Python",
    "JavaScript": "JavaScript/TypeScript",
    "TypeScript": "JavaScript/TypeScript",
    "TSX": "JavaScript/TypeScript",
    "Java": "Java",
    "C": "C/C++",
    "C++": "C/C++",
    "Go": "Go",
    "Rust": "Rust",
}


def main() -> int:
    print("== built-in sample (expected graphs of samples/README.md)")
    total = Tally()
    for name, tally in sorted(bench_sample().items()):
        print("  " + tally.line(name))
        total.seconds += tally.seconds
        total.files += tally.files
        total.bytes += tally.bytes

    print("== real code on this machine (truth computed independently)")
    python = Tally()
    for package in PYTHON_PACKAGES:
        if (SITE / package).is_dir():
            rows = rows_from_folder(SITE / package, package, (".py",))
            measure(rows, python_truth(rows), python)
    print("  " + python.line(f"Python ({len(PYTHON_PACKAGES)} packages)"))

    js = Tally()
    if NPM.is_dir():
        repos = [("npm", NPM / "lib")] + [
            (p.name, p) for p in sorted((NPM / "node_modules").iterdir()) if p.is_dir() and not p.name.startswith("@")
        ][:60]
        for name, folder in repos:
            rows = rows_from_folder(folder, name, (".js", ".cjs", ".mjs"))
            if rows:
                measure(rows, js_truth(rows), js)
        print("  " + js.line("JavaScript (npm)"))

    cpp = Tally()
    if ARROW_INCLUDE.is_dir():
        rows = rows_from_folder(ARROW_INCLUDE, "include", (".h", ".hpp"))
        for row in rows:
            row["language"] = "C++"
        measure(rows, c_truth(rows, "include"), cpp)
        print("  " + cpp.line("C++ (Arrow headers)"))

    for tally in (python, js, cpp):
        total.seconds += tally.seconds
        total.files += tally.files
        total.bytes += tally.bytes
    print(
        f"== speed: {total.files:,} files ({total.bytes / 1e6:.1f} MB) in {total.seconds:.1f} s of extraction + "
        f"resolution + ordering = {total.files / total.seconds:,.0f} files/s, "
        f"{total.bytes / 1e6 / total.seconds:.2f} MB/s (one core)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
