"""What a file imports (and, for package-scoped languages, what it declares and uses).

Tree-sitter parses the file (`pipeline.langs.parse`) when its spec names a grammar we have rules for;
otherwise the spec's `import_patterns` regexes are used. Parsing has a size and a time budget: a file
over either gets no imports (it is still placed in a sample) and its status says why.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

from pipeline.langs.parse import PARSE_FAILED, PARSED, TIMEOUT
from pipeline.langs.parse import parse as _parse
from pipeline.langs.registry import LanguageSpec
from pipeline.repo.grammars import RULES
from pipeline.stage import setting

# Statuses, counted in the stage's statistics (PARSED, TIMEOUT and PARSE_FAILED are the parser's).
PARSED_WITH_ERRORS = "parsed_with_errors"
REGEX = "regex"
NO_RULES = "no_rules"
TOO_LARGE = "too_large"
NO_IMPORTS_STATUSES = (TOO_LARGE, TIMEOUT, PARSE_FAILED)
# tree-sitter's query cursor slows from milliseconds to minutes once a tree is deeper than ~32k nodes
# (100k nested calls, a 40k-long `else if` chain); no import sits that deep, so matches start above this.
MAX_QUERY_DEPTH = 10_000
# A Rust `use` tree is expanded without recursion, down to this depth, into at most this many paths.
MAX_USE_DEPTH = 64
MAX_USE_PATHS = 10_000
# Ancestors looked at for enclosing `mod name { }` blocks (each `use` walks up: quadratic if unbounded).
MAX_MODULE_NESTING = 64


@dataclass(frozen=True)
class Import:
    kind: str  # module | from | path | relative_path | system | wildcard | mod | use | any
    target: str
    names: tuple[str, ...] = ()


@dataclass
class FileFacts:
    imports: list[Import] = field(default_factory=list)
    package: str | None = None
    declared: frozenset[str] = frozenset()
    refs: frozenset[str] = frozenset()
    status: str = NO_RULES
    resolver: str = "module"


@dataclass(frozen=True)
class Budget:
    parse_max_bytes: int = setting(
        1 << 20, "files larger than this are not parsed for imports (still included)", minimum=0
    )
    parse_max_seconds: float = setting(2.0, "parsing time budget per file", minimum=0.001)


def resolver_for(spec: LanguageSpec | None) -> str:
    rules = RULES.get(spec.tree_sitter) if spec and spec.tree_sitter else None
    return rules.resolver if rules else "module"


def extract_facts(content: str, spec: LanguageSpec | None, budget: Budget = Budget()) -> FileFacts:
    if spec is None:
        return FileFacts()
    rules = RULES.get(spec.tree_sitter) if spec.tree_sitter else None
    source = content.encode("utf-8", "surrogatepass")
    if rules is None or _query(spec.tree_sitter) is None:
        if not spec.import_patterns:
            return FileFacts(resolver=resolver_for(spec))
        if len(source) > budget.parse_max_bytes:
            return FileFacts(status=TOO_LARGE, resolver=resolver_for(spec))
        return FileFacts(
            imports=_regex_imports(content, spec.import_patterns), status=REGEX, resolver=resolver_for(spec)
        )
    if len(source) > budget.parse_max_bytes:
        return FileFacts(status=TOO_LARGE, resolver=rules.resolver)
    tree, status = _parse(spec.tree_sitter, source, budget.parse_max_seconds)
    if tree is None:
        return FileFacts(status=status, resolver=rules.resolver)
    facts = _facts_from_tree(spec.tree_sitter, tree, source)
    facts.status = PARSED_WITH_ERRORS if tree.root_node.has_error else PARSED
    facts.resolver = rules.resolver
    return facts


@functools.cache
def _query(grammar: str):
    """The compiled query, or None when the grammar is not bundled (treated as no rules)."""
    try:
        from tree_sitter import Query
        from tree_sitter_language_pack import get_language

        return Query(get_language(grammar), RULES[grammar].query)
    except (LookupError, ValueError, ImportError):
        return None


def _facts_from_tree(grammar: str, tree, source: bytes) -> FileFacts:
    from tree_sitter import QueryCursor

    cursor = QueryCursor(_query(grammar))
    cursor.set_max_start_depth(MAX_QUERY_DEPTH)
    captures = cursor.captures(tree.root_node)
    facts = FileFacts()
    imports: list[Import] = []

    def texts(name):
        nodes = sorted(captures.get(name, ()), key=lambda n: n.start_byte)
        return [_node_text(node, source) for node in nodes]

    for kind in ("module", "path", "relative_path", "system"):
        imports += [Import(kind, _unquote(t)) for t in texts(kind) if _unquote(t)]
    statements = [*captures.get("py_import", ()), *captures.get("py_from", ())]
    for node in sorted(statements, key=lambda n: n.start_byte):
        imports += _python_imports(node, source)
    for text in texts("jvm_import"):
        imports += _jvm_imports(text)
    for text in texts("cs_using"):
        imports += _csharp_usings(text)
    for text in texts("php_use"):
        imports += _php_uses(text)
    imports += [Import("mod", t) for t in texts("mod")]
    for node in sorted(captures.get("use", ()), key=lambda n: n.start_byte):
        depth = _inline_module_depth(node)
        imports += [Import("use", _rebase_rust_path(path, depth)) for path in expand_rust_use(_node_text(node, source))]
    facts.imports = imports
    packages = texts("package")
    facts.package = re.sub(r"\s+", "", packages[0]) if packages else None
    facts.declared = frozenset(texts("decl"))
    facts.refs = frozenset(texts("ref"))
    return facts


def _node_text(node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        text = text[1:-1]
    return text.strip()


def _python_imports(node, source: bytes) -> list[Import]:
    def dotted(name_node):
        if name_node.type == "aliased_import":
            name_node = name_node.child_by_field_name("name")
        return re.sub(r"\s+", "", _node_text(name_node, source))

    if node.type == "import_statement":
        return [Import("module", dotted(n)) for n in node.children_by_field_name("name")]
    module = node.child_by_field_name("module_name")
    if module is None:
        return []
    names = tuple(dotted(n) for n in node.children_by_field_name("name"))
    return [Import("from", re.sub(r"\s+", "", _node_text(module, source)), names)]


def _jvm_imports(text: str) -> list[Import]:
    """`import [static] a.b.C[.*];` (Java), `import a.b.C as D` (Kotlin), `import a.b.{C, D => E}` (Scala)."""
    body = re.sub(r"^\s*import\s+(static\s+)?", "", text.strip()).rstrip(";").strip()
    body = re.sub(r"\s+as\s+\w+$", "", body)
    body = re.sub(r"\s+", "", body)
    out = []
    braces = re.match(r"^(.*)\.\{(.*)\}$", body)
    if braces:
        members = [braces.group(1) + "." + m.split("=>")[0] for m in braces.group(2).split(",")]
    else:
        members = [body]
    for member in members:
        if member.endswith((".*", "._")):
            out.append(Import("wildcard", member[:-2]))
        elif member:
            out.append(Import("module", member))
    return out


def _csharp_usings(text: str) -> list[Import]:
    match = re.match(r"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)", text)
    return [Import("module", match.group(1))] if match else []


def _php_uses(text: str) -> list[Import]:
    body = re.sub(r"^\s*use\s+(function\s+|const\s+)?", "", text.strip()).rstrip(";")
    out = []
    group = re.match(r"^([\w\\]*)\\?\{(.*)\}$", re.sub(r"\s+", " ", body).strip())
    parts = [group.group(1) + "\\" + m for m in group.group(2).split(",")] if group else body.split(",")
    for part in parts:
        name = re.sub(r"\s+as\s+\w+$", "", part.strip()).strip().lstrip("\\")
        if name:
            out.append(Import("module", name))
    return out


def expand_rust_use(text: str) -> list[str]:
    """`crate::a::{b, c::{d, self}} as x` -> ['crate::a::b', 'crate::a::c::d', 'crate::a::c'].

    One pass over the text with a stack of group prefixes (no recursion: a hostile file nests
    groups 100k deep); groups deeper than MAX_USE_DEPTH are skipped."""
    text = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+", "", text))
    found: dict[str, None] = {}
    prefixes = [""]  # prefix of each open group; the first is the statement itself
    skipped = 0  # open groups below MAX_USE_DEPTH
    item = ""

    def emit() -> None:
        path = re.sub(r"(::)?(\*|self)$", "", _join_rust(prefixes[-1], item))
        if path and len(found) < MAX_USE_PATHS:
            found[path] = None

    for token in re.findall(r"[{},]|[^{},]+", text):
        if token == "{":
            if skipped or len(prefixes) > MAX_USE_DEPTH:
                skipped += 1
            else:
                prefixes.append(_join_rust(prefixes[-1], item.rstrip(":")))
            item = ""
        elif token == "}":
            if skipped:
                skipped -= 1
            else:
                if item:
                    emit()
                if len(prefixes) > 1:
                    prefixes.pop()
            item = ""
        elif token == ",":
            if item and not skipped:
                emit()
            item = ""
        else:
            item = token
    if item and not skipped:
        emit()
    return list(found)


def _inline_module_depth(node) -> int:
    """How many `mod name { ... }` blocks enclose a node (e.g. `#[cfg(test)] mod tests`)."""
    depth = 0
    parent = node.parent
    for _ in range(MAX_MODULE_NESTING):
        if parent is None:
            break
        if parent.type == "mod_item":
            depth += 1
        parent = parent.parent
    return depth


def _rebase_rust_path(path: str, depth: int) -> str:
    """Rewrite a path used inside `depth` inline modules relative to the file's own module:
    `use super::*` in `mod tests {}` means this file, not its parent."""
    segments = path.split("::")
    if depth == 0 or segments[0] not in ("super", "self"):
        return path
    supers = len(segments) - len(list(itertools.dropwhile(lambda seg: seg == "super", segments)))
    if segments[0] == "self" or supers < depth:
        return "self"  # an item of an enclosing inline module: in this file
    rest = segments[supers:]
    return "::".join(["super"] * (supers - depth) + rest) if supers > depth else "::".join(["self", *rest])


def _join_rust(prefix: str, item: str) -> str:
    item = item.strip(":")
    if not prefix:
        return item
    return f"{prefix}::{item}" if item else prefix


def _regex_imports(content: str, patterns: tuple[str, ...]) -> list[Import]:
    imports = []
    for pattern in patterns:
        compiled = _compiled(pattern)
        if compiled is None:
            continue
        for match in compiled.finditer(content):
            target = next((g for g in match.groups() if g), None) if match.groups() else match.group(0)
            if target:
                imports.append(Import("any", target.strip()))
    return imports


@functools.cache
def _compiled(pattern: str) -> re.Pattern | None:
    """None for a pattern Python cannot compile (a spec bug must not stop the stage)."""
    try:
        return re.compile(pattern, re.MULTILINE)
    except re.error:
        return None
