"""An index of one repository's file paths, and the build files resolution reads from it.

Lookups the resolvers need over and over (does this path exist, which files are in a folder,
which files end with this suffix, what is go.mod's module path, tsconfig's aliases, composer's
PSR-4 prefixes, Cargo package names) are computed once per repository.
"""

from __future__ import annotations

import functools
import json
import posixpath
import re
import tomllib
from collections import defaultdict


def normalize(path: str) -> str | None:
    """Collapse `.`/`..` in a repository-relative path; None when it escapes the repository."""
    parts: list[str] = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def dirname(path: str) -> str:
    return posixpath.dirname(path)


def join(*parts: str) -> str | None:
    return normalize("/".join(p for p in parts if p))


class RepoIndex:
    def __init__(self, paths: list[str], contents: list[str]):
        self.paths = paths
        self.contents = contents
        self.node_of: dict[str, int] = {}
        for i, path in enumerate(paths):
            self.node_of.setdefault(path, i)
        self.files_in_dir: dict[str, list[str]] = defaultdict(list)
        self.by_basename: dict[str, list[str]] = defaultdict(list)
        for path in sorted(self.node_of):
            self.files_in_dir[dirname(path)].append(path)
            self.by_basename[posixpath.basename(path)].append(path)
        self.dirs = set(self.files_in_dir)
        for d in list(self.dirs):
            while d:
                d = dirname(d)
                self.dirs.add(d)

    def exists(self, path: str | None) -> bool:
        return path is not None and path in self.node_of

    def first_existing(self, candidates) -> str | None:
        for candidate in candidates:
            if candidate is not None and candidate in self.node_of:
                return candidate
        return None

    def by_suffix(self, suffix: str, near: str) -> str | None:
        """The file whose path ends with `/suffix` (or is it), closest to `near` (a path)."""
        suffix = normalize(suffix)
        if not suffix:
            return None
        matches = [
            p for p in self.by_basename.get(posixpath.basename(suffix), ()) if p == suffix or p.endswith("/" + suffix)
        ]
        return closest(matches, near)

    def content_of(self, path: str) -> str:
        return self.contents[self.node_of[path]] or ""

    def files_named(self, *names: str) -> list[str]:
        return [p for name in names for p in self.by_basename.get(name, ())]

    @functools.cached_property
    def go_modules(self) -> list[tuple[str, str]]:
        """(module path, folder) for each go.mod, longest module path first."""
        found = []
        for path in self.files_named("go.mod"):
            match = re.search(r"^\s*module\s+(\S+)", self.content_of(path), re.MULTILINE)
            if match:
                found.append((match.group(1).strip('"'), dirname(path)))
        return sorted(found, key=lambda m: -len(m[0]))

    @functools.cached_property
    def ts_aliases(self) -> list[tuple[str, str, list[str]]]:
        """(config folder, alias pattern, target patterns) from tsconfig/jsconfig `paths` and `baseUrl`."""
        found = []
        for path in self.files_named("tsconfig.json", "jsconfig.json"):
            options = _loose_json(self.content_of(path)).get("compilerOptions") or {}
            base = join(dirname(path), options.get("baseUrl") or ".") or ""
            for alias, targets in (options.get("paths") or {}).items():
                if isinstance(targets, list):
                    patterns = [join(base, t) or "" for t in targets if isinstance(t, str)]
                    found.append((dirname(path), alias, patterns))
            if options.get("baseUrl"):
                found.append((dirname(path), "*", [join(base, "*") or "*"]))
        return found

    @functools.cached_property
    def psr4(self) -> list[tuple[str, str]]:
        """(namespace prefix, folder) from composer.json autoload sections, longest prefix first."""
        found = []
        for path in self.files_named("composer.json"):
            data = _loose_json(self.content_of(path))
            for section in ("autoload", "autoload-dev"):
                for prefix, folders in ((data.get(section) or {}).get("psr-4") or {}).items():
                    for folder in folders if isinstance(folders, list) else [folders]:
                        if isinstance(folder, str):
                            found.append((prefix.strip("\\"), join(dirname(path), folder) or ""))
        return sorted(found, key=lambda p: -len(p[0]))

    @functools.cached_property
    def cargo_crates(self) -> dict[str, str]:
        """Crate name (with `_`) -> its `src` folder, from Cargo.toml [package] names."""
        crates = {}
        for path in self.files_named("Cargo.toml"):
            try:
                name = tomllib.loads(self.content_of(path)).get("package", {}).get("name")
            except (tomllib.TOMLDecodeError, RecursionError):  # a hostile file nests arrays thousands deep
                continue
            if isinstance(name, str):
                crates[name.replace("-", "_")] = join(dirname(path), "src") or "src"
        return crates

    @functools.cached_property
    def pub_packages(self) -> dict[str, str]:
        """Dart package name -> its `lib` folder, from pubspec.yaml."""
        found = {}
        for path in self.files_named("pubspec.yaml"):
            match = re.search(r"^name:\s*([\w]+)", self.content_of(path), re.MULTILINE)
            if match:
                found[match.group(1)] = join(dirname(path), "lib") or "lib"
        return found

    @functools.cached_property
    def package_json_names(self) -> dict[str, str]:
        """npm package name -> its folder, so a package can import itself by name."""
        found = {}
        for path in self.files_named("package.json"):
            if "node_modules/" in path:
                continue
            name = _loose_json(self.content_of(path)).get("name")
            if isinstance(name, str):
                found[name] = dirname(path)
        return found


def closest(candidates: list[str], near: str) -> str | None:
    """The candidate sharing the longest folder prefix with `near`; then the shortest; then by name."""
    if not candidates:
        return None
    near_parts = near.split("/")

    def shared(path: str) -> int:
        n = 0
        for a, b in zip(path.split("/")[:-1], near_parts[:-1], strict=False):
            if a != b:
                break
            n += 1
        return n

    return min(candidates, key=lambda p: (-shared(p), p.count("/"), p))


def _loose_json(text: str) -> dict:
    """JSON that may hold comments and trailing commas (tsconfig); {} when unreadable (or nested
    deeper than the parser's recursion limit)."""
    try:
        data = json.loads(text)
    except RecursionError:
        return {}
    except ValueError:
        comments = r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/'  # keep strings, drop comments
        stripped = re.sub(comments, lambda m: m.group(1) or "", text, flags=re.S)
        stripped = re.sub(r",(\s*[}\]])", r"\1", stripped)
        try:
            data = json.loads(stripped)
        except (ValueError, RecursionError):
            return {}
    return data if isinstance(data, dict) else {}
