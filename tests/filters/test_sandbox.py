"""The parse worker: a grammar that loops or crashes costs its file (timeout / parse_failed), the
worker is replaced, and the files after it are parsed as usual."""

from __future__ import annotations

import os
import sys
import time

from pipeline.filters.sandbox import ParseWorker, _chunks

FAKE = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_parse_worker.py")]


def test_a_looping_or_crashing_grammar_costs_one_file():
    worker = ParseWorker(FAKE)
    try:
        started = time.monotonic()
        results = worker.run(
            [
                ("python", b"x = 1\n"),
                ("loop", b"anything"),
                ("python", b"def f(:\n"),
                ("crash", b"anything"),
                ("java", b"class A {}\n"),
            ],
            0.3,
        )
        assert [(r.parsed, r.skipped) for r in results] == [
            (True, None),
            (None, "timeout"),
            (False, None),
            (None, "parse_failed"),
            (True, None),
        ]
        assert worker.restarts == 2
        assert time.monotonic() - started < 30  # the loop is cut at the budget + slack, not waited for
    finally:
        worker.close()


def test_the_real_worker_parses_and_survives_a_dead_child():
    worker = ParseWorker()
    try:
        [first] = worker.run([("python", b"def f():\n    return 1\n")], 2.0)
        assert first.parsed is True and first.functions == 1
        worker.process.kill()
        worker.process.wait()
        [second] = worker.run([("rust", b"fn main() {}\n")], 2.0)
        assert second.parsed is True and second.functions == 1
    finally:
        worker.close()


def test_chunks_are_bounded_by_bytes():
    tasks = [("python", b"x" * (3 << 20))] * 5
    assert [len(c) for c in _chunks(tasks)] == [2, 2, 1]
