"""Per-language import extraction and resolution: relative, absolute and aliased forms, and
external imports that must not become edges."""

import pytest

from pipeline.langs.registry import Registry, parse_spec
from pipeline.repo.extract import PARSED, PARSED_WITH_ERRORS, REGEX, Import, extract_facts
from pipeline.repo.samples import repo_graph

GRAMMARS = {
    "Python": ("python", [".py"]),
    "JavaScript": ("javascript", [".js", ".mjs"]),
    "TypeScript": ("typescript", [".ts"]),
    "TSX": ("tsx", [".tsx"]),
    "Java": ("java", [".java"]),
    "Kotlin": ("kotlin", [".kt"]),
    "Scala": ("scala", [".scala"]),
    "C": ("c", [".c", ".h"]),
    "C++": ("cpp", [".cpp", ".hpp", ".h"]),
    "CUDA": ("cuda", [".cu", ".cuh"]),
    "C#": ("csharp", [".cs"]),
    "Go": ("go", [".go"]),
    "Rust": ("rust", [".rs"]),
    "Ruby": ("ruby", [".rb"]),
    "PHP": ("php", [".php"]),
    "Lua": ("lua", [".lua"]),
    "Haskell": ("haskell", [".hs"]),
    "Perl": ("perl", [".pl", ".pm"]),
    "Elixir": ("elixir", [".ex", ".exs"]),
    "Shell": ("bash", [".sh"]),
    "Julia": ("julia", [".jl"]),
    "R": ("r", [".R", ".r"]),
    "Zig": ("zig", [".zig"]),
    "Dart": ("dart", [".dart"]),
    "Swift": ("swift", [".swift"]),
    "Objective-C": ("objc", [".m"]),
}
REGISTRY = Registry(
    [
        parse_spec({"name": name, "kind": "code", "tree_sitter": grammar, "extensions": exts, "line_comment": "//"})
        for name, (grammar, exts) in GRAMMARS.items()
    ]
    + [
        parse_spec(
            {
                "name": "Nim",
                "kind": "code",
                "extensions": [".nim"],
                "line_comment": "#",
                "import_patterns": [r"^\s*import\s+([\w/]+)"],
            }
        )
    ]
)


def edges(files: dict[str, str], language: str, extra: dict[str, str] | None = None) -> set[tuple[str, str]]:
    rows = [{"id": p, "repo_name": "o/r", "path": p, "language": language, "content": c} for p, c in files.items()]
    rows += [{"id": p, "repo_name": "o/r", "path": p, "language": None, "content": c} for p, c in (extra or {}).items()]
    graph = repo_graph(rows, REGISTRY)
    assert all(s in (PARSED, PARSED_WITH_ERRORS, REGEX, "no_rules") for s in graph.statuses), graph.statuses
    return {(graph.paths[a], graph.paths[b]) for a, b in graph.edges}


def test_python_relative_absolute_aliased_and_src_layout():
    files = {
        "src/pkg/__init__.py": "from .core import run\n__version__ = '1'\n",
        "src/pkg/core.py": "import os\nfrom . import util as u\nfrom .sub.deep import thing\n",
        "src/pkg/util.py": "import pkg.sub as s\n",
        "src/pkg/sub/__init__.py": "",
        "src/pkg/sub/deep.py": "from ..util import helper\nfrom pkg import __version__\n",
        "tests/test_core.py": "import pkg.core\nfrom pkg.sub.deep import thing\nimport numpy as np\n",
        "scripts/run.py": "import helpers\n",
        "scripts/helpers.py": "import json\n",
    }
    assert edges(files, "Python") == {
        ("src/pkg/__init__.py", "src/pkg/core.py"),
        ("src/pkg/core.py", "src/pkg/util.py"),
        ("src/pkg/core.py", "src/pkg/sub/deep.py"),
        ("src/pkg/util.py", "src/pkg/sub/__init__.py"),
        ("src/pkg/sub/deep.py", "src/pkg/util.py"),
        ("src/pkg/sub/deep.py", "src/pkg/__init__.py"),
        ("tests/test_core.py", "src/pkg/core.py"),
        ("tests/test_core.py", "src/pkg/sub/deep.py"),
        ("scripts/run.py", "scripts/helpers.py"),
    }


