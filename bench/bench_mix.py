"""`corpus mix` on token files built from real code: --materialize throughput against a plain copy of the
same `.bin` bytes, peak memory at two input sizes, realized shares, and the cost of sizing repository
samples in tokens.

Inputs: four token folders of different sizes, tokenized by the real tokenize path (partition writer,
FIM 0.5, DeepSeek's tokenizer) from the files of `<data>/repos/q1` (`make bench-data`; `<data>` is
$CORPUS_BENCH_DATA or ~/.cache/code-corpus-bench): GitHub code (two inputs), documentation files as
pages recalled as code or math, prose files as an imported text dataset. They are cached under
`<data>/mix/`. The larger size repeats every input's shards 4 times (hard links, new names).

Each `corpus mix` run is its own process (`python -m jobs.cli mix`): its manifest gives the phases and
the peak RSS. Results go to `<data>/runs/bench_mix.json`.
"""

from __future__ import annotations

import os

os.environ["TOKENIZERS_PARALLELISM"] = "false"  # one core for the tokenizer, as in bench_tokenize.py
os.environ["RAYON_NUM_THREADS"] = "1"

import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import pyarrow as pa  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import stage  # noqa: E402
from pipeline.io import manifest  # noqa: E402
from pipeline.langs.detect import detect_language  # noqa: E402
from pipeline.langs.registry import default_registry  # noqa: E402
from pipeline.sources.contract import BINARY_EXTENSIONS, decode_text  # noqa: E402
from pipeline.tokenize.partition import (  # noqa: E402
    DOCUMENTS_SUFFIX,
    OUTCOME_SCHEMA,
    TokenizeSettings,
    tokenize_partition,  # noqa: E402
)
from pipeline.tokenize.summary import summarize  # noqa: E402
from pipeline.tokenize.tokenizer import load_tokenizer  # noqa: E402

DATA = Path(os.path.expanduser(os.environ.get("CORPUS_BENCH_DATA", "~/.cache/code-corpus-bench")))
REPOS = DATA / "repos" / "q1"
CACHE = DATA / "mix" / "v3"  # v3: sidecars with category and shares
MB = 1e6
# characters of text per input: different sizes, each group well over 1M tokens
BUDGETS = {"code_a": 24_000_000, "code_b": 8_000_000, "docs": 9_000_000, "prose": 6_000_000}
PROSE_NAMES = ("readme", "license", "copying", "changelog", "changes", "news", "authors", "history", "notice")
DOC_LANGUAGES = {"Markdown", "reStructuredText", "HTML", "AsciiDoc", "TeX", "Org"}
REPLICAS = 8
TOTAL_TOKENS = 12_000_000  # per copy of the inputs: every group over 1M tokens, text and math repeated
ROUNDS = 3
TARGET = "code=0.6,math=0.1,text=0.3"


def text_files():
    """(repository, path, text) of the text files of q1, in a stable order."""
    for repo in sorted(os.listdir(REPOS)):
        for folder, dirs, names in os.walk(REPOS / repo):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder) / name
                if path.suffix.lower() in BINARY_EXTENSIONS or path.is_symlink():
                    continue
                try:
                    if path.stat().st_size > 1 << 20:
                        continue
                    text, problem = decode_text(path.read_bytes())
                except OSError:
                    continue
                if text and not problem and text.strip():
                    yield repo, str(path.relative_to(REPOS / repo)), text


def collect() -> dict[str, list[dict]]:
    """The four inputs' rows, each filled up to its budget."""
    registry = default_registry()
    rows = {name: [] for name in BUDGETS}
    used = Counter()
    for repo, path, text in text_files():
        base = os.path.basename(path).lower()
        language = detect_language(path, text, registry)
        spec = registry.get(language) if language else None
        row = {"id": f"{repo}/{path}", "content": text, "language": None, "nl_language": None, "recall_label": None}
        if base.startswith(PROSE_NAMES) or (language == "Text" and base.endswith(".txt")):
            kind = "prose"
            row.update(source="web", nl_language="en")
        elif language in DOC_LANGUAGES:
            kind = "docs"
            # q1 has no math pages: two documentation files in three play the pages recalled as math
            math = zlib.crc32(row["id"].encode()) % 3 != 0
            row.update(source="commoncrawl", nl_language="en", recall_label="math" if math else "code")
        elif spec is not None and spec.kind == "code":
            kind = "code_a" if used["code_a"] < BUDGETS["code_a"] else "code_b"
            row.update(source="github", language=language)
        else:
            continue
        if used[kind] >= BUDGETS[kind]:
            if all(used[k] >= BUDGETS[k] for k in BUDGETS):
                break
            continue
        rows[kind].append(row)
        used[kind] += len(text)
    return rows


