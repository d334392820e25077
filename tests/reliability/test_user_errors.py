"""A user's mistake gets one line saying what is wrong and what to do, exit code 2, and no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def corpus(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jobs.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def files_dataset(tmp_path):
    """A finished one-row `files` dataset, and an output folder holding another stage's result."""
    files = tmp_path / "files"
    files.mkdir()
    pq.write_table(pa.table({"id": ["a"], "content": ["print(1)\n"], "language": ["Python"]}), files / "part-0.parquet")
    stats = {"rows": 1, "bytes": (files / "part-0.parquet").stat().st_size, "files": 1}
    (files / "_manifest.json").write_text(json.dumps({"stage": "ingest-github", "fingerprint": "f0", "output": stats}))
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "_manifest.json").write_text(json.dumps({"stage": "dedup", "fingerprint": "other"}))
    return files, taken


def test_mistakes_are_one_line_without_traceback(files_dataset, tmp_path):
    files, taken = files_dataset
    config = tmp_path / "bad.toml"
    config.write_text("[filter]\nmax_line_lenght = 10\n")
    no_java = {"JAVA_HOME": "", "PATH": os.path.dirname(sys.executable)}
    cases = [
        (
            ["filter", "--input", str(tmp_path / "missing"), "--output", str(tmp_path / "o1")],
            "holds no Parquet files; check the path",
        ),
        (["filter", "--input", str(files), "--output", str(taken)], "choose another --output or pass --overwrite"),
        (
            ["filter", "--input", str(files), "--output", str(tmp_path / "o2"), "--config", str(config)],
            "unknown key(s) in [filter]: max_line_lenght",
        ),
        (["dedup", "--input", str(files), "--output", str(tmp_path / "o3"), "--threshold", "2"], "--threshold"),
    ]
    for args, message in cases:
        result = corpus(args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().count("\n") == 0, result.stderr

    result = corpus(["filter", "--input", str(files), "--output", str(tmp_path / "o4")], env=no_java)
    assert result.returncode == 2 and "Java was not found" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o4").exists()

    debug = corpus(["filter", "--input", str(tmp_path / "missing"), "--output", str(tmp_path / "o5"), "--debug"])
    assert debug.returncode != 0 and "Traceback" in debug.stderr  # --debug shows where it came from


@pytest.mark.spark
def test_unknown_language_in_options_is_one_line(files_dataset, tmp_path):
    files, _ = files_dataset
    result = corpus(
        [
            "filter",
            "--input",
            str(files),
            "--output",
            str(tmp_path / "o"),
            "--language-overrides",
            '{"Pyhton": {"max_chars": 10}}',
        ]
    )
    assert result.returncode == 2 and "unknown language 'Pyhton'; did you mean Python" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().splitlines()[-1].startswith("corpus filter:")
