"""Redact stage on real released code (`make bench-data`, quarter q1): recall and precision on planted fake
secrets, speed side by side with detect-secrets 1.5.0 (`detect-secrets scan --all-files`, a subprocess,
its CPU time) on the same files, and findings on unplanted code with a sample printed for reading by eye.

    .venv/bin/python bench/bench_redact.py [--data DIR] [--planted-mb 20] [--real-mb 100] [--sample 12]

The planted set: files of every q1 repository, round robin, up to --planted-mb; a fake secret snippet
(pipeline/redact/plant.py: every kind, in literals, .env, YAML, JSON, comments, URLs) is planted into half
of them, one to three each. The unplanted set: up to --real-mb of the same repositories (0: all of q1).
Printed findings show their context with the value reduced to its shape (`ghp_…(40)`, digits -> 9,
letters -> a/A): no value found in real code is printed whole. The planted files live in a temporary
folder, deleted at the end.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from bench.real_corpus import kept_text  # noqa: E402
from pipeline.redact import KINDS, RedactSettings, redact_batches, scan  # noqa: E402
from pipeline.redact.plant import SNIPPETS, Secret, plant, snippet  # noqa: E402

DEFAULT_DATA = os.environ.get("CORPUS_BENCH_DATA", "~/.cache/code-corpus-bench")
DETECT_SECRETS = Path(sys.executable).with_name("detect-secrets")
BATCH_ROWS = 512
MB = 1e6


# ---- input ---------------------------------------------------------------------------------------------


def sample_files(quarter: Path, budget_mb: float, seed: int = 0):
    """(relative path, bytes) of text files of every repository in turn, shuffled within each, until the
    budget (0: no budget)."""
    queues = []
    for repo in sorted(p for p in quarter.iterdir() if p.is_dir()):
        paths = sorted(str(p) for p in repo.rglob("*") if p.is_file() and not p.is_symlink())
        random.Random(f"{seed}:{repo.name}").shuffle(paths)
        queues.append(collections.deque(paths))
    total = 0
    while queues and (not budget_mb or total < budget_mb * MB):
        for queue in list(queues):
            if not queue:
                queues.remove(queue)
                continue
            path = queue.popleft()
            text = kept_text(path, os.path.getsize(path))
            if text is None:
                continue
            data = text.encode("utf-8", "surrogateescape")
            total += len(data)
            yield os.path.relpath(path, quarter), data
            if budget_mb and total >= budget_mb * MB:
                return


def to_batches(rows: list[tuple[str, bytes]]) -> list[pa.RecordBatch]:
    table = pa.table(
        {
            "id": [str(i) for i in range(len(rows))],
            "path": [p for p, _ in rows],
            "content": pa.array([d for _, d in rows], pa.binary()).view(pa.string()),
        }
    )
    return table.to_batches(max_chunksize=BATCH_ROWS)


def run_ours(rows: list[tuple[str, bytes]], settings: RedactSettings) -> tuple[float, list[list[dict]], list[bytes]]:
    """CPU seconds of redact_batches over the rows, each row's audit entries and redacted content."""
    batches = to_batches(rows)
    started = time.process_time()
    outputs = list(redact_batches(iter(batches), settings))
    seconds = time.process_time() - started
    audits, contents = [], []
    for out in outputs:
        audits += out.column("redactions").to_pylist()
        contents += [v.as_py() for v in out.column("content").view(pa.binary())]
    return seconds, audits, contents


# ---- detect-secrets ------------------------------------------------------------------------------------


