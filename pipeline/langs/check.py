"""Validation of the language specs (`corpus langs check`): every problem found, not just the first."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import Path

from pipeline.langs.parse import grammar_problem
from pipeline.langs.registry import LanguageSpec, Registry, SpecError, parse_toml, spec_sources


def tree_sitter_grammars() -> set[str] | None:
    """Grammar names tree_sitter_language_pack ships (None when the package is not installed)."""
    try:
        import typing

        from tree_sitter_language_pack import SupportedLanguage
    except ImportError:
        return None
    return set(typing.get_args(SupportedLanguage))


def load_all(directory: Path) -> tuple[list[LanguageSpec], list[str]]:
    specs, errors = [], []
    for name, data in spec_sources(Path(directory)):
        try:
            specs.append(parse_toml(data, name))
        except SpecError as error:
            errors.append(str(error))
    return specs, errors


def check_specs(
    specs: list[LanguageSpec], grammars: set[str] | None, filter_keys: Collection[str] | None = None
) -> list[str]:
    """Errors of a set of specs. `grammars`: the tree-sitter grammars that load; `filter_keys`: the
    thresholds a `[filters]` table may set (the filter stage's; None skips that check)."""
    errors = []
    errors += _duplicate_names(specs)
    errors += _duplicate_interpreters(specs)
    if filter_keys is not None:
        errors += _unknown_filter_keys(specs, set(filter_keys))
    for spec in specs:
        errors += _check_patterns(spec)
        if spec.tree_sitter and grammars is not None and spec.tree_sitter not in grammars:
            errors.append(
                f"{spec.source_file}: tree_sitter grammar {spec.tree_sitter!r} is not in tree_sitter_language_pack"
            )
        if not (spec.extensions or spec.filenames or spec.interpreters):
            errors.append(f"{spec.source_file}: no extension, filename or interpreter: never detected")
        for rule in spec.heuristics:
            unclaimed = [k for k in rule.extensions if k not in spec.extensions and k not in spec.filenames]
            if unclaimed:
                errors.append(f"{spec.source_file}: heuristic for {unclaimed} that the spec does not claim")
    if not any("pattern" in e for e in errors):  # the registry compiles every pattern
        errors += _unresolved_ambiguities(Registry(specs))
    return errors


def grammar_load_errors(
    specs: list[LanguageSpec], grammars: set[str] | None, problem: Callable[[str], str | None] = grammar_problem
) -> list[str]:
    """Specs whose grammar is in the pack but does not load or parse (each grammar is tried once)."""
    if grammars is None:
        return []
    named = sorted({s.tree_sitter for s in specs if s.tree_sitter and s.tree_sitter in grammars})
    broken = {g: why for g in named if (why := problem(g))}
    return [
        f"{spec.source_file}: tree_sitter grammar {spec.tree_sitter!r} does not load: {broken[spec.tree_sitter]}"
        for spec in specs
        if spec.tree_sitter in broken
    ]


def _duplicate_names(specs: list[LanguageSpec]) -> list[str]:
    owner: dict[str, str] = {}
    errors = []
    for spec in specs:
        for label in (spec.name, *spec.aliases):
            key = label.lower()
            if key in owner and owner[key] != spec.source_file:
                errors.append(f"{spec.source_file}: name or alias {label!r} already used by {owner[key]}")
            owner.setdefault(key, spec.source_file)
    return errors


def _duplicate_interpreters(specs: list[LanguageSpec]) -> list[str]:
    owner: dict[str, str] = {}
    errors = []
    for spec in specs:
        for interpreter in spec.interpreters:
            if interpreter in owner:
                errors.append(
                    f"{spec.source_file}: interpreter {interpreter!r} already claimed by {owner[interpreter]}"
                )
            owner.setdefault(interpreter, spec.source_file)
    return errors


def _unknown_filter_keys(specs: list[LanguageSpec], known: set[str]) -> list[str]:
    return [
        f"{spec.source_file}: [filters] key {key!r} is not a filter threshold"
        for spec in specs
        for key in spec.filters
        if key not in known
    ]


# `^\s*` under MULTILINE rescans all following blank lines from every line start: quadratic time on
# files with long runs of blank lines. Indentation never spans lines: `^[ \t]*` says the same.
QUADRATIC = re.compile(r"\^\\s[*+{]")


def _check_patterns(spec: LanguageSpec) -> list[str]:
    errors = [
        f"{spec.source_file}: pattern {p!r} starts a line with \\s (quadratic): use [ \\t]"
        for p in (*spec.import_patterns, *(q for r in spec.heuristics for q in r.patterns))
        if QUADRATIC.search(p)
    ]
    for pattern in spec.import_patterns:
        try:
            if re.compile(pattern).groups < 1:
                errors.append(f"{spec.source_file}: import pattern {pattern!r} has no capture group")
        except re.error as error:
            errors.append(f"{spec.source_file}: import pattern {pattern!r}: {error}")
    for rule in spec.heuristics:
        for pattern in rule.patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                errors.append(f"{spec.source_file}: heuristic pattern {pattern!r}: {error}")
    return errors


def _unresolved_ambiguities(registry: Registry) -> list[str]:
    """An extension or filename several languages claim needs exactly one default rule among them."""
    errors = []
    for key, candidates in sorted(registry.ambiguous.items()):
        defaults = {r.spec.name for r in registry.rules.get(key, ()) if not r.patterns}
        names = ", ".join(s.name for s in candidates)
        if len(defaults) != 1:
            errors.append(
                f"{key!r} is claimed by {names}: needs one default rule (a heuristic without "
                f"patterns), found {sorted(defaults) or 'none'}"
            )
    return errors
