"""Tree-sitter queries that find imports, per grammar of `tree-sitter-language-pack`.

A capture's name says how its text is read (see `extract.py`): `module` a dotted/`::` module
name, `path` a string path (relative to the file or a search root), `relative_path` a path
relative to the file only, `system` an angle-bracket include, `package` the file's own
package/namespace, `decl` a top-level name the file declares, `ref` a name it uses, `mod`/`use`
Rust items; `py_import`, `py_from`, `jvm_import`, `cs_using`, `php_use` are whole statements
parsed from their text. A grammar's `resolver` names the resolution rules in `resolve.py`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GrammarRules:
    query: str
    resolver: str
    # Names a same-package file may use without importing it (Java, Kotlin, C#, Go).
    package_scope: bool = False


def _string_call(
    functions: list[str],
    capture: str,
    call="call_expression",
    fn="function",
    args="arguments",
    args_node="arguments",
    string="(string (string_fragment) @{c})",
) -> str:
    names = " ".join(f'"{f}"' for f in functions)
    arg = string.format(c=capture)
    return f"({call} {fn}: (identifier) @_fn {args}: ({args_node} . {arg}) (#any-of? @_fn {names}))"


_C_INCLUDES = """
(preproc_include path: (string_literal (string_content) @path))
(preproc_include path: (system_lib_string) @system)
"""

_JS = """
(import_statement source: (string (string_fragment) @path))
(export_statement source: (string (string_fragment) @path))
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @path)))
""" + _string_call(["require"], "path")

_JAVA_REFS = "(type_identifier) @ref (identifier) @ref"
_TS_REQUIRE = "(import_require_clause source: (string (string_fragment) @path))"

RULES: dict[str, GrammarRules] = {
    "python": GrammarRules("(import_statement) @py_import (import_from_statement) @py_from", "python"),
    "javascript": GrammarRules(_JS, "js"),
    "typescript": GrammarRules(_JS + _TS_REQUIRE, "js"),
    "tsx": GrammarRules(_JS + _TS_REQUIRE, "js"),
    "c": GrammarRules(_C_INCLUDES, "c"),
    "cpp": GrammarRules(_C_INCLUDES, "c"),
    "cuda": GrammarRules(_C_INCLUDES, "c"),
    "objc": GrammarRules(_C_INCLUDES + "(module_import path: (identifier) @system)", "c"),
    "java": GrammarRules(
        "(package_declaration (_) @package) (import_declaration) @jvm_import "
        "(program [(class_declaration name: (_) @decl) (interface_declaration name: (_) @decl)"
        " (enum_declaration name: (_) @decl) (record_declaration name: (_) @decl)"
        " (annotation_type_declaration name: (_) @decl)]) " + _JAVA_REFS,
        "jvm",
        package_scope=True,
    ),
    "kotlin": GrammarRules(
        "(package_header (identifier) @package) (import_header) @jvm_import "
        "(source_file [(class_declaration (type_identifier) @decl)"
        " (object_declaration (type_identifier) @decl) (type_alias (type_identifier) @decl)"
        " (function_declaration (simple_identifier) @decl)]) "
        "(type_identifier) @ref (simple_identifier) @ref",
        "jvm",
        package_scope=True,
    ),
    "scala": GrammarRules(
        "(package_clause name: (_) @package) (import_declaration) @jvm_import "
        "(compilation_unit [(class_definition name: (_) @decl) (object_definition name: (_) @decl)"
        " (trait_definition name: (_) @decl)]) (type_identifier) @ref (identifier) @ref",
        "jvm",
        package_scope=True,
    ),
    "csharp": GrammarRules(
        "(namespace_declaration name: (_) @package) (file_scoped_namespace_declaration name: (_) @package) "
        "(using_directive) @cs_using "
        "[(class_declaration name: (_) @decl) (interface_declaration name: (_) @decl)"
        " (struct_declaration name: (_) @decl) (enum_declaration name: (_) @decl)"
        " (record_declaration name: (_) @decl)] (identifier) @ref",
        "csharp",
        package_scope=True,
    ),
    "go": GrammarRules(
        "(import_spec path: (interpreted_string_literal (interpreted_string_literal_content) @path)) "
        "(source_file (function_declaration name: (identifier) @decl)) "
        "(source_file (type_declaration (type_spec name: (type_identifier) @decl))) "
        "(source_file (var_declaration (var_spec name: (identifier) @decl))) "
        "(source_file (const_declaration (const_spec name: (identifier) @decl))) "
        "(identifier) @ref (type_identifier) @ref",
        "go",
        package_scope=True,
    ),
    "rust": GrammarRules("(mod_item name: (identifier) @mod !body) (use_declaration argument: (_) @use)", "rust"),
    "ruby": GrammarRules(
        _string_call(
            ["require_relative"],
            "relative_path",
            call="call",
            fn="method",
            args="arguments",
            args_node="argument_list",
            string="(string (string_content) @{c})",
        )
        + _string_call(
            ["require", "load", "autoload"],
            "path",
            call="call",
            fn="method",
            args="arguments",
            args_node="argument_list",
            string="(string (string_content) @{c})",
        ),
        "ruby",
    ),
    "php": GrammarRules(
        "(namespace_definition name: (_) @package) (namespace_use_declaration) @php_use "
        "(require_expression (string (string_content) @relative_path))"
        "(require_once_expression (string (string_content) @relative_path))"
        "(include_expression (string (string_content) @relative_path))"
        "(include_once_expression (string (string_content) @relative_path))"
        "(require_expression (binary_expression right: (string (string_content) @relative_path)))"
        "(require_once_expression (binary_expression right: (string (string_content) @relative_path)))"
        "(include_expression (binary_expression right: (string (string_content) @relative_path)))"
        "(include_once_expression (binary_expression right: (string (string_content) @relative_path)))",
        "php",
    ),
    "swift": GrammarRules("(import_declaration (identifier) @module)", "module"),
    "haskell": GrammarRules("(import module: (module) @module)", "module"),
    "lua": GrammarRules(
        "(function_call name: (identifier) @_fn arguments: (arguments ."
        ' (string content: (string_content) @module)) (#eq? @_fn "require"))'
        "(function_call name: (identifier) @_fn arguments: (arguments ."
        ' (string content: (string_content) @path)) (#any-of? @_fn "dofile" "loadfile"))',
        "module",
    ),
    "perl": GrammarRules(
        "(use_statement module: (package) @module) (require_expression (bareword) @module)"
        "(require_expression (string_literal content: (string_content) @path))",
        "module",
    ),
    "r": GrammarRules(
        "(call function: (identifier) @_fn arguments: (arguments . (argument value: (string content:"
        ' (string_content) @relative_path))) (#any-of? @_fn "source" "sys.source"))',
        "module",
    ),
    "bash": GrammarRules(
        "(command name: (command_name (word) @_fn) . argument: (word) @relative_path"
        ' (#any-of? @_fn "source" "."))'
        "(command name: (command_name (word) @_fn) . argument: (string (string_content) @relative_path)"
        ' (#any-of? @_fn "source" "."))',
        "module",
    ),
    "julia": GrammarRules(
        "(call_expression (identifier) @_fn (argument_list . (string_literal (content) @relative_path))"
        ' (#eq? @_fn "include"))'
        "(using_statement (import_path) @module) (import_statement (import_path) @module)",
        "module",
    ),
    "dart": GrammarRules("(uri (string_literal) @path)", "dart"),
    "zig": GrammarRules(
        "(SuffixExpr (BUILTINIDENTIFIER) @_fn (FnCallArguments (ErrorUnionExpr (SuffixExpr"
        ' (STRINGLITERALSINGLE) @relative_path))) (#eq? @_fn "@import"))',
        "module",
    ),
    "elixir": GrammarRules(
        '(call target: (identifier) @_fn (arguments . (alias) @module) (#any-of? @_fn "alias" "import" "use"'
        ' "require"))',
        "module",
    ),
}