def run_detect_secrets(folder: Path) -> tuple[float, dict]:
    """CPU seconds (user + system of the child) and the JSON results of `detect-secrets scan --all-files`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [str(DETECT_SECRETS), "scan", "--all-files", "."], cwd=folder, capture_output=True, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, json.loads(done.stdout)["results"]


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# ---- measures ------------------------------------------------------------------------------------------


def shape(value: bytes) -> str:
    """What a printed finding shows: a short prefix kept when it is a known token prefix, then the value's
    shape (digits -> 9, letters -> a/A), at most 24 characters, and its length."""
    text = value.decode("utf-8", "replace")
    keep = 4 if text[:3] in ("ghp", "gho", "ghs", "sk_", "sk-", "xox", "AKI", "AIz", "npm", "eyJ", "---") else 0
    body = "".join("9" if c.isdigit() else "A" if c.isupper() else "a" if c.isalpha() else c for c in text[keep:])
    body = body.replace("\n", "⏎")
    return f"{text[:keep]}{body[:24]}{'…' if len(body) > 24 else ''}({len(value)})"


def context(data: bytes, finding: dict, findings: list[dict]) -> str:
    """The finding's line, every finding on it reduced to its shape."""
    start, end = finding["start"], finding["end"]
    line_start = max(data.rfind(b"\n", 0, start) + 1, start - 60)
    line_end = data.find(b"\n", end)
    line_end = min(len(data) if line_end < 0 else line_end, end + 40)
    pieces, at = [], line_start
    for f in sorted(findings, key=lambda f: f["start"]):
        if f["end"] <= line_start or f["start"] >= line_end:
            continue
        pieces.append(data[at : max(at, f["start"])].decode("utf-8", "replace"))
        pieces.append("«" + shape(data[f["start"] : f["end"]]) + "»")
        at = max(at, f["end"])
    pieces.append(data[at:line_end].decode("utf-8", "replace"))
    return "".join(pieces).replace("\n", "⏎").strip()[:150]


