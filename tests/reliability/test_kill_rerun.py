"""A stage killed mid-run (SIGKILL of its whole process tree) and rerun ends equal to a clean run."""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time

import pyarrow.dataset as ds
import pytest

from jobs import dedup
from jobs import tokenization as tokenize
from jobs.ingest import stage_for

ingest_github = stage_for("ingest-github")

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def make_repos(root, count=30, lines=20):
    for index in range(count):
        repo = root / f"owner__repo{index:02d}"
        (repo / "pkg").mkdir(parents=True)
        for module in range(5):
            (repo / "pkg" / f"mod{module}.py").write_text(f"VALUE = {index * 10 + module}\n" * lines)


def ids(folder):
    return sorted(ds.dataset(str(folder), format="parquet").to_table(columns=["id"]).column("id").to_pylist())


def kill_when(command: list[str], writing) -> None:
    """Run `corpus <command>` and SIGKILL it with every process under it once `writing()` is true."""
    process = subprocess.Popen(
        [sys.executable, "-m", "jobs.cli", *command],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240
    while time.time() < deadline and not writing() and process.poll() is None:
        time.sleep(0.02)
    # not only the process group: pyspark's daemon makes its own, and its workers would go on writing
    tree = descendants(process.pid)
    os.killpg(process.pid, signal.SIGKILL)
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()
    while any(os.path.exists(f"/proc/{pid}") and not zombie(pid) for pid in tree):
        time.sleep(0.02)


def test_ingest_killed_mid_write_then_rerun(spark, tmp_path):
    make_repos(tmp_path / "repos")
    out = tmp_path / "files"
    args = ["--input", str(tmp_path / "repos"), "--output", str(out)]
    kill_when(["ingest-github", *args], lambda: (out / "_temporary").exists())  # Spark is writing part files
    assert not (out / "_manifest.json").exists(), "the kill came too late to test anything"

    assert ingest_github.main(args, spark=spark) == 0  # the rerun finishes the work
    clean = tmp_path / "clean"
    assert ingest_github.main(["--input", str(tmp_path / "repos"), "--output", str(clean)], spark=spark) == 0
    assert ids(out) == ids(clean) and len(ids(out)) == len(set(ids(out))) == 150
    assert not (out / "_temporary").exists()


def make_near_duplicates(root, count=60):
    """Repositories whose files repeat, exactly or with one line changed, across repositories."""
    for index in range(count):
        repo = root / f"owner__dup{index:02d}"
        repo.mkdir(parents=True)
        body = "".join(f"def handler_{n}(request):\n    return respond(request, code={n})\n\n" for n in range(40))
        (repo / "handlers.py").write_text(body + f"# variant {index % 7}\n")
        (repo / "own.py").write_text(f"OWN = {index}\n" * 30)


def test_dedup_killed_mid_write_then_rerun(spark, tmp_path):
    make_near_duplicates(tmp_path / "repos")
    files = str(tmp_path / "files")
    assert ingest_github.main(["--input", str(tmp_path / "repos"), "--output", files], spark=spark) == 0
    out = tmp_path / "dedup"
    kill_when(["dedup", "--input", files, "--output", str(out)], lambda: (out / "_temporary").exists())
    assert not (out / "_manifest.json").exists(), "the kill came too late to test anything"

    assert dedup.main(["--input", files, "--output", str(out)], spark=spark) == 0
    clean = tmp_path / "clean"
    assert dedup.main(["--input", files, "--output", str(clean)], spark=spark) == 0
    assert ids(out) == ids(clean) and len(ids(out)) == len(set(ids(out)))
    assert ids(out / "_rejects") == ids(clean / "_rejects") and len(ids(out / "_rejects")) >= 50
    assert not (out / "_temporary").exists()


def shard_digests(folder) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in os.listdir(folder)
        if name.endswith((".bin", ".idx"))
    }


