"""`corpus quality train|score`: train the filter's quality model on labelled files, and score any
dataset with it without filtering (to look at the distribution before choosing `--min-quality`).

    corpus quality train --positive DATA... --negative DATA... --output MODEL [--holdout 0.2]
    corpus quality score --model MODEL --input DATA... [--output SCORED]

DATA is a dataset folder (Parquet with `content` and `language`, e.g. `corpus ingest-github`'s output)
or a folder of source files (languages detected from the paths, as ingest does). Training holds out
`--holdout` of the files (by repository when the data has `repo_name`, so that copies of one file do
not straddle the split), trains fastText on the rest (`pipeline/filters/quality.py`) and prints
precision, recall and F1 on the held-out files, for the `bad` class (what `--min-quality` rejects)
and the `good` one, at a score of 0.5.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from pipeline import stage
from pipeline.config import UsageError
from pipeline.filters import quality
from pipeline.filters.apply import screening_signals
from pipeline.filters.config import FilterSettings, grammars
from pipeline.filters.syntax import SIGNALS as SCREENING_FIELDS
from pipeline.io import manifest, storage
from pipeline.langs.registry import default_registry

MAX_FILE_BYTES = 1 << 20  # as ingest: larger files are not code we train on
BATCH_ROWS = 512
COLUMNS = ("content", "language", "repo_name", "path")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corpus quality", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model; prints P/R/F1 on a held-out split")
    train.add_argument("--positive", nargs="+", required=True, metavar="DATA", help="good files")
    train.add_argument("--negative", nargs="+", required=True, metavar="DATA", help="low-quality files")
    train.add_argument("--output", required=True, metavar="MODEL", help="model file to write")
    train.add_argument("--holdout", type=float, default=0.2, help="share of files held out (default 0.2)")
    train.add_argument("--max-files", type=int, default=50_000, help="at most this many files per label")
    stage.add_arguments(train, quality.TrainSettings)
    score = commands.add_parser("score", help="quality_score of every file of a dataset, no filtering")
    score.add_argument("--model", required=True, metavar="MODEL")
    score.add_argument("--input", nargs="+", required=True, metavar="DATA")
    score.add_argument("--output", help="write the rows with quality_score and the screening signals here")
    score.add_argument("--overwrite", action="store_true", help="replace what --output holds")
    score.add_argument("--json", action="store_true", help="print the distribution as JSON")
    for sub in (train, score):
        sub.add_argument("--parse-isolation", choices=("process", "none"), default="process", help="as `corpus filter`")
        sub.add_argument("--debug", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "train":
        return cmd_train(args)
    return cmd_score(args)


# ---- reading labelled data ----------------------------------------------------------------------


def read_batches(paths: list[str], max_files: int | None = None) -> Iterator[pa.RecordBatch]:
    """Batches of (content, language, repo_name, path) from dataset folders or source folders."""
    left = max_files if max_files is not None else float("inf")
    for path in paths:
        batches = _dataset_batches(path) if storage.list_parquet_files(path) else _source_batches(path)
        for batch in batches:
            if left <= 0:
                return
            if batch.num_rows > left:
                batch = batch.slice(0, int(left))
            left -= batch.num_rows
            yield batch


def _dataset_batches(path: str) -> Iterator[pa.RecordBatch]:
    files = storage.list_parquet_files(path)
    fs, _ = storage.filesystem(files[0])
    dataset = pads.dataset([storage.filesystem(f)[1] for f in files], format="parquet", filesystem=fs)
    if "content" not in dataset.schema.names:
        raise UsageError(f"{path}: no `content` column")
    names = [c for c in COLUMNS if c in dataset.schema.names]
    for batch in dataset.to_batches(columns=names, batch_size=BATCH_ROWS):
        columns = {
            c: batch.column(c).cast(pa.string()) if c in names else pa.nulls(batch.num_rows, pa.string())
            for c in COLUMNS
        }
        yield pa.RecordBatch.from_pydict({**columns, "url": pa.nulls(batch.num_rows, pa.string())})


def _source_batches(path: str) -> Iterator[pa.RecordBatch]:
    from pipeline.langs.detect import detect_spec

    if not os.path.isdir(path):
        raise UsageError(f"{path}: neither a dataset (Parquet files) nor a folder of source files")
    registry = default_registry()
    rows: list[dict] = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            full = os.path.join(root, name)
            try:
                if os.path.islink(full) or not 0 < os.path.getsize(full) <= MAX_FILE_BYTES:
                    continue
                with open(full, "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            text = data.decode("utf-8", "replace")
            relative = os.path.relpath(full, path)
            spec = detect_spec(relative, text[:16384], registry)
            if spec is None:
                continue
            top = relative.split(os.sep, 1)[0]
            rows.append({"content": text, "language": spec.name, "repo_name": top, "path": relative, "url": None})
            if len(rows) == BATCH_ROWS:
                yield pa.RecordBatch.from_pylist(rows)
                rows = []
    if rows:
        yield pa.RecordBatch.from_pylist(rows)


def _settings(isolation: str) -> FilterSettings:
    return FilterSettings(grammars=grammars(default_registry()), parse_isolation=isolation)


def examples(batch: pa.RecordBatch, settings: FilterSettings) -> tuple[list, list, list[dict]]:
    """(texts, languages, screening signals per row) of a batch."""
    signals = screening_signals(batch, settings)
    names = [f.name for f in SCREENING_FIELDS]
    rows = [{n: signals[n][i] for n in names} for i in range(batch.num_rows)]
    return batch.column("content").to_pylist(), batch.column("language").to_pylist(), rows


def _hash(key: str, seed: int, salt: str = "") -> int:
    return int.from_bytes(hashlib.blake2b(f"{seed}:{salt}:{key}".encode(), digest_size=4).digest(), "big")


def held_out(keys: list[str], share: float, seed: int) -> np.ndarray:
    """Deterministic split by key (repository, else path)."""
    cut = int(share * 10_000)
    return np.array([_hash(k, seed) % 10_000 < cut for k in keys], dtype=bool)


def metrics(labels: list[str], scores: np.ndarray, threshold: float = 0.5) -> dict:
    truth_bad = np.array([label == quality.BAD for label in labels])
    said_bad = scores < threshold
    out = {}
    for name, truth, said in (("bad", truth_bad, said_bad), ("good", ~truth_bad, ~said_bad)):
        hits = int(np.sum(truth & said))
        precision = hits / max(int(np.sum(said)), 1)
        recall = hits / max(int(np.sum(truth)), 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[name] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "files": int(np.sum(truth)),
        }
    out["accuracy"] = round(float(np.mean(truth_bad == said_bad)) if len(labels) else 0.0, 4)
    out["auc"] = round(auc(~truth_bad, scores), 4)
    return out


def auc(truth_good: np.ndarray, scores: np.ndarray) -> float:
    """Chance that a good file scores above a bad one (ties count half): the quality of the ranking,
    whatever --min-quality is chosen."""
    good, bad = scores[truth_good], scores[~truth_good]
    if not len(good) or not len(bad):
        return float("nan")
    ranks = np.empty(len(scores))
    order = np.argsort(scores, kind="mergesort")
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks of ties
        tied = scores == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    return float((ranks[truth_good].sum() - len(good) * (len(good) + 1) / 2) / (len(good) * len(bad)))


def cmd_train(args) -> int:
    if not 0 < args.holdout < 1:
        raise UsageError("--holdout must be between 0 and 1")
    train_settings = stage.from_values(quality.TrainSettings, vars(args))
    settings = _settings(args.parse_isolation)
    texts, languages, signal_rows, labels, keys = [], [], [], [], []
    started = time.monotonic()
    for label, paths in ((quality.GOOD, args.positive), (quality.BAD, args.negative)):
        for batch in read_batches(paths, args.max_files):
            batch_texts, batch_languages, batch_signals = examples(batch, settings)
            texts += batch_texts
            languages += batch_languages
            signal_rows += batch_signals
            labels += [label] * batch.num_rows
            repos, files = batch.column("repo_name").to_pylist(), batch.column("path").to_pylist()
            keys += [f"{label}:{r or f or len(keys) + i}" for i, (r, f) in enumerate(zip(repos, files, strict=True))]
    if not texts:
        raise UsageError("no files found in --positive / --negative")
    sizes = [len((t or "").encode()) for t in texts]
    features_seconds = time.monotonic() - started
    test = held_out(keys, args.holdout, train_settings.seed)
    if test.all() or not test.any():
        test = np.arange(len(texts)) % 5 == 0  # too few repositories for a split by repository
    train_rows, test_rows = np.flatnonzero(~test), np.flatnonzero(test)

    def pick(values: list, rows: np.ndarray) -> list:
        return [values[i] for i in rows]

    folds = np.array([_hash(keys[i], train_settings.seed, "fold") % 2 == 1 for i in train_rows])
    model = quality.fit(
        pick(texts, train_rows),
        pick(languages, train_rows),
        pick(signal_rows, train_rows),
        pick(labels, train_rows),
        folds,
        train_settings,
    )
    scored = time.monotonic()
    scores = model.score(pick(texts, test_rows), pick(languages, test_rows), pick(signal_rows, test_rows))
    score_seconds = time.monotonic() - scored
    test_mb = sum(sizes[i] for i in test_rows) / 1e6
    figures = {
        "files": len(texts),
        "train_files": len(train_rows),
        "held_out_files": len(test_rows),
        "held_out": metrics(pick(labels, test_rows), scores),
        "signals_seconds_per_mb": round(features_seconds / max(sum(sizes) / 1e6, 1e-9), 3),
        "score_seconds_per_mb": round(score_seconds / max(test_mb, 1e-9), 4),
    }
    model = model.with_figures(figures)
    model.save(args.output)
    held = figures["held_out"]
    print(f"corpus quality train: {len(train_rows):,} files trained, {len(test_rows):,} held out -> {args.output}")
    print(f"{'class':<6} {'precision':>9} {'recall':>7} {'F1':>7} {'files':>7}")
    for name in ("bad", "good"):
        m = held[name]
        print(f"{name:<6} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['f1']:>7.3f} {m['files']:>7,}")
    print(
        f"accuracy {held['accuracy']:.3f}, AUC {held['auc']:.3f}; "
        f"screening signals {figures['signals_seconds_per_mb']:.2f} s/MB, "
        f"scoring (tokens + model) {figures['score_seconds_per_mb']:.3f} s/MB"
    )
    return 0


# ---- scoring ----------------------------------------------------------------------------------------


def cmd_score(args) -> int:
    model = quality.load_model(args.model)
    settings = _settings(args.parse_isolation)
    by_language: dict[str, list[float]] = {}
    written, total_bytes = 0, 0
    started = time.monotonic()
    if args.output:
        if storage.list_parquet_files(args.output) and not args.overwrite:
            raise UsageError(f"{args.output} already holds a dataset (--overwrite replaces it)")
        storage.remove_tree(args.output)
        storage.make_dirs(args.output)
    for path in args.input:
        batches = _full_batches(path) if storage.list_parquet_files(path) else _source_batches(path)
        for batch in batches:
            signals = screening_signals(batch, settings, model)
            for language, value in zip(batch.column("language").to_pylist(), signals["quality_score"], strict=True):
                if value is not None:
                    by_language.setdefault(language or "(unknown)", []).append(value)
            total_bytes += sum(len((t or "").encode()) for t in batch.column("content").to_pylist())
            if args.output:
                added = {f.name for f in (*SCREENING_FIELDS, *quality.SIGNALS)}
                columns = {f.name: batch.column(f.name) for f in batch.schema if f.name not in added}
                for f in (*SCREENING_FIELDS, *quality.SIGNALS):
                    columns[f.name] = pa.array(signals[f.name], f.type)
                table = pa.Table.from_pydict(columns)
                fs, inner = storage.filesystem(storage.join(args.output, f"part-{written:05d}.parquet"))
                pq.write_table(table, inner, filesystem=fs, compression="zstd")
                written += 1
    seconds = time.monotonic() - started
    if args.output:
        manifest.write_manifest(
            args.output, "quality-score", "", list(args.input), {"model": args.model}, {"seconds": round(seconds, 2)}
        )
    report = distribution(by_language)
    report["seconds_per_mb"] = round(seconds / max(total_bytes / 1e6, 1e-9), 3)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_distribution(report))
        print(
            f"{total_bytes / 1e6:.1f} MB scored in {seconds:.1f} s "
            f"({report['seconds_per_mb']:.2f} s/MB, parse included)"
        )
        if args.output:
            print(f"wrote {args.output}")
    return 0


def _full_batches(path: str) -> Iterator[pa.RecordBatch]:
    files = storage.list_parquet_files(path)
    fs, _ = storage.filesystem(files[0])
    dataset = pads.dataset([storage.filesystem(f)[1] for f in files], format="parquet", filesystem=fs)
    for batch in dataset.to_batches(batch_size=BATCH_ROWS):
        for name in ("language", "url"):
            if name not in batch.schema.names:
                batch = batch.append_column(name, pa.nulls(batch.num_rows, pa.string()))
        yield batch


def distribution(by_language: dict[str, list[float]]) -> dict:
    def describe(values: list[float]) -> dict:
        data = np.asarray(values)
        q = np.quantile(data, [0.1, 0.5, 0.9]) if len(data) else [np.nan] * 3
        return {
            "files": len(data),
            "mean": round(float(data.mean()), 4) if len(data) else None,
            "p10": round(float(q[0]), 4),
            "p50": round(float(q[1]), 4),
            "p90": round(float(q[2]), 4),
            "below_0.5": round(float(np.mean(data < 0.5)), 4) if len(data) else None,
        }

    everything = [v for values in by_language.values() for v in values]
    ordered = sorted(by_language.items(), key=lambda kv: -len(kv[1]))
    return {"all": describe(everything), "by_language": {k: describe(v) for k, v in ordered}}


def format_distribution(report: dict) -> str:
    lines = [f"{'language':<24} {'files':>8} {'mean':>6} {'p10':>6} {'p50':>6} {'p90':>6} {'< 0.5':>6}"]
    for name, d in [("(all)", report["all"]), *report["by_language"].items()]:
        if not d["files"]:
            continue
        lines.append(
            f"{name[:24]:<24} {d['files']:>8,} {d['mean']:>6.3f} {d['p10']:>6.3f} {d['p50']:>6.3f} {d['p90']:>6.3f} "
            f"{d['below_0.5']:>6.1%}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
