"""Notebook conversion and `ingest-issues` throughput, one core, MB per CPU-second.

Notebooks (targets: >= 20 MB/s of `.ipynb` bytes):
- the real notebooks of the benchmark corpus (`<cache>/repos`, bench/real_corpus.py; the cache is
  $CORPUS_BENCH_DATA or ~/.cache/code-corpus-bench): how many convert, how many are rejected and why,
  three conversions shown, and the conversion rate (they are small: per-notebook costs dominate);
  the script form of each checked against jupytext.writes (`notebooks.script_by_jupytext`, which
  the fast writer must equal byte for byte: the count of mismatches must be 0);
- notebooks built from the real Python files of `<cache>/repos/q1` (code cells from their top-level
  blocks, Markdown cells from their docstrings and comments) with outputs of the sizes notebooks carry
  (text streams, a pandas-like HTML + text result, base64 PNG plots): most of the bytes are outputs,
  as in notebooks on GitHub. Each form (script, structured, both) through the ingest chain
  (`contract.rows_of`: read, convert, size and decoding rules), and the same check against jupytext;
- a 200 MB notebook of base64 images: rejected by its declared size, never read (peak RSS shown).

Issues (target: >= 30 MB/s of event JSON, uncompressed):
- GH-Archive-shaped hourly `.json.gz` files generated here with the archive's field names and mix of
  event types (pushes, stars, forks, pull requests, issues and comments; payloads with the full user and
  URL objects the archive carries; bodies from real Markdown/text files of the corpus): the whole
  single-process ingest (plan, task rows, sort, threads, language ID);
- the same with issue events only (no other events to skip: the worst case).

Inputs are built once under `<cache>/notebooks_issues/` and reused.
Usage: .venv/bin/python bench/bench_notebooks_issues.py [--quick]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import random
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.sources import contract, issues, notebooks  # noqa: E402
from pipeline.sources.contract import Candidate, IngestOptions  # noqa: E402

CACHE = Path(os.path.expanduser(os.environ.get("CORPUS_BENCH_DATA", "~/.cache/code-corpus-bench")))
WORK = CACHE / "notebooks_issues"
VERSION = 1  # bump when the generated inputs change
MB = 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_rate(fn, total_bytes: int, min_seconds: float = 2.0) -> tuple[float, int]:
    """MB per CPU-second of `fn()` over `total_bytes`, repeated until `min_seconds` of CPU."""
    runs, spent = 0, 0.0
    while spent < min_seconds or runs == 0:
        started = time.process_time()
        fn()
        spent += time.process_time() - started
        runs += 1
    return total_bytes * runs / spent / MB, runs


# ---- notebooks ---------------------------------------------------------------------------------


def convert_all(items: list[tuple[str, bytes]], form: str) -> list[dict]:
    options = IngestOptions(notebooks=form)
    rows = []
    for path, data in items:
        candidate = Candidate("github", "bench/nb", path, path, size=len(data), read=lambda limit, d=data: d[:limit])
        rows += contract.rows_of(candidate, options)
    return rows


def script_mismatches(items: list[tuple[str, bytes]]) -> str:
    """The notebooks whose script form is not jupytext.writes' byte for byte (there must be none)."""
    compared, mismatched = 0, []
    for path, data in items:
        try:
            notebook = notebooks.read(data)
        except notebooks.NotebookReject:
            continue
        extension = notebooks.script_extension(notebook.kernel_language)
        if extension is not None:
            compared += 1
            if notebooks.to_script(notebook) != notebooks.script_by_jupytext(notebook, extension):
                mismatched.append(path)
    shown = f" ({', '.join(mismatched[:5])})" if mismatched else ""
    return f"script form vs jupytext.writes: {compared} notebooks compared, {len(mismatched)} mismatches{shown}"


def real_notebooks() -> list[tuple[str, bytes]]:
    found = []
    for directory, _, files in os.walk(CACHE / "repos"):
        for name in sorted(files):
            if name.lower().endswith(".ipynb"):
                full = Path(directory) / name
                found.append((str(full.relative_to(CACHE / "repos")), full.read_bytes()))
    return sorted(found)


