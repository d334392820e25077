"""The script form's fast writer (`notebooks.PercentWriter`) against jupytext.writes
(`notebooks.script_by_jupytext`), byte for byte: magics, `# %%`-like lines, pep8's blank lines around
functions and classes, triple-quoted strings, empty and raw cells, other kernels, odd line ends - on
notebooks written here and on random ones made of such lines."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from pipeline.sources import notebooks


def nb(*cells, language="python") -> notebooks.Notebook:
    """A notebook of (kind, source) cells: `code`, `md`, `raw`."""
    return notebooks.Notebook([(kind, source, []) for kind, source in cells], language, language, Counter())


def md(source):
    return ("markdown", source)


def raw(source):
    return ("raw", source)


def code(source):
    return ("code", source)


def same_as_jupytext(notebook: notebooks.Notebook) -> str:
    ours = notebooks.to_script(notebook)
    assert ours == notebooks.script_by_jupytext(notebook, notebooks.script_extension(notebook.kernel_language))
    return ours


CASES = {
    "plain": nb(md("# Title\n\nSome text."), code("import os\nx = 1\n"), code("print(x)")),
    "line magics": nb(code("%matplotlib inline\nimport numpy as np"), code("!pip install x\nx = !ls\ny = %time f()")),
    "help and shell": nb(code("f?\n?g\nobj.method??"), code("ls\ncd ..\ncd = 1\nls -la\n# cd somewhere\necho hi")),
    "continued magic": nb(code("%time x = 1 + \\\n    2\ny = 3"), code("x = 1 \\\n  + 2")),
    "magic in strings": nb(code('s = """\n%matplotlib inline\n!ls\n"""\n%time f()'), code("t = '''\n%x\n'''")),
    "cell magics": nb(
        code("%%time\nx = 1"),
        code("%%bash\nls -la\n"),
        code("%%cython -a\ndef f(): pass"),
        code("%%R -i df -o 'x y'\nsummary(df)"),
        code("%%bash"),
        code("%%python\n%time f()"),
        code("%%html\n<b>x</b>\n\n"),
        md("%%bash\nin Markdown"),
        code("%% x"),
        code("%%\nx = 1"),
    ),
    "cell markers in cells": nb(
        md("# %%\n# %% [markdown]\n%%"), code("# %%\nx = 1\n# %% [markdown]"), code("# +\n# -")
    ),
    "function at the end": nb(
        code("def f(x):\n    return x"), code("y = f(1)"), code("class A:\n    pass\n"), md("text")
    ),
    "function next": nb(
        code("x = 1"), code("def f():\n    pass"), code("@decorator\ndef g():\n    pass"), code("z = 2")
    ),
    "async and decorators": nb(
        code("async def f():\n    await g()"), code("@property\n# note\ndef h(): ..."), code("h")
    ),
    "two blank lines": nb(code("def f():\n    pass\n\n\nx = 1"), code("def g():\n    pass\n\n"), code("y")),
    "docstrings": nb(
        code('def f():\n    """Doc.\n\ndef not_code():\n    """\n    return 1'),
        code('x = """\nclass Fake:\n"""'),
        code("def g():\n    '''one''' + \"\"\"two\"\"\""),
        code('"""module docstring"""\nimport os'),
        code("# '''\ndef h(): pass"),
    ),
    "cell ends in a string": nb(
        code('x = """\n# in the string'), code("def f():\n    pass"), code('y = """\ndef g():')
    ),
    "next cell starts in a string": nb(code("x = 1"), code('    """\ndef f():\n    """\ny = 2'), code("z")),
    "empty cells": nb(code(""), md(""), code("x = 1"), code(""), raw(""), code("\n"), code("\n\n")),
    "raw cells": nb(code("x = 1"), raw("raw text\n%%bash\n---"), code("y = 2"), raw("last")),
    "first cell raw": nb(raw("---\ntitle: x\n---"), code("x = 1")),
    "trailing whitespace": nb(code("x = 1   \n   "), md("text  \n  \n"), code("y = 2\t")),
    "no trailing newline": nb(code("x = 1"), md("a"), code("def f():\n    pass")),
    "indented first line": nb(code("    x = 1\ny = 2"), code("  %time f()"), code("\nx = 1")),
    "line ends": nb(code("x = 1\r\ny = 2\r\n"), code("a\rb"), code("x\u2028y"), md("a\r\nb"), code("\x0c")),
    "non-ascii": nb(md("Café"), code("λ = 1")),
    "R": nb(md("Some R"), code("library(dplyr)\nx <- c(1, 2)\n%R magic?"), code("f <- function(x) x"), language="R"),
    "R non-ascii": nb(md("Données"), code("x <- 'é'"), language="R"),
    "Julia": nb(code("using Plots\n%time f()\nfunction f(x)\n    x\nend"), md("Julia"), language="julia"),
    "OCaml (comment suffix)": nb(md("text\n\nmore"), code("let x = 1"), language="ocaml"),
    "Go": nb(code("%%\nfmt.Println(1)"), code("!go get x"), language="go"),
    "C#": nb(code("#!fsharp\nlet x = 1"), code("var x = 1;"), language="csharp"),
    "Rust": nb(code(":dep serde\nlet x = 1;"), language="rust"),
    "MATLAB": nb(code("%% a section\nx = 1 % comment"), language="matlab"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_writer_equals_jupytext(name):
    same_as_jupytext(CASES[name])


def test_common_cells_do_not_go_through_jupytext(monkeypatch):
    """A notebook of plain Python, magics and Markdown: no jupytext.writes, no cell exporter."""

    def refused(*args, **kwargs):
        raise AssertionError("jupytext asked")

    names = ("plain", "line magics", "help and shell", "function at the end", "docstrings", "non-ascii")
    notebook = nb(*[(kind, source) for name in names for kind, source, _ in CASES[name].cells])
    expected = notebooks.script_by_jupytext(notebook, ".py")
    notebooks.to_script(notebook)  # builds the cached writer (its markers come from the exporter)
    monkeypatch.setattr("jupytext.writes", refused)
    monkeypatch.setattr(notebooks.PercentWriter, "exported", refused)
    assert notebooks.to_script(notebook) == expected
    assert "# %matplotlib inline\n" in expected and "# !pip install x\n" in expected


LINES = [
    *("import os", "x = 1", "def f(x):", "    return x", "class A:", "    pass", "async def g():", "@decorator"),
    *(")", "    )", "", "   ", "# comment", "#", "# %%", "# %% [markdown]", "%matplotlib inline", "%%time"),
    *("%%bash", "%%cython -a", "%%R", "%% x", "%%", "!pip install x", "x = !ls", "y = %time f()", "f?", "?f"),
    *("obj.method??", "ls", "cd ..", "cd = 1", "ls -la", "# cd somewhere", "echo hi", "cat file", '"""', "'''"),
    *('x = """doc', 'doc"""', "s = 'it''s'", 'print("%d" % 3)', "if a != b:", "x = 5 % 2", "λ = 1", "x = 1 \\"),
    *("%time x = 1 \\", "  %magic indented", "\t# tab", "a\rb", "a\r\nb", "x\u2028y", "% not magic", "```python"),
    *("# +", "# -", "#'", "---", "x = '''one''' + \"\"\"two\"\"\"", "'", '"', "\\", "r'''", "async with x:"),
    *("    def inner():", "%load_ext autoreload", "%%writefile a.py", "library(dplyr)", "x <- c(1, 2)", ":dep serde"),
    *("#!csharp", "%% -", "    '''", '    """doc"""', "@property", "help(x)?", "    cd ..", "# # ls", "echo = 3"),
    *("print('''", "''')", 'print("""', '""")', 'x = \' """ \'', "# '''", "z = 1 # '''", "(* comment *)"),
]
LANGUAGES = ["python"] * 4 + ["R", "julia", "scala", "c++", "csharp", "go", "rust", "ocaml", "matlab", "sas", "bash"]


def random_notebook(rng: random.Random) -> notebooks.Notebook:
    cells = []
    for _ in range(rng.choice([1, 2, 3, 5, 8, 12])):
        source = "\n".join(rng.choice(LINES) for _ in range(rng.choice([0, 1, 1, 2, 3, 4, 6, 9])))
        roll = rng.random()
        source = source + "\n" if roll < 0.4 and source else source + "\n\n" if roll < 0.45 else source
        cells.append(rng.choices([code, md, raw], [6, 3, 1])[0](source))
    return nb(*cells, language=rng.choice(LANGUAGES))


def test_random_notebooks_equal_jupytext():
    rng = random.Random(26)
    for _ in range(400):
        same_as_jupytext(random_notebook(rng))


@pytest.mark.parametrize("language", ["python", "R", "julia"])
def test_every_magic_line_is_a_candidate(language):
    """The writer asks jupytext's is_magic only of lines its prefilter finds: never one it would miss."""
    from jupytext.magics import is_magic

    writer = notebooks.PercentWriter(language, notebooks.script_extension(language))
    lines = [line for line in LINES if "\r" not in line and "\u2028" not in line]
    magics = [line for line in lines if is_magic(line, language, True, True)]
    assert magics and all(writer.has_magic(line) for line in magics)
    assert all(writer.has_magic("x = 1\n" + line + "\ny = 2") for line in magics)
