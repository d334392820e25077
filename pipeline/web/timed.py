"""A hard time limit per call: calls run in a long-lived child process that is killed and replaced
when one overruns (a signal cannot stop an extractor stuck inside C code, and threads cannot be
killed). The child is spawned, not forked, so it is safe inside Spark's Python workers.

`map` streams a list of calls through the child (a feeder thread sends while results come back),
so the child never waits for the parent; each call's clock starts when the previous result arrives.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable

STARTUP_SECONDS = 120.0


class CallTimeout(Exception):
    """The call ran past the time limit; the child was killed."""


class CallFailed(Exception):
    """The call raised in the child, or the child died (e.g. a crash in native code)."""


class TimedWorker:
    """Calls `function(*args)` in a child process with at most `timeout_seconds` per call.

    `function` must be importable by name (a module-level function). `warmup` args are run once
    when the child starts, before any deadline applies, so imports are not billed to a page.
    """

    def __init__(self, function: Callable, timeout_seconds: float, warmup: tuple | None = None):
        self._function = function
        self._timeout = timeout_seconds
        self._warmup = warmup
        self._process = None
        self._conn = None
        self.restarts = 0

    def __call__(self, *args):
        outcome = self.map([args])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def map(self, calls: list[tuple]) -> list:
        """One outcome per call, in order: the value, or a CallTimeout / CallFailed instance."""
        outcomes: list = []
        while len(outcomes) < len(calls):
            self._ensure_started()
            feeder = threading.Thread(target=_feed, args=(self._conn, calls[len(outcomes) :]), daemon=True)
            feeder.start()
            try:
                for _ in range(len(outcomes), len(calls)):
                    outcome = self._next_outcome()
                    outcomes.append(outcome)
                    if self._process is None:  # killed: the remaining calls go to a new child
                        break
            finally:
                feeder.join()
        return outcomes

    def _next_outcome(self):
        if not self._conn.poll(self._timeout):
            self._restart()
            return CallTimeout(f"no result after {self._timeout:g}s")
        try:
            status, value = self._conn.recv()
        except (EOFError, OSError):
            self._restart()
            return CallFailed("worker process died")
        return value if status == "ok" else CallFailed(value)

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self.stop()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child_end, self._function, self._warmup), daemon=True, name="timed-worker"
        )
        self._process.start()
        child_end.close()
        self._conn = parent_end
        if not parent_end.poll(STARTUP_SECONDS) or parent_end.recv() != "ready":
            self.stop()
            raise CallFailed("worker process did not start")

    def _restart(self) -> None:
        self.stop()
        self.restarts += 1

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _feed(conn, calls: list[tuple]) -> None:
    try:
        for args in calls:
            conn.send(args)
    except (OSError, ValueError, AttributeError):  # the child was killed mid-stream; map resends the rest
        pass


def _serve(conn, function: Callable, warmup: tuple | None) -> None:
    if warmup is not None:
        try:
            function(*warmup)
        except Exception:  # the real calls will report the error
            pass
    conn.send("ready")
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return  # the parent went away
        try:
            conn.send(("ok", function(*args)))
        except Exception as error:
            conn.send(("error", f"{type(error).__name__}: {error}"[:300]))
