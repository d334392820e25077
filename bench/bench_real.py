"""Every repository stage of `make corpus` on the real benchmark corpus (`make bench-data`), at a quarter
of it and at all of it: seconds, MB/s per core, peak RSS of the driver, the JVM and the largest Python
worker, each stage's phases, how cost grows with size, and the dedup job beside the plain datasketch
script with the quality of both against exact Jaccard.

    .venv/bin/python bench/bench_real.py [--data DIR] [--sizes quarter,full] [--keep]
Results also go to <data>/runs/bench_real.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dedup_quality import dedup_quality  # noqa: E402
from pipeline.io.manifest import read_manifest  # noqa: E402

CORES = os.cpu_count() or 1
SIZES = {"quarter": ["q1"], "full": ["q1", "q2", "q3", "q4"]}
MEMORY_LIMIT_MB = 2048  # the documented bound for the driver and every Python worker


def stages(repos: list[str], out: Path) -> list[tuple[str, list[str], Path]]:
    """(label, corpus arguments, output) of each repository stage, as `corpus all` chains them."""
    steps = [
        ("ingest-github", ["ingest-github", "--input", *repos], out / "files"),
        ("filter", ["filter", "--input", str(out / "files")], out / "files_filtered"),
        ("dedup files", ["dedup", "--input", str(out / "files_filtered")], out / "files_dedup"),
        ("repo-samples", ["repo-samples", "--input", str(out / "files_dedup")], out / "samples"),
        ("dedup samples", ["dedup", "--level", "repo", "--input", str(out / "samples")], out / "samples_dedup"),
        ("tokenize", ["tokenize", "--input", str(out / "samples_dedup")], out / "tokens"),
    ]
    return [(label, [*arguments, "--output", str(output)], output) for label, arguments, output in steps]


def content_megabytes(folder: Path) -> float:
    """Text megabytes a stage read: the `size_bytes` of its input rows (kept and rejected)."""
    import pyarrow.dataset as ds

    total = 0
    for part in (folder, folder / "_rejects"):
        if part.exists():
            table = ds.dataset(str(part), format="parquet").to_table(columns=["size_bytes"])
            total += sum(v or 0 for v in table.column("size_bytes").to_pylist())
    return total / 1e6


def raw_megabytes(repos: list[str]) -> float:
    total = 0
    for repo in repos:
        for folder, _, names in os.walk(repo):
            total += sum(
                os.path.getsize(os.path.join(folder, n)) for n in names if not os.path.islink(os.path.join(folder, n))
            )
    return total / 1e6


def run_stage(arguments: list[str], log) -> float:
    started = time.perf_counter()
    corpus = str(ROOT / ".venv" / "bin" / "corpus")
    result = subprocess.run([corpus, *arguments], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    if result.returncode:
        raise SystemExit(f"corpus {' '.join(arguments)} failed (exit {result.returncode}); see {log.name}")
    return time.perf_counter() - started


def baseline(dataset: Path, clusters: Path) -> dict:
    script = str(ROOT / "bench" / "baseline_datasketch.py")
    command = [sys.executable, script, str(dataset), "--clusters", str(clusters)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure_size(name: str, data: Path, log, first_stage: str | None = None, previous: dict | None = None) -> dict:
    """Run the stages on one size; with `first_stage`, the stages before it keep their outputs and
    figures from the previous run (`previous`), and only it and those after it run again."""
    repos = [str(data / "repos" / q) for q in SIZES[name]]
    out = data / "runs" / name
    steps = stages(repos, out)
    labels = [label for label, _, _ in steps]
    rerun_from = labels.index(first_stage) if first_stage else 0
    if not rerun_from:
        shutil.rmtree(out, ignore_errors=True)
    results: dict = {"raw_mb": round(raw_megabytes(repos), 1), "stages": {}}
    inputs = {"ingest-github": None}
    for number, (label, arguments, output) in enumerate(steps):
        if number < rerun_from:
            results["stages"][label] = previous["stages"][label]
            if label == "dedup files":
                results.update({k: previous[k] for k in ("datasketch", "dedup_quality")})
            continue
        print(f"  [{name}] {label} ...", flush=True)
        shutil.rmtree(output, ignore_errors=True)
        wall = run_stage(arguments, log)
        written = read_manifest(str(output)) or {}
        source = inputs.get(label, Path(arguments[arguments.index("--input") + 1]))
        megabytes = results["raw_mb"] if source is None else content_megabytes(source)
        results["stages"][label] = {
            "wall_seconds": round(wall, 1),
            "seconds": written.get("seconds"),
            "input_mb": round(megabytes, 1),
            "rows": written.get("output", {}).get("rows"),
            "phases": written.get("phases", {}),
            "peak_rss_mb": written.get("peak_rss_mb", {}),
        }
        if label == "dedup files":
            print(f"  [{name}] datasketch script on the same input ...", flush=True)
            results["datasketch"] = baseline(out / "files_filtered", out / "datasketch_clusters.json")
            print(f"  [{name}] dedup quality against exact Jaccard ...", flush=True)
            results["dedup_quality"] = dedup_quality(
                out / "files_filtered", out / "files_dedup", out / "datasketch_clusters.json"
            )
    return results


def print_tables(results: dict) -> None:
    sizes = list(results)
    print("\nper stage (wall seconds of `corpus <stage>` include the JVM start; MB are input text):")
    print(
        f"  {'stage':14s} {'size':8s} {'MB':>7s} {'seconds':>8s} {'MB/s/core':>9s} {'driver':>7s} {'jvm':>6s} "
        f"{'worker':>7s}  phases (s)"
    )
    for label in results[sizes[0]]["stages"]:
        for size in sizes:
            stage = results[size]["stages"][label]
            rss = stage["peak_rss_mb"]
            rate = stage["input_mb"] / stage["wall_seconds"] / CORES
            phases = ", ".join(f"{k} {v:.0f}" for k, v in stage["phases"].items() if v >= 0.5)
            print(
                f"  {label:14s} {size:8s} {stage['input_mb']:7.0f} {stage['wall_seconds']:8.1f} {rate:9.2f} "
                f"{rss.get('driver', 0):7.0f} {rss.get('jvm', 0):6.0f} {rss.get('python_workers', 0):7.0f}  {phases}"
            )
    over = [
        (size, label)
        for size in sizes
        for label, s in results[size]["stages"].items()
        if max(s["peak_rss_mb"].get("driver", 0), s["peak_rss_mb"].get("python_workers", 0)) > MEMORY_LIMIT_MB
    ]
    print(f"  driver and Python workers within {MEMORY_LIMIT_MB} MB: {'yes' if not over else 'NO: ' + str(over)}")
    if len(sizes) == 2:
        small, large = sizes
        print(f"\ncost growth {small} -> {large} (seconds ratio / input-size ratio; linear = 1.0, bound 1.2):")
        for label in results[small]["stages"]:
            a, b = results[small]["stages"][label], results[large]["stages"][label]
            size_ratio = b["input_mb"] / a["input_mb"]
            time_ratio = b["wall_seconds"] / a["wall_seconds"]
            worker_a, worker_b = (s["peak_rss_mb"].get("python_workers", 0) or 1 for s in (a, b))
            print(
                f"  {label:14s} size x{size_ratio:5.2f}  seconds x{time_ratio:5.2f}  "
                f"-> {time_ratio / size_ratio:4.2f}   worker peak RSS x{worker_b / worker_a:4.2f}"
            )
    for size in sizes:
        if "datasketch" not in results[size]:
            continue
        ours = results[size]["stages"]["dedup files"]
        theirs = results[size]["datasketch"]
        quality = results[size]["dedup_quality"]
        print(f"\ndedup on {size} ({ours['input_mb']:.0f} MB, {theirs['rows']:,} files), same machine, one run:")
        print(
            f"  corpus dedup (Spark local, {CORES} cores) {ours['wall_seconds']:7.1f} s  (job {ours['seconds']} s; "
            f"phases {ours['phases']})"
        )
        print(
            f"  datasketch script (1 core)      {theirs['seconds']:7.1f} s  peak RSS {theirs['peak_rss_mb']:.0f} MB  "
            f"phases {theirs['phases']}"
        )
        print(
            f"  ratio: {theirs['seconds'] / ours['wall_seconds']:.2f}x wall, "
            f"{theirs['seconds'] / ours['wall_seconds'] / CORES:.2f}x per core"
        )
        for method, scores in quality.items():
            print(f"  {method:28s} {scores}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data", default=os.environ.get("CORPUS_BENCH_DATA", os.path.expanduser("~/.cache/code-corpus-bench"))
    )
    parser.add_argument("--sizes", default="quarter,full", help="comma-separated: quarter (q1), full (q1-q4)")
    parser.add_argument(
        "--from",
        dest="first_stage",
        help="rerun from this stage (e.g. 'dedup files'), taking the "
        "earlier stages' outputs and figures from the previous run's bench_real.json",
    )
    args = parser.parse_args()
    data = Path(args.data)
    if not all((data / "repos" / q).is_dir() for q in SIZES["full"]):
        print(f"no benchmark corpus in {data}/repos: run `make bench-data` first", file=sys.stderr)
        return 2
    (data / "runs").mkdir(exist_ok=True)
    saved = data / "runs" / "bench_real.json"
    previous = json.loads(saved.read_text()) if saved.exists() else {}
    if args.first_stage and not all(name in previous for name in args.sizes.split(",")):
        print(f"--from needs a previous run of these sizes in {saved}", file=sys.stderr)
        return 2
    results = {name: figures for name, figures in previous.items() if name in SIZES}  # other sizes' last run
    with open(data / "runs" / "bench_real.log", "w") as log:
        for name in args.sizes.split(","):
            results[name] = measure_size(name, data, log, args.first_stage, previous.get(name))
    saved.write_text(json.dumps(results, indent=2))
    print_tables(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
