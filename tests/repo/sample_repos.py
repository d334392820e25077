"""Rows read from samples/repos for the tests and the benchmark, with explicit languages and an
in-line registry, so nothing depends on which language_specs exist yet."""

from __future__ import annotations

from pathlib import Path

from pipeline.langs.registry import Registry, parse_spec
from pipeline.schema import make_id

SAMPLE_REPOS = Path(__file__).resolve().parents[2] / "samples" / "repos"

SPECS = [
    {"name": "Python", "kind": "code", "extensions": [".py", ".pyi"], "line_comment": "#", "tree_sitter": "python"},
    {
        "name": "JavaScript",
        "kind": "code",
        "extensions": [".js", ".mjs", ".cjs", ".jsx"],
        "line_comment": "//",
        "block_comment": ["/*", "*/"],
        "tree_sitter": "javascript",
    },
    {
        "name": "TypeScript",
        "kind": "code",
        "extensions": [".ts", ".mts", ".cts"],
        "line_comment": "//",
        "tree_sitter": "typescript",
    },
    {"name": "TSX", "kind": "code", "extensions": [".tsx"], "line_comment": "//", "tree_sitter": "tsx"},
    {"name": "Java", "kind": "code", "extensions": [".java"], "line_comment": "//", "tree_sitter": "java"},
    {
        "name": "C",
        "kind": "code",
        "extensions": [".c", ".h"],
        "line_comment": "//",
        "block_comment": ["/*", "*/"],
        "tree_sitter": "c",
    },
    {
        "name": "C++",
        "kind": "code",
        "extensions": [".cpp", ".hpp", ".cc", ".hh"],
        "line_comment": "//",
        "tree_sitter": "cpp",
    },
    {"name": "Go", "kind": "code", "extensions": [".go"], "line_comment": "//", "tree_sitter": "go"},
    {"name": "Rust", "kind": "code", "extensions": [".rs"], "line_comment": "//", "tree_sitter": "rust"},
    {"name": "Markdown", "kind": "prose", "extensions": [".md"], "block_comment": ["<!--", "-->"]},
    {"name": "TOML", "kind": "data", "extensions": [".toml"], "line_comment": "#"},
    {"name": "JSON", "kind": "data", "extensions": [".json"]},
    {"name": "XML", "kind": "data", "extensions": [".xml"], "block_comment": ["<!--", "-->"]},
    {"name": "Makefile", "kind": "code", "filenames": ["Makefile"], "line_comment": "#"},
    {"name": "CMake", "kind": "code", "filenames": ["CMakeLists.txt"], "line_comment": "#"},
    {"name": "Go Module", "kind": "data", "filenames": ["go.mod"], "line_comment": "//"},
    {"name": "Text", "kind": "prose", "filenames": ["LICENSE"]},
]
EXTRA_EXTENSIONS = {"pom.xml": "XML"}


def inline_registry() -> Registry:
    return Registry([parse_spec(spec, "inline") for spec in SPECS])


def language_of(path: str, registry: Registry) -> str | None:
    name = path.rsplit("/", 1)[-1]
    for spec in registry.specs:
        if name in spec.filenames or any(name.endswith(ext) for ext in spec.extensions):
            return spec.name
    return None


def sample_rows(repo_folder: str | None = None, skip_vendored: bool = True) -> list[dict]:
    """Files of samples/repos as `files` rows (like ingest writes them, minus vendored/minified)."""
    registry = inline_registry()
    rows = []
    folders = [SAMPLE_REPOS / repo_folder] if repo_folder else sorted(p for p in SAMPLE_REPOS.iterdir() if p.is_dir())
    for folder in folders:
        repo_name = folder.name.replace("__", "/", 1)
        for file in sorted(folder.rglob("*")):
            if not file.is_file():
                continue
            path = file.relative_to(folder).as_posix()
            if skip_vendored and ("node_modules/" in path or path.endswith(".min.js")):
                continue
            content = file.read_text(encoding="utf-8")
            rows.append(
                {
                    "id": make_id("github", repo_name, path),
                    "source": "github",
                    "repo_name": repo_name,
                    "path": path,
                    "url": None,
                    "language": language_of(path, registry),
                    "content": content,
                    "size_bytes": len(content.encode()),
                    "license": None,
                }
            )
    return rows