def bench_real_notebooks() -> None:
    items = real_notebooks()
    total = sum(len(d) for _, d in items)
    print(f"\n== real notebooks in {CACHE / 'repos'}: {len(items)} files, {total / 1e3:.0f} kB")
    if not items:
        print("   none found (run `make bench-data`)")
        return
    rows = convert_all(items, "both")
    by_path: dict[str, list[dict]] = {}
    for row in rows:
        by_path.setdefault(row["path"], []).append(row)
    outcomes = Counter()
    for found in by_path.values():
        reasons = [r["reason"] for r in found]
        if all(reason is None for reason in reasons):
            outcomes["converted (script + structured)"] += 1
        else:
            outcomes[next(r for r in reasons if r).split(":")[0]] += 1
    for outcome, count in outcomes.most_common():
        print(f"   {outcome:<34} {count:>4}")
    for path, found in by_path.items():
        bad = [r["reason"] for r in found if r["reason"]]
        if bad:
            print(f"   rejected: {path}: {bad[0]}")
    languages = Counter(r["language"] for r in rows if r["reason"] is None and r["source_format"] == "notebook:script")
    print(f"   kernel languages: {dict(languages)}")
    shown = [p for p, found in by_path.items() if all(r["reason"] is None for r in found)]
    shown = sorted(shown, key=lambda p: -len(by_path[p][0]["content"]))[:3]
    for path in shown:
        script, structured = by_path[path]
        print(f"\n   --- {path} (script, first 18 lines; {script['size_bytes']:,} bytes of text)")
        print("\n".join("   | " + line for line in script["content"].splitlines()[:18]))
        print(f"   --- structured, first 700 characters; format_counts {dict(structured['format_counts'])}")
        print("\n".join("   | " + line for line in structured["content"][:700].splitlines()))
    print()
    for form in ("script", "structured", "both"):
        rate, runs = cpu_rate(lambda form=form: convert_all(items, form), total)
        print(f"   {form:<10} {rate:6.1f} MB/s per core ({runs} runs; {total / len(items) / 1e3:.1f} kB a notebook)")
    print(f"   {script_mismatches(items)}")


PNG_HEADER = b"\x89PNG\r\n\x1a\n"


def _blocks(text: str) -> list[str]:
    """Top-level blocks of a Python file (a new block at each unindented line after a blank line)."""
    blocks, current = [], []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if current and line and not line[0].isspace() and i and not lines[i - 1].strip():
            blocks.append("\n".join(current).strip("\n"))
            current = []
        current.append(line)
    if current:
        blocks.append("\n".join(current).strip("\n"))
    return [b for b in blocks if b.strip()]


def built_notebook(source: str, rng: random.Random) -> str | None:
    blocks = _blocks(source)
    if len(blocks) < 3:
        return None
    cells = []
    for i, block in enumerate(blocks[:40]):
        comments = [line.lstrip("# ") for line in block.splitlines() if line.lstrip().startswith("#")]
        if comments and rng.random() < 0.6:
            cells.append({"cell_type": "markdown", "metadata": {}, "source": "## " + "\n".join(comments[:6])})
        outputs = []
        roll = rng.random()
        if roll < 0.25:
            text = "\n".join(block.splitlines()[:12])
            outputs.append({"output_type": "stream", "name": "stdout", "text": [t + "\n" for t in text.splitlines()]})
        elif roll < 0.4:
            rows = "".join(f"<tr><td>{j}</td><td>{rng.random():.4f}</td></tr>" for j in range(30))
            outputs.append(
                {
                    "output_type": "execute_result",
                    "execution_count": i,
                    "metadata": {},
                    "data": {"text/html": f"<table>{rows}</table>", "text/plain": "   a       b\n0  1  0.5\n[30 rows]"},
                }
            )
        elif roll < 0.6:  # a plot: most of a notebook's bytes
            png = base64.b64encode(PNG_HEADER + rng.randbytes(rng.randint(15_000, 90_000))).decode()
            outputs.append(
                {
                    "output_type": "display_data",
                    "metadata": {"needs_background": "light"},
                    "data": {"image/png": png, "text/plain": "<Figure size 640x480 with 1 Axes>"},
                }
            )
        cell = {"cell_type": "code", "execution_count": i, "metadata": {}, "outputs": outputs}
        cell["source"] = [line + "\n" for line in block.splitlines()]
        cells.append(cell)
    metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.4", "file_extension": ".py", "mimetype": "text/x-python"},
    }
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def built_notebooks(target_bytes: int) -> list[tuple[str, bytes]]:
    folder = WORK / f"notebooks-v{VERSION}-{target_bytes}"
    if (folder / "done").exists():
        return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.ipynb"))]
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(26)
    total, count = 0, 0
    for directory, dirs, files in os.walk(CACHE / "repos" / "q1"):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".py") or total >= target_bytes:
                continue
            try:
                source = (Path(directory) / name).read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            if not 2_000 <= len(source) <= 60_000:
                continue
            text = built_notebook(source, rng)
            if text is None:
                continue
            (folder / f"{count:05d}_{name[:-3]}.ipynb").write_text(text)
            total += len(text.encode())
            count += 1
    (folder / "done").write_text("")
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.ipynb"))]


