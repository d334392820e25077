"""`ingest-issues`: GH Archive-shaped events (built here, with the archive's field names) become one text row
per thread: markers in order, user names mapped per thread, bots and automated posts removed, short and
single-user threads rejected, bad input counted; the same rows from a table of issues and comments, and
from the Spark job."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from jobs.ingest import stage_for
from pipeline.sources import contract, issues
from pipeline.sources.issues import ISSUES, IssuesSettings
from pipeline.sources.registry import SOURCES

BODY = (
    "Calling `parse()` on an empty file raises KeyError: 'root'. @carol saw the same on Windows. "
    "Steps: create an empty file, call parse on it, read the traceback."
)


def user(login: str, kind: str = "User") -> dict:
    return {
        "login": login,
        "id": abs(hash(login)) % 10**7,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{login}?v=3",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": kind,
        "site_admin": False,
    }


def issue(
    number: int, author: str, title="Crash on empty input", body=BODY, state="open", pr=False, repo="acme/parser"
):
    found = {
        "url": f"https://api.github.com/repos/{repo}/issues/{number}",
        "html_url": f"https://github.com/{repo}/{'pull' if pr else 'issues'}/{number}",
        "id": 9000 + number,
        "number": number,
        "title": title,
        "user": user(author),
        "labels": [],
        "state": state,
        "locked": False,
        "comments": 0,
        "created_at": "2024-03-01T10:00:00Z",
        "updated_at": "2024-03-01T10:00:00Z",
        "closed_at": None,
        "body": body,
    }
    if pr:
        found["pull_request"] = {"url": f"https://api.github.com/repos/{repo}/pulls/{number}"}
    return found


def event(event_id, kind, actor, created_at, payload, repo="acme/parser") -> dict:
    return {
        "id": str(event_id),
        "type": kind,
        "actor": {"id": 1, "login": actor, "display_login": actor, "url": f"https://api.github.com/users/{actor}"},
        "repo": {"id": 42, "name": repo, "url": f"https://api.github.com/repos/{repo}"},
        "payload": payload,
        "public": True,
        "created_at": created_at,
    }


def opened(event_id, number, author, at="2024-03-01T10:00:00Z", **fields):
    return event(event_id, "IssuesEvent", author, at, {"action": "opened", "issue": issue(number, author, **fields)})


def closed(event_id, number, author, closer, at, **fields):
    payload = {"action": "closed", "issue": issue(number, author, state="closed", **fields)}
    return event(event_id, "IssuesEvent", closer, at, payload)


def commented(event_id, number, author, commenter, text, at, kind="User", comment_id=None, **fields):
    comment = {
        "url": f"https://api.github.com/repos/acme/parser/issues/comments/{comment_id or event_id}",
        "id": comment_id or 70000 + int(event_id),
        "user": user(commenter, kind),
        "created_at": at,
        "updated_at": at,
        "body": text,
    }
    payload = {"action": "created", "issue": issue(number, author, **fields), "comment": comment}
    return event(event_id, "IssueCommentEvent", commenter, at, payload)


def write_events(path, events, lines=()):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for item in events:
            handle.write(json.dumps(item) + "\n")
        for line in lines:
            handle.write(line + "\n")
    return str(path)


def thread_events():
    """Issue 7 over two hourly files: opened by alice, answered by bob, a bot, a command, closed."""
    hour1 = [
        opened(1, 7, "alice"),
        event(2, "PushEvent", "bob", "2024-03-01T10:05:00Z", {"ref": "refs/heads/main", "size": 1}),
        commented(
            3,
            7,
            "alice",
            "bob",
            "Thanks @alice, the tokenizer misses the empty case. bob will fix it.",
            "2024-03-01T10:30:00Z",
        ),
        event(4, "WatchEvent", "dave", "2024-03-01T10:40:00Z", {"action": "started"}),
    ]
    hour2 = [
        commented(
            5, 7, "alice", "dependabot[bot]", "Bumps lodash from 4.17.20 to 4.17.21.", "2024-03-01T11:00:00Z", "Bot"
        ),
        commented(6, 7, "alice", "parser-ci", "Build 512 passed.", "2024-03-01T11:05:00Z"),
        commented(7, 7, "alice", "bob", "/retest", "2024-03-01T11:06:00Z"),
        commented(
            8,
            7,
            "alice",
            "erin",
            "This issue has been automatically marked as stale because it has not had activity.",
            "2024-03-01T11:07:00Z",
        ),
        commented(9, 7, "alice", "alice", "Confirmed fixed in 2.1, thank you bob!", "2024-03-01T11:10:00Z"),
        closed(10, 7, "alice", "bob", "2024-03-01T11:20:00Z"),
        commented(
            3,
            7,
            "alice",
            "bob",
            "Thanks @alice, the tokenizer misses the empty case. bob will fix it.",
            "2024-03-01T10:30:00Z",
        ),
    ]
    return hour1, hour2


def ingest(inputs, **settings):
    chosen = IssuesSettings(**settings)
    return [r for b in contract.ingest_batches(ISSUES, ISSUES.plan(inputs, chosen), chosen) for r in b.to_pylist()]


def by_reason(rows):
    return {(r["reason"] or "kept").split(":")[0]: r for r in rows}


def test_a_thread_across_files(tmp_path):
    hour1, hour2 = thread_events()
    inputs = [
        write_events(tmp_path / "2024-03-01-10.json.gz", hour1),
        write_events(tmp_path / "2024-03-01-11.json.gz", hour2),
    ]
    rows = ingest(inputs)
    kept = [r for r in rows if r["reason"] is None]
    assert len(kept) == 1
    row = kept[0]
    assert row["content"] == (
        "<issue_start>Title: Crash on empty input\n"
        "username_0: Calling `parse()` on an empty file raises KeyError: 'root'. @username_2 saw the same on "
        "Windows. Steps: create an empty file, call parse on it, read the traceback."
        "<issue_comment>username_1: Thanks @username_0, the tokenizer misses the empty case. bob will fix it."
        "<issue_comment>username_0: Confirmed fixed in 2.1, thank you bob!"
        "<issue_closed>"
    )  # `bob` (3 letters) is kept as a bare word, replaced as a mention
    assert row["source"] == "github-issues" and row["repo_name"] == "acme/parser"
    assert row["url"] == "https://github.com/acme/parser/issues/7" and row["source_id"] == "acme/parser#7"
    assert row["language"] is None and row["path"] is None and row["nl_language"] == "en"
    assert row["size_bytes"] == len(row["content"].encode())
    meta = dict(row["source_meta"])
    assert (
        meta["bot_posts_removed"] == "2" and meta["commands_removed"] == "1" and meta["automated_posts_removed"] == "1"
    )
    assert (
        meta["duplicate_events"] == "1" and meta["posts"] == "3" and meta["users"] == "2" and meta["state"] == "closed"
    )
    others = [r for r in rows if r["reason"] and r["reason"].startswith("other_events")]
    assert sorted(r["reason"] for r in others) == ["other_events: 2 events of other types"]
    assert dict(others[0]["source_meta"]) == {"PushEvent": "1", "WatchEvent": "1"}
    # The same events in one file, in another order: the same row.
    again = ingest([write_events(tmp_path / "all.json.gz", hour2[::-1] + hour1)])
    assert [r for r in again if r["reason"] is None] == kept


def test_usernames_are_per_thread_and_mentions_map_too(tmp_path):
    events = [
        opened(
            1,
            1,
            "zed-lin",
            body="Hi @maintainer-one and @Zed-Lin, see also https://github.com/zed-lin/fork " + "x" * 200,
        ),
        opened(2, 2, "maintainer-one", title="Docs", body="Other thread by maintainer-one. " + "y" * 200),
    ]
    rows = {r["source_id"]: r for r in ingest([write_events(tmp_path / "e.json.gz", events)])}
    first, second = rows["acme/parser#1"]["content"], rows["acme/parser#2"]["content"]
    assert "zed-lin" not in first.lower() and "maintainer-one" not in first
    assert first.startswith(
        "<issue_start>Title: Crash on empty input\nusername_0: Hi @username_1 and @username_0, see also https://github.com/username_0/fork"
    )
    assert second.startswith("<issue_start>Title: Docs\nusername_0: Other thread by username_0.")  # numbered afresh


def test_bots_rules():
    assert issues.is_bot("dependabot[bot]") and issues.is_bot("renovate", "Bot") and issues.is_bot("codecov-io")
    assert issues.is_bot("my-project-ci") and issues.is_bot("jenkins-x") and issues.is_bot("k8s-ci-robot")
    assert issues.is_bot("mergebot") and not issues.is_bot("alice") and not issues.is_bot("robotics-fan")
    assert issues.AUTOMATED.search("## [Codecov](https://codecov.io) Report\nMerging #1")
    assert issues.COMMAND.match("/assign @bob") and not issues.COMMAND.match("/usr/bin/python crashes\nwhen run")


def test_thread_rejects(tmp_path):
    long_body = "I keep notes here. " * 500
    events = [
        opened(1, 1, "alice", body="short"),  # too little text
        opened(2, 2, "bob", body=long_body),  # one author, long
        opened(3, 3, "dependabot[bot]", body="Bumps x from 1 to 2. " * 20),  # bots only
        opened(4, 4, "carol", body=BODY, pr=True),  # a pull request
        commented(
            5, 5, "dave", "erin", "A comment on an issue we never saw opened. " * 10, "2024-03-02T00:00:00Z", title=None
        ),
        commented(
            6, 6, "frank", "gina", "The issue object is repeated in comment events. " * 10, "2024-03-02T00:00:00Z"
        ),
    ]
    rows = ingest([write_events(tmp_path / "e.json.gz", events)], pull_requests=False)
    found = {r["source_id"]: r["reason"] for r in rows}
    assert found["acme/parser#1"] == f"issue_too_short: {len('Crash on empty input') + 5} chars < 200"
    assert found["acme/parser#2"] == "issue_single_user"
    assert found["acme/parser#3"] == "issue_bots_only"
    assert found["acme/parser#4"] == "pull_request"
    assert found["acme/parser#5"] == "missing_field:title"
    assert found["acme/parser#6"] is None  # title and body came with the comment event
    rejected = next(r for r in rows if r["source_id"] == "acme/parser#2")
    assert rejected["content"] is None and dict(rejected["source_meta"])["number"] == "2"
    kept = ingest([write_events(tmp_path / "e.json.gz", events)], max_single_user_chars=0, min_thread_chars=10)
    assert {r["source_id"]: r["reason"] for r in kept}["acme/parser#2"] is None
    pr = next(r for r in kept if r["source_id"] == "acme/parser#4")
    assert pr["reason"] is None and pr["url"] == "https://github.com/acme/parser/pull/4"


def test_long_posts_are_truncated_and_email_replies_lose_the_quote(tmp_path):
    reply = "Works now.\n\nOn Tue, Mar 5, 2024 at 10:00 AM bob <notifications@github.com> wrote:\n> old text\n> more"
    body = "\n".join(f"line {i}" for i in range(200))
    events = [
        opened(1, 1, "alice", body=body),
        commented(2, 1, "alice", "bob", reply, "2024-03-01T12:00:00Z", body=body),
    ]
    (row,) = ingest([write_events(tmp_path / "e.json.gz", events)])
    text = row["content"]
    assert "line 59\n[Truncated]\nline 180" in text and "line 60" not in text and "line 199" in text
    assert text.endswith("<issue_comment>username_1: Works now.") and "old text" not in text


def test_bad_input_is_counted(tmp_path):
    hour1, _ = thread_events()
    no_repo = opened(11, 8, "alice")
    del no_repo["repo"]
    no_number = opened(12, 9, "alice")
    del no_number["payload"]["issue"]["number"]
    good = write_events(
        tmp_path / "a.json.gz", hour1 + [no_repo, no_number], lines=['{"id": "13", "type": "IssuesEvent", "payl']
    )
    raw = gzip.compress("".join(json.dumps(e) + "\n" for e in hour1).encode())
    cut = tmp_path / "b.json.gz"
    cut.write_bytes(raw[: len(raw) * 2 // 3])  # a download cut short
    rows = ingest([good, str(cut)])
    reasons = sorted((r["reason"] or "kept").split(":")[0] for r in rows)
    assert (
        reasons.count("missing_field") == 2 and reasons.count("bad_row") == 1 and reasons.count("unreadable_file") == 1
    )
    assert any(r["reason"] == "missing_field:repo.name" for r in rows)
    assert any(r["reason"] == "missing_field:payload.issue.number" for r in rows)
    assert any(r["reason"].startswith("bad_row:line 7: ") for r in rows if r["reason"])
    assert len({r["id"] for r in rows}) == len(rows)


def test_a_table_of_issues_and_comments(tmp_path):
    table = [
        {
            "repo_name": "acme/parser",
            "issue_number": 7,
            "author": "alice",
            "title": "Crash on empty input",
            "body": BODY,
            "created_at": "2024-03-01T10:00:00Z",
            "state": "closed",
        },
        {
            "repo_name": "acme/parser",
            "issue_number": 7,
            "author": "bob",
            "comment_id": 2,
            "body": "Thanks @alice, the tokenizer misses the empty case. bob will fix it.",
            "created_at": "2024-03-01T10:30:00Z",
        },
        {
            "repo_name": "acme/parser",
            "issue_number": 7,
            "author": "alice",
            "comment_id": 3,
            "body": "Confirmed fixed in 2.1, thank you bob!",
            "created_at": "2024-03-01T11:10:00Z",
        },
        {
            "repo_name": "acme/parser",
            "issue_number": 7,
            "author": "travis-ci",
            "comment_id": 4,
            "body": "Build passed",
            "created_at": "2024-03-01T11:11:00Z",
        },
    ]
    columns = {name: None for row in table for name in row}
    pq.write_table(pa.Table.from_pylist([{**columns, **row} for row in table]), tmp_path / "issues.parquet")
    (row,) = ingest([str(tmp_path / "issues.parquet")])
    hour1, hour2 = thread_events()
    (from_events,) = [r for r in ingest([write_events(tmp_path / "e.json.gz", hour1 + hour2)]) if r["reason"] is None]
    assert row["content"] == from_events["content"] and row["id"] == from_events["id"]
    # BigQuery's githubarchive tables: the payload as JSON text, in Parquet.
    events = [{**e, "payload": json.dumps(e["payload"])} for e in hour1 + hour2]
    pq.write_table(pa.Table.from_pylist(events), tmp_path / "bq.parquet")
    kept = [r for r in ingest([str(tmp_path / "bq.parquet")]) if r["reason"] is None]
    assert [r["content"] for r in kept] == [from_events["content"]]


def test_registered_as_a_stage():
    assert SOURCES["ingest-issues"] is ISSUES
    assert contract.task_schema(ISSUES, IssuesSettings()) == issues.EVENT_SCHEMA
    assert contract.source_schema(ISSUES, IssuesSettings()).names[-4:] == [
        "source_language",
        "source_id",
        "source_meta",
        "reason",
    ]


@pytest.mark.spark
def test_the_spark_job_groups_threads_across_tasks(spark, tmp_path):
    hour1, hour2 = thread_events()
    extra = [opened(20 + i, 100 + i, f"user{i}", body=f"Thread {i}: " + "words and more words " * 20) for i in range(6)]
    (tmp_path / "in").mkdir()
    inputs = [
        write_events(tmp_path / "in" / "2024-03-01-10.json.gz", hour1 + extra[:3]),
        write_events(tmp_path / "in" / "2024-03-01-11.json.gz", hour2 + extra[3:]),
    ]
    out = tmp_path / "issues"
    assert stage_for("ingest-issues").main(["--input", *inputs, "--output", str(out)], spark=spark) == 0
    kept = ds.dataset(str(out), format="parquet").to_table().to_pylist()
    rejects = ds.dataset(str(out / "_rejects"), format="parquet").to_table().to_pylist()
    expected = ingest(inputs)
    assert sorted((r["id"], r["content"]) for r in kept) == sorted(
        (r["id"], r["content"]) for r in expected if r["reason"] is None
    )
    assert sorted(r["reason"] for r in rejects) == sorted(r["reason"] for r in expected if r["reason"] is not None)
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["output"]["rows"] == 7 and manifest["rejects_by_reason"] == {"other_events": 1}