def test_python_script_modules_are_not_visible_from_other_folders():
    files = {"tools/json.py": "x = 1\n", "app/main.py": "import json\n"}
    assert edges(files, "Python") == set()


def test_javascript_relative_index_require_dynamic_and_external():
    files = {
        "src/index.js": "import a from './a';\nexport * from './lib';\nconst b = require('../util/b.js');\n"
        "import React from 'react';\nconst c = await import('./c.mjs');\n",
        "src/a.js": "export default 1;\n",
        "src/lib/index.js": "export const x = 1;\n",
        "util/b.js": "module.exports = 2;\n",
        "src/c.mjs": "export const c = 3;\n",
    }
    assert edges(files, "JavaScript") == {
        ("src/index.js", "src/a.js"),
        ("src/index.js", "src/lib/index.js"),
        ("src/index.js", "util/b.js"),
        ("src/index.js", "src/c.mjs"),
    }


def test_typescript_js_extension_maps_to_ts_and_tsconfig_aliases():
    files = {
        "app/main.ts": "import { x } from './x.js';\nimport type { T } from '~lib/types';\n"
        "import z = require('./z');\n",
        "app/x.ts": "export const x = 1;\n",
        "app/z.ts": "export = 1;\n",
        "packages/lib/types.ts": "export type T = number;\n",
    }
    tsconfig = {
        "tsconfig.json": '{\n  // comment\n  "compilerOptions": {"baseUrl": ".", "paths": {"~lib/*": '
        '["packages/lib/*"]},},\n}\n'
    }
    assert edges(files, "TypeScript", tsconfig) == {
        ("app/main.ts", "app/x.ts"),
        ("app/main.ts", "packages/lib/types.ts"),
        ("app/main.ts", "app/z.ts"),
    }


def test_tsx_component_imports():
    files = {
        "src/App.tsx": "import { Button } from './components';\nimport './styles.css';\n",
        "src/components/index.tsx": "export const Button = () => <button/>;\n",
    }
    assert edges(files, "TSX") == {("src/App.tsx", "src/components/index.tsx")}


def test_java_single_wildcard_static_nested_and_same_package():
    files = {
        "src/main/java/a/b/App.java": "package a.b;\nimport a.b.util.Strings;\nimport a.b.model.*;\n"
        "import static a.b.util.Maths.square;\nimport a.b.model.Shape.Kind;\n"
        "import java.util.List;\nclass App { Helper h; }\n",
        "src/main/java/a/b/Helper.java": "package a.b;\nclass Helper {}\n",
        "src/main/java/a/b/util/Strings.java": "package a.b.util;\npublic class Strings {}\n",
        "src/main/java/a/b/util/Maths.java": "package a.b.util;\npublic class Maths {}\n",
        "src/main/java/a/b/model/Shape.java": "package a.b.model;\npublic class Shape { enum Kind {} }\n",
        "src/main/java/a/b/model/Circle.java": "package a.b.model;\npublic class Circle extends Shape {}\n",
    }
    j = "src/main/java/a/b/"
    assert edges(files, "Java") == {
        (j + "App.java", j + "util/Strings.java"),
        (j + "App.java", j + "model/Shape.java"),
        (j + "App.java", j + "model/Circle.java"),
        (j + "App.java", j + "util/Maths.java"),
        (j + "App.java", j + "Helper.java"),
        (j + "model/Circle.java", j + "model/Shape.java"),
    }


