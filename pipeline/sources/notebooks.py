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
more than the whole conversion): the stdlib parser reads the file, jupytext writes the script from an
nbformat NotebookNode built with only the cells' sources.
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