def test_tokenize_killed_mid_write_then_rerun(spark, tmp_path):
    make_repos(tmp_path / "repos", count=60, lines=400)  # seconds of shard writing: a kill lands inside them
    files = str(tmp_path / "files")
    assert ingest_github.main(["--input", str(tmp_path / "repos"), "--output", files], spark=spark) == 0
    out = tmp_path / "tokens"
    args = ["--input", files, "--output", str(out), "--shard-tokens", "2000", "--partitions", "4"]
    kill_when(["tokenize", *args], lambda: out.exists() and any(".tmp-" in n for n in os.listdir(out)))
    assert not (out / "_manifest.json").exists(), "the kill came too late to test anything"

    assert tokenize.main(args, spark=spark) == 0
    clean = tmp_path / "clean"
    assert tokenize.main([*args[:3], str(clean), *args[4:]], spark=spark) == 0
    assert shard_digests(out) == shard_digests(clean) and len(shard_digests(out)) > 8  # same bytes, same names
    assert not [name for name in os.listdir(out) if ".tmp-" in name]


def process_table() -> tuple[dict[int, int], dict[int, bytes]]:
    """(parent of each live process, its command line), read from /proc."""
    parents, commands = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    commands[int(entry)] = cmdline.read()
            except OSError:
                continue
    return parents, commands


def descendants(root_pid: int, parents: dict[int, int] | None = None) -> list[int]:
    parents = parents if parents is not None else process_table()[0]

    def under_root(pid):
        while pid > 1:
            pid = parents.get(pid, 1)
            if pid == root_pid:
                return True
        return False

    return [pid for pid in parents if under_root(pid)]


def zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def python_workers(root_pid: int) -> list[int]:
    """Spark's Python worker processes under `root_pid`: children of a pyspark.daemon that are daemons too."""
    parents, commands = process_table()
    daemon = b"pyspark.daemon"
    return [
        pid
        for pid in descendants(root_pid, parents)
        if daemon in commands.get(pid, b"") and daemon in commands.get(parents[pid], b"")
    ]


def holding_a_shard_open(pids: list[int], folder) -> list[int]:
    """The processes among `pids` with a temporary shard of `folder` open: workers in the middle of a task."""
    found = []
    for pid in pids:
        try:
            targets = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if any(target.startswith(str(folder)) and ".tmp-" in target for target in targets):
            found.append(pid)
    return found


def test_tokenize_survives_a_killed_executor_process(spark, tmp_path):
    """SIGKILL of a Python worker mid-task: Spark retries the task, and the shards equal a clean run's."""
    make_repos(tmp_path / "repos", count=60, lines=400)  # tasks of a few seconds: time to catch one
    files = str(tmp_path / "files")
    assert ingest_github.main(["--input", str(tmp_path / "repos"), "--output", files], spark=spark) == 0
    out = tmp_path / "tokens"
    args = ["--input", files, "--output", str(out), "--shard-tokens", "2000", "--partitions", "4"]
    log = tmp_path / "stderr.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.cli", "tokenize", *args],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "CORPUS_SPARK_MASTER": "local[2,4]"},
        )  # 4 attempts per task
    killed = None
    deadline = time.time() + 240
    while killed is None and time.time() < deadline and process.poll() is None:
        if out.exists():
            # not any worker: an idle one in Spark's reuse pool dies without failing a task
            workers = holding_a_shard_open(python_workers(process.pid), out)
            if workers:
                os.kill(workers[0], signal.SIGKILL)
                killed = workers[0]
        time.sleep(0.02)
    assert killed is not None, "no worker was caught writing"
    assert process.wait(timeout=300) == 0
    assert "Python worker exited unexpectedly" in log.read_text()  # the kill hit a running task: it ran again
    clean = tmp_path / "clean"
    assert tokenize.main([*args[:3], str(clean), *args[4:]], spark=spark) == 0
    assert shard_digests(out) == shard_digests(clean) and len(shard_digests(out)) > 8
    assert not [name for name in os.listdir(out) if ".tmp-" in name]
