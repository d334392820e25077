"""Path rules for files that are not the repository's own hand-written code.

Vendored: third-party trees copied into a repository. Generated: build outputs, minified bundles,
lock files. Both are rejected at ingest with the rule's name in the reason.
"""

from __future__ import annotations

import re

VENDORED_DIRS = re.compile(
    r"(?:^|/)(?:node_modules|bower_components|jspm_packages|vendor|vendors|third[_-]?party|3rdparty|"
    r"external|extern|deps|Pods|Carthage|\.bundle|site-packages|venv|\.venv|virtualenv|"
    r"__pycache__|\.git|\.svn|\.hg|\.idea|\.vscode|\.gradle|\.tox|\.mypy_cache)/"
)
GENERATED_DIRS = re.compile(r"(?:^|/)(?:dist|build|out|target|bin|obj|coverage|htmlcov|\.next|\.nuxt)/")
GENERATED_FILES = re.compile(
    r"(?:\.min\.(?:js|css|mjs)|[-.]bundle\.js|\.map|_pb2(?:_grpc)?\.pyi?|\.pb\.(?:go|cc|h)|\.pb\.gw\.go|"
    r"_grpc\.pb\.go|\.designer\.cs|\.g\.dart|\.freezed\.dart)$"
    r"|(?:^|/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|npm-shrinkwrap\.json|Cargo\.lock|poetry\.lock|"
    r"Pipfile\.lock|Gemfile\.lock|composer\.lock|go\.sum|mix\.lock|pubspec\.lock|Podfile\.lock|"
    r"packages\.lock\.json|flake\.lock|uv\.lock)$"
)


def vendored_rule(path: str) -> str | None:
    return "vendored" if VENDORED_DIRS.search(path) else None


def generated_rule(path: str) -> str | None:
    return "generated" if GENERATED_FILES.search(path) or GENERATED_DIRS.search(path) else None