def test_kotlin_imports_of_classes_and_top_level_functions():
    files = {
        "src/App.kt": "package app\nimport app.util.slugify\nimport app.model.User as U\n"
        "fun main() { println(slugify(U().name)); helper() }\n",
        "src/Helpers.kt": "package app\nfun helper() = 1\n",
        "src/util/Text.kt": "package app.util\nfun slugify(s: String) = s\n",
        "src/model/User.kt": 'package app.model\nclass User { val name = "" }\n',
    }
    assert edges(files, "Kotlin") == {
        ("src/App.kt", "src/util/Text.kt"),
        ("src/App.kt", "src/model/User.kt"),
        ("src/App.kt", "src/Helpers.kt"),
    }


def test_scala_brace_imports():
    files = {
        "a/Main.scala": "package a\nimport a.model.{User, Group => G}\nobject Main\n",
        "a/model/User.scala": "package a.model\nclass User\n",
        "a/model/Group.scala": "package a.model\nclass Group\n",
    }
    assert edges(files, "Scala") == {("a/Main.scala", "a/model/User.scala"), ("a/Main.scala", "a/model/Group.scala")}


@pytest.mark.parametrize("language,ext", [("C", ".c"), ("C++", ".cpp"), ("CUDA", ".cu")])
def test_c_family_relative_include_root_system_and_suffix(language, ext):
    header = ".h" if language != "CUDA" else ".cuh"
    files = {
        f"src/main{ext}": f'#include "util{header}"\n#include "proj/api{header}"\n#include <stdio.h>\n'
        f'#include "gen/version{header}"\n',
        f"src/util{header}": '#include "../include/proj/api' + header + '"\n',
        f"include/proj/api{header}": "int api(void);\n",
        f"build/out/gen/version{header}": "#define V 1\n",
    }
    assert edges(files, language) == {
        (f"src/main{ext}", f"src/util{header}"),
        (f"src/main{ext}", f"include/proj/api{header}"),
        (f"src/util{header}", f"include/proj/api{header}"),
        (f"src/main{ext}", f"build/out/gen/version{header}"),
    }


def test_csharp_using_namespace_and_same_namespace_types():
    files = {
        "App/Program.cs": "using System;\nusing App.Models;\nnamespace App { class Program { User u; Config c; } }\n",
        "App/Config.cs": "namespace App { public class Config {} }\n",
        "App/Models/User.cs": "namespace App.Models;\npublic class User {}\n",
        "App/Models/Group.cs": "namespace App.Models;\npublic class Group {}\n",
    }
    assert edges(files, "C#") == {("App/Program.cs", "App/Models/User.cs"), ("App/Program.cs", "App/Config.cs")}


def test_go_module_path_alias_external_and_same_package():
    files = {
        "cmd/app/main.go": 'package main\nimport (\n  st "example.com/app/store"\n  "github.com/x/y"\n  "fmt"\n)\n'
        "func main() { st.New() }\n",
        "store/store.go": "package store\ntype Store struct{}\nfunc New() *Store { return newMem() }\n",
        "store/mem.go": "package store\nfunc newMem() *Store { return nil }\n",
        "store/store_test.go": "package store\n",
    }
    assert edges(files, "Go", {"go.mod": "module example.com/app\n\ngo 1.22\n"}) == {
        ("cmd/app/main.go", "store/store.go"),
        ("cmd/app/main.go", "store/mem.go"),
        ("store/store.go", "store/mem.go"),
        ("store/mem.go", "store/store.go"),
    }


def test_rust_mod_use_crate_super_self_and_crate_name():
    files = {
        "src/lib.rs": "pub mod net;\nmod util;\npub use crate::net::Client;\n",
        "src/net/mod.rs": "mod client;\npub use self::client::Client;\n",
        "src/net/client.rs": "use super::super::util::{retry, Backoff as B};\nuse std::io;\n",
        "src/util.rs": "pub fn retry() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n"
        "    use super::super::net;\n}\n",
        "tests/it.rs": "use mycrate::net::Client;\n",
    }
    assert edges(files, "Rust", {"Cargo.toml": '[package]\nname = "mycrate"\n'}) == {
        ("src/lib.rs", "src/net/mod.rs"),
        ("src/lib.rs", "src/util.rs"),
        ("src/net/mod.rs", "src/net/client.rs"),
        ("src/net/client.rs", "src/util.rs"),
        ("tests/it.rs", "src/net/mod.rs"),
        ("src/util.rs", "src/net/mod.rs"),  # `super::super::net` from the inline test module
    }


