"""Language detection benchmark: accuracy on the labelled files of tests/langs/data (overall, on
unambiguous names and on ambiguous extensions) and speed in files/s on one core.

Usage: .venv/bin/python bench/bench_langs.py [--data DIR] [--seconds S]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.langs.detect import detect_spec  # noqa: E402
from pipeline.langs.registry import default_registry  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "langs" / "data"
TARGETS = {"unambiguous": 0.99, "ambiguous": 0.95}
SPEED_TARGET = 50_000  # files/s per core for extension / filename cases


def load_labels(data: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in (data / "labels.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip():
            path, language = line.split("\t")
            rows.append((path, language, (data / path).read_text(encoding="utf-8", errors="replace")))
    return rows


def is_ambiguous(path: str, registry) -> bool:
    """Whether the file name alone cannot decide: several languages claim its extension or name."""
    name = path.rsplit("/", 1)[-1]
    if name in registry.unique_filename:
        return False
    lower = name.lower()
    suffixes = [lower[i:] for i in range(len(lower)) if lower[i] == "." and i > 0]
    for suffix in suffixes:
        if suffix in registry.by_extension:
            return len(registry.by_extension[suffix]) > 1
    return name in registry.ambiguous


def accuracy(rows, registry) -> dict:
    total, correct, errors = Counter(), Counter(), []
    for path, language, content in rows:
        group = "ambiguous" if is_ambiguous(path, registry) else "unambiguous"
        spec = detect_spec(path, content, registry)
        got = spec.name if spec else None
        total[group] += 1
        total["overall"] += 1
        if got == language:
            correct[group] += 1
            correct["overall"] += 1
        else:
            errors.append((path, language, got))
    return {"total": total, "correct": correct, "errors": errors}


def files_per_second(items, registry, seconds: float) -> float:
    """Calls of detect_spec per second over `items` (path, content), repeated for about `seconds`."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for path, content in items:
            detect_spec(path, content, registry)
        done += len(items)
    return done / (time.perf_counter() - start)


def speed_inputs(rows, registry):
    """Realistic paths: unique extension / filename cases, and the ambiguous files with content."""
    names = [
        f"src/pkg/module_{i}{ext}"
        for i, ext in enumerate(
            [
                ".py",
                ".js",
                ".ts",
                ".java",
                ".go",
                ".rs",
                ".c",
                ".cpp",
                ".rb",
                ".php",
                ".md",
                ".json",
                ".yml",
                ".kt",
                ".swift",
                ".cs",
                ".scala",
                ".sh",
                ".html",
                ".css",
            ]
            * 50
        )
    ]
    names += ["Makefile", "Dockerfile", "CMakeLists.txt", "BUILD.bazel", ".bashrc", "README", "LICENSE"] * 20
    with_content = [(p, c) for p, _, c in rows if not is_ambiguous(p, registry)]
    ambiguous = [(p, c) for p, _, c in rows if is_ambiguous(p, registry)]
    return [(n, None) for n in names], with_content, ambiguous


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seconds", type=float, default=1.5, help="per speed measurement")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    registry = default_registry()
    load_seconds = time.perf_counter() - started
    rows = load_labels(args.data)
    result = accuracy(rows, registry)
    total, correct = result["total"], result["correct"]
    extras = sum(s.extra for s in registry.specs)
    print(
        f"specs: {len(registry)} loaded in {load_seconds * 1000:.0f} ms "
        f"({len(registry) - extras} listed + {extras} extra)"
    )
    print(
        f"labelled files: {total['overall']} ({total['unambiguous']} unambiguous, "
        f"{total['ambiguous']} ambiguous-extension), {len({r[1] for r in rows})} languages"
    )
    ok = True
    for group in ("overall", "unambiguous", "ambiguous"):
        share = correct[group] / total[group] if total[group] else 0.0
        target = TARGETS.get(group) if total[group] else None
        verdict = "" if target is None else f"  target >= {target:.0%}: {'ok' if share >= target else 'MISSED'}"
        ok &= target is None or share >= target
        print(f"accuracy {group:<12} {share:7.2%}  ({correct[group]}/{total[group]}){verdict}")
    for path, want, got in result["errors"]:
        print(f"  wrong: {path}: expected {want}, got {got}")

    names_only, unambiguous, ambiguous = speed_inputs(rows, registry)
    for label, items in (
        ("extension/filename, path only", names_only),
        ("unambiguous files with content", unambiguous),
        ("ambiguous extensions (heuristics)", ambiguous),
    ):
        rate = files_per_second(items, registry, args.seconds)
        note = (
            f"  target >= {SPEED_TARGET:,}: {'ok' if rate >= SPEED_TARGET else 'MISSED'}"
            if label.startswith("extension")
            else ""
        )
        print(f"speed {label:<36} {rate:>12,.0f} files/s (1 core){note}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
