"""Resolve each import to files of the same repository, following each language's rules.

An import that resolves to no file of the repository is external (a library) and makes no edge.
`RepoResolver.edges()` returns the dependency edges `(importer, imported)` as node indexes, plus
per-file counts of imports found and resolved.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict

from pipeline.repo.extract import FileFacts, Import
from pipeline.repo.index import RepoIndex, closest, dirname, join, normalize

JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".json", ".vue", ".svelte")
JS_COMPILED_TO = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
# Folders C/C++ projects commonly pass with -I.
INCLUDE_ROOT_NAMES = {"include", "includes", "inc", "src", "source", "lib", "public", "api"}
# Folders module-path languages (Perl, Haskell, Lua, Elixir, Ruby...) search besides the repository root.
SOURCE_ROOT_NAMES = ("lib", "src", "source", "app")
INDEX_NAMES = ("init", "index", "mod", "__init__")
# A C# `using` of a namespace of this repository from which no name is used: resolved, but no edge.
NAMESPACE_ONLY = "<namespace>"
# Files one file may depend on. A wildcard import, a Go package or names shared across a huge package
# can reach thousands of files, and a graph with an edge per pair grows with the square of the files
# (a 7,000-file package: tens of millions of edges, 20 GB). Single-target imports come first, then the
# nearest by folder; a file over the cap is counted (`n_capped_files`).
MAX_TARGETS_PER_FILE = 64


class RepoResolver:
    def __init__(self, index: RepoIndex, facts: list[FileFacts], extensions: list[tuple[str, ...]]):
        self.index = index
        self.facts = facts
        self.extensions = extensions  # per file: its language's extensions (for module-path languages)

    def edges(self) -> tuple[set[tuple[int, int]], list[int], list[int]]:
        edges: set[tuple[int, int]] = set()
        n_imports = [0] * len(self.facts)
        n_resolved = [0] * len(self.facts)
        self.capped = [False] * len(self.facts)
        node_of = self.index.node_of
        for i, facts in enumerate(self.facts):
            resolve = RESOLVERS.get(facts.resolver, resolve_module)
            single: dict[int, None] = {}
            several: dict[int, None] = {}
            for imp in facts.imports:
                targets = resolve(self, i, imp)
                n_imports[i] += 1
                if targets:
                    n_resolved[i] += 1
                    nodes = [node_of[t] for t in targets if t in node_of and node_of[t] != i]
                    (single if len(nodes) == 1 else several).update(dict.fromkeys(nodes))
            if facts.resolver in SCOPE_RESOLVERS:
                several.update((node_of[t], None) for t in SCOPE_RESOLVERS[facts.resolver](self, i) if node_of[t] != i)
            chosen = list(single)[:MAX_TARGETS_PER_FILE]
            rest = [n for n in several if n not in single]
            if len(chosen) + len(rest) > MAX_TARGETS_PER_FILE:
                self.capped[i] = True
                rest = self._nearest(i, rest, MAX_TARGETS_PER_FILE - len(chosen))
            edges.update((i, n) for n in chosen + rest)
        return edges, n_imports, n_resolved

    def _nearest(self, i: int, nodes: list[int], count: int) -> list[int]:
        """The `count` nodes whose paths share the most folders with file i's (then by path)."""
        paths = self.index.paths
        near = paths[i].split("/")[:-1]

        def distance(node: int) -> tuple[int, str]:
            shared = 0
            for a, b in zip(paths[node].split("/")[:-1], near, strict=False):
                if a != b:
                    break
                shared += 1
            return -shared, paths[node]

        return sorted(nodes, key=distance)[: max(0, count)]

    def path(self, i: int) -> str:
        return self.index.paths[i]

    @functools.cached_property
    def include_roots(self) -> list[str]:
        return _include_roots(self)

    @functools.cached_property
    def symbols(self) -> tuple[dict, dict]:
        return _symbol_index(self)

    # ---- Python ---------------------------------------------------------------------------------

    @functools.cached_property
    def python_modules(self) -> dict[str, list[tuple[str, str | None]]]:
        """Dotted module name -> [(file, visible_only_from_folder or None)]."""
        modules: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
        packages = {dirname(p) for p in self.index.files_named("__init__.py", "__init__.pyi")}
        for path in self.index.node_of:
            if not path.endswith((".py", ".pyi")):
                continue
            folder = dirname(path)
            top = folder
            while top in packages:
                top = dirname(top) if top else None
                if top is None:
                    break
            roots = set()
            if folder in packages:
                roots.add(top or "")
            else:
                roots.add(folder)  # a script folder: its siblings import each other by name
            roots.add("")
            for root in roots:
                name = _python_module_name(path, root)
                if name:
                    script_folder = root == folder and folder not in packages and root != ""
                    visible_from = folder if script_folder else None
                    modules[name].append((path, visible_from))
        return modules

    def python_module(self, dotted: str, importer: str) -> str | None:
        importer_dir = dirname(importer)
        modules = self.python_modules.get(dotted, ())
        candidates = [p for p, visible in modules if visible in (None, importer_dir)]
        return closest(candidates, importer)

    def python_relative_base(self, importer: str, dots: int) -> str | None:
        base = dirname(importer)
        for _ in range(dots - 1):
            if not base:
                return None
            base = dirname(base)
        return base

    def python_file_in(self, folder: str | None, dotted: str) -> str | None:
        if folder is None:
            return None
        rel = dotted.replace(".", "/")
        stem = join(folder, rel) if rel else folder
        if stem is None:
            return None
        return self.index.first_existing(
            [f"{stem}.py", f"{stem}.pyi", join(stem, "__init__.py"), join(stem, "__init__.pyi")]
            if rel
            else [join(stem, "__init__.py"), join(stem, "__init__.pyi")]
        )


