"""A real Spark standalone cluster (a master and two 1-core workers on 127.0.0.1) runs jobs/dedup.py by the
README's cluster recipe, `spark-submit --master spark://... --py-files pipeline.zip`, and decides exactly as
local mode does.

The executors run a Python that sees the venv's dependencies but not the editable install of this project
(the venv's `__editable__` finder would otherwise import `pipeline` from the work tree on any executor), and
spark-submit runs outside the repository without PYTHONPATH: the job can only succeed if the executors
import `pipeline` from the shipped zip.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dedup"))  # the dedup tests' data helpers
from dedup_testdata import random_code, read_output, render, replace_segments, row, write_input  # noqa: E402

from jobs.dedup import main as dedup_main  # noqa: E402

pytestmark = [pytest.mark.spark, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120  # seconds for the master and both workers to be up (JVM starts ~10 s on an idle machine)
JOB_TIMEOUT = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def zip_only_python(folder: Path) -> Path:
    """A venv whose only packages are the project venv's site-packages, added by a .pth line: .pth files
    inside that folder (the editable install's import hook) are not run, so `pipeline` is not importable."""
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "project_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def build_zip(target: Path) -> Path:
    """dist/pipeline.zip as `make dist` builds it, but into `target`."""
    subprocess.run(
        [sys.executable, "-m", "zipfile", "-c", str(target), "pipeline", "jobs", "language_specs"], cwd=REPO, check=True
    )
    return target


def base_env(executor_python: Path) -> dict[str, str]:
    drop = ("PYTHONPATH", "CORPUS_SPARK_MASTER")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("SPARK_", "PYSPARK_"))}
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_DAEMON_MEMORY="512m",
        PYSPARK_PYTHON=str(executor_python),
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    return env


def json_of(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)
    except (OSError, ValueError):  # not listening yet, or an empty answer while starting
        return None


def live_members(groups: list[int]) -> list[int]:
    """Pids of processes (not zombies) still in these process groups."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) in groups:
            found.append(int(entry.name))
    return found


def stop_groups(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process group (a worker stops its executors), then SIGKILL whatever is left."""
    groups = [p.pid for p in processes]
    for signal_number, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        for group in groups:
            try:
                os.killpg(group, signal_number)
            except ProcessLookupError:
                pass
        deadline = time.time() + grace
        while time.time() < deadline and (any(p.poll() is None for p in processes) or live_members(groups)):
            time.sleep(0.2)
    for process in processes:
        process.wait(timeout=10)
    assert not live_members(groups), f"leftover cluster processes: {live_members(groups)}"


def log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@dataclass
class Cluster:
    master: str
    ui: str
    worker_dirs: list[Path]
    env: dict[str, str]
    start_seconds: float