def write_tokens(folder: Path, rows: list[dict]) -> None:
    """What `corpus tokenize` writes for these rows (one partition), without Spark."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    settings = TokenizeSettings(shard_tokens=2_000_000)
    batches = [pa.RecordBatch.from_pylist(rows[i : i + 256]) for i in range(0, len(rows), 256)]
    outcomes = pa.Table.from_batches(list(tokenize_partition(batches, 0, str(partial), settings)), OUTCOME_SCHEMA)
    shards = [o for o in outcomes.to_pylist() if o["kind"] == "shard"]
    extra = summarize(shards, Counter(), load_tokenizer(), settings)
    manifest.write_manifest(str(partial), "tokenize", f"bench-{folder.name}", [], stage.fingerprint(settings), extra)
    partial.rename(folder)


def build_inputs() -> dict[str, Path]:
    folders = {name: CACHE / name for name in BUDGETS}
    if all(manifest.read_manifest(str(f)) for f in folders.values()):
        return folders
    started = time.time()
    rows = collect()
    for name, folder in folders.items():
        if not manifest.read_manifest(str(folder)):
            shutil.rmtree(folder, ignore_errors=True)
            chars = sum(len(r["content"]) for r in rows[name])
            print(f"tokenizing {name}: {len(rows[name]):,} files, {chars / MB:.1f} M chars")
            write_tokens(folder, rows[name])
    print(f"built the token inputs in {time.time() - started:.0f} s")
    return folders


def replicate(folder: Path, target: Path, copies: int) -> Path:
    """A token folder holding every shard of `folder` `copies` times (hard links, new shard names)."""
    if manifest.read_manifest(str(target)):
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    written = manifest.read_manifest(str(folder))
    shards = []
    for copy in range(copies):
        for shard in written["shards"]:
            name = f"part-{copy:05d}-{shard['name'][-4:]}"
            for suffix in (".bin", ".idx", DOCUMENTS_SUFFIX):
                os.link(folder / (shard["name"] + suffix), target / (name + suffix))
            shards.append({**shard, "name": name})
    extra = {key: value for key, value in written.items() if key not in manifest_keys()}
    extra["shards"] = shards
    for key in ("documents", "tokens"):
        extra[key] = written[key] * copies
    extra["output"] = {**written["output"], "rows": written["output"]["rows"] * copies, "shards": len(shards)}
    extra["tokens_by_language"] = {k: v * copies for k, v in written["tokens_by_language"].items()}
    extra["tokens_by_source"] = {k: v * copies for k, v in written["tokens_by_source"].items()}
    manifest.write_manifest(str(target), "tokenize", f"bench-x{copies}-{folder.name}", [], written["config"], extra)
    return target


def manifest_keys():
    return ("stage", "fingerprint", "package_version", "created_at", "inputs", "config")


def bin_bytes(folders) -> int:
    return sum(p.stat().st_size for f in folders for p in Path(f).glob("*.bin"))


def plain_copy(folders, target: Path) -> float:
    """Seconds to copy every input .bin, one after the other, into one file on the same disk."""
    buffer = memoryview(bytearray(32 << 20))  # the same buffer size as the mix's, reused as it does
    started = time.perf_counter()
    with open(target, "wb") as out:
        for folder in folders:
            for path in sorted(Path(folder).glob("*.bin")):
                with open(path, "rb", buffering=0) as source:
                    while read := source.readinto(buffer):
                        out.write(buffer[:read])
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds


def run_mix(folders, output: Path, *extra) -> tuple[dict, float, float]:
    """One `corpus mix` process: its manifest, wall seconds and CPU seconds."""
    shutil.rmtree(output, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-m", "jobs.cli", "mix", "--input", *map(str, folders), "--output", str(output)]
    result = subprocess.run([*command, "--target", TARGET, *extra], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise SystemExit(f"corpus mix failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return manifest.read_manifest(str(output)), wall, cpu


def shares_check(written: dict) -> list[str]:
    lines = []
    for group in written["mix"]["groups"]:
        tokens = group.get("realized_tokens") or 0
        diff = (group["realized_share"] - group["target_share"]) * 100
        verdict = "within 0.5 pp" if abs(diff) <= 0.5 else "OFF"
        big = "" if tokens >= 1_000_000 else " (under 1M tokens: not held to 0.5 pp)"
        lines.append(
            f"    {group['name']:<6} target {group['target_share']:6.1%} realized {group['realized_share']:7.3%} "
            f"({diff:+.3f} pp, {tokens:,} tokens) {verdict}{big}"
        )
    return lines


def sample_sizing_cost() -> list[str]:
    """repo-samples' work on real repositories with samples sized in bytes and in tokens (16K), beside
    one plain tokenizer pass over the same rendered files (CPU time, one core)."""
    from pipeline.repo.headers import render_file
    from pipeline.repo.samples import SampleOptions, count_tokens, repo_samples, spec_for

    registry = default_registry()
    by_repo: dict[str, list[dict]] = {}
    total = 0
    per_repo: Counter = Counter()
    for repo, path, text in text_files():  # up to 600 KB of each repository, 4 MB in all
        if total > 4_000_000:
            break
        if per_repo[repo] > 600_000:
            continue
        per_repo[repo] += len(text)
        language = detect_language(path, text, registry)
        by_repo.setdefault(repo, []).append(
            {"id": f"{repo}/{path}", "repo_name": repo, "path": path, "language": language, "content": text}
        )
        total += len(text)
    tokenizer = load_tokenizer()
    rendered = [
        render_file(r["path"], r["content"], spec_for(r, registry), "comment")
        for rows in by_repo.values()
        for r in rows
    ]

    def cpu(fn):
        started = time.process_time()
        value = fn()
        return time.process_time() - started, value

    count_tokens(rendered[:10], tokenizer)  # load once
    modes = {
        "bytes": SampleOptions(),
        "16K tokens": SampleOptions(max_sample_tokens=16384),
        "128K tokens": SampleOptions(max_sample_tokens=131072),
    }
    best = dict.fromkeys(["pass", *modes], 1e9)
    splits = {}
    for _ in range(ROUNDS):
        best["pass"] = min(best["pass"], cpu(lambda: count_tokens(rendered, tokenizer))[0])
        for name, options in modes.items():
            seconds, stats = cpu(lambda o=options: [repo_samples(rows, registry, o)[1] for rows in by_repo.values()])
            best[name] = min(best[name], seconds)
            splits[name] = sum(s.get("split_files", 0) for s in stats)
    sizes = [len(text.encode()) for text in rendered]
    lines = [
        f"  {len(rendered):,} files of {len(by_repo)} repositories, {total / MB:.1f} M chars; CPU s, best of {ROUNDS}",
        f"    one plain tokenizer pass (encode_batch_fast) over the files   {best['pass']:7.2f} s",
        f"    repo-samples sized in bytes                                   {best['bytes']:7.2f} s",
    ]
    for name in list(modes)[1:]:
        budget = modes[name].max_sample_tokens
        extra = (best[name] - best["bytes"]) / best["pass"]
        large = sum(s for s in sizes if s > budget) / sum(sizes)
        lines.append(
            f"    repo-samples sized in {name:<12}  {best[name]:7.2f} s: {extra:.2f} tokenizer passes more "
            f"({splits[name]} files split; {large:.0%} of the bytes in files over {budget:,} bytes, which are "
            "encoded with offsets)"
        )
    return lines


def main() -> int:
    if not REPOS.is_dir():
        print(f"no benchmark corpus at {REPOS}: run `make bench-data` first")
        return 1
    folders = build_inputs()
    work = DATA / "runs" / "bench_mix"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sizes = {"1x": list(folders.values())}
    copies = DATA / "mix" / f"{CACHE.name}-x{REPLICAS}"
    sizes[f"{REPLICAS}x"] = [replicate(f, copies / f.name, REPLICAS) for f in folders.values()]
    results: dict = {"inputs": {}}
    for name, folder in folders.items():
        written = manifest.read_manifest(str(folder))
        results["inputs"][name] = {"tokens": written["tokens"], "documents": written["documents"]}
    print("inputs: " + ", ".join(f"{k} {v['tokens'] / 1e6:.1f}M tokens" for k, v in results["inputs"].items()))
    lines = []
    for size, inputs in sizes.items():
        total = str(TOTAL_TOKENS * (1 if size == "1x" else REPLICAS))
        data = bin_bytes(inputs)
        copies, runs = [], []
        for k in range(ROUNDS):  # interleaved, best of each: the disk and the cores are shared
            copies.append(plain_copy(inputs, work / "copy.bin"))
            mix_args = ["--materialize", "--shard-tokens", "50000000", "--total-tokens", total]
            runs.append(run_mix(inputs, work / f"mix-{size}-{k}", *mix_args))
            if k:
                shutil.rmtree(work / f"mix-{size}-{k}")
        copy = min(copies)
        written, wall, cpu = min(runs, key=lambda r: r[0]["phases"]["write_shards"])
        blend, blend_wall, _ = run_mix(inputs, work / f"blend-{size}", "--total-tokens", total)
        out_bytes = sum(p.stat().st_size for p in (work / f"mix-{size}-0").glob("*.bin"))
        write = written["phases"]["write_shards"] + written["phases"]["select"]
        copy_rate, mix_rate = data / copy / MB, out_bytes / write / MB
        results[size] = {
            "input_bin_mb": data / MB,
            "output_bin_mb": out_bytes / MB,
            "plain_copy_mb_s": copy_rate,
            "materialize_mb_s": mix_rate,
            "materialize_mb_s_per_cpu_second": out_bytes / cpu / MB,
            "process_wall_s": wall,
            "process_cpu_s": cpu,
            "phases": written["phases"],
            "phases_before_run": written.get("phases_before_run"),
            "peak_rss_mb": written["peak_rss_mb"],
            "blend_wall_s": blend_wall,
            "blend_peak_rss_mb": blend["peak_rss_mb"],
            "groups": written["mix"]["groups"],
        }
        lines += [
            f"  {size}: {data / MB:,.0f} MB of input .bin, {out_bytes / MB:,.0f} MB written, "
            f"{written['documents']:,} documents",
            f"    plain sequential copy        {copy_rate:8.0f} MB/s",
            f"    --materialize (select+write) {mix_rate:8.0f} MB/s  = {mix_rate / copy_rate:.2f} x the copy "
            f"(target >= 0.5: {'met' if mix_rate >= 0.5 * copy_rate else 'NOT met'}); whole process {wall:.1f} s wall, "
            f"{cpu:.1f} CPU s = {out_bytes / cpu / MB:.0f} MB per CPU second",
            f"    peak RSS: materialize {written['peak_rss_mb']['driver']:.0f} MB, blend only "
            f"{blend['peak_rss_mb']['driver']:.0f} MB ({blend_wall:.1f} s)",
            *shares_check(written),
        ]
    print(f"\ncorpus mix --materialize on {len(folders)} inputs of different sizes ({TARGET}); best of {ROUNDS}")
    print("\n".join(lines))
    print("\nsizing repository samples in tokens:")
    sizing = sample_sizing_cost()
    print("\n".join(sizing))
    results["sample_sizing"] = sizing
    (DATA / "runs").mkdir(exist_ok=True)
    (DATA / "runs" / "bench_mix.json").write_text(json.dumps(results, indent=2, default=str))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
