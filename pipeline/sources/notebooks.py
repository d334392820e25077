"""Jupyter notebooks (`.ipynb`) as text: what the ingest rule chain (`contract.py`) makes of every
notebook any source lists, early, before the rules that read the text (outputs are most of a
notebook's bytes and are dropped here).

    --notebooks script       the code cells in the kernel's language, Markdown (and raw) cells as comments,
                             in jupytext's percent format (`# %%`, `# %% [markdown]`); outputs dropped
    --notebooks structured   Markdown, code and short text outputs in order, each after a marker:
                             <jupyter_start><jupyter_text>...<jupyter_code>...<jupyter_output>...
                             (<empty_output> for a code cell without text output); each code cell's
                             text output cut to --notebook-output-chars; images, HTML and widget
                             outputs dropped and counted
    --notebooks both         both rows
    --notebooks drop         a counted reject (`notebook_dropped`)

The kernel's language comes from the notebook's metadata (`kernelspec.language`, else
`language_info.name`, else the kernel's name: `python3`, `ir`, `julia-1.9`), else from the code: code
cells that compile as Python (magics and shell escapes aside) are Python. A notebook of another
language is a reject (`notebook_unknown_language`) for the script form only.

Rejects (`NotebookReject.reason`): `notebook_invalid_json: ...` (truncated or not JSON),
`notebook_not_a_notebook: ...` (JSON without a list of cells), `notebook_old_format: nbformat 3`
(nbformat < 4), `notebook_no_code` (no code cell with code in it), `notebook_unknown_language: <name>`.
The size rule (`--notebook-max-bytes` on the `.ipynb`, `--max-file-bytes` on the text) is the chain's.

Nothing here parses JSON by hand or validates against nbformat's schema (a jsonschema pass costs
more than the whole conversion): the stdlib parser reads the file. The script is what jupytext.writes
makes of an nbformat NotebookNode built with only the cells' sources (`script_by_jupytext`); for speed,
`PercentWriter` writes the cells none of jupytext's escaping rules apply to itself, with jupytext's own
pieces (its cell exporter, magic and pep8 rules), and the tests and the bench check the two are equal.
"""

from __future__ import annotations

import ast
import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field

FORMS = ("script", "structured", "both", "drop")
SCRIPT, STRUCTURED = "script", "structured"
SOURCE_FORMAT = {SCRIPT: "notebook:script", STRUCTURED: "notebook:structured"}  # the `source_format` column

# StarCoder2's markers for notebooks (its tokenizer's special tokens), in the order cells appear.
START, TEXT, CODE, OUTPUT, EMPTY_OUTPUT = (
    "<jupyter_start>",
    "<jupyter_text>",
    "<jupyter_code>",
    "<jupyter_output>",
    "<empty_output>",
)
TRUNCATED = "\n[...]"  # ends an output cut to --notebook-output-chars

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")  # colours and cursor moves in stream outputs (tqdm, pytest)
VERSION_SUFFIX = re.compile(r"[\s_-]*\d[\d.]*$")
MAGIC = re.compile(r"^\s*(?:%|!|\?)|\?\s*$")  # IPython magics, shell escapes, `obj?` help

# Kernel names without a language in the metadata: name prefix -> language.
KERNEL_NAMES = (
    ("python", "python"),
    ("pyspark", "python"),
    ("conda-env", "python"),
    ("ir", "R"),
    ("julia", "julia"),
    ("scala", "scala"),
    ("spylon", "scala"),
    ("bash", "bash"),
    ("javascript", "javascript"),
    ("ijavascript", "javascript"),
    ("tslab", "typescript"),
    ("deno", "typescript"),
    ("java", "java"),
    ("ijava", "java"),
    ("xcpp", "c++"),
    ("rust", "rust"),
    ("evcxr", "rust"),
    ("gophernotes", "go"),
    ("matlab", "matlab"),
    ("octave", "octave"),
    ("kotlin", "kotlin"),
    ("sas", "sas"),
    ("haskell", "haskell"),
    ("ocaml", "ocaml"),
    (".net-csharp", "csharp"),
    (".net-fsharp", "fsharp"),
    (".net-powershell", "powershell"),
    ("wolfram", "wolfram language"),
)


