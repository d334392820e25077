"""The quality model: `corpus quality train|score` on small labelled datasets, the `low_quality` rule,
and one-line errors for missing or damaged model files."""

from __future__ import annotations

import dataclasses
import html
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from filter_rows import file_row, run_rows

from jobs.cli import main as corpus
from jobs.filter import main as filter_main
from pipeline.config import UsageError
from pipeline.filters import quality
from pipeline.filters.config import FilterOptions, resolve
from pipeline.filters.screening_stats import format_signal_summary, signal_summary
from pipeline.io.manifest import write_manifest
from pipeline.langs.registry import default_registry

TEMPLATES = [
    'def {name}(values):\n    """Sum of {name}."""\n    total = 0\n    for value in values:\n'
    "        total += value * {k}\n    return total\n",
    "class {Name}:\n    def __init__(self, size):\n        self.size = size + {k}\n\n"
    "    def grow(self, step):\n        self.size += step\n        return self.size\n",
    "import os\n\n\ndef {name}(folder):\n    # entries of a folder\n    return sorted(os.listdir(folder))[:{k}]\n",
]


def good_files(count: int) -> list[str]:
    words = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "theta"]
    return [
        TEMPLATES[i % len(TEMPLATES)].format(name=f"{words[i % 8]}_{i}", Name=f"{words[i % 8].title()}{i}", k=i)
        for i in range(count)
    ]


def write_dataset(folder, texts: list[str], repo: str) -> str:
    os.makedirs(folder)
    rows = [
        {"content": t, "language": "Python", "repo_name": f"{repo}{i % 7}", "path": f"f{i}.py"}
        for i, t in enumerate(texts)
    ]
    pq.write_table(pa.Table.from_pylist(rows), os.path.join(folder, "part-0.parquet"))
    write_manifest(str(folder), "test", "x", [], {})
    return str(folder)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    base = tmp_path_factory.mktemp("quality")
    good = good_files(120)
    bad = [html.escape(t) if i % 2 else t[: len(t) // 2] + "\n" + t for i, t in enumerate(good_files(120)[::-1])]
    positive = write_dataset(base / "good", good, "good")
    negative = write_dataset(base / "bad", bad, "bad")
    model = str(base / "model.bin")
    code = corpus(
        ["quality", "train", "--positive", positive, "--negative", negative, "--output", model]
        + ["--epoch", "5", "--min-count", "1", "--bucket", "10000", "--dim", "8", "--parse-isolation", "none"]
    )
    assert code == 0
    return base, model, positive, negative


def test_train_writes_a_model_with_held_out_figures(trained, capsys):
    _, model, _, _ = trained
    loaded = quality.load_model(model)
    figures = loaded.header["training"]
    assert figures["held_out_files"] > 0 and figures["train_files"] > figures["held_out_files"]
    assert figures["held_out"]["accuracy"] > 0.8 and figures["held_out"]["bad"]["precision"] > 0.9
    assert loaded.header["stack"]["signal_dims"] == quality.SIGNAL_DIMS


def test_filter_rejects_low_scores(trained):
    _, model_path, _, _ = trained
    model = quality.load_model(model_path)
    # the model alone decides (no syntax check, no html_escaped rule)
    options = FilterOptions(language_overrides={"Python": {"syntax_check": False, "min_html_entities": 0}})
    options = dataclasses.replace(
        options, screening=dataclasses.replace(options.screening, quality_model=model_path, min_quality=0.5)
    )
    settings = dataclasses.replace(resolve(options, default_registry(), False), parse_isolation="none")
    good = good_files(3)[2]
    rows = [file_row(good), file_row(html.escape(good_files(7)[6]))]  # a docstring: quotes to escape
    batch = pa.RecordBatch.from_pylist(rows, schema=pa.schema([(k, pa.string()) for k in rows[0] if k != "size_bytes"]))
    from pipeline.filters.apply import filter_batch

    out = filter_batch(batch, settings, None, model).to_pylist()
    assert out[0]["reason"] is None and out[0]["quality_score"] >= 0.5
    assert out[1]["reason"] == f"low_quality:{out[1]['quality_score']}" and out[1]["quality_score"] < 0.5
    assert run_rows([file_row(good)], settings)[0]["quality_score"] is None  # no model: no score


def test_score_a_dataset_without_filtering(trained, capsys):
    base, model, positive, negative = trained
    scored = str(base / "scored")
    capsys.readouterr()
    assert corpus(["quality", "score", "--model", model, "--input", positive, negative, "--output", scored]) == 0
    printed = capsys.readouterr().out
    assert "Python" in printed and "p50" in printed
    table = pq.read_table(scored)
    assert table.num_rows == 240 and table.column("quality_score").null_count == 0
    assert {"parsed", "syntax_error_fraction", "functions"} <= set(table.column_names)
    summary = signal_summary(scored)
    python = summary["by_language"]["Python"]
    assert python["files"] == 240 and "quality_score" in python["quantiles"]
    assert "Python" in format_signal_summary(summary)
    assert corpus(["quality", "score", "--model", model, "--input", positive, "--output", scored]) == 2  # exists


def test_missing_and_damaged_models_are_one_line_errors(trained, tmp_path, capsys):
    _, model, positive, _ = trained
    missing = str(tmp_path / "nope.bin")
    with pytest.raises(UsageError, match="quality model not found: .*nope.bin"):
        quality.load_model(missing)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(os.urandom(1000))
    with pytest.raises(UsageError, match="garbage.bin: not a quality model"):
        quality.load_model(str(garbage))
    data = open(model, "rb").read()
    truncated = tmp_path / "truncated.bin"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(UsageError, match="truncated.bin: damaged quality model"):
        quality.load_model(str(truncated))
    header_end = data.index(b"\n", len(quality.MAGIC))
    other = json.loads(data[len(quality.MAGIC) : header_end])
    other["stack"]["signal_dims"] = 3
    wrong = tmp_path / "wrong.bin"
    wrong.write_bytes(quality.MAGIC + json.dumps(other).encode() + data[header_end:])
    with pytest.raises(UsageError, match="made for other signals"):
        quality.load_model(str(wrong))
    capsys.readouterr()
    assert corpus(["quality", "score", "--model", str(garbage), "--input", positive]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "garbage.bin" in error
    # the filter refuses it before touching the output (no Spark started)
    output = str(tmp_path / "out")
    assert filter_main(["--input", positive, "--output", output, "--quality-model", missing]) == 2
    assert "nope.bin" in capsys.readouterr().err and not os.path.exists(output)
    assert filter_main(["--input", positive, "--output", output, "--min-quality", "0.5"]) == 2
    assert "--min-quality needs --quality-model" in capsys.readouterr().err
