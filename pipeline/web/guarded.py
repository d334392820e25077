"""A hard time limit per page: a WARC file's pages are made in a long-lived child process, which is
killed and restarted when one page's extraction overruns (a signal cannot stop an extractor stuck
inside C code, and threads cannot be killed). The child is spawned, not forked, so it is safe
inside Spark's Python workers.

The child does all the per-page work and sends Arrow batches of rows, so the guard costs one
message per batch, not per page. It publishes the index of the page it is extracting, and when
that started, in shared memory; the parent waits for the next batch until that page's deadline.
After a kill, a new child reads the same WARC again, skips the rows the parent already has, and
turns the page that overran into an `extraction_timeout` reject.

The guard knows nothing of WARCs or extractors: it is handed the function that makes a WARC's rows
(`pipeline.web.pages.warc_pages`) and the one that warms the child up, and runs them in the child.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable, Iterator

import pyarrow as pa

from pipeline.schema import PAGES_SCHEMA, rows_to_batches

STARTUP_SECONDS = 120.0
BATCH_ROWS = 64
IDLE = -1.0  # progress[0] while the child is not inside an extraction
_IDLE_POLL_SECONDS = 1.0


class WorkerDied(RuntimeError):
    """The child died outside any page's extraction (nothing to blame but the WARC reading)."""


class PageGuard:
    """Streams `pages(uri, settings, skip=, overran=, progress=)` from a child as PAGES_SCHEMA batches.

    `pages` yields a WARC's rows; `warm_up()` imports and calls the extractor once, before the first
    page's clock starts. Both are sent to the spawned child, so they must pickle: module-level
    functions, or `functools.partial`s of them.
    """

    def __init__(self, timeout_seconds: float, pages: Callable[..., Iterator[dict]], warm_up: Callable[[], object]):
        self._timeout = timeout_seconds
        self._pages = pages
        self._warm_up = warm_up
        self._process = None
        self._conn = None
        self._progress = None  # shared doubles: [page index being extracted or IDLE, its start time]
        self._failure: tuple[int, tuple[str, str]] | None = None  # the page the last child failed on
        self.restarts = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def batches(self, uri: str, settings) -> Iterator[pa.RecordBatch]:
        received = 0  # rows the parent holds; a restarted child skips them
        overran: dict[int, tuple[str, str]] = {}  # page index -> (reason, detail) for a restarted child
        finished = False
        try:
            while not finished:
                self._ensure_started()
                self._conn.send((uri, settings, received, overran))
                while (message := self._next_message()) is not None:
                    kind, payload = message
                    if kind == "error":
                        raise RuntimeError(payload)
                    if kind == "done":
                        finished = True
                        break
                    batch = pa.ipc.read_record_batch(pa.py_buffer(payload), PAGES_SCHEMA)
                    received += batch.num_rows
                    yield batch
                else:
                    index, failure = self._failure
                    overran[index] = failure
        finally:
            if not finished:  # left early: the child may still be sending this WARC's batches
                self._stop()

    def _next_message(self) -> tuple[str, object] | None:
        """The child's next message, or None after killing an overrunning child or seeing it die."""
        while True:
            index, started = self._progress[0], self._progress[1]
            wait = _IDLE_POLL_SECONDS if index == IDLE else max(0.0, started + self._timeout - time.monotonic())
            try:
                if self._conn.poll(wait):
                    raw = self._conn.recv_bytes()
                    return ("batch", raw[1:]) if raw[:1] == b"B" else pickle.loads(raw[1:])
            except (EOFError, OSError):
                index = self._progress[0]
                self._stop(restart=True)
                if index == IDLE:
                    raise WorkerDied("page worker died while reading a WARC") from None
                self._failure = int(index), ("extraction_failed", "page worker died")
                return None
            if index != IDLE and (self._progress[0], self._progress[1]) == (index, started):
                self._failure = int(index), ("extraction_timeout", f"no result after {self._timeout:g}s")
                self._stop(restart=True)
                return None

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._stop()
        context = multiprocessing.get_context("spawn")
        parent_end, child_end = context.Pipe()
        self._progress = context.Array("d", [IDLE, 0.0], lock=False)
        self._process = context.Process(
            target=_serve,
            args=(child_end, self._progress, self._pages, self._warm_up),
            daemon=True,
            name="page-worker",
        )
        self._process.start()
        child_end.close()
        self._conn = parent_end
        try:
            ready = parent_end.poll(STARTUP_SECONDS) and parent_end.recv_bytes() == b"ready"
        except (EOFError, OSError):  # it died while starting
            ready = False
        if not ready:
            self._stop()
            raise WorkerDied("page worker did not start")

    def _stop(self, restart: bool = False) -> None:
        self.restarts += restart
        if self._process is not None:
            if self._process.pid is not None:  # None: start() itself failed
                self._process.kill()
                self._process.join(5)
            self._process = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        self._stop()


def _serve(conn, progress, pages: Callable[..., Iterator[dict]], warm_up: Callable[[], object]) -> None:
    def mark(index: int | None) -> None:
        progress[1] = time.monotonic()
        progress[0] = IDLE if index is None else float(index)

    warm_up()
    conn.send_bytes(b"ready")
    while True:
        try:
            uri, settings, skip, overran = conn.recv()
        except (EOFError, OSError):
            return  # the parent went away
        try:
            rows = pages(uri, settings, skip=skip, overran=overran, progress=mark)
            for batch in rows_to_batches(rows, PAGES_SCHEMA, batch_rows=BATCH_ROWS):  # a kill loses < 1 batch
                conn.send_bytes(b"B" + batch.serialize().to_pybytes())
            conn.send_bytes(b"P" + pickle.dumps(("done", None)))
        except Exception as error:  # reported to the parent, which fails the task with it
            mark(None)
            conn.send_bytes(b"P" + pickle.dumps(("error", f"{type(error).__name__}: {error}"[:500])))
