"""File -> language: exact filename, then extension when only one language claims it; otherwise the
shebang / editor modeline, then the content heuristics the candidates' specs declare.

An unambiguous extension is trusted over the interpreter line: a TypeScript CLI starts with
`#!/usr/bin/env node` and is still TypeScript. Content is only read when the name is not enough.
"""

from __future__ import annotations

import re

from pipeline.langs.registry import LanguageSpec, Registry, default_registry

HEAD_CHARS = 16_384  # heuristics look at the start of a file only: detection runs on every file
MODELINE_CHARS = 512
SHEBANG = re.compile(r"#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:\S*/)?([A-Za-z0-9_.+-]+)[ \t]*(\S*)")
LAUNCHERS = {"npx", "bunx", "pnpx"}  # `#!/usr/bin/env -S npx ts-node`: the language is the next word
# `#!/bin/sh` followed by `exec tclsh "$0"` (the classic trick for interpreters not at a fixed path)
EXEC_TRICK = re.compile(r"^[ \t]*exec\s+(?:\S*/)?([A-Za-z][\w.+-]*)", re.MULTILINE)
MODELINE = re.compile(
    r"-\*-(?:.*?\bmode:\s*([\w+#.-]+)|\s*([\w+#.-]+))\s*(?:;.*?)?-\*-"
    r"|\b(?:vim?|ex):.*?\b(?:ft|filetype|syntax)=([\w+#.-]+)",
    re.IGNORECASE,
)
VERSION_SUFFIX = re.compile(r"[\d.]+$")


def detect_language(path: str, content: str | None = None, registry: Registry | None = None) -> str | None:
    spec = detect_spec(path, content, registry or default_registry())
    return spec.name if spec else None


def detect_spec(path: str, content: str | None, registry: Registry) -> LanguageSpec | None:
    filename = path[path.rfind("/") + 1 :] if "/" in path else path
    spec = registry.unique_filename.get(filename)
    if spec:
        return spec
    candidates = registry.by_filename.get(filename)
    if candidates:
        if len(candidates) == 1:
            return candidates[0]
        return _disambiguate(registry, filename, candidates, content)
    dot = filename.find(".", 1)
    if dot > 0:
        spec = registry.by_filename_prefix.get(filename[:dot])
        if spec:
            return spec
    ext, candidates = _extension_candidates(filename, registry)
    if candidates and len(candidates) == 1:
        return candidates[0]
    if content and content[0] == "\ufeff":  # a byte-order mark would hide `#!` and first-line patterns
        content = content[1:]
    if content:
        spec = _from_shebang_or_modeline(content, registry)
        # With an ambiguous extension, the interpreter only picks among the extension's candidates.
        if spec and (not candidates or any(spec is c for c in candidates)):
            return spec
    if not candidates:
        return None
    return _disambiguate(registry, ext, candidates, content)


def _extension_candidates(filename: str, registry: Registry) -> tuple[str, list[LanguageSpec] | None]:
    lower = filename.lower()
    last = lower.rfind(".")
    if last <= 0:
        return "", None
    previous = lower.rfind(".", 0, last)
    if previous > 0:  # `.html.erb`, `.d.ts`, `.cmake.in`: the two-part suffix first
        candidates = registry.by_extension.get(lower[previous:])
        if candidates:
            return lower[previous:], candidates
    ext = lower[last:]
    return ext, registry.by_extension.get(ext)


def _from_shebang_or_modeline(content: str, registry: Registry) -> LanguageSpec | None:
    if content.startswith("#!"):
        spec = _from_shebang(content[:512], registry)
        if spec:
            return spec
    head = content[:MODELINE_CHARS]
    tail = content[-MODELINE_CHARS:] if len(content) > MODELINE_CHARS else ""
    for part in (head, tail):
        if "-*-" in part or "vi" in part or "ex:" in part:
            match = MODELINE.search(part)
            if match:
                spec = registry.get(next(g for g in match.groups() if g))
                if spec:
                    return spec
    return None


def _from_shebang(head: str, registry: Registry) -> LanguageSpec | None:
    match = SHEBANG.match(head)
    if not match:
        return None
    if match.group(1) in ("sh", "bash") and "exec " in head:
        trick = EXEC_TRICK.search(head)
        spec = _interpreter_spec(trick.group(1), registry) if trick else None
        if spec:
            return spec
    interpreter = match.group(2) if match.group(1) in LAUNCHERS else match.group(1)
    return _interpreter_spec(interpreter, registry)


def _interpreter_spec(interpreter: str, registry: Registry) -> LanguageSpec | None:
    return registry.by_interpreter.get(interpreter) or registry.by_interpreter.get(VERSION_SUFFIX.sub("", interpreter))


def _disambiguate(registry: Registry, key: str, candidates: list[LanguageSpec], content: str | None) -> LanguageSpec:
    """The first rule (by priority) whose pattern matches; rules without patterns are defaults."""
    head = content[:HEAD_CHARS] if content else ""
    rules = registry.rules.get(key, ())
    for rule in rules:
        if not rule.patterns or (head and any(p.search(head) for p in rule.patterns)):
            return rule.spec
    return rules[0].spec if rules else candidates[0]