def test_ruby_require_relative_and_lib_require():
    files = {
        "bin/tool.rb": "require 'json'\nrequire 'mygem/cli'\n",
        "lib/mygem/cli.rb": "require_relative 'version'\n",
        "lib/mygem/version.rb": "VERSION = '1'\n",
    }
    assert edges(files, "Ruby") == {("bin/tool.rb", "lib/mygem/cli.rb"), ("lib/mygem/cli.rb", "lib/mygem/version.rb")}


def test_php_psr4_namespaces_and_includes():
    files = {
        "src/Http/Controller.php": "<?php\nnamespace App\\Http;\nuse App\\Models\\User;\nuse Vendor\\Lib\\Thing;\n"
        "require_once __DIR__ . '/../helpers.php';\n",
        "src/Models/User.php": "<?php\nnamespace App\\Models;\nclass User {}\n",
        "src/helpers.php": "<?php\nfunction h() {}\n",
    }
    composer = {"composer.json": '{"autoload": {"psr-4": {"App\\\\": "src/"}}}'}
    assert edges(files, "PHP", composer) == {
        ("src/Http/Controller.php", "src/Models/User.php"),
        ("src/Http/Controller.php", "src/helpers.php"),
    }


@pytest.mark.parametrize(
    "language,files,expected",
    [
        (
            "Lua",
            {"main.lua": 'local a = require("app.util")\nlocal s = require "socket"\n', "app/util.lua": "return {}\n"},
            {("main.lua", "app/util.lua")},
        ),
        (
            "Haskell",
            {
                "src/Main.hs": "module Main where\nimport qualified Data.Map as M\nimport App.Types (T)\n",
                "src/App/Types.hs": "module App.Types where\n",
            },
            {("src/Main.hs", "src/App/Types.hs")},
        ),
        (
            "Perl",
            {"bin/run.pl": "use strict;\nuse My::Util;\n", "lib/My/Util.pm": "package My::Util;\n1;\n"},
            {("bin/run.pl", "lib/My/Util.pm")},
        ),
        (
            "Elixir",
            {
                "lib/my_app.ex": "defmodule MyApp do\n  alias MyApp.FooBar\nend\n",
                "lib/my_app/foo_bar.ex": "defmodule MyApp.FooBar do\nend\n",
            },
            {("lib/my_app.ex", "lib/my_app/foo_bar.ex")},
        ),
        (
            "Shell",
            {"run.sh": "source ./lib/common.sh\n. lib/log.sh\n", "lib/common.sh": "x=1\n", "lib/log.sh": "y=1\n"},
            {("run.sh", "lib/common.sh"), ("run.sh", "lib/log.sh")},
        ),
        (
            "Julia",
            {"src/Pkg.jl": 'module Pkg\ninclude("util.jl")\nusing LinearAlgebra\nend\n', "src/util.jl": "f() = 1\n"},
            {("src/Pkg.jl", "src/util.jl")},
        ),
        (
            "R",
            {"analysis.R": 'library(dplyr)\nsource("R/helpers.R")\n', "R/helpers.R": "f <- function() 1\n"},
            {("analysis.R", "R/helpers.R")},
        ),
        (
            "Zig",
            {
                "src/main.zig": 'const std = @import("std");\nconst u = @import("util.zig");\n',
                "src/util.zig": "pub fn f() void {}\n",
            },
            {("src/main.zig", "src/util.zig")},
        ),
        ("Swift", {"Sources/App/main.swift": "import Foundation\n"}, set()),
        (
            "Nim",
            {"src/app.nim": "import util/strs\n", "src/util/strs.nim": "proc f() = discard\n"},
            {("src/app.nim", "src/util/strs.nim")},
        ),
    ],
)
def test_module_path_languages(language, files, expected):
    assert edges(files, language) == expected


