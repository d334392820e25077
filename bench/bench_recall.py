"""Recall quality on a labelled page set (bench/recall_pages.py): precision, recall and F1 per target
and domains promoted, per iteration, for our loop and for the literal DeepSeekMath loop.

Seeds cover a third of the positive documentation sites (mixed sites never). The page set is built
from installed packages once and cached under build/bench_recall/.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

import recall_pages  # noqa: E402

from pipeline.recall import TARGETS  # noqa: E402
from pipeline.recall.loop import RecallSettings, paper_settings, run_loop  # noqa: E402
from pipeline.recall.memory import MemoryPageStore  # noqa: E402
from pipeline.recall.seeds import parse_seeds  # noqa: E402

PER_SITE = int(os.environ.get("RECALL_BENCH_PER_SITE", "60"))
CACHE = Path(__file__).resolve().parents[1] / "build" / "bench_recall"


def labelled_pages() -> pa.Table:
    digest = hashlib.sha1(Path(recall_pages.__file__).read_bytes()).hexdigest()[:10]
    path = CACHE / f"pages-{PER_SITE}-{digest}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(recall_pages.build_pages(PER_SITE)), path)
    return pq.read_table(path)


def scores(store: MemoryPageStore, rules, truth: dict, limits: dict | None = None) -> dict:
    """Precision, recall, F1 per target. Our loop gives each page one label; for the literal loop
    (`limits` given) each target is judged on its own, as two separate corpora: a page is recalled
    for a target when it is under that target's seeds or scores over its threshold."""
    rows = store.recalled(rules).to_pylist()
    if limits is not None:
        table = store.table()
        seeded = table.column("seed_label").to_pylist()
        probs = {t: table.column(f"p_{t}").to_pylist() for t in TARGETS}
        ids = table.column("id").to_pylist()
    out = {}
    for target in TARGETS:
        if limits is None:
            found = {r["id"] for r in rows if r["recall_label"] == target}
        else:
            found = {i for n, i in enumerate(ids) if seeded[n] == target or probs[target][n] >= limits[target]}
        tp = sum(1 for i in found if truth[i] == target)
        fp = len(found) - tp
        fn = sum(1 for i, label in truth.items() if label == target and i not in found)
        precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
        out[target] = (precision, recall, 2 * precision * recall / max(precision + recall, 1e-9))
    return out


def run(name: str, table: pa.Table, settings: RecallSettings, truth: dict, seeds) -> dict:
    store = MemoryPageStore(table, settings.tokenizer, settings.max_chars)
    measured = {}

    def measure(iteration, rules):
        limits = None if settings.competitive else {t: settings.threshold_value for t in TARGETS}
        measured[iteration] = scores(store, rules, truth, limits)

    started = time.time()
    report = run_loop(store, seeds, settings, on_iteration=measure)
    for entry in report["iterations"]:
        it = entry["iteration"]
        line = "  ".join(
            f"{t}: P {p:.3f} R {r:.3f} F1 {f:.3f} promoted {entry['targets'][t]['domains_promoted']:>2}"
            for t, (p, r, f) in measured[it].items()
        )
        print(f"{name:<6} iter {it}  {line}")
    print(f"{name:<6} {time.time() - started:.0f} s")
    return measured[max(measured)]


def main() -> int:
    started = time.time()
    table = labelled_pages()
    labels = table.column("label").to_pylist()
    truth = dict(zip(table.column("id").to_pylist(), labels, strict=True))
    seeds_table = recall_pages.default_seeds()
    seeds = parse_seeds(seeds_table)
    positive_sites = {
        t: {d for d, lab in zip(table.column("domain").to_pylist(), labels, strict=True) if lab == t} for t in TARGETS
    }
    print(
        f"pages: {table.num_rows} ({', '.join(f'{t} {labels.count(t)}' for t in (*TARGETS, 'other'))}); "
        f"seed sites: "
        + ", ".join(f"{t} {len(seeds_table[t]['domains'])} of {len(positive_sites[t])}" for t in TARGETS)
        + f"; built in {time.time() - started:.0f} s"
    )
    ours = run("ours", table, RecallSettings(iterations=3), truth, seeds)
    paper = run("paper", table, paper_settings(iterations=3), truth, seeds)
    for target in TARGETS:
        gain = f"{ours[target][2] - paper[target][2]:+.3f}"
        print(
            f"F1 after 3 iterations, {target}: ours {ours[target][2]:.3f} "
            f"vs paper {paper[target][2]:.3f} ({gain}); "
            f"target >= 0.9: {'met' if ours[target][2] >= 0.9 else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