class NotebookReject(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Converted:
    form: str  # SCRIPT or STRUCTURED
    text: str | None  # None with a reject
    language: str | None = None  # the `language` column: our spec's name for the kernel's language
    counts: dict[str, int] = field(default_factory=dict)  # the `format_counts` column
    reject: str | None = None  # this form could not be made (`notebook_unknown_language: ...`)


@dataclass
class Notebook:
    """What the conversion reads of a notebook: the cells' types and sources (and, for the structured
    form, outputs), the kernel's language as the notebook names it, and our language name."""

    cells: list[tuple[str, str, list]]  # (cell_type, source, outputs)
    kernel_language: str | None  # as jupytext names it: python, R, c++, csharp...
    language: str | None  # our spec's name (Python, R, C++...), else the kernel's own label
    counts: Counter


def convert(data: bytes | str, forms: tuple[str, ...], output_chars: int = 1000) -> list[Converted]:
    """The notebook in each of `forms` (SCRIPT, STRUCTURED); a NotebookReject when it cannot be read
    at all, a Converted with a `reject` for a form that cannot be made of it."""
    notebook = read(data)
    found = []
    for form in forms:
        if form == SCRIPT:
            try:
                found.append(Converted(SCRIPT, to_script(notebook), notebook.language, _counts(notebook, ())))
            except NotebookReject as reject:
                found.append(Converted(SCRIPT, None, notebook.language, reject=reject.reason))
        else:
            text, outputs = to_structured(notebook, output_chars)
            found.append(Converted(STRUCTURED, text, notebook.language, _counts(notebook, outputs)))
    return found


def forms_of(setting: str) -> tuple[str, ...]:
    """The forms `--notebooks` asks for (none for `drop`)."""
    return {"script": (SCRIPT,), "structured": (STRUCTURED,), "both": (SCRIPT, STRUCTURED)}.get(setting, ())


def is_notebook(path: str) -> bool:
    return path[-6:].lower() == ".ipynb"


def _counts(notebook: Notebook, outputs) -> dict[str, int]:
    counts = Counter(notebook.counts)
    counts.update(outputs)
    return dict(sorted(counts.items()))


def read(data: bytes | str) -> Notebook:
    try:
        parsed = json.loads(data)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError
        raise NotebookReject(f"notebook_invalid_json: {_short(error)}") from None
    if not isinstance(parsed, dict):
        raise NotebookReject(f"notebook_not_a_notebook: a JSON {type(parsed).__name__}")
    version = parsed.get("nbformat")
    if isinstance(version, int) and not isinstance(version, bool) and version < 4 or "worksheets" in parsed:
        raise NotebookReject(f"notebook_old_format: nbformat {version if version is not None else 3}")
    raw_cells = parsed.get("cells")
    if not isinstance(raw_cells, list):
        raise NotebookReject("notebook_not_a_notebook: no list of cells")
    counts: Counter = Counter()
    cells = []
    for cell in raw_cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            counts["cells_unreadable"] += 1
            continue
        kind = cell["cell_type"]
        source = _text(cell.get("source"))
        outputs = cell.get("outputs") if kind == "code" else None
        cells.append((kind, source, outputs if isinstance(outputs, list) else []))
        counts[f"cells_{kind}"] += 1
    code = [source for kind, source, _ in cells if kind == "code" and source.strip()]
    if not code:
        raise NotebookReject("notebook_no_code")
    metadata = parsed.get("metadata")
    kernel_language = kernel_language_of(metadata if isinstance(metadata, dict) else {}, code)
    return Notebook(cells, kernel_language, our_language(kernel_language), counts)


def _text(value) -> str:
    """A cell's `source` or an output's `text`: a string, or a list of strings (lines) to join."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        try:
            return "".join(value)
        except TypeError:  # a number among the lines
            return "".join(v if isinstance(v, str) else str(v) for v in value)
    return "" if value is None else str(value)


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


# ---- the language ------------------------------------------------------------------------------


def kernel_language_of(metadata: dict, code: list[str]) -> str | None:
    """The notebook's language as jupytext names it (python, R, c++, csharp...), or None."""
    kernelspec = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    for value in (kernelspec.get("language"), info.get("name")):
        if isinstance(value, str) and value.strip():
            return _usual_name(value.strip())
    name = kernelspec.get("name")
    if isinstance(name, str):
        lowered = name.lower()
        for prefix, language in KERNEL_NAMES:
            if lowered.startswith(prefix):
                return _usual_name(language)
    return "python" if _compiles_as_python(code) else None


def _usual_name(language: str) -> str:
    from jupytext.languages import usual_language_name

    if not language.lower().startswith("c++"):
        language = VERSION_SUFFIX.sub("", language) or language  # python3, julia-1.9, Python 3.11
    return usual_language_name(language)


def _compiles_as_python(code: list[str]) -> bool:
    """Every code cell parses as Python once magics, shell escapes and help lines are left out."""
    for source in code:
        lines = [line for line in source.splitlines() if not MAGIC.search(line)]
        try:
            ast.parse("\n".join(lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@functools.lru_cache(maxsize=256)
def our_language(kernel_language: str | None) -> str | None:
    """Our spec's name for a kernel language (Python, R, C++, Shell...), else the kernel's label."""
    if not kernel_language:
        return None
    from pipeline.langs.registry import default_registry

    spec = default_registry().get(kernel_language) or default_registry().get(kernel_language.replace("-", " "))
    return spec.name if spec else kernel_language


# ---- script form -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def script_extension(kernel_language: str | None) -> str | None:
    """The extension jupytext writes this language's scripts with (.py, .R, .jl...), or None."""
    if not kernel_language:
        return None
    from jupytext.languages import _SCRIPT_EXTENSIONS

    wanted = kernel_language.lower()
    for ext, known in _SCRIPT_EXTENSIONS.items():
        if known["language"].lower() == wanted:
            return ext
    return None


@functools.lru_cache(maxsize=256)
def _fallback_comment(language: str | None) -> str | None:
    """A line comment for a language jupytext does not write (Kotlin, SQL, Ruby...): our spec's."""
    if not language:
        return None
    from pipeline.langs.registry import default_registry

    spec = default_registry().get(language)
    return spec.line_comment if spec else None


def to_script(notebook: Notebook) -> str:
    extension = script_extension(notebook.kernel_language)
    if extension is None:
        comment = _fallback_comment(notebook.language)
        if comment is None:
            raise NotebookReject(f"notebook_unknown_language: {notebook.kernel_language or 'none'}")
        return _percent_script(notebook, comment)
    if notebook.cells[0][0] == "raw":  # maybe a YAML header, which jupytext makes the script's header
        return script_by_jupytext(notebook, extension)
    return _percent_writer(notebook.kernel_language, extension).write(notebook.cells)


def script_by_jupytext(notebook: Notebook, extension: str) -> str:
    """The script form as jupytext.writes makes it: what `to_script` must equal (the tests and the
    bench compare them), and its way for a notebook whose first cell is raw."""
    import jupytext
    from nbformat import from_dict

    cells = []
    for kind, source, _ in notebook.cells:
        cell = {"cell_type": kind, "source": source, "metadata": {}}
        if kind == "code":
            cell.update(outputs=[], execution_count=None)
        cells.append(cell)
    node = from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {"language": notebook.kernel_language, "name": "kernel", "display_name": "kernel"},
                # no YAML header, no cell metadata: the text is the notebook's content only
                "jupytext": {"notebook_metadata_filter": "-all", "cell_metadata_filter": "-all"},
            },
            "cells": cells,
        }
    )
    return jupytext.writes(node, fmt=f"{extension[1:]}:percent")


