"""Where a stage run's time and memory go: wall seconds per named phase, and the peak resident memory
of the driver, the JVM and Spark's Python workers. Both are logged and written into the manifest.

Peak memory is read from Linux's per-process high-water mark (VmHWM), reset at the start of a run,
for this process and its descendants (in local mode: the JVM and every Python worker it forks).
Elsewhere, or on a cluster's remote executors, only what this machine's processes show is counted.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

MB = 1 << 20


class Phases:
    """Seconds per phase, in the order the phases were first entered; a phase may be entered again."""

    def __init__(self, label: str = ""):
        self.label = label
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + spent
            if self.label:
                print(f"corpus {self.label}: {name} {spent:.1f} s", flush=True)

    def as_dict(self) -> dict[str, float]:
        """The phases plus `other` (time between them), rounded; they add up to the run's seconds."""
        total = time.perf_counter() - self.started
        out = {name: round(value, 2) for name, value in self.seconds.items()}
        out["other"] = round(max(0.0, total - sum(self.seconds.values())), 2)
        return out


_current = Phases()


def phase(name: str):
    """`with phase("features"): ...` times a phase of the stage run in progress (see `start_run`)."""
    return _current(name)


def start_run(label: str) -> Phases:
    global _current
    _current = Phases(label)
    return _current


class PeakMemory:
    """Peak RSS per role (driver, jvm, python_workers) over this process tree while it runs."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self.peaks: dict[int, tuple[str, int]] = {}  # pid -> (role, peak bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="peak-memory", daemon=True)
        self.root = _tree_root()

    def __enter__(self) -> PeakMemory:
        for pid in _descendants(self.root):
            _reset_high_water_mark(pid)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for pid in _descendants(self.root):
            peak = _high_water_mark(pid)
            if peak is None:
                continue
            role = "driver" if pid == os.getpid() else _role(pid)
            if peak > self.peaks.get(pid, ("", 0))[1]:
                self.peaks[pid] = (role, peak)

    def summary(self) -> dict:
        """MB per role (python_workers: the largest single worker) and how many workers were seen."""
        out: dict[str, float | int] = {}
        workers = 0
        for role, peak in self.peaks.values():
            out[role] = max(out.get(role, 0), round(peak / MB, 1))
            workers += role == "python_workers"
        out["python_worker_processes"] = workers
        return out


def _tree_root() -> int:
    """Under spark-submit the JVM is this driver's parent and owns the workers: start from it."""
    parent = os.getppid()
    return parent if "PYSPARK_GATEWAY_PORT" in os.environ and _role(parent) == "jvm" else os.getpid()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: fields resume after the last ')'
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _role(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            program = os.path.basename(handle.read().split(b"\0", 1)[0]).decode(errors="replace")
    except OSError:
        return "other"
    if program == "java":
        return "jvm"
    return "python_workers" if program.startswith("python") else "other"


def _high_water_mark(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _reset_high_water_mark(pid: int) -> None:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as handle:
            handle.write("5")  # 5: reset the peak RSS to the current RSS (Linux >= 4.0)
    except OSError:
        pass
