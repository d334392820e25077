"""The filter's parse worker: a child process that runs `treesignals.analyze`, so that a grammar that
loops or crashes costs one file (TIMEOUT or PARSE_FAILED), never the stage.

Tree-sitter parses bytes in one call that nothing can interrupt (`pipeline.langs.parse`), and a
grammar's C code can crash the process it runs in. The executor sends files to the child in chunks of
at most CHUNK_BYTES and reads one result per file; a result that takes longer than the time budget
plus HANG_SLACK_SECONDS means the child is stuck: it is killed, the file gets TIMEOUT, and a new child
takes the rest of the chunk. A child that dies gives its file PARSE_FAILED. One child per process
(each Spark Python worker has its own), started on first use; it exits when its input closes.

Run as `python -m pipeline.filters.sandbox`: the protocol is length-prefixed pickles on the child's
stdin and on a copy of its stdout (its own stdout goes to stderr, so a stray print cannot corrupt it).
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection

from pipeline.filters import treesignals
from pipeline.langs.parse import PARSE_FAILED, TIMEOUT

CHUNK_BYTES = 8 << 20
HANG_SLACK_SECONDS = 1.0  # beyond the budget the child enforces itself (pickling, a grammar's first load)
START_SECONDS = 60.0  # for a new child to import tree-sitter and say it is ready
READY = b"ready"

Task = tuple[str, bytes]  # (grammar, source)


def default_command() -> list[str]:
    return [sys.executable, "-m", "pipeline.filters.sandbox"]


class ParseWorker:
    """One child process; `run(tasks, max_seconds)` returns one TreeSignals per task, in order."""

    def __init__(self, command: Sequence[str] | None = None):
        self.command = list(command or default_command())
        self.process: subprocess.Popen | None = None
        self.requests: Connection | None = None
        self.results: Connection | None = None
        self.restarts = 0
        self.owner = os.getpid()

    def _start(self) -> None:
        env = dict(os.environ)
        # the child imports `pipeline` the way this process does (also from a --py-files zip)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True
        )
        self.requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.results = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        try:
            ready = self.results.poll(START_SECONDS) and self.results.recv_bytes() == READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.close()
            raise RuntimeError(f"the parse worker did not start: {' '.join(self.command)}")

    def close(self) -> None:
        for connection in (self.requests, self.results):
            if connection is not None:
                try:
                    connection.close()
                except OSError:
                    pass
        self.requests = self.results = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self.process = None

    def _restart(self) -> None:
        self.close()
        self.restarts += 1
        self._start()

    def run(self, tasks: list[Task], max_seconds: float, readability: bool = True) -> list[treesignals.TreeSignals]:
        results: list[treesignals.TreeSignals] = []
        for chunk in _chunks(tasks):
            done = 0
            while done < len(chunk):
                done += self._run_chunk(chunk[done:], max_seconds, readability, results)
        return results

    def _run_chunk(self, chunk: list[Task], max_seconds: float, readability: bool, results: list) -> int:
        """Results of a prefix of `chunk` (at least one task, the last maybe a failure); its length."""
        if os.getpid() != self.owner:  # a forked copy: the child belongs to the parent process
            self.owner, self.process, self.requests, self.results = os.getpid(), None, None, None
        if self.process is None:
            self._start()
        elif self.process.poll() is not None:
            self._restart()
        message = pickle.dumps((max_seconds, readability, chunk), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.requests.send_bytes(message)
        except OSError:  # the child died between two chunks
            self._restart()
            self.requests.send_bytes(message)
        for index in range(len(chunk)):
            try:
                ready = self.results.poll(max_seconds + HANG_SLACK_SECONDS)
                answer = self.results.recv_bytes() if ready else None
            except (EOFError, OSError):
                results.append(treesignals.skipped(PARSE_FAILED))  # the grammar crashed the child
                self._restart()
                return index + 1
            if answer is None:
                results.append(treesignals.skipped(TIMEOUT))  # stuck in one parse: kill it
                self._restart()
                return index + 1
            results.append(treesignals.TreeSignals(*pickle.loads(answer)))
        return len(chunk)


def _chunks(tasks: list[Task]) -> list[list[Task]]:
    chunks, current, size = [], [], 0
    for task in tasks:
        if current and size + len(task[1]) > CHUNK_BYTES:
            chunks.append(current)
            current, size = [], 0
        current.append(task)
        size += len(task[1])
    if current:
        chunks.append(current)
    return chunks


_WORKERS: dict[tuple[str, ...], ParseWorker] = {}


def worker(command: Sequence[str] | None = None) -> ParseWorker:
    """This process's parse worker (one per command)."""
    key = tuple(command or default_command())
    if key not in _WORKERS:
        _WORKERS[key] = ParseWorker(key)
    return _WORKERS[key]


@atexit.register
def _close_all() -> None:
    for running in _WORKERS.values():
        running.close()


def serve(analyze: Callable[[str, bytes, float, bool], tuple] = treesignals.analyze) -> None:
    """The child's loop: a chunk of tasks in, one result per task out, until the input closes."""
    out_fd = os.dup(1)
    os.dup2(2, 1)  # prints go to stderr
    requests = Connection(0, writable=False)
    results = Connection(out_fd, readable=False)
    import tree_sitter  # noqa: F401 - imported before saying ready: the first file's clock starts after
    import tree_sitter_language_pack  # noqa: F401

    results.send_bytes(READY)
    while True:
        try:
            max_seconds, readability, chunk = pickle.loads(requests.recv_bytes())
        except EOFError:
            return
        for grammar, source in chunk:
            started = time.monotonic()
            result = analyze(grammar, source, max_seconds, readability)
            if time.monotonic() - started > max_seconds:
                result = treesignals.skipped(TIMEOUT)
            results.send_bytes(pickle.dumps(tuple(result), protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    serve()