@functools.lru_cache(maxsize=256)
def _percent_writer(kernel_language: str, extension: str) -> PercentWriter:
    return PercentWriter(kernel_language, extension)


OWN_MAGICS = ("go", "csharp", "rust")  # jupytext's magics and cell markers for them are not `%` ones


class PercentWriter:
    """jupytext.writes in the percent format for `script_by_jupytext`'s notebooks of one language.

    jupytext.writes costs ~2.5 ms a notebook (NotebookNode copies, metadata filters, and a string
    parser that reads every code cell character by character, twice): most of a small notebook's
    conversion. Most cells need only the part of it written here: a marker line, then the cell's lines
    (Markdown and raw cells commented, Python magics commented out), and pep8's blank lines between
    cells. Its string parser (which lines start inside a triple-quoted string) runs only on cells with
    a triple quote, and reads only their lines with a quote. A cell where another of its rules could
    apply (an indented first line, line ends other than \\n, magics in another language than Python,
    `%%` cell magics in Markdown or naming the kernel's language, Go/C#/Rust) is written by jupytext's
    own cell exporter."""

    def __init__(self, kernel_language: str, extension: str):
        from jupytext import magics, pep8, stringparser
        from jupytext.cell_metadata import metadata_to_double_percent_options
        from jupytext.header import _UTF8_HEADER
        from jupytext.languages import (
            _SCRIPT_EXTENSIONS,
            cell_language,
            comment_lines,
            default_language_from_metadata_and_ext,
            same_language,
            usual_language_name,
        )

        self.extension = extension
        metadata = {"kernelspec": {"language": kernel_language}}
        self.language = default_language_from_metadata_and_ext(metadata, extension)
        comment = _SCRIPT_EXTENSIONS[extension]["comment"]
        self.comment = comment, _SCRIPT_EXTENSIONS[extension].get("comment_suffix", "")
        self.encoding_line = comment + _UTF8_HEADER  # for non-ASCII cells in a language other than Python
        self.markers = {kind: self.exported(kind, "")[0] for kind in ("code", "markdown", "raw")}
        self.python = usual_language_name(self.language) == "python"
        # What every line is_magic finds has: a `%` in each of its patterns, and for Python a `!`, a `?`,
        # or a shell command at the line's start (after a newline, in "\n" + the source).
        self.magic_chars = "%!?" if self.python else "%"
        self.shell_command = re.compile("\n" + magics._PYTHON_MAGIC_CMD.pattern.removeprefix("^"), re.MULTILINE)
        self.magic_candidates = re.compile("[%!?]|" + magics._PYTHON_MAGIC_CMD.pattern, re.MULTILINE)
        self.is_magic, self.line_continues = magics.is_magic, magics._LINE_CONTINUATION_RE
        self.cell_language, self.comment_lines, self.pep8 = cell_language, comment_lines, pep8
        self.string_parser = stringparser.StringParser
        self.same_language, self.double_percent_options = same_language, metadata_to_double_percent_options

    def write(self, cells: list[tuple[str, str, list]]) -> str:
        texts = [self.text(kind, source) or self.exported(kind, source) for kind, source, _ in cells]
        # the blank lines between cells, as jupytext's writer decides them: from the last cell up
        lines: list[str] = []
        for text in reversed(texts):
            text.extend([""] * (self.blank_lines(text, lines) if self.extension == ".py" and lines else 1))
            lines = text + lines
        if self.language != "python" and not all(source.isascii() for _, source, _ in cells):
            lines.insert(0, self.encoding_line)
        return "\n".join(lines)

    def exported(self, kind: str, source: str) -> list[str]:
        """The cell's lines as jupytext's percent-format cell exporter writes them."""
        from jupytext.cell_to_text import DoublePercentCellExporter
        from nbformat import from_dict

        cell = from_dict({"cell_type": kind, "source": source, "metadata": {}})
        # the format jupytext.writes hands its exporters for `script_by_jupytext`'s notebooks
        fmt = {"format_name": "percent", "extension": self.extension}
        fmt.update(notebook_metadata_filter="-all", cell_metadata_filter="-all")
        return DoublePercentCellExporter(cell, self.language, fmt).cell_to_text()

    def text(self, kind: str, source: str) -> list[str] | None:
        """The cell's lines as jupytext's exporter writes them, or None when its other rules may apply."""
        if self.language in OWN_MAGICS:
            return None
        # jupytext's cell_source: the lines, and an empty last one when the source ends with a newline
        lines = source.splitlines() + [""] if source.endswith("\n") else source.splitlines() or [""]
        if source.startswith("%%"):
            language, magic_args = self.cell_language(lines, self.language, [""])  # takes `%%bash` off
            if language is not None:
                return self.other_language(kind, language, magic_args, lines)
        if kind != "code":
            return [self.markers[kind], *self.comment_lines(lines, *self.comment)]
        if not source:
            return [self.markers[kind]]
        if source[0].isspace() or source.split("\n") != lines:  # an indented marker; \r and other line ends
            return None
        if self.has_magic(source):
            if not self.python:  # R's strings, say, are not Python's: jupytext's parser knows them
                return None
            self.comment_magics(lines)
        return [self.markers[kind], *lines]

    def other_language(self, kind: str, language: str, magic_args: str, lines: list[str]) -> list[str] | None:
        """A code cell whose `%%` first line names another language (`%%bash`, `%%R`): its marker says
        so, and its other lines are commented (jupytext writes it inactive)."""
        if kind != "code" or not language or self.same_language(language, self.language):
            return None
        metadata = {"magic_args": magic_args} if magic_args else {}
        metadata["language"] = language
        options = self.double_percent_options(metadata, False)
        return self.comment_lines(["%% " + options, *lines], *self.comment)

    def has_magic(self, source: str) -> bool:
        """Whether jupytext would comment out a line of this code (asked only of lines that may be)."""
        if not any(char in source for char in self.magic_chars):
            if not self.python or not self.shell_command.search("\n" + source):
                return False
        found = self.magic_candidates.search(source)
        while found:
            start = source.rfind("\n", 0, found.start()) + 1
            end = source.find("\n", found.start())
            end = len(source) if end < 0 else end
            if self.is_magic(source[start:end], self.language, True, True):  # as comment_magic asks it
                return True
            found = self.magic_candidates.search(source, end + 1)
        return False

    def comment_magics(self, lines: list[str]) -> None:
        """jupytext's comment_magic for Python: magics not in a string, and the lines they continue with
        a backslash, commented out."""
        continued = False
        in_string = self.in_string(lines) or [False] * len(lines)
        for i, (line, quoted) in enumerate(zip(lines, in_string, strict=True)):
            if quoted:
                continue
            if continued or self.magic_candidates.search(line) and self.is_magic(line, "python", True, True):
                unindented = line if continued else line.lstrip()
                lines[i] = line[: len(line) - len(unindented)] + "# " + unindented
                continued = bool(self.line_continues.match(line))

    def in_string(self, lines: list[str]) -> list[bool] | None:
        """For each line, whether jupytext's Python string parser finds it starting in a string; None
        when none can (only a triple-quoted string spans lines). Only a line with a quote changes the
        parser's state: it reads those alone."""
        joined = "\n".join(lines)
        if '"""' not in joined and "'''" not in joined:
            return None
        parser = self.string_parser("python")
        found = []
        for line in lines:
            found.append(bool(parser.is_quoted()))
            if "'" in line or '"' in line:
                parser.read_line(line)
        return found

    def blank_lines(self, text: list[str], after: list[str]) -> int:
        """jupytext's pep8_lines_between_cells(text, after, ".py"): 2 blank lines around a function or
        class. Its string parser only matters once a triple-quoted string opens."""
        in_string = self.in_string(text)
        code = text  # cell_ends_with_function_or_class reads the lines not in a string
        if in_string is not None:
            code = [line for line, quoted in zip(text, in_string, strict=True) if not quoted]
        if _ends_with_function_or_class(code):
            return 2 if self.pep8.cell_has_code(after) else 1
        if not self.pep8.cell_ends_with_code(text):
            return 1
        return 2 if self.next_is_function_or_class(after) else 1

    def next_is_function_or_class(self, lines: list[str]) -> bool:
        """jupytext's next_instruction_is_function_or_class, left to it (and its string parser) from a
        line of code with a triple quote on."""
        above = "x"
        for line in lines:
            if not line.strip():
                if not above.strip():  # two blank lines
                    return False
            elif line.startswith(("#", "@", " ", ")")):
                if not line.startswith("#") and ('"""' in line or "'''" in line):
                    return self.pep8.next_instruction_is_function_or_class(lines)
            else:
                return line.startswith(("def ", "async ", "class "))
            above = line
        return False