def bench_built_notebooks(target_bytes: int) -> None:
    items = built_notebooks(target_bytes)
    total = sum(len(d) for _, d in items)
    images = sum(len(m) for _, d in items for m in re.findall(rb'"image/png": "([^"]*)"', d))
    print(
        f"\n== {len(items)} notebooks built from the real Python of q1: {total / MB:.1f} MB, "
        f"{total / len(items) / 1e3:.0f} kB a notebook, {images / total:.0%} of the bytes in base64 plots"
    )
    for form in ("script", "structured", "both"):
        rows = convert_all(items, form)
        kept = [r for r in rows if r["reason"] is None]
        text = sum(r["size_bytes"] for r in kept)
        rate, runs = cpu_rate(lambda form=form: convert_all(items, form), total)
        rejects = dict(Counter(r["reason"] for r in rows if r["reason"]))
        print(
            f"   {form:<10} {rate:6.1f} MB/s per core ({runs} runs): {len(kept)} rows kept, {text / MB:.1f} MB of text "
            f"({text / total:.0%} of the .ipynb bytes), rejects {rejects}"
        )
    counts = Counter()
    for row in convert_all(items, "structured"):
        counts.update(dict(row["format_counts"] or {}))
    print(f"   structured format_counts: {dict(counts.most_common())}")
    print(f"   {script_mismatches(items)}")


def bench_huge_notebook() -> None:
    before = peak_rss_mb()

    def never(limit):
        raise AssertionError("read")

    candidate = Candidate("github", "bench/nb", "plots.ipynb", "huge", size=200 << 20, read=never)
    (row,) = contract.rows_of(candidate, IngestOptions())
    print(f"\n== a 200 MB notebook of images: {row['reason']} (peak RSS {before:.0f} -> {peak_rss_mb():.0f} MB)")


# ---- issues ------------------------------------------------------------------------------------


def _user(login: str, kind: str = "User") -> dict:
    uid = abs(hash(login)) % 10**8
    base = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": f"MDQ6VXNlcj{uid}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": kind,
        "site_admin": False,
    }


def _actor(login: str) -> dict:
    uid = abs(hash(login)) % 10**8
    return {
        "id": uid,
        "login": login,
        "display_login": login,
        "gravatar_id": "",
        "url": f"https://api.github.com/users/{login}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?",
    }


def _repo(name: str) -> dict:
    return {"id": abs(hash(name)) % 10**9, "name": name, "url": f"https://api.github.com/repos/{name}"}


def _issue(repo: str, number: int, author: str, title: str, body: str, state: str, pr: bool) -> dict:
    base = f"https://api.github.com/repos/{repo}/issues/{number}"
    found = {
        "url": base,
        "repository_url": f"https://api.github.com/repos/{repo}",
        "labels_url": f"{base}/labels{{/name}}",
        "comments_url": f"{base}/comments",
        "events_url": f"{base}/events",
        "html_url": f"https://github.com/{repo}/{'pull' if pr else 'issues'}/{number}",
        "id": abs(hash((repo, number))) % 10**10,
        "node_id": "I_kwDOA" + str(number),
        "number": number,
        "title": title,
        "user": _user(author),
        "labels": [],
        "state": state,
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": 3,
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-01T11:00:00Z",
        "closed_at": None,
        "author_association": "NONE",
        "active_lock_reason": None,
        "body": body,
        "reactions": {"url": f"{base}/reactions", "total_count": 0, "+1": 0, "-1": 0},
        "timeline_url": f"{base}/timeline",
        "performed_via_github_app": None,
        "state_reason": None,
    }
    if pr:
        found["pull_request"] = {"url": f"https://api.github.com/repos/{repo}/pulls/{number}", "merged_at": None}
    return found


