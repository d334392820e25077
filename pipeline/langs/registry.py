"""Load `language_specs/*.toml` (one file per language) into a registry indexed for detection.

The registry precomputes everything detection needs as plain dicts, so that the common case
(a filename or an extension that only one language claims) is a single lookup.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("code", "data", "markup", "prose")
SPECS_DIR = Path(os.environ.get("CORPUS_LANGUAGE_SPECS", Path(__file__).resolve().parents[2] / "language_specs"))


@dataclass(frozen=True)
class Heuristic:
    """Claims an ambiguous extension (or filename) for this language when a pattern matches the content.

    Rules of all candidates are tried by decreasing priority; a rule without patterns always matches,
    so it is the default for its extensions.
    """

    extensions: tuple[str, ...]
    patterns: tuple[str, ...]
    priority: int = 0


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    kind: str
    extensions: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()
    interpreters: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    line_comment: str | None = None
    block_comment: tuple[str, str] | None = None
    tree_sitter: str | None = None
    import_patterns: tuple[str, ...] = ()
    heuristics: tuple[Heuristic, ...] = ()
    filters: dict = field(default_factory=dict, hash=False, compare=False)
    source_file: str = ""
    extra: bool = False  # not one of DeepSeek-Coder-V2's 338 languages; added because detection needs it

    def path_comment(self, path: str) -> str:
        """A one-line comment naming `path`, in this language's own syntax (repository samples)."""
        if self.line_comment:
            return f"{self.line_comment} {path}"
        if self.block_comment:
            return f"{self.block_comment[0]} {path} {self.block_comment[1]}"
        return path


SPEC_KEYS = {
    "name",
    "kind",
    "extensions",
    "filenames",
    "interpreters",
    "aliases",
    "line_comment",
    "block_comment",
    "tree_sitter",
    "import_patterns",
    "heuristics",
    "filters",
    "linguist_name",
    "notes",
    "extra",
}
HEURISTIC_KEYS = {"extensions", "patterns", "priority"}
LIST_KEYS = ("extensions", "filenames", "interpreters", "aliases", "import_patterns")


class SpecError(ValueError):
    pass


def parse_spec(data: dict, source_file: str = "") -> LanguageSpec:
    where = source_file or data.get("name", "?")
    unknown = set(data) - SPEC_KEYS
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {sorted(unknown)}")
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise SpecError(f"{where}: `name` must be a non-empty string")
    if data.get("kind") not in KINDS:
        raise SpecError(f"{where}: kind must be one of {KINDS}, got {data.get('kind')!r}")
    for key in LIST_KEYS:
        values = data.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise SpecError(f"{where}: `{key}` must be a list of non-empty strings")
    if any(not e.startswith(".") for e in data.get("extensions", [])):
        raise SpecError(f"{where}: extensions start with a dot")
    block = data.get("block_comment")
    if block is not None and (not isinstance(block, list) or len(block) != 2):
        raise SpecError(f"{where}: `block_comment` must be [open, close]")
    heuristics = []
    for rule in data.get("heuristics", []):
        if set(rule) - HEURISTIC_KEYS or "extensions" not in rule:
            raise SpecError(f"{where}: a heuristic has keys {sorted(HEURISTIC_KEYS)} (extensions required)")
        heuristics.append(
            Heuristic(
                tuple(_extension_key(e) for e in rule["extensions"]),
                tuple(rule.get("patterns", ())),
                int(rule.get("priority", 0)),
            )
        )
    filters = data.get("filters", {})
    if not isinstance(filters, dict):
        raise SpecError(f"{where}: `filters` must be a table")
    return LanguageSpec(
        name=data["name"],
        kind=data["kind"],
        extensions=tuple(e.lower() for e in data.get("extensions", ())),
        filenames=tuple(data.get("filenames", ())),
        interpreters=tuple(data.get("interpreters", ())),
        aliases=tuple(data.get("aliases", ())),
        line_comment=data.get("line_comment"),
        block_comment=tuple(block) if block else None,
        tree_sitter=data.get("tree_sitter"),
        import_patterns=tuple(data.get("import_patterns", ())),
        heuristics=tuple(heuristics),
        filters=dict(filters),
        source_file=source_file,
        extra=bool(data.get("extra", False)),
    )