def _ends_with_function_or_class(lines: list[str]) -> bool:
    """jupytext's cell_ends_with_function_or_class for lines none of which is in a string."""
    below = "x"
    for line in reversed(lines):
        if not line.strip():
            if not below.strip():  # two blank lines
                return False
        elif not line.startswith(("#", " ", ")")):
            return line.startswith(("def ", "async ", "class "))
        below = line
    return False


def _percent_script(notebook: Notebook, comment: str) -> str:
    """jupytext's percent format for a language jupytext has no comment syntax for."""
    parts = []
    for kind, source, _ in notebook.cells:
        body = source.strip("\n")
        if kind == "code":
            parts.append(f"{comment} %%\n{body}\n" if body else f"{comment} %%\n")
        else:
            lines = [f"{comment} {line}".rstrip() for line in body.splitlines()]
            parts.append(f"{comment} %% [{kind}]\n" + "".join(line + "\n" for line in lines))
    return "\n".join(parts)


# ---- structured form ---------------------------------------------------------------------------


def to_structured(notebook: Notebook, output_chars: int) -> tuple[str, Counter]:
    parts = [START]
    outputs: Counter = Counter()
    for kind, source, cell_outputs in notebook.cells:
        body = source.strip("\n")
        if kind == "markdown":
            if body.strip():
                parts.append(f"{TEXT}{body}\n")
            continue
        if kind == "raw":
            outputs["cells_raw_dropped"] += 1
            continue
        parts.append(f"{CODE}{body}\n")
        text = output_text(cell_outputs, outputs)
        if not text.strip():
            parts.append(EMPTY_OUTPUT)
            continue
        if len(text) > output_chars:
            text = text[:output_chars] + TRUNCATED
            outputs["outputs_truncated"] += 1
        parts.append(f"{OUTPUT}{text.strip(chr(10))}\n")
    return "".join(parts), outputs