def text_pool() -> list[str]:
    """Paragraphs of the corpus's Markdown and text files: what issue bodies are made of."""
    pool = []
    for directory, dirs, files in os.walk(CACHE / "repos" / "q1"):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith((".md", ".rst", ".txt")) and len(pool) < 20_000:
                try:
                    text = (Path(directory) / name).read_text(encoding="utf-8")
                except (UnicodeDecodeError, OSError):
                    continue
                pool += [p.strip() for p in text.split("\n\n") if 40 <= len(p.strip()) <= 3000]
    return pool or ["The parser crashes on an empty file; here is the traceback and what I tried."]


def generate_events(folder: Path, hours: int, events_per_hour: int, issues_only: bool) -> list[str]:
    if (folder / "done").exists():
        return sorted(str(p) for p in folder.glob("*.json.gz"))
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    pool = text_pool()
    users = [f"dev{i}" for i in range(3000)] + ["dependabot[bot]", "github-actions[bot]", "codecov-io", "project-ci"]
    repos = [f"org{i % 300}/project{i}" for i in range(1500)]
    threads: list[tuple[str, int, str, str, bool]] = []  # repo, number, author, title, is_pr
    next_number: Counter = Counter()
    event_id = 30_000_000_000
    # the archive's mix (share of events), roughly: pushes, creates, stars, PRs, issue comments, issues, forks...
    mix = [("PushEvent", 0.45), ("CreateEvent", 0.12), ("WatchEvent", 0.10), ("PullRequestEvent", 0.08)]
    mix += [("IssueCommentEvent", 0.09), ("IssuesEvent", 0.04), ("ForkEvent", 0.03), ("DeleteEvent", 0.04)]
    mix += [("PullRequestReviewEvent", 0.03), ("ReleaseEvent", 0.02)]
    if issues_only:
        mix = [("IssueCommentEvent", 0.7), ("IssuesEvent", 0.3)]
    kinds, weights = zip(*mix, strict=True)
    for hour in range(hours):
        path = folder / f"2024-03-01-{hour}.json.gz"
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as out:
            for k in range(events_per_hour):
                event_id += 1
                kind = rng.choices(kinds, weights)[0]
                actor = rng.choice(users)
                at = f"2024-03-01T{hour % 24:02d}:{k * 60 // events_per_hour:02d}:{rng.randrange(60):02d}Z"
                repo = rng.choice(repos)
                payload: dict
                if kind == "IssuesEvent" or (kind == "IssueCommentEvent" and not threads):
                    kind = "IssuesEvent"
                    next_number[repo] += 1
                    title = rng.choice(pool)[:80].split("\n")[0]
                    threads.append((repo, next_number[repo], actor, title, rng.random() < 0.3))
                    repo, number, author, title, pr = threads[-1]
                    body = "\n\n".join(rng.sample(pool, rng.randint(1, 3)))
                    payload = {"action": "opened", "issue": _issue(repo, number, author, title, body, "open", pr)}
                elif kind == "IssueCommentEvent":
                    repo, number, author, title, pr = threads[-rng.randint(1, min(len(threads), 400))]
                    body = "\n\n".join(rng.sample(pool, rng.randint(1, 2)))
                    comment = {
                        "url": f"https://api.github.com/repos/{repo}/issues/comments/{event_id}",
                        "html_url": f"https://github.com/{repo}/issues/{number}#issuecomment-{event_id}",
                        "issue_url": f"https://api.github.com/repos/{repo}/issues/{number}",
                        "id": event_id,
                        "node_id": f"IC_kwDO{event_id}",
                        "user": _user(actor, "Bot" if actor.endswith("[bot]") else "User"),
                        "created_at": at,
                        "updated_at": at,
                        "author_association": "CONTRIBUTOR",
                        "body": body,
                        "reactions": {"total_count": 0},
                        "performed_via_github_app": None,
                    }
                    issue_body = rng.choice(pool)
                    payload = {
                        "action": "created",
                        "issue": _issue(repo, number, author, title, issue_body, "open", pr),
                        "comment": comment,
                    }
                elif kind == "PushEvent":
                    commits = [
                        {
                            "sha": f"{rng.getrandbits(160):040x}",
                            "author": {"email": f"{actor}@users.noreply.github.com", "name": actor},
                            "message": rng.choice(pool)[:200],
                            "distinct": True,
                            "url": f"https://api.github.com/repos/{repo}/commits/{rng.getrandbits(160):040x}",
                        }
                        for _ in range(rng.randint(1, 4))
                    ]
                    payload = {"repository_id": 1, "push_id": event_id, "size": len(commits), "ref": "refs/heads/main"}
                    payload.update(head=commits[-1]["sha"], before=f"{rng.getrandbits(160):040x}", commits=commits)
                elif kind == "PullRequestEvent":
                    payload = {
                        "action": "opened",
                        "number": rng.randint(1, 5000),
                        "pull_request": {
                            **_issue(repo, 1, actor, rng.choice(pool)[:80], rng.choice(pool), "open", True),
                            "head": {"label": f"{actor}:fix", "ref": "fix", "user": _user(actor)},
                            "base": {"label": "org:main", "ref": "main", "user": _user("org")},
                            "merged": False,
                            "commits": 1,
                            "additions": 10,
                            "deletions": 2,
                            "changed_files": 1,
                        },
                    }
                else:
                    payload = {"action": "started"} if kind == "WatchEvent" else {"ref": "v1", "ref_type": "tag"}
                item = {
                    "id": str(event_id),
                    "type": kind,
                    "actor": _actor(actor),
                    "repo": _repo(repo),
                    "payload": payload,
                    "public": True,
                    "created_at": at,
                }
                out.write(json.dumps(item, separators=(",", ":")) + "\n")
    (folder / "done").write_text("")
    return sorted(str(p) for p in folder.glob("*.json.gz"))


