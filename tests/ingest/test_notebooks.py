"""Jupyter notebooks in any ingest: the script form (jupytext percent format), the structured form
(markers, truncated text outputs, rich outputs dropped and counted), both, drop, the language, and every
reject (invalid JSON, nbformat 3, no code, too large, unknown language) - notebooks built here."""

from __future__ import annotations

import json

import pytest

from pipeline.sources import contract, dataset, github, notebooks
from pipeline.sources.contract import Candidate, IngestOptions
from pipeline.sources.dataset import DATASET, DatasetSettings

PNG = "iVBORw0KGgo" + "A" * 4000  # a base64 image, as notebooks store plots


def notebook(cells, language="python", kernel="python3", nbformat=4, metadata=None) -> str:
    meta = metadata if metadata is not None else {}
    if metadata is None and language:
        meta = {"kernelspec": {"name": kernel, "display_name": kernel, "language": language}}
    return json.dumps({"cells": cells, "metadata": meta, "nbformat": nbformat, "nbformat_minor": 5})


def md(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def code(source, outputs=()):
    return {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": list(outputs), "source": source}


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def result(data):
    return {"output_type": "execute_result", "execution_count": 1, "data": data, "metadata": {}}


def display(data):
    return {"output_type": "display_data", "data": data, "metadata": {}}


RICH = notebook(
    [
        md(["# Loading data\n", "\n", "We read the table and plot it.\n"]),  # a list of lines
        code("import pandas as pd\ndf = pd.read_csv('x.csv')\nprint(len(df))", [stream("\x1b[32m42\x1b[0m\n")]),
        code("df.head()", [result({"text/html": "<table>...</table>", "text/plain": "   a  b\n0  1  2"})]),
        code("df.plot()", [display({"image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"})]),
        code(
            "display(HTML('<b>x</b>'))",
            [display({"text/html": "<b>x</b>", "text/plain": "<IPython.core.display.HTML object>"})],
        ),
        code(
            "slider",
            [display({"application/vnd.jupyter.widget-view+json": {"model_id": "abc"}, "text/plain": "IntSlider"})],
        ),
        code("print('x' * 5000)", [stream("x" * 5000 + "\n")]),
        code(
            "1 / 0",
            [
                {
                    "output_type": "error",
                    "ename": "ZeroDivisionError",
                    "evalue": "division by zero",
                    "traceback": ["..."],
                }
            ],
        ),
        code(["def f(x):\n", "    return x + 1\n"]),
        {"cell_type": "raw", "metadata": {}, "source": "raw text"},
    ]
)


def rows_of(text: str, path: str = "analysis.ipynb", **options) -> list[dict]:
    data = text.encode()
    candidate = Candidate("github", "alice/nb", path, "alice__nb", size=len(data), read=lambda limit: data[:limit])
    return contract.rows_of(candidate, IngestOptions(**options))


def test_script_form_is_jupytext_percent_format_without_outputs():
    (row,) = rows_of(RICH)
    assert row["reason"] is None and row["language"] == "Python" and row["source_format"] == "notebook:script"
    text = row["content"]
    assert text.startswith("# %% [markdown]\n# # Loading data\n#\n# We read the table and plot it.\n")
    assert "# %%\nimport pandas as pd\ndf = pd.read_csv('x.csv')\nprint(len(df))\n" in text
    assert "def f(x):\n    return x + 1\n" in text  # a source given as a list of lines
    assert "42" not in text and "iVBOR" not in text and "<table>" not in text  # no outputs at all
    assert row["id"] == contract.files_row(Candidate("github", "alice/nb", "analysis.ipynb", "x"))["id"]
    counts = dict(row["format_counts"])
    assert counts["cells_code"] == 8 and counts["cells_markdown"] == 1 and counts["cells_raw"] == 1
    assert row["size_bytes"] == len(text.encode())


def test_structured_form_markers_outputs_and_counts():
    (row,) = rows_of(RICH, notebooks="structured", notebook_output_chars=100)
    assert row["source_format"] == "notebook:structured" and row["language"] == "Python"
    text = row["content"]
    assert text.startswith("<jupyter_start><jupyter_text># Loading data\n\nWe read the table and plot it.\n")
    assert "<jupyter_code>import pandas as pd\ndf = pd.read_csv('x.csv')\nprint(len(df))\n<jupyter_output>42\n" in text
    assert "<jupyter_code>df.head()\n<jupyter_output>   a  b\n0  1  2\n" in text  # text/plain beside HTML
    assert "<jupyter_code>df.plot()\n<empty_output>" in text  # the image is dropped
    assert "<jupyter_output>" + "x" * 100 + "\n[...]\n" in text and "x" * 101 not in text
    assert "<jupyter_output>ZeroDivisionError: division by zero\n" in text
    assert "<jupyter_code>def f(x):\n    return x + 1\n<empty_output>" in text
    assert "\x1b" not in text and "iVBOR" not in text and "IPython.core.display" not in text and "raw text" not in text
    order = [text.index(marker) for marker in ("<jupyter_text>", "df.head()", "df.plot()", "1 / 0")]
    assert order == sorted(order)
    counts = dict(row["format_counts"])
    assert counts["outputs_image_dropped"] == 1 and counts["outputs_html_dropped"] == 1
    assert counts["outputs_widget_dropped"] == 1 and counts["outputs_truncated"] == 1
    assert counts["outputs_text"] == 3 and counts["outputs_error"] == 1 and counts["cells_raw_dropped"] == 1


def test_both_forms_are_two_rows_with_their_own_ids_and_drop_is_a_reject():
    script, structured = rows_of(RICH, notebooks="both")
    assert (script["source_format"], structured["source_format"]) == ("notebook:script", "notebook:structured")
    assert script["id"] != structured["id"] and script["path"] == structured["path"] == "analysis.ipynb"
    (dropped,) = rows_of(RICH, notebooks="drop")
    assert dropped["reason"] == "notebook_dropped" and dropped["content"] is None


@pytest.mark.parametrize(
    "text, reason",
    [
        (RICH[: len(RICH) // 2], "notebook_invalid_json"),  # truncated
        ("[1, 2]", "notebook_not_a_notebook"),
        (json.dumps({"metadata": {}, "nbformat": 4}), "notebook_not_a_notebook"),
        (json.dumps({"worksheets": [{"cells": []}], "metadata": {}, "nbformat": 3}), "notebook_old_format"),
        (notebook([md("only text"), code("   \n")]), "notebook_no_code"),
        (notebook([{"cell_type": "code"}, "not a cell"]), "notebook_no_code"),
    ],
)
def test_bad_notebooks_are_counted_rejects(text, reason):
    (row,) = rows_of(text, notebooks="both")
    assert row["reason"].split(":")[0] == reason and row["content"] is None


def test_size_limits_before_and_after_conversion():
    # A 200 MB notebook of images is rejected by its declared size: never read, memory stays bounded.
    def never(limit):
        raise AssertionError("read")

    huge = Candidate("github", "alice/nb", "plots.ipynb", "x", size=200 << 20, read=never)
    (row,) = contract.rows_of(huge, IngestOptions())
    assert row["reason"] == f"too_large: {200 << 20} bytes > {16 << 20}" and row["size_bytes"] == 200 << 20
    # A size the listing got wrong: at most the limit + 1 bytes are read.
    asked = []
    lying = Candidate(
        "github", "alice/nb", "p.ipynb", "x", size=10, read=lambda limit: asked.append(limit) or b"{" * limit
    )
    (row,) = contract.rows_of(lying, IngestOptions(notebook_max_bytes=1000))
    assert asked == [1001] and row["reason"] == "too_large: over 1000 bytes"
    # Outputs are dropped before --max-file-bytes applies: a 3 MB notebook of images is a small script.
    images = notebook([code(f"plot({i})", [display({"image/png": PNG * 100})]) for i in range(8)])
    assert len(images) > 3_000_000
    (row,) = rows_of(images)
    assert row["reason"] is None and row["size_bytes"] < 1000
    (row,) = rows_of(images, notebooks="structured")
    assert dict(row["format_counts"])["outputs_image_dropped"] == 8
    # ... and a script over --max-file-bytes is a reject.
    (row,) = rows_of(RICH, max_file_bytes=50)
    assert row["reason"].startswith("too_large: script text ") and row["reason"].endswith("> 50")


def test_kernel_languages():
    r_nb = notebook([md("Some R"), code("x <- c(1, 2)\nmean(x)")], language="R", kernel="ir")
    (row,) = rows_of(r_nb)
    assert row["language"] == "R" and row["content"] == "# %% [markdown]\n# Some R\n\n# %%\nx <- c(1, 2)\nmean(x)\n"
    # No language in the metadata: the kernel's name, else code that compiles as Python (magics aside).
    by_name = notebook([code("println(1)")], metadata={"kernelspec": {"name": "julia-1.9", "display_name": "J"}})
    assert rows_of(by_name)[0]["language"] == "Julia"
    bare = notebook([code("%matplotlib inline\n!pip install x\nimport os\nos.getcwd()")], metadata={})
    (row,) = rows_of(bare)
    assert row["language"] == "Python" and "# %matplotlib inline" in row["content"]
    # A language jupytext does not write, but our spec has a comment for: the same percent format.
    kotlin = notebook([md("Kotlin here"), code("val x = 1")], language="kotlin", kernel="kotlin")
    (row,) = rows_of(kotlin)
    assert row["language"] == "Kotlin" and row["content"] == "// %% [markdown]\n// Kotlin here\n\n// %%\nval x = 1\n"
    # An unknown language: the script form is a reject, the structured form keeps the kernel's label.
    odd = notebook([code("++++[>+<-]")], language="brainfudge", kernel="bf")
    script, structured = rows_of(odd, notebooks="both")
    assert script["reason"] == "notebook_unknown_language: brainfudge"
    assert structured["reason"] is None and structured["language"] == "brainfudge"
    unknown = notebook([code("this is not python at all")], metadata={})
    assert rows_of(unknown)[0]["reason"] == "notebook_unknown_language: none"


def test_every_source_converts_notebooks(tmp_path):
    repo = tmp_path / "repos" / "alice__nb"
    (repo / "vendor").mkdir(parents=True)
    (repo / "analysis.ipynb").write_text(RICH)
    (repo / "vendor" / "copy.ipynb").write_text(RICH)  # path rules come first
    (repo / "main.py").write_text("print('hi')\n")
    settings = github.GithubSettings(ingest=IngestOptions(notebooks="both"))
    rows = [
        r
        for b in contract.ingest_batches(
            github.GITHUB, github.GITHUB.plan([str(tmp_path / "repos")], settings), settings
        )
        for r in b.to_pylist()
    ]
    by_format = {(r["path"], r["source_format"]): r for r in rows}
    assert by_format[("analysis.ipynb", "notebook:script")]["language"] == "Python"
    assert ("analysis.ipynb", "notebook:structured") in by_format
    assert by_format[("vendor/copy.ipynb", None)]["reason"] == "vendored"
    assert (
        by_format[("main.py", None)]["source_format"] is None and by_format[("main.py", None)]["format_counts"] is None
    )
    # A table of files (content already decoded): the two rows of a notebook share its source columns.
    table = tmp_path / "files.jsonl"
    lines = [{"repo_name": "bob/x", "path": "a.ipynb", "content": RICH, "lang": "Jupyter Notebook"}]
    lines.append({"repo_name": "bob/x", "path": "b.py", "content": "x = 1\n", "lang": "Python"})
    table.write_text("".join(json.dumps(line) + "\n" for line in lines))
    options = DatasetSettings(columns=dataset.ColumnMap("language=lang"), ingest=IngestOptions(notebooks="both"))
    out = [r for b in dataset.read_rows([str(table)], options) for r in b.to_pylist()]
    assert [(r["path"], r["source_format"], r["source_language"]) for r in out] == [
        ("a.ipynb", "notebook:script", "Jupyter Notebook"),
        ("a.ipynb", "notebook:structured", "Jupyter Notebook"),
        ("b.py", None, "Python"),
    ]
    assert out[0]["content"].startswith("# %% [markdown]") and out[1]["content"].startswith("<jupyter_start>")
    assert DATASET.name == "ingest-dataset"


def test_conversion_reads_what_notebooks_hold():
    """Cells whose source is a string or a list, a UTF-8 byte-order mark, numbers in odd places."""
    data = notebook([code(["a = 1\n", "b = 2"]), code("c = 3"), md(None), md(7)])
    (converted,) = notebooks.convert(data.encode("utf-8-sig"), ("script",))  # bytes with a byte-order mark
    assert "a = 1\nb = 2\n" in converted.text and "c = 3" in converted.text and "# 7" in converted.text
    data = "\ufeff" + data  # a decoded text, as a table of files holds it
    text_candidate = Candidate("dataset", "r/x", "n.ipynb", "x", text=data)
    (row,) = contract.rows_of(text_candidate, IngestOptions())
    assert row["reason"] is None and "c = 3" in row["content"]
