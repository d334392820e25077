"""Detection on the labelled files of tests/langs/data (filenames, shebangs, ambiguous extensions)."""

import time
from collections import defaultdict
from pathlib import Path

import pytest

from pipeline.langs.cli import main as langs_main
from pipeline.langs.detect import detect_language
from pipeline.langs.registry import default_registry

DATA = Path(__file__).parent / "data"
LABELS = [tuple(line.split("\t")) for line in (DATA / "labels.tsv").read_text().splitlines() if line]


def extension_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    return name[name.rfind(".") :] if "." in name[1:] else ""


@pytest.mark.parametrize("path,language", LABELS, ids=[p for p, _ in LABELS])
def test_labelled_file(path, language):
    assert detect_language(path, (DATA / path).read_text(encoding="utf-8")) == language


def test_every_ambiguous_extension_is_tested_with_two_languages():
    registry = default_registry()
    seen = defaultdict(set)
    for path, language in LABELS:
        seen[extension_of(path)].add(language)
    ambiguous = {key for key in registry.ambiguous if key.startswith(".") and key.count(".") == 1}
    assert {ext for ext in ambiguous if len(seen[ext]) < 2} == set()


@pytest.mark.parametrize(
    "path,content,language",
    [
        ("Makefile", None, "Makefile"),
        ("src/Makefile.am", None, "Makefile"),
        ("Dockerfile", None, "Dockerfile"),
        ("docker/Dockerfile.prod", None, "Dockerfile"),
        ("CMakeLists.txt", None, "CMake"),
        ("BUILD.bazel", None, "Python"),
        ("home/.bashrc", None, "Shell"),
        ("bin/tool", "#!/usr/bin/env python3.11\nimport sys\n", "Python"),
        ("bin/tool", "#!/usr/local/bin/ruby -w\nputs 1\n", "Ruby"),
        ("bin/tool", "#! /bin/bash\necho hi\n", "Shell"),
        ("bin/tool", "#!/usr/bin/env -S node --harmony\nconsole.log(1)\n", "JavaScript"),
        ("bin/tool", "no shebang here\n", None),
        ("cli.ts", "#!/usr/bin/env node\nconst x: number = 1;\n", "TypeScript"),
        ("script.pl", "#!/usr/bin/perl\nprint 1;\n", "Perl"),
        ("x.h", "/* -*- mode: c++ -*- */\nint f();\n", "C++"),
        ("README", None, None),
        ("photo.jpeg", None, None),
    ],
)
def test_names_shebangs_and_modelines(path, content, language):
    assert detect_language(path, content) == language


def test_heuristics_stay_fast_on_hostile_content():
    """Every ambiguous extension on blank-line and whitespace floods: regexes must stay linear."""
    registry = default_registry()
    hostile = ["\n" * 20_000, " \t\n" * 7_000, " " * 20_000, "a:" * 10_000]
    started = time.perf_counter()
    for key in registry.ambiguous:
        for content in hostile:
            detect_language(f"x{key}" if key.startswith(".") else key, content)
    assert time.perf_counter() - started < 20


def test_path_only_uses_the_default_of_an_ambiguous_extension():
    assert detect_language("include/foo.h") == "C"
    assert detect_language("src/foo.m") == "MATLAB"
    assert detect_language("lib/Foo.pm") == "Perl"


def test_detect_command_prints_path_tab_language(tmp_path, capsys):
    (tmp_path / "a.py").write_text("print(1)\n")
    (tmp_path / "b.h").write_text("@interface X : NSObject\n@end\n")
    (tmp_path / "c.unknown").write_text("?\n")
    listing = tmp_path / "list.txt"
    listing.write_text(f"{tmp_path / 'b.h'}\n")
    a, b, c = (str(tmp_path / name) for name in ("a.py", "b.h", "c.unknown"))
    assert langs_main(["detect", "--list", str(listing), a, c]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{a}\tPython", f"{c}\t", f"{b}\tObjective-C"]


def test_list_check_and_new_commands(tmp_path, capsys):
    assert langs_main(["check"]) == 0
    assert "338 languages" in capsys.readouterr().out
    assert langs_main(["list", "--kind", "prose"]) == 0
    assert "Markdown" in capsys.readouterr().out
    specs = tmp_path / "specs"
    specs.mkdir()
    assert langs_main(["--specs", str(specs), "new", "Foo Lang"]) == 0
    written = (specs / "foo_lang.toml").read_text()
    assert 'name = "Foo Lang"' in written
    assert langs_main(["--specs", str(specs), "new", "Foo Lang"]) == 1
    assert langs_main(["--specs", str(specs), "check"]) == 1  # the skeleton claims no extension yet