def covered(secret: Secret, findings: list[dict], same_kind: bool) -> bool:
    return any(
        f["start"] <= secret.start and f["end"] >= secret.end and (not same_kind or f["kind"] == secret.kind)
        for f in findings
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA, help="bench data folder (holds repos/q1)")
    parser.add_argument("--planted-mb", type=float, default=float(os.environ.get("BENCH_REDACT_MB", 20)))
    parser.add_argument("--real-mb", type=float, default=float(os.environ.get("BENCH_REDACT_REAL_MB", 100)))
    parser.add_argument("--sample", type=int, default=12, help="findings printed per detector")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    quarter = Path(os.path.expanduser(args.data)) / "repos" / "q1"
    if not quarter.is_dir():
        sys.exit(f"no real corpus at {quarter}: run `make bench-data` (or set CORPUS_BENCH_DATA)")
    settings = RedactSettings()
    rng = random.Random(args.seed)

    # 1. the planted set
    originals = list(sample_files(quarter, args.planted_mb, args.seed))
    planted_rows, secrets = [], []
    families = sorted(SNIPPETS)
    turn = itertools.count()  # every family in turn: the same number of each
    for index, (path, data) in enumerate(originals):
        if index % 2:
            planted_rows.append((path, data))
            secrets.append([])
            continue
        snippets = [snippet(rng, families[next(turn) % len(families)]) for _ in range(rng.randint(1, 3))]
        text, planted = plant(data, snippets, rng)
        planted_rows.append((path, text))
        secrets.append(planted)
    planted_mb = sum(len(d) for _, d in planted_rows) / MB
    count = sum(map(len, secrets))
    print(f"planted set: {len(planted_rows):,} files, {planted_mb:.1f} MB, {count:,} planted secrets")

    ours_seconds, audits, redacted = run_ours(planted_rows, settings)
    baseline = [scan(data, KINDS, settings.max_findings) for _, data in originals]

    # recall and precision per kind and family
    total, found, exact = collections.Counter(), collections.Counter(), collections.Counter()
    family_total, family_found = collections.Counter(), collections.Counter()
    true_positive, after, before = collections.Counter(), collections.Counter(), collections.Counter()
    leaks = 0
    for row, planted in enumerate(secrets):
        findings = audits[row]
        for secret in planted:
            total[secret.kind] += 1
            family_total[secret.family] += 1
            found[secret.kind] += covered(secret, findings, same_kind=False)
            exact[secret.kind] += covered(secret, findings, same_kind=True)
            family_found[secret.family] += covered(secret, findings, same_kind=False)
            value = planted_rows[row][1][secret.start : secret.end]
            leaks += value in redacted[row]
        if not planted:
            continue
        for f in findings:
            after[f["kind"]] += 1
            true_positive[f["kind"]] += any(
                s.kind == f["kind"] and s.start < f["end"] and f["start"] < s.end for s in planted
            )
        for f in baseline[row]:
            before[f.kind] += 1

    # detect-secrets on the same files
    folder = Path(tempfile.mkdtemp(prefix="bench_redact_"))
    try:
        names = []
        for index, (path, data) in enumerate(planted_rows):
            name = f"{index:06d}_{os.path.basename(path)}"
            (folder / name).write_bytes(data)
            names.append(name)
        print(f"running detect-secrets scan --all-files on {planted_mb:.1f} MB (about {planted_mb / 0.2:.0f} s) ...")
        ds_seconds, ds_results = run_detect_secrets(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ds_found, ds_missed_by_us, ds_total = collections.Counter(), collections.Counter(), 0
    ds_planted_lines = 0
    for row, name in enumerate(names):
        hits = ds_results.get(name, [])
        ds_total += len(hits)
        lines = {h["line_number"] for h in hits}
        data = planted_rows[row][1]
        planted_lines = set()
        for secret in secrets[row]:
            first, last = line_of(data, secret.start), line_of(data, secret.end)
            planted_lines |= set(range(first, last + 1))
            if any(first <= line <= last for line in lines):
                ds_found[secret.kind] += 1
                if not covered(secret, audits[row], same_kind=False):
                    ds_missed_by_us[secret.family] += 1
        ds_planted_lines += sum(1 for line in lines if line in planted_lines)

    # 2. unplanted real code
    real_rows = list(sample_files(quarter, args.real_mb, args.seed))
    real_mb = sum(len(d) for _, d in real_rows) / MB
    real_seconds, _, _ = run_ours(real_rows, settings)
    real_findings = [
        [f._asdict() for f in scan(data, KINDS, settings.max_findings)] for _, data in real_rows
    ]  # the same findings as the stage's, with the rule that found each
    by_detector = collections.defaultdict(list)
    for row, findings in enumerate(real_findings):
        for f in findings:
            by_detector[f["detector"]].append((row, f))

    # 3. the table
    print("\n== recall on planted fake secrets (redacted: covered by a finding; kind: by one of its kind)")
    print(f"{'kind':<10} {'planted':>8} {'redacted':>9} {'recall':>7} {'kind ok':>8} {'precision':>10} {'ds found':>9}")
    for kind in KINDS:
        extra = max(0, after[kind] - true_positive[kind] - before[kind])
        precision = true_positive[kind] / (true_positive[kind] + extra) if true_positive[kind] + extra else 1.0
        recall = found[kind] / total[kind] if total[kind] else 1.0
        print(
            f"{kind:<10} {total[kind]:>8} {found[kind]:>9} {recall:>7.3f} {exact[kind] / max(1, total[kind]):>8.3f} "
            f"{precision:>10.3f} {ds_found[kind]:>9}"
        )
    print("\nper planted family (recall):")
    for family in sorted(family_total):
        print(
            f"  {family:<22} {family_found[family]:>5}/{family_total[family]:<5} "
            f"{family_found[family] / family_total[family]:.3f}"
        )
    print(f"planted values still in the redacted output: {leaks}")
    print(
        f"planted secrets detect-secrets found that we missed: {sum(ds_missed_by_us.values())} {dict(ds_missed_by_us)}"
    )
    print(f"detect-secrets findings: {ds_total:,}, {ds_planted_lines:,} of them on planted lines")

    print("\n== speed (CPU seconds, one process, same files)")
    print(f"{'':<30} {'MB':>7} {'CPU s':>8} {'MB/s':>8}")
    print(
        f"{'ours, all kinds (planted set)':<30} {planted_mb:>7.1f} {ours_seconds:>8.2f} "
        f"{planted_mb / ours_seconds:>8.1f}"
    )
    print(
        f"{'detect-secrets scan --all-files':<30} {planted_mb:>7.1f} {ds_seconds:>8.2f} {planted_mb / ds_seconds:>8.2f}"
    )
    print(f"{'ours, unplanted real code':<30} {real_mb:>7.1f} {real_seconds:>8.2f} {real_mb / real_seconds:>8.1f}")
    print(f"ratio on the same files: {ds_seconds / ours_seconds:.0f}x")

    print(f"\n== findings on unplanted real code ({len(real_rows):,} files, {real_mb:.1f} MB)")
    per_kind = collections.Counter(f["kind"] for findings in real_findings for f in findings)
    files_with = collections.Counter(kind for findings in real_findings for kind in {f["kind"] for f in findings})
    for kind in KINDS:
        print(f"  {kind:<10} {per_kind[kind]:>7} findings in {files_with[kind]:>6} files")
    for detector, items in sorted(by_detector.items()):
        print(f"    {detector:<24} {len(items):>7}")
    for detector, items in sorted(by_detector.items()):
        shown = random.Random(args.seed).sample(items, min(args.sample, len(items)))
        print(f"\n-- {detector}: {len(shown)} of {len(items)}")
        for row, f in shown:
            print(f"  {real_rows[row][0][:58]:<58} | {context(real_rows[row][1], f, real_findings[row])}")


if __name__ == "__main__":
    main()