def test_dart_relative_and_own_package():
    files = {
        "lib/src/a.dart": "import 'b.dart';\nimport 'package:app/c.dart';\nimport 'dart:io';\n"
        "import 'package:http/http.dart';\n",
        "lib/src/b.dart": "",
        "lib/c.dart": "",
    }
    assert edges(files, "Dart", {"pubspec.yaml": "name: app\n"}) == {
        ("lib/src/a.dart", "lib/src/b.dart"),
        ("lib/src/a.dart", "lib/c.dart"),
    }


def test_objective_c_imports():
    files = {
        "App/AppDelegate.m": '#import "AppDelegate.h"\n@import UIKit;\n',
        "App/AppDelegate.h": "@interface A\n@end\n",
    }
    assert edges(files, "Objective-C") == {("App/AppDelegate.m", "App/AppDelegate.h")}


def test_extraction_records_kinds_and_regex_fallback():
    python = REGISTRY.get("Python")
    facts = extract_facts("from ..a.b import c as d, e\nimport x.y as z\n", python)
    assert facts.imports == [Import("from", "..a.b", ("c", "e")), Import("module", "x.y")]
    nim = extract_facts("import os\nimport util/strs\n", REGISTRY.get("Nim"))
    assert nim.status == REGEX and [i.target for i in nim.imports] == ["os", "util/strs"]


def test_timeout_budget_is_a_status_not_a_crash():
    from pipeline.repo.extract import TIMEOUT, Budget

    facts = extract_facts("import os\n" * 50000, REGISTRY.get("Python"), Budget(parse_max_seconds=0.0))
    assert facts.status == TIMEOUT and facts.imports == []


def test_deeply_nested_sources_are_parsed_in_bounded_time():
    """Past ~32k levels tree-sitter's query cursor took minutes (40k nested calls: 21 s, 100k: hours);
    recursive expansion of a nested Rust `use` overflowed the stack. Imports at the top are still found."""
    import time

    from pipeline.repo.extract import expand_rust_use

    depth = 60_000
    cases = {
        "JavaScript": "import x from './x.js';\nconst v =\n" + "jb(\n" * depth + "1\n" + ")\n" * depth,
        "Java": "import a.b.C;\nclass Deep { int x =\n" + "jv(\n" * depth + "1\n" + ")\n" * depth + "; }\n",
        "Rust": "use std::io;\nuse " + "rsd::{\n" * depth + "x\n" + "}\n" * depth + ";\n",
    }
    for language, text in cases.items():
        started = time.monotonic()
        facts = extract_facts(text, REGISTRY.get(language))
        assert time.monotonic() - started < 15, language
        assert facts.imports and facts.imports[0].target in ("./x.js", "a.b.C", "std::io"), language
    assert expand_rust_use("a::{" * 100_000 + "b" + "}" * 100_000) == []  # deeper than MAX_USE_DEPTH: skipped
    assert expand_rust_use("a::{b::{c::{d, e}, f}, g, h::{i}}") == [
        "a::b::c::d",
        "a::b::c::e",
        "a::b::f",
        "a::g",
        "a::h::i",
    ]
    assert expand_rust_use("crate::a::{b, c::{d, self}} as x") == ["crate::a::b", "crate::a::c::d", "crate::a::c"]


def test_deeply_nested_build_files_are_ignored_not_fatal():
    from pipeline.repo.index import RepoIndex

    nested_toml = '[package]\nname = "deep"\n[metadata]\nx = [\n' + '["tomlx",\n' * 3000 + "1" + "]\n" * 3000 + "]\n"
    nested_json = '{"compilerOptions": ' + "[" * 100_000 + "]" * 100_000 + "}"
    index = RepoIndex(["Cargo.toml", "tsconfig.json", "package.json"], [nested_toml, nested_json, nested_json])
    assert index.cargo_crates == {} and index.ts_aliases == [] and index.package_json_names == {}