def bench_issues(label: str, files: list[str]) -> None:
    raw = sum(len(gzip.decompress(Path(f).read_bytes())) for f in files)
    settings = issues.IssuesSettings()
    started = time.process_time()
    wall = time.time()
    rows = [
        r
        for b in contract.ingest_batches(issues.ISSUES, issues.ISSUES.plan(files, settings), settings)
        for r in b.to_pylist()
    ]
    spent = time.process_time() - started
    kept = [r for r in rows if r["reason"] is None]
    reasons = Counter((r["reason"] or "").split(":")[0] for r in rows if r["reason"])
    meta = Counter()
    for row in kept:
        meta.update({k: int(v) for k, v in row["source_meta"] if v.isdigit() and k not in ("number",)})
    print(
        f"\n== issues, {label}: {len(files)} files, {raw / MB:.0f} MB of event JSON -> {len(kept):,} threads kept, "
        f"{sum(r['size_bytes'] for r in kept) / MB:.1f} MB of text"
    )
    print(f"   {raw / spent / MB:6.1f} MB/s per core ({spent:.1f} CPU s, {time.time() - wall:.1f} s wall)")
    print(f"   rejects by reason: {dict(reasons.most_common())}")
    shown = ("posts", "bot_posts_removed", "commands_removed", "automated_posts_removed", "duplicate_events")
    print(f"   kept threads: {dict((k, meta[k]) for k in shown)}")
    if kept:
        print(f"   one thread ({kept[0]['source_id']}): {kept[0]['content'][:400]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    args = parser.parse_args(argv)
    if not (CACHE / "repos" / "q1").is_dir():
        raise SystemExit(f"{CACHE / 'repos' / 'q1'} not found: run `make bench-data` (bench/real_corpus.py) first")
    started = time.time()
    bench_real_notebooks()
    bench_built_notebooks(20_000_000 if args.quick else 60_000_000)
    bench_huge_notebook()
    hours, per_hour = (4, 5_000) if args.quick else (8, 25_000)
    mixed = generate_events(WORK / f"events-v{VERSION}-{hours}x{per_hour}", hours, per_hour, issues_only=False)
    bench_issues("the archive's mix of event types", mixed)
    only = generate_events(WORK / f"issue-events-v{VERSION}-{hours}x{per_hour // 5}", hours, per_hour // 5, True)
    bench_issues("issue events only", only)
    print(f"\npeak RSS {peak_rss_mb():.0f} MB; {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
