"""A stage killed mid-run (SIGKILL of the whole process group) and rerun ends equal to a clean run."""

import os
import signal
import subprocess
import sys
import time

import pyarrow.dataset as ds
import pytest

from jobs import ingest_github

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def make_repos(root, count=30):
    for index in range(count):
        repo = root / f"owner__repo{index:02d}"
        (repo / "pkg").mkdir(parents=True)
        for module in range(5):
            (repo / "pkg" / f"mod{module}.py").write_text(f"VALUE = {index * 10 + module}\n" * 20)


def ids(folder):
    return sorted(ds.dataset(str(folder), format="parquet").to_table(columns=["id"]).column("id").to_pylist())


def test_ingest_killed_mid_write_then_rerun(spark, tmp_path):
    make_repos(tmp_path / "repos")
    out = tmp_path / "files"
    args = ["--input", str(tmp_path / "repos"), "--output", str(out)]
    command = [sys.executable, "-m", "pipeline.cli", "ingest-github", *args]
    process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and not (out / "_temporary").exists() and process.poll() is None:
        time.sleep(0.05)  # wait until Spark is writing part files
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "_manifest.json").exists(), "the kill came too late to test anything"

    assert ingest_github.main(args, spark=spark) == 0  # the rerun finishes the work
    clean = tmp_path / "clean"
    assert ingest_github.main(["--input", str(tmp_path / "repos"), "--output", str(clean)], spark=spark) == 0
    assert ids(out) == ids(clean) and len(ids(out)) == len(set(ids(out))) == 150
    assert not (out / "_temporary").exists()