def output_text(cell_outputs: list, counts: Counter) -> str:
    """The text of a code cell's outputs (streams, text/plain results, errors as `Name: value`);
    images, HTML, widgets and other rich outputs are counted and dropped."""
    texts = []
    for output in cell_outputs:
        if not isinstance(output, dict):
            counts["outputs_unreadable"] += 1
            continue
        kind = output.get("output_type")
        if kind == "stream":
            texts.append(ANSI.sub("", _text(output.get("text"))))
            counts["outputs_text"] += 1
        elif kind in ("execute_result", "display_data"):
            data = output.get("data") if isinstance(output.get("data"), dict) else {}
            if any(isinstance(mime, str) and mime.startswith("image/") for mime in data):
                counts["outputs_image_dropped"] += 1
            elif WIDGET_MIME in data:
                counts["outputs_widget_dropped"] += 1
            elif "text/plain" in data and not ("text/html" in data and _is_object_repr(data["text/plain"])):
                texts.append(_text(data["text/plain"]))
                counts["outputs_text"] += 1
            elif "text/html" in data:  # an HTML output whose text is `<IPython.core.display.HTML object>`
                counts["outputs_html_dropped"] += 1
            else:
                counts["outputs_other_dropped"] += 1
        elif kind == "error":
            texts.append(f"{_text(output.get('ename'))}: {_text(output.get('evalue'))}")
            counts["outputs_error"] += 1
        else:
            counts["outputs_unreadable"] += 1
    return "\n".join(text.rstrip("\n") for text in texts if text)


def _is_object_repr(value) -> bool:
    text = _text(value).strip()
    return text.startswith("<") and text.endswith(">") and "\n" not in text