def resolve_python(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    target = imp.target
    dots = len(target) - len(target.lstrip("."))
    module = target[dots:]
    if dots:
        base = r.python_relative_base(importer, dots)

        def find(dotted):
            return r.python_file_in(base, dotted)
    else:

        def find(dotted):
            return r.python_module(dotted, importer) if dotted else None

    found = []
    names = imp.names if imp.kind == "from" else ()
    plain_names = [n for n in names if n != "*"]
    attribute_import = not plain_names
    for name in plain_names:
        submodule = find(f"{module}.{name}" if module else name)
        if submodule:
            found.append(submodule)
        else:
            attribute_import = True
    if attribute_import or not found:
        parts = module.split(".") if module else []
        # The deepest existing module: `import a.b.c` depends on a/b/c.py, or on a/b.py for an attribute.
        for k in range(len(parts), -1 if dots else 0, -1):
            owner = find(".".join(parts[:k]))
            if owner:
                found.append(owner)
                break
    return found


def _python_module_name(path: str, root: str) -> str | None:
    rel = path[len(root) + 1 :] if root else path
    if root and not path.startswith(root + "/"):
        return None
    stem = re.sub(r"\.pyi?$", "", rel)
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


# ---- JavaScript / TypeScript ----------------------------------------------------------------------


def js_candidates(base: str) -> list[str]:
    candidates = [base]
    root, ext = posixpath.splitext(base)
    for compiled in JS_COMPILED_TO.get(ext, ()):
        candidates.append(root + compiled)
    candidates += [base + e for e in JS_EXTENSIONS]
    candidates += [f"{base}/index{e}" for e in JS_EXTENSIONS]
    return candidates


def resolve_js(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    spec = imp.target.split("?")[0].split("#")[0]
    if not spec:
        return []
    if spec.startswith("."):
        base = join(dirname(importer), spec)
        return _first(r, js_candidates(base) if base is not None else [])
    if spec.startswith("/"):
        return _first(r, js_candidates(normalize(spec) or ""))
    for config_dir, alias, targets in r.index.ts_aliases:
        if config_dir and not importer.startswith(config_dir + "/"):
            continue
        rest = _match_alias(alias, spec)
        if rest is None:
            continue
        for target in targets:
            found = _first(r, js_candidates(target.replace("*", rest)))
            if found:
                return found
    for name, folder in r.index.package_json_names.items():
        if spec == name or spec.startswith(name + "/"):
            found = _first(r, js_candidates(join(folder, spec[len(name) + 1 :] or "index") or ""))
            if found:
                return found
    # Common bundler aliases when no config says otherwise: `@/x` and `~/x` mean `src/x`.
    if spec.startswith(("@/", "~/")):
        return _first(r, js_candidates(join("src", spec[2:]) or ""))
    return []


def _match_alias(alias: str, spec: str) -> str | None:
    if "*" not in alias:
        return "" if spec == alias else None
    prefix, suffix = alias.split("*", 1)
    if spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix) + len(suffix):
        return spec[len(prefix) : len(spec) - len(suffix)]
    return None


def _first(r: RepoResolver, candidates: list[str]) -> list[str]:
    found = r.index.first_existing(candidates)
    return [found] if found else []


# ---- C / C++ / CUDA / Objective-C -----------------------------------------------------------------


def resolve_c(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    if imp.kind != "system":
        found = r.index.first_existing([join(dirname(importer), imp.target)])
        if found:
            return [found]
    roots = [join(root, imp.target) for root in r.include_roots]
    ancestors = []
    folder = dirname(importer)
    while folder:
        folder = dirname(folder)
        ancestors.append(join(folder, imp.target))
    found = r.index.first_existing(roots + ancestors)
    if found:
        return [found]
    if imp.kind == "system":
        return []
    found = r.index.by_suffix(imp.target, importer)  # a -I folder we could not guess
    return [found] if found else []


def _include_roots(r: RepoResolver) -> list[str]:
    roots = [d for d in r.index.dirs if posixpath.basename(d) in INCLUDE_ROOT_NAMES]
    return sorted(roots, key=lambda d: (d.count("/"), d)) + [""]


# ---- Java / Kotlin / Scala, C# (package-scoped symbols) ---------------------------------------------


def _symbol_index(r: RepoResolver) -> tuple[dict, dict]:
    """(package, declared name) -> files, and package -> files, over files that declare a package."""
    by_symbol: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_package: dict[str, list[str]] = defaultdict(list)
    for i, facts in enumerate(r.facts):
        if facts.resolver not in SCOPE_RESOLVERS or facts.resolver == "go":
            continue
        path = r.path(i)
        package = _scope_package(facts, path)
        by_package[package].append(path)
        for name in facts.declared:
            by_symbol[(package, name)].append(path)
        stem = posixpath.splitext(posixpath.basename(path))[0]
        if stem not in facts.declared:
            by_symbol[(package, stem)].append(path)
    return by_symbol, by_package


def _scope_package(facts: FileFacts, path: str) -> str:
    """The package whose names a file sees. JVM sources without a package declaration share the
    default package only with their own folder (how they are compiled together in practice): taken
    repository-wide, every script of a large repository would see every other."""
    if facts.package is None and facts.resolver == "jvm":
        return "/" + dirname(path)  # never a dotted package name, so no import can name it
    return facts.package or ""


def resolve_jvm(r: RepoResolver, i: int, imp: Import) -> list[str]:
    by_symbol, by_package = r.symbols
    parts = imp.target.split(".")
    if imp.kind == "wildcard":
        if imp.target in by_package:
            return list(by_package[imp.target])
        parts = parts + ["*"]  # static wildcard import of a class's members: the class file
    # a.b.C, a.b.C.Inner, a.b.C.staticMember: the longest prefix naming a declared type.
    for k in range(len(parts) - 1, 0, -1):
        files = by_symbol.get((".".join(parts[:k]), parts[k]))
        if files:
            return list(files)
    found = r.index.first_existing(
        [f"{'/'.join(parts[:k])}{ext}" for k in range(len(parts), 1, -1) for ext in (".java", ".kt", ".scala")]
    )
    if found:
        return [found]
    for k in range(len(parts), 1, -1):
        for ext in (".java", ".kt", ".scala"):
            found = r.index.by_suffix("/".join(parts[:k]) + ext, r.path(i))
            if found:
                return [found]
    return []


def same_package_refs(r: RepoResolver, i: int) -> list[str]:
    """Files of the same package whose declared names this file uses (no import needed)."""
    by_symbol, _ = r.symbols
    facts = r.facts[i]
    package = _scope_package(facts, r.path(i))
    visible = [package]
    if facts.resolver == "csharp":
        # C#: usings and the enclosing namespaces are visible too.
        visible += [imp.target for imp in facts.imports]
        parts = package.split(".")
        visible += [".".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]
    found: dict[str, None] = {}
    for name in facts.refs:
        for ns in visible:
            found.update(dict.fromkeys(by_symbol.get((ns, name), ())))
    return list(found)


def resolve_csharp(r: RepoResolver, i: int, imp: Import) -> list[str]:
    by_symbol, by_package = r.symbols
    if imp.target in by_package:
        # A namespace of this repository: the edges come from the names used (same_package_refs);
        # resolved here to the files declaring those names, or nothing when none is used.
        refs = r.facts[i].refs
        return [p for name in refs for p in by_symbol.get((imp.target, name), ())] or [NAMESPACE_ONLY]
    namespace, _, name = imp.target.rpartition(".")
    return list(by_symbol.get((namespace, name), ()))


# ---- Go ------------------------------------------------------------------------------------------------


def resolve_go(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    for module, folder in r.index.go_modules:
        if imp.target == module or imp.target.startswith(module + "/"):
            package_dir = join(folder, imp.target[len(module) + 1 :]) or ""
            return _go_package_files(r, package_dir, importer)
    if imp.target.startswith("."):
        return _go_package_files(r, join(dirname(importer), imp.target) or "", importer)
    return []


def _go_package_files(r: RepoResolver, folder: str, importer: str) -> list[str]:
    files = [p for p in r.index.files_in_dir.get(folder, ()) if p.endswith(".go")]
    if not importer.endswith("_test.go"):
        files = [p for p in files if not p.endswith("_test.go")] or files
    return files


def go_same_package_refs(r: RepoResolver, i: int) -> list[str]:
    facts = r.facts[i]
    path = r.path(i)
    found = []
    for other in r.index.files_in_dir.get(dirname(path), ()):
        if other == path or not other.endswith(".go"):
            continue
        other_facts = r.facts[r.index.node_of[other]]
        if other_facts.package == facts.package and other_facts.declared & facts.refs:
            found.append(other)
    return found


# ---- Rust --------------------------------------------------------------------------------------------


def _rust_child_dir(path: str) -> str:
    """Folder holding the submodules of the module defined by `path`."""
    name = posixpath.basename(path)
    if name in ("mod.rs", "lib.rs", "main.rs"):
        return dirname(path)
    return path[:-3]


def _rust_module_file(r: RepoResolver, folder: str, name: str) -> str | None:
    return r.index.first_existing([join(folder, f"{name}.rs"), join(folder, name, "mod.rs")])


def _rust_crate_root(r: RepoResolver, path: str) -> str | None:
    folder = dirname(path)
    while True:
        root = r.index.first_existing([join(folder, "lib.rs"), join(folder, "main.rs")])
        if root:
            return root
        if not folder:
            return None
        folder = dirname(folder)


def _rust_parent_module(r: RepoResolver, path: str) -> str | None:
    folder = dirname(_rust_child_dir(path))
    return r.index.first_existing(
        [folder + ".rs" if folder else None, join(folder, "mod.rs"), join(folder, "lib.rs"), join(folder, "main.rs")]
    )


def resolve_rust(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    if imp.kind == "mod":
        found = _rust_module_file(r, _rust_child_dir(importer), imp.target)
        return [found] if found else []
    segments = imp.target.split("::")
    head, rest = segments[0], segments[1:]
    if head == "crate":
        module = _rust_crate_root(r, importer)
    elif head == "self":
        module = importer
    elif head == "super":
        module = _rust_parent_module(r, importer)
        while rest and rest[0] == "super" and module:
            module = _rust_parent_module(r, module)
            rest = rest[1:]
    elif head in r.index.cargo_crates:
        crate_src = r.index.cargo_crates[head]
        module = r.index.first_existing([join(crate_src, "lib.rs")])
    else:
        # 2018 edition: a path may start with a child module of the current module.
        module = _rust_module_file(r, _rust_child_dir(importer), head)
        if not module:
            return []
    if module is None:
        return []
    for segment in rest:
        child = _rust_module_file(r, _rust_child_dir(module), segment)
        if child is None:
            break
        module = child
    return [module]


# ---- Ruby, PHP, Dart ---------------------------------------------------------------------------------


def resolve_ruby(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    target = imp.target if imp.target.endswith(".rb") else imp.target + ".rb"
    if imp.kind == "relative_path":
        return _first(r, [join(dirname(importer), target)])
    roots = [d for d in sorted(r.index.dirs) if posixpath.basename(d) == "lib"] + [dirname(importer), ""]
    return _first(r, [join(root, target) for root in roots])


def resolve_php(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    if imp.kind == "relative_path":
        target = imp.target.lstrip("/")
        found = _first(r, [join(dirname(importer), target), join("", target)])
        if found:
            return found
        found = r.index.by_suffix(target, importer)
        return [found] if found else []
    name = imp.target.strip("\\")
    for prefix, folder in r.index.psr4:
        if name == prefix or name.startswith(prefix + "\\") or not prefix:
            rest = name[len(prefix) :].strip("\\") if prefix else name
            found = _first(r, [join(folder, rest.replace("\\", "/") + ".php")])
            if found:
                return found
    parts = name.split("\\")
    for k in range(len(parts), 0, -1):
        if k == 1 and len(parts) > 1:
            break  # a bare class name is too ambiguous to match by file name alone
        found = r.index.by_suffix("/".join(parts[-k:]) + ".php", importer)
        if found:
            return [found]
    return []


def resolve_dart(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    if imp.target.startswith("dart:"):
        return []
    if imp.target.startswith("package:"):
        package, _, rest = imp.target[len("package:") :].partition("/")
        folder = r.index.pub_packages.get(package)
        return _first(r, [join(folder, rest)]) if folder is not None else []
    return _first(r, [join(dirname(importer), imp.target)])


# ---- Module names to paths (Haskell, Lua, Perl, Elixir, Julia, R, Shell, Zig, regex fallbacks) -------


def resolve_module(r: RepoResolver, i: int, imp: Import) -> list[str]:
    importer = r.path(i)
    extensions = r.extensions[i] or ()
    folder = dirname(importer)
    if imp.kind in ("path", "relative_path", "system", "any"):
        target = imp.target
        candidates = [join(folder, target)] + [join(folder, target + e) for e in extensions]
        if imp.kind != "relative_path":
            candidates += [join(root, target) for root in _module_roots(r)]
        found = _first(r, candidates)
        if found or imp.kind in ("path", "relative_path", "system"):
            return found
    stems = _module_stems(imp.target)
    candidates = []
    for root in [folder] + _module_roots(r):
        for stem in stems:
            base = join(root, stem)
            if base is None:
                continue
            candidates += [base + e for e in extensions]
            candidates += [f"{base}/{name}{e}" for name in INDEX_NAMES for e in extensions]
    return _first(r, candidates)


def _module_roots(r: RepoResolver) -> list[str]:
    roots = [
        d for d in sorted(r.index.dirs, key=lambda d: (d.count("/"), d)) if posixpath.basename(d) in SOURCE_ROOT_NAMES
    ]
    return [""] + roots


def _module_stems(name: str) -> list[str]:
    """`A.B`, `A::B`, `a/b` -> `A/B`, plus the snake_case and lower-case forms (Elixir, Julia)."""
    path = re.sub(r"::|\.|\\", "/", name.strip()).strip("/")
    if not path:
        return []
    snake = "/".join(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", part).lower() for part in path.split("/"))
    stems = [path, snake, path.lower()]
    return list(dict.fromkeys(stems))


RESOLVERS = {
    "python": resolve_python,
    "js": resolve_js,
    "c": resolve_c,
    "jvm": resolve_jvm,
    "csharp": resolve_csharp,
    "go": resolve_go,
    "rust": resolve_rust,
    "ruby": resolve_ruby,
    "php": resolve_php,
    "dart": resolve_dart,
    "module": resolve_module,
}

# Resolvers whose languages let a file use names of its own package without importing them.
SCOPE_RESOLVERS = {
    "jvm": same_package_refs,
    "csharp": same_package_refs,
    "go": go_same_package_refs,
}
