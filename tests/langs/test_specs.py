"""Every spec loads and passes `corpus langs check`; the registry indexes what detection needs."""

import re
import zipfile

import pytest

from pipeline.filters.config import THRESHOLD_FIELDS
from pipeline.langs.check import check_specs, load_all, tree_sitter_grammars
from pipeline.langs.detect import detect_language
from pipeline.langs.registry import SPECS_DIR, SpecError, default_registry, load_specs, parse_spec

TOP_LANGUAGES = [
    "Python",
    "JavaScript",
    "TypeScript",
    "TSX",
    "Java",
    "Kotlin",
    "Scala",
    "C",
    "C++",
    "CUDA",
    "Objective-C",
    "C#",
    "Go",
    "Rust",
    "Ruby",
    "PHP",
    "Swift",
    "Haskell",
    "Lua",
    "Perl",
    "R",
    "Shell",
    "Julia",
    "Dart",
    "Zig",
    "Elixir",
    "HTML",
    "CSS",
    "JSON",
    "YAML",
    "Markdown",
    "XML",
    "XSLT",
    "SQL",
    "Makefile",
    "Dockerfile",
    "CMake",
    "TOML",
    "Batchfile",
    "PowerShell",
]
WITH_IMPORTS = [
    "Python",
    "JavaScript",
    "TypeScript",
    "Java",
    "Kotlin",
    "Scala",
    "C",
    "C++",
    "C#",
    "Go",
    "Rust",
    "Ruby",
    "PHP",
    "Swift",
    "Haskell",
    "Lua",
    "Perl",
    "R",
    "Julia",
    "Dart",
    "Zig",
    "Elixir",
]


def test_every_spec_loads_and_check_passes():
    specs, errors = load_all(SPECS_DIR)
    errors += check_specs(specs, tree_sitter_grammars(), THRESHOLD_FIELDS)
    assert errors == []
    assert sum(not s.extra for s in specs) == 338
    assert len(specs) == len(default_registry())


def test_top_languages_are_complete():
    registry = default_registry()
    for name in TOP_LANGUAGES:
        spec = registry.get(name)
        assert spec is not None, name
        assert spec.extensions or spec.filenames, name
        assert spec.line_comment or spec.block_comment or spec.kind in ("data", "prose"), name
        assert spec.tree_sitter or name == "Batchfile", name
    assert registry.get("JSON").kind == "data" and registry.get("YAML").kind == "data"
    assert registry.get("Markdown").kind == "prose" and registry.get("Python").kind == "code"


@pytest.mark.parametrize(
    "name,line,module",
    [
        ("Python", "from os.path import join", "os.path"),
        ("Python", "import numpy as np", "numpy"),
        ("JavaScript", "import React, { useState } from 'react';", "react"),
        ("JavaScript", "const fs = require('fs');", "fs"),
        ("TypeScript", "import type { Foo } from './foo';", "./foo"),
        ("Java", "import java.util.List;", "java.util.List"),
        ("C", '#include "util.h"', "util.h"),
        ("C++", "#include <vector>", "vector"),
        ("C#", "using System.Collections.Generic;", "System.Collections.Generic"),
        ("Go", 'import "fmt"', "fmt"),
        ("Rust", "use std::collections::HashMap;", "std::collections::HashMap"),
        ("Ruby", "require_relative 'lib/thing'", "lib/thing"),
        ("PHP", "use App\\Models\\User;", "App\\Models\\User"),
        ("Haskell", "import qualified Data.Map as M", "Data.Map"),
        ("Lua", 'local json = require("cjson")', "cjson"),
        ("Perl", "use File::Copy;", "File::Copy"),
        ("R", "library(ggplot2)", "ggplot2"),
        ("Zig", 'const std = @import("std");', "std"),
        ("Elixir", "alias MyApp.Repo", "MyApp.Repo"),
        ("Dart", "import 'package:flutter/material.dart';", "package:flutter/material.dart"),
    ],
)
def test_import_patterns_capture_the_module(name, line, module):
    spec = default_registry().get(name)
    found = [m.group(1) for p in spec.import_patterns for m in re.finditer(p, line, re.MULTILINE)]
    assert module in found