def _extension_key(value: str) -> str:
    """Heuristics are keyed by lower-case extension, or by exact filename when it has no leading dot."""
    return value.lower() if value.startswith(".") else value


@dataclass(frozen=True)
class Rule:
    """One heuristic of one candidate, compiled; `patterns` empty = always matches."""

    priority: int
    spec: LanguageSpec
    patterns: tuple[re.Pattern, ...]


class Registry:
    def __init__(self, specs: list[LanguageSpec]):
        self.specs = sorted(specs, key=lambda s: s.name.lower())
        self.by_name: dict[str, LanguageSpec] = {}
        self.by_extension: dict[str, list[LanguageSpec]] = {}
        self.by_filename: dict[str, list[LanguageSpec]] = {}
        self.by_interpreter: dict[str, LanguageSpec] = {}
        self.by_filename_prefix: dict[str, LanguageSpec] = {}  # "Dockerfile.*" -> key "Dockerfile"
        for spec in self.specs:
            for name in (spec.name, *spec.aliases):
                self.by_name.setdefault(name.lower(), spec)
            for ext in spec.extensions:
                self.by_extension.setdefault(ext, []).append(spec)
            for filename in spec.filenames:
                if filename.endswith(".*"):
                    self.by_filename_prefix.setdefault(filename[:-2], spec)
                else:
                    self.by_filename.setdefault(filename, []).append(spec)
            for interpreter in spec.interpreters:
                self.by_interpreter.setdefault(interpreter, spec)
        # Fast path: a filename claimed by one language maps straight to it.
        self.unique_filename = {k: v[0] for k, v in self.by_filename.items() if len(v) == 1}
        claims = (*self.by_extension.items(), *self.by_filename.items())
        self.ambiguous = {k: v for k, v in claims if len(v) > 1}
        self.rules = {key: self._rules_for(key, candidates) for key, candidates in self.ambiguous.items()}

    @staticmethod
    def _rules_for(key: str, candidates: list[LanguageSpec]) -> list[Rule]:
        rules = [
            Rule(h.priority, spec, tuple(_compiled(p) for p in h.patterns))
            for spec in candidates
            for h in spec.heuristics
            if key in h.extensions
        ]
        return sorted(rules, key=lambda r: (-r.priority, r.spec.name))

    def get(self, name: str | None) -> LanguageSpec | None:
        return self.by_name.get(name.lower()) if name else None

    def __len__(self) -> int:
        return len(self.specs)


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.MULTILINE)


def load_specs(directory: Path | str = SPECS_DIR) -> list[LanguageSpec]:
    return [parse_toml(text, name) for name, text in spec_sources(Path(directory))]


def spec_sources(directory: Path) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every `*.toml` in `directory`, also when it lies inside a zip archive
    (`spark-submit --py-files pipeline.zip` ships the package and `language_specs/` that way)."""
    if directory.is_dir():
        return [(path.name, path.read_bytes()) for path in sorted(directory.glob("*.toml"))]
    for archive in directory.parents:
        if archive.is_file() and zipfile.is_zipfile(archive):
            inner = directory.relative_to(archive).as_posix().rstrip("/") + "/"
            with zipfile.ZipFile(archive) as bundle:
                names = sorted(
                    n
                    for n in bundle.namelist()
                    if n.startswith(inner) and n.endswith(".toml") and "/" not in n[len(inner) :]
                )
                return [(posixpath.basename(n), bundle.read(n)) for n in names]
    return []


def load_spec_file(path: Path) -> LanguageSpec:
    return parse_toml(Path(path).read_bytes(), Path(path).name)


def parse_toml(data: bytes, name: str) -> LanguageSpec:
    try:
        return parse_spec(tomllib.loads(data.decode("utf-8")), name)
    except SpecError:
        raise
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as error:
        raise SpecError(f"{name}: {error}") from None


@functools.cache
def default_registry() -> Registry:
    """Loaded once per process (each executor loads it on first use)."""
    specs = load_specs()
    if not specs:
        raise SpecError(f"no language specs in {SPECS_DIR} (set CORPUS_LANGUAGE_SPECS to their folder)")
    return Registry(specs)