@pytest.fixture(scope="module")
def executor_python(tmp_path_factory) -> Path:
    return zip_only_python(tmp_path_factory.mktemp("executor_venv"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, executor_python):
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.fail("Java 17+ is needed for Spark (see README: Without Java)")
    root = tmp_path_factory.mktemp("standalone")
    env = base_env(executor_python)
    spark_class = str(spark_home() / "bin" / "spark-class")
    master_port, ui_port = free_port(), free_port()
    master, ui = f"spark://127.0.0.1:{master_port}", f"http://127.0.0.1:{ui_port}/json/"
    processes: list[subprocess.Popen] = []

    def launch(name: str, args: list[str], extra_env: dict[str, str] | None = None) -> None:
        with open(root / f"{name}.log", "wb") as log:
            processes.append(
                subprocess.Popen(
                    [spark_class, *args],
                    env={**env, **(extra_env or {})},
                    cwd=root,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

    def wait_for(condition, what: str, deadline: float):
        while time.time() < deadline:
            if any(p.poll() is not None for p in processes):
                break
            if value := condition():
                return value
            time.sleep(0.5)
        logs = "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in sorted(root.glob("*.log")))
        pytest.fail(f"standalone cluster: {what} not reached\n{logs}")

    started = time.time()
    try:
        launch(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(master_port),
                "--webui-port",
                str(ui_port),
            ],
        )
        deadline = started + START_TIMEOUT
        wait_for(lambda: json_of(ui), "master UI up", deadline)  # workers started earlier would back off
        worker_dirs = [root / f"worker{i}" for i in (1, 2)]
        for i, work in enumerate(worker_dirs, 1):
            work.mkdir()
            launch(
                f"worker{i}",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    master,
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    "1",
                    "--memory",
                    "1g",
                    "--webui-port",
                    str(free_port()),
                ],
                {"SPARK_WORKER_DIR": str(work)},
            )
        wait_for(lambda: (json_of(ui) or {}).get("aliveworkers") == 2, "two alive workers", deadline)
        elapsed = time.time() - started
        print(f"\nstandalone cluster up in {elapsed:.1f} s")
        yield Cluster(master, ui, worker_dirs, env, elapsed)
    finally:
        stop_groups(processes)


def test_executor_python_imports_the_package_only_from_the_zip(executor_python, tmp_path):
    probe = "import pipeline.langs.registry as r; print(r.__file__); print(len(r.default_registry().specs))"
    alone = subprocess.run(
        [str(executor_python), "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert alone.returncode != 0 and "No module named 'pipeline'" in alone.stderr
    shipped = build_zip(tmp_path / "pipeline.zip")
    with_zip = subprocess.run(
        [str(executor_python), "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(shipped)},
    )
    assert with_zip.returncode == 0, with_zip.stderr
    module_file, languages = with_zip.stdout.split()
    assert module_file.startswith(str(shipped) + os.sep)
    assert int(languages) > 300  # language_specs/ read from inside the zip


def dataset_rows() -> list[dict]:
    """Exact copies (one with CRLF line ends), a near-duplicate cluster, a chain, unique rows, empty content."""
    base = random_code(1)
    rows = [
        row(
            f"cluster{i}.py",
            render(replace_segments(base, [i], 10 + i) if i else base),
            commit_date=f"2024-0{i + 1}-15",
        )
        for i in range(4)
    ]
    chain = [random_code(7)]
    chain += [replace_segments(chain[-1], [0], 70)]
    chain += [replace_segments(chain[-1], [1], 71)]
    rows += [row(f"chain{i}.py", render(doc)) for i, doc in enumerate(chain)]
    rows += [row(f"unique{i}.py", render(random_code(100 + i))) for i in range(12)]
    rows += [
        row("copy_lf.py", rows[-1]["content"]),
        row("copy_crlf.py", rows[-2]["content"].replace("\n", "\r\n")),
        row("null.py", None),
        row("empty.py", ""),
        row("punct.py", "{}();"),
    ]
    return rows


def write_two_part_input(folder: Path, rows: list[dict]) -> str:
    """Two part files (two input splits for the two executors), the manifest written last."""
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows[1::2]), folder / "part-00001.parquet")
    return write_input(folder, rows[0::2])


def outcome(folder: Path) -> dict:
    kept, rejects = read_output(folder)
    return {
        "kept": sorted(r["id"] for r in kept),
        "rejects": {r["id"]: r["reason"] for r in rejects},
        "clusters": {r["id"]: r["cluster_id"] for r in kept + rejects},
        "removed": json.loads((folder / "_manifest.json").read_text())["removed"],
    }


def executor_logs(cluster: Cluster, app_id: str) -> list[Path]:
    return sorted(p for work in cluster.worker_dirs for p in (work / app_id).glob("*/stderr"))


def test_spark_submit_on_standalone_cluster_matches_local_mode(spark, cluster, tmp_path):
    rows = dataset_rows()
    source = write_two_part_input(tmp_path / "in", rows)
    build_zip(tmp_path / "pipeline.zip")
    # As a user would type it, from a folder outside the repository, with paths relative to that folder.
    command = [
        str(spark_home() / "bin" / "spark-submit"),
        "--master",
        cluster.master,
        "--driver-memory",
        "1g",
        "--executor-memory",
        "1g",
        "--conf",
        "spark.ui.enabled=false",
        "--py-files",
        "pipeline.zip",
        str(REPO / "jobs" / "dedup.py"),
        "--input",
        "in",
        "--output",
        "cluster_out",
    ]
    log = tmp_path / "spark-submit.log"
    started = time.time()
    with open(log, "wb") as handle:
        submit = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=cluster.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        # Local mode meanwhile: both runs wait on task scheduling far more than they compute.
        assert dedup_main(["--input", source, "--output", str(tmp_path / "local_out")], spark=spark) == 0
        local_seconds = time.time() - started
        returncode = submit.wait(timeout=JOB_TIMEOUT)
    finally:
        stop_groups([submit])
    print(
        f"local mode: {local_seconds:.1f} s; spark-submit on the cluster: {time.time() - started:.1f} s "
        f"(cluster start {cluster.start_seconds:.1f} s)"
    )
    assert returncode == 0, log_tail(log, 80)

    local = outcome(tmp_path / "local_out")
    reasons = {reason.split(":")[0] for reason in local["rejects"].values()}
    assert {"exact_duplicate_of", "near_duplicate_of", "missing_content"} <= reasons  # a test with teeth
    assert len(local["kept"]) + len(local["rejects"]) == len(rows)
    assert outcome(tmp_path / "cluster_out") == local

    # The cluster ran it: the master lists the finished application, and its executors ran tasks.
    state = json_of(cluster.ui)
    apps = [app for app in state["completedapps"] if app["name"] == "corpus-dedup"]
    assert len(apps) == 1 and apps[0]["state"] == "FINISHED", state["completedapps"]
    logs = executor_logs(cluster, apps[0]["id"])
    assert len(logs) == 2, logs  # one executor per worker
    tasks = [path.read_text(errors="replace").count("Running task") for path in logs]
    print(f"tasks run per executor: {tasks}")
    assert sum(tasks) > 0