def test_languages_with_imports_declare_patterns():
    registry = default_registry()
    assert [n for n in WITH_IMPORTS if not registry.get(n).import_patterns] == []


def test_aliases_and_old_names():
    registry = default_registry()
    assert registry.get("Nim").name == "Nimrod"
    assert registry.get("raku").name == "Perl 6"
    assert registry.get("zeek").name == "Zeek" and registry.get("Bro").name == "Bro"
    assert registry.get("cpp").name == "C++"


def test_path_comment_uses_the_language_syntax():
    registry = default_registry()
    assert registry.get("Python").path_comment("a/b.py") == "# a/b.py"
    assert registry.get("C").path_comment("x.c") == "// x.c"
    assert registry.get("HTML").path_comment("i.html") == "<!-- i.html -->"
    assert registry.get("SQL").path_comment("q.sql") == "-- q.sql"


def test_bad_specs_are_rejected():
    with pytest.raises(SpecError):
        parse_spec({"name": "X", "kind": "code", "colour": "red"})
    with pytest.raises(SpecError):
        parse_spec({"name": "X", "kind": "program"})
    with pytest.raises(SpecError):
        parse_spec({"name": "X", "kind": "code", "extensions": ["foo"]})


def test_check_reports_problems():
    specs = [
        parse_spec(
            {
                "name": "A",
                "kind": "code",
                "extensions": [".x"],
                "aliases": ["b"],
                "import_patterns": ["import \\w+"],
                "tree_sitter": "no_such_grammar",
            },
            "a.toml",
        ),
        parse_spec(
            {
                "name": "B",
                "kind": "code",
                "extensions": [".x"],
                "heuristics": [{"extensions": [".x"], "patterns": ["(unclosed"]}],
            },
            "b.toml",
        ),
        parse_spec(
            {"name": "C", "kind": "code", "extensions": [".c3"], "import_patterns": ["^\\s*use (\\w+)"]}, "c.toml"
        ),
    ]
    errors = "\n".join(check_specs(specs, {"python"}))
    assert "already used" in errors
    assert "no capture group" in errors
    assert "no_such_grammar" in errors
    assert "(unclosed" in errors
    assert "quadratic" in errors


def test_check_requires_one_default_per_ambiguous_extension():
    def spec(name, rules):
        return parse_spec({"name": name, "kind": "code", "extensions": [".x"], "heuristics": rules}, name)

    rule = [{"extensions": [".x"], "patterns": ["^foo"], "priority": 2}]
    default = [{"extensions": [".x"], "patterns": [], "priority": 1}]
    assert "needs one default rule" in "".join(check_specs([spec("A", rule), spec("B", [])], None))
    assert check_specs([spec("A", rule), spec("B", default)], None) == []


def test_specs_load_from_a_zip_archive(tmp_path):
    """`spark-submit --py-files pipeline.zip`: the specs travel inside the archive."""
    archive = tmp_path / "pipeline.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("language_specs/a.toml", 'name = "A"\nkind = "code"\nextensions = [".a"]\n')
        bundle.writestr("language_specs/b.toml", 'name = "B"\nkind = "data"\nextensions = [".b"]\n')
        bundle.writestr("language_specs/README.md", "not a spec")
    assert [s.name for s in load_specs(archive / "language_specs")] == ["A", "B"]


# Languages that share every extension with a more common default: only their content identifies them.
CONTENT_ONLY = {"COBOLFree", "Limbo", "Objective-C", "Papyrus", "Transact-SQL", "V"}


def test_every_language_is_reachable_from_a_file_name():
    registry = default_registry()
    unreachable = []
    for spec in registry.specs:
        names = [f"dir/x{ext}" for ext in spec.extensions]
        names += [f"dir/{name.replace('.*', '.dev')}" for name in spec.filenames]
        if spec.name not in {detect_language(name) for name in names} and spec.name not in CONTENT_ONLY:
            unreachable.append(spec.name)
    assert unreachable == []
