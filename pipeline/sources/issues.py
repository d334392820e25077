"""The `ingest-issues` source: GitHub issue threads from GH Archive event files, or from a table of issues
and comments, as one text row per thread.

    corpus ingest-issues --input 'gharchive/2024-01-*.json.gz' --output out/issues
    corpus ingest-issues --input issues_and_comments.parquet --output out/issues

A thread's events are spread over many hourly files, so the work has two steps (`contract.py`: a
grouping source). Each task reads one file and yields *task rows* (`EVENT_SCHEMA`): an issue snapshot
(title, body, author, state) and/or a comment per event; the Spark job repartitions them by
(`repo_name`, `number`) and sorts each partition by thread and event time (`ingest_batches` does the
same in memory); `group_batches` then writes one row per thread (`dataset.TEXT_SCHEMA`):

    <issue_start>Title: {title}
    username_0: {body}<issue_comment>username_1: {comment}<issue_comment>username_0: {comment}<issue_closed>

as StarCoder's GitHub issues data does (`<issue_closed>` when the thread's last state is closed).

**Field names** (GH Archive, https://www.gharchive.org: the GitHub Events API's event objects, one JSON
object per line, hourly `.json.gz`; the same names in GitHub's "GitHub event types" documentation and in
real archive lines): `id` (the event id, a string), `type` (`IssuesEvent`, `IssueCommentEvent`; every
other type is counted and skipped), `actor.login`, `repo.name` (`owner/name`), `created_at` (ISO 8601,
UTC), `payload.action` (IssuesEvent: `opened`, `closed`, `reopened`, `edited`, `labeled`...;
IssueCommentEvent: `created`, `edited`, `deleted`), `payload.issue.{number, title, body, state,
html_url, created_at, user.login, user.type, pull_request}` (`user.type` is `Bot` for GitHub App
accounts; `pull_request` is present only on a pull request's issue object), `payload.comment.{id, body,
created_at, user.login, user.type}`. A `payload` held as a JSON string (the BigQuery `githubarchive`
tables, exported to Parquet or JSON) is read the same way.

**A table of issues and comments** (Parquet or JSON Lines), one row per post: `repo_name` (or `repo`),
`issue_number` (or `number`), `author` (or `user_login`), `body`, `created_at`; the issue's own row also
has `title` (and may have `state`, `is_pull_request`, `url`), a comment's row has `comment_id` (or
`kind = "comment"`); optional `author_type` (`Bot`) and `event_id`.

**Thread rules**, in order (reason of the thread's reject row):
1. `pull_request` with `--no-pull-requests` (a pull request's conversation: its issue comments);
2. `missing_field:title`: no event carried the issue's title (only comments of an issue opened before
   the files begin, from an archive that does not repeat the issue in comment events);
3. bots and automated posts removed (counted in `source_meta`): an author whose `user.type` is `Bot`, or
   whose login ends with `[bot]`, or matches StarCoder's lists (`BOT_AUTHORS`, `BOT_KEYWORDS`,
   `BOT_SUFFIXES`, from bigcode-dataset's preprocessing/utils/utils_issues.py: `-ci`, `bot`, `jenkins`,
   `travis`, `codecov-io`...); a post whose text an automation writes (`AUTOMATED`: stale-bot notices,
   coverage and CLA reports); a command to a bot (a one-line post starting with `/`: `/retest`,
   `/assign`). E-mail replies lose the quoted mail GitHub appends (`On ... wrote:` and below, when the
   post mentions `notifications@github.com` or "Reply to this email directly"). Nothing left:
   `issue_bots_only`;
4. a post longer than `--max-post-lines` keeps its first lines and last 20 around `[Truncated]`;
5. `issue_too_short: N chars < MIN`: title and posts under `--min-thread-chars` (200);
6. `issue_single_user`: one author alone, with more than `--max-single-user-chars` (7,000) or more than
   10 posts (StarCoder's rule against one person's logs and notes);
7. `too_large`: the text over `--max-file-bytes`.

User names: the thread's authors in order of their first post become `username_0`, `username_1`...; every
`@mention` of another login takes the next number; each is replaced in the text wherever it appears as a
mention and, for logins of 4 characters or more, as a whole word. E-mails and keys in the text are the
redaction stage's work. Rows: `id` from (`repo_name`, number), `url` the issue's page, `content` the
thread, `nl_language` by fastText, `source_id` `owner/name#number`, `source_meta` the thread's counts.

Bad input is counted, never a crash: a line that is not JSON is a `bad_row:line N: ...` reject, an event
without `repo.name` or `payload.issue.number` a `missing_field:...` reject, a file cut short ends with
`unreadable_file: ...`, duplicate events (the same event id twice) count once (`duplicate_events`), and
each file's events of other types are one `other_events: N` reject row with their counts by type.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.config import UsageError
from pipeline.schema import make_id, rows_to_batches
from pipeline.sources import contract, dataset
from pipeline.stage import setting

SOURCE = "github-issues"  # the `source` column
EVENT_TYPES = ("IssuesEvent", "IssueCommentEvent")
START, COMMENT, CLOSED = "<issue_start>", "<issue_comment>", "<issue_closed>"
TRUNCATED = "[Truncated]"
KEEP_LAST_LINES = 20  # a truncated post keeps its last lines (StarCoder: the first 60 and the last 20 of 80)
MAX_SINGLE_USER_POSTS = 10
MIN_BARE_LOGIN = 4  # shorter logins are replaced only as @mentions (`a`, `go`, `max` are words)
READ_BYTES = 1 << 20
MAX_LINE_BYTES = 64 << 20  # an event line longer than this is a bad_row (GitHub caps a body at 65,536)
TYPE_PATTERN = re.compile(rb'"type"\s*:\s*"(\w+)"')

# Bots: StarCoder's rule (bigcode-dataset, preprocessing/utils/utils_issues.py), plus GitHub's own
# marks of an App account (`user.type == "Bot"`, a login ending in `[bot]`).
BOT_AUTHORS = frozenset(
    {
        "apache-hbase",
        "autorestci",
        "claassistant",
        "cmsbuild",
        "codecov-io",
        "codecov-commenter",
        "coveralls",
        "danger-public",
        "dnfclas",
        "msftclas",
        "pydocteur",
        "sparkqa",
        "karma-pr-reporter",
        "claassistantio",
        "probot-stale",
    }
)
BOT_KEYWORDS = ("[bot]", "botmanager", "bors-", "jenkins", "k8s-", "-test-", "travis")
BOT_SUFFIXES = (
    "-automaton",
    "-automation",
    "-benchmark",
    "-build",
    "-deployer",
    "-cloud",
    "bot",
    "-ci",
    "-linter",
    "-teamcity",
    "-test",
    "-testing",
    "-service-account",
)
# Texts that automations post from ordinary accounts (or bots under names no list knows).
AUTOMATED = re.compile(
    r"\A\s*(?:"
    r"this (?:issue|pull request|pr) has been automatically (?:marked as stale|closed|locked)"
    r"|this (?:issue|pull request) (?:is|was) (?:automatically|auto)[- ]?(?:closed|locked|generated)"
    r"|#* ?\[?codecov\]?(?:\([^)\n]*\))? report"
    r"|\[!\[coverage status\]"
    r"|(?:<a href=\"https://cla-assistant\.io|\[!\[cla assistant check\])"
    r"|thank you for your submission,? we really appreciate it\. like many open source projects, we ask"
    r"|:warning: \*\*the sha of the head commit"
    r")",
    re.IGNORECASE,
)
COMMAND = re.compile(r"\A\s*/[a-z][\w-]*(?:[ \t][^\n]*)?\s*\Z", re.IGNORECASE)  # `/retest`, `/assign @x`
MAX_COMMAND_CHARS = 100
EMAIL_REPLY = re.compile(r"^\s*On .{0,300}\bwrote:\s*$", re.MULTILINE)
MENTION = re.compile(r"(?<![\w@/.-])@([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w-])")
LOGIN = re.compile(r"(?<![\w@-])(@?)([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})(?![\w-])")  # GitHub's logins

# Task rows: one issue snapshot and/or one comment per event (or a problem / a file's skipped events).
EVENT_SCHEMA = pa.schema(
    [
        pa.field("repo_name", pa.string()),
        pa.field("number", pa.int64()),
        pa.field("event_at", pa.string()),  # the event's time (orders a thread's rows)
        pa.field("event_id", pa.string()),
        pa.field("kind", pa.string()),  # issue | comment | problem | skipped
        pa.field("action", pa.string()),
        pa.field("posted_at", pa.string()),  # the issue's or the comment's own creation time
        pa.field("comment_id", pa.string()),
        pa.field("author", pa.string()),
        pa.field("author_type", pa.string()),
        pa.field("title", pa.string()),
        pa.field("body", pa.string()),
        pa.field("state", pa.string()),
        pa.field("is_pull_request", pa.bool_()),
        pa.field("url", pa.string()),
        pa.field("reason", pa.string()),  # problem / skipped rows: the reject's reason
        pa.field("detail", pa.string()),  # problem rows: where; skipped rows: counts by type (JSON)
    ]
)
GROUP_BY = ("repo_name", "number")
ORDER_BY = ("event_at", "event_id", "kind")


@dataclass(frozen=True)
class IssuesSettings:
    source_name: str = setting(SOURCE, "the `source` column")
    min_thread_chars: int = setting(
        200, "reject threads with less text (title and posts, after bots are removed), in characters", minimum=0
    )
    max_single_user_chars: int = setting(
        7000,
        "a thread with one author alone is kept up to this many characters and 10 posts (0: always kept)",
        minimum=0,
    )
    max_post_lines: int = setting(
        80, "a longer post keeps its first lines and the last 20 around [Truncated] (0: never cut)", minimum=0
    )
    pull_requests: bool = setting(True, "keep pull requests' conversations (issue comments on a pull request)")
    langid_model: str | None = setting(None, "fastText language-ID model for nl_language (default: lid.176)")
    batch_rows: int = setting(256, "thread rows per output batch", minimum=1, fingerprint=False)
    ingest: contract.IngestOptions = field(default_factory=contract.IngestOptions)


class IssuesSource:
    name = "ingest-issues"
    help = "Read GitHub issue threads (GH Archive events, or a table of issues and comments) into text rows."
    input_help = "GH Archive event files (JSON Lines, .json.gz), or Parquet / JSON Lines tables of issues and comments"
    settings = IssuesSettings
    group_by = GROUP_BY
    order_by = ORDER_BY

    def schema(self, settings: IssuesSettings) -> pa.Schema:
        return dataset.TEXT_SCHEMA

    def task_schema(self, settings: IssuesSettings) -> pa.Schema:
        return EVENT_SCHEMA

    def plan(self, inputs: list[str], settings: IssuesSettings) -> list[str]:
        files = dataset.list_inputs(inputs)
        tasks = [json.dumps({"file": f.uri, "format": f.format, "compression": f.compression}) for f in files if f.size]
        if not tasks:
            raise UsageError(f"no event files with data found in {' '.join(inputs)}")
        return tasks

    def read(self, task: str, settings: IssuesSettings):
        raise ValueError("ingest-issues rows are text rows, not files: use batches() and group_batches()")

    def batches(self, task: str, settings: IssuesSettings) -> Iterator[pa.RecordBatch]:
        described = json.loads(task)
        yield from rows_to_batches(task_rows(described, settings), EVENT_SCHEMA, batch_rows=1024)

    def group_batches(self, batches: Iterable[pa.RecordBatch], settings: IssuesSettings) -> Iterator[pa.RecordBatch]:
        rows = thread_rows(grouped(batches), settings)
        for batch in rows_to_batches(rows, dataset.TEXT_SCHEMA, batch_rows=settings.batch_rows):
            yield with_languages(batch, settings)

    def threads(self, settings: IssuesSettings) -> int:
        return 1


ISSUES = IssuesSource()


# ---- step 1: a file's events -> task rows ------------------------------------------------------


def task_rows(task: dict, settings: IssuesSettings) -> Iterator[dict]:
    uri = task["file"]
    skipped: Counter = Counter()
    if task["format"] == "parquet":
        items = parquet_items(uri)
    elif task["format"] == "jsonl":
        items = jsonl_items(uri, task.get("compression"), skipped)
    else:
        yield _problem(uri, f"unreadable_file: {task['format']} is not read by ingest-issues (Parquet or JSON Lines)")
        return
    for location, item, problem in items:
        if problem is not None:
            yield _problem(location, problem)
            continue
        yield from item_rows(item, location, skipped)
    if skipped:
        total = sum(skipped.values())
        yield {
            "kind": "skipped",
            "reason": f"other_events: {total} events of other types",
            "detail": json.dumps(dict(skipped.most_common())),
            "event_id": uri,
        }


def _problem(location: str, reason: str) -> dict:
    return {"kind": "problem", "reason": reason, "detail": location, "event_id": location}


def jsonl_items(uri: str, compression: str | None, skipped: Counter) -> Iterator[tuple[str, dict | None, str | None]]:
    """(location, item, problem) of each line. Lines of events of other types are counted in `skipped`
    without being parsed: a file's shape (events, or a table's rows) is known from its first object."""
    events = None  # unknown until the first object
    number = 0
    try:
        for number, line in enumerate(_lines(dataset.open_stream(uri, compression)), 1):
            if not line or line.isspace():
                continue
            if events and b"IssuesEvent" not in line and b"IssueCommentEvent" not in line:
                found = TYPE_PATTERN.search(line, 0, 400)
                skipped[found.group(1).decode() if found else "(no type)"] += 1
                continue
            if len(line) > MAX_LINE_BYTES:
                yield f"{uri}:line {number}", None, f"bad_row:line {number}: longer than {MAX_LINE_BYTES} bytes"
                continue
            try:
                item = json.loads(line)
            except ValueError as error:
                yield f"{uri}:line {number}", None, f"bad_row:line {number}: {_short(error)}"
                continue
            if not isinstance(item, dict):
                yield f"{uri}:line {number}", None, f"bad_row:line {number}: a JSON {type(item).__name__}"
                continue
            if events is None:
                events = "type" in item and "payload" in item
            yield f"{uri}:line {number}", item, None
    except (OSError, pa.ArrowException) as error:
        yield f"{uri}:line {number + 1}", None, f"unreadable_file: {_short(error)} (at line {number + 1})"


def _lines(stream) -> Iterator[bytes]:
    with stream:
        pending = b""
        while True:
            chunk = stream.read(READ_BYTES)
            if not chunk:
                break
            pending += chunk
            lines = pending.split(b"\n")
            pending = lines.pop()
            yield from lines
            if len(pending) > MAX_LINE_BYTES:  # one line too long to hold: say so, skip to its end
                yield pending
                pending = b""
                while chunk and b"\n" not in chunk:
                    chunk = stream.read(READ_BYTES)
                pending = chunk.split(b"\n", 1)[1] if chunk else b""
        if pending:
            yield pending


def parquet_items(uri: str) -> Iterator[tuple[str, dict | None, str | None]]:
    row = 0
    try:
        with dataset.open_input(uri) as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=1024, use_threads=False):
                for item in batch.to_pylist():
                    yield f"{uri}#row {row}", item, None
                    row += 1
    except (OSError, pa.ArrowException) as error:
        yield f"{uri}#row {row}", None, f"unreadable_file: {_short(error)} (at row {row})"


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


def _get(item, *path):
    for key in path:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item


def _str(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def item_rows(item: dict, location: str, skipped: Counter) -> Iterator[dict]:
    """The task rows of one event (or of one row of a table of issues and comments)."""
    if "type" in item and "payload" in item:
        yield from event_rows(item, location, skipped)
    elif ("issue_number" in item or "number" in item) and ("repo_name" in item or "repo" in item):
        yield from table_rows(item, location)
    else:
        skipped["(not an event)"] += 1


def event_rows(item: dict, location: str, skipped: Counter) -> Iterator[dict]:
    kind = item.get("type")
    if kind not in EVENT_TYPES:
        skipped[str(kind)] += 1
        return
    payload = item.get("payload")
    if isinstance(payload, str):  # BigQuery's githubarchive tables hold the payload as JSON text
        try:
            payload = json.loads(payload)
        except ValueError as error:
            yield _problem(location, f"bad_row:payload: {_short(error)}")
            return
    repo = _str(_get(item, "repo", "name"))
    issue = _get(payload, "issue")
    number = _int(_get(issue, "number"))
    missing = [name for name, value in (("repo.name", repo), ("payload.issue.number", number)) if value is None]
    if missing:
        yield _problem(location, f"missing_field:{','.join(missing)}")
        return
    event_id = _str(item.get("id")) or location
    event_at = _str(item.get("created_at"))
    action = _str(_get(payload, "action"))
    opened = kind == "IssuesEvent" and action == "opened"  # then the actor is the issue's author
    yield {
        "repo_name": repo,
        "number": number,
        "event_at": event_at,
        "event_id": event_id,
        "kind": "issue",
        "action": action if kind == "IssuesEvent" else None,
        "posted_at": _str(_get(issue, "created_at")),
        "author": _str(_get(issue, "user", "login")) or (_str(_get(item, "actor", "login")) if opened else None),
        "author_type": _str(_get(issue, "user", "type")),
        "title": _str(_get(issue, "title")),
        "body": _str(_get(issue, "body")),
        "state": _str(_get(issue, "state")),
        "is_pull_request": isinstance(_get(issue, "pull_request"), dict),
        "url": _str(_get(issue, "html_url")),
    }
    if kind == "IssueCommentEvent":
        comment = _get(payload, "comment")
        yield {
            "repo_name": repo,
            "number": number,
            "event_at": event_at,
            "event_id": event_id,
            "kind": "comment",
            "action": action,
            "posted_at": _str(_get(comment, "created_at")) or event_at,
            "comment_id": _str(_get(comment, "id")) or event_id,
            "author": _str(_get(comment, "user", "login")) or _str(_get(item, "actor", "login")),
            "author_type": _str(_get(comment, "user", "type")),
            "body": _str(_get(comment, "body")),
        }


def table_rows(item: dict, location: str) -> Iterator[dict]:
    repo = _str(item.get("repo_name") or item.get("repo"))
    number = _int(item.get("issue_number") if "issue_number" in item else item.get("number"))
    missing = [name for name, value in (("repo_name", repo), ("issue_number", number)) if value is None]
    if missing:
        yield _problem(location, f"missing_field:{','.join(missing)}")
        return
    created = _str(item.get("created_at"))
    comment_id = _str(item.get("comment_id"))
    is_comment = comment_id is not None or item.get("kind") == "comment"
    event_id = _str(item.get("event_id")) or (f"comment {comment_id}" if comment_id else location)
    yield {
        "repo_name": repo,
        "number": number,
        "event_at": created,
        "event_id": event_id,
        "kind": "comment" if is_comment else "issue",
        "action": "created" if is_comment else "opened",
        "posted_at": created,
        "comment_id": (comment_id or event_id) if is_comment else None,
        "author": _str(item.get("author") or item.get("user_login") or item.get("user")),
        "author_type": _str(item.get("author_type")),
        "title": None if is_comment else _str(item.get("title")),
        "body": _str(item.get("body")),
        "state": None if is_comment else _str(item.get("state")),
        "is_pull_request": bool(item.get("is_pull_request") or item.get("pull_request")),
        "url": _str(item.get("url")),
    }


# ---- step 2: a thread's task rows -> one text row ----------------------------------------------


def grouped(batches: Iterable[pa.RecordBatch]) -> Iterator[list[dict]]:
    """Consecutive rows of one (repo_name, number), across batches; rows without a key alone."""
    current: list[dict] = []
    key = None
    for batch in batches:
        for row in batch.to_pylist():
            row_key = (row["repo_name"], row["number"])
            if row_key[0] is None or row_key[1] is None:
                yield [row]
                continue
            if row_key != key and current:
                yield current
                current = []
            key = row_key
            current.append(row)
    if current:
        yield current


def is_bot(login: str | None, kind: str | None = None) -> bool:
    if kind == "Bot":
        return True
    if not login:
        return False
    lowered = login.lower()
    return (
        lowered in BOT_AUTHORS
        or any(word in lowered for word in BOT_KEYWORDS)
        or any(lowered.endswith(suffix) for suffix in BOT_SUFFIXES)
    )


@dataclass
class Post:
    author: str | None
    author_type: str | None
    text: str
    opening: bool = False


def thread_rows(groups: Iterable[list[dict]], settings: IssuesSettings) -> Iterator[dict]:
    for rows in groups:
        first = rows[0]
        if first["kind"] in ("problem", "skipped"):
            yield _reject_row(settings, None, None, first["reason"], first["detail"], first["event_id"])
            continue
        yield thread_row(rows, settings)


def _reject_row(settings, repo, number, reason, detail, location, url=None, meta=None) -> dict:
    where = f"{repo}#{number}" if repo is not None else location
    if meta is None and detail is not None:
        meta = {"detail": detail} if not detail.startswith("{") else {k: str(v) for k, v in json.loads(detail).items()}
    return {
        "id": make_id(settings.source_name, where),
        "source": settings.source_name,
        "repo_name": repo,
        "url": url,
        "content": None,
        "size_bytes": None,
        "source_id": where if repo is not None else None,
        "source_meta": meta,
        "reason": reason,
    }


def thread_row(rows: list[dict], settings: IssuesSettings) -> dict:
    """One thread's row: its issue (latest snapshot), its comments in order, bots out, names mapped."""
    repo, number = rows[0]["repo_name"], rows[0]["number"]
    seen: set[tuple[str, str]] = set()
    duplicates: set[str] = set()
    counts: Counter = Counter()
    snapshot: dict = {}
    state_events: list[tuple[str, str]] = []
    comments: dict[str, dict] = {}
    for row in rows:  # in event order
        mark = (row["event_id"], row["kind"])
        if mark in seen:
            duplicates.add(row["event_id"])
            continue
        seen.add(mark)
        counts["events"] += row["kind"] == "issue"
        if row["kind"] == "issue":
            for name in ("title", "body", "author", "author_type", "state", "url", "posted_at"):
                if row[name] is not None:
                    snapshot[name] = row[name]
            snapshot["is_pull_request"] = snapshot.get("is_pull_request") or bool(row["is_pull_request"])
            if row["action"] in ("closed", "reopened"):
                state_events.append((row["event_at"] or "", row["action"]))
        elif row["kind"] == "comment":
            if row["action"] == "deleted":
                comments.pop(row["comment_id"], None)
                counts["comments_deleted"] += 1
            else:
                comments[row["comment_id"]] = row  # a later edit replaces the text
    counts["duplicate_events"] = len(duplicates)
    is_pr = bool(snapshot.get("is_pull_request"))
    kind = "pull" if is_pr else "issues"
    url = snapshot.get("url") or f"https://github.com/{repo}/{kind}/{number}"
    meta = {"number": str(number), "pull_request": "true" if is_pr else "false"}

    def reject(reason: str) -> dict:
        return _reject_row(settings, repo, number, reason, None, None, url, {**meta, **_meta(counts)})

    if is_pr and not settings.pull_requests:
        return reject("pull_request")
    title = (snapshot.get("title") or "").strip()
    if not title:
        return reject("missing_field:title")
    posts = [Post(snapshot.get("author"), snapshot.get("author_type"), snapshot.get("body") or "", opening=True)]
    for row in sorted(comments.values(), key=lambda r: (r["posted_at"] or "", r["comment_id"] or "")):
        posts.append(Post(row["author"], row["author_type"], row["body"] or ""))
    kept = []
    for post in posts:
        text = strip_email_reply(post.text.replace("\r\n", "\n")).strip()
        if is_bot(post.author, post.author_type):
            counts["bot_posts_removed"] += bool(text) or not post.opening
            continue
        if AUTOMATED.search(text):
            counts["automated_posts_removed"] += 1
            continue
        if not post.opening and len(text) <= MAX_COMMAND_CHARS and COMMAND.match(text):
            counts["commands_removed"] += 1
            continue
        if not text:
            continue
        post.text = truncate(text, settings.max_post_lines, counts)
        kept.append(post)
    if not kept:
        removed = counts["bot_posts_removed"] or counts["automated_posts_removed"]
        return reject("issue_bots_only" if removed else "empty")
    chars = len(title) + sum(len(post.text) for post in kept)
    if chars < settings.min_thread_chars:
        return reject(f"issue_too_short: {chars} chars < {settings.min_thread_chars}")
    authors = {post.author for post in kept}
    if (
        settings.max_single_user_chars
        and len(authors) == 1
        and (chars > settings.max_single_user_chars or len(kept) > MAX_SINGLE_USER_POSTS)
    ):
        return reject("issue_single_user")
    names = username_map([post.author for post in kept], [title] + [post.text for post in kept])
    replace = replacer(names)
    closed = (state_events[-1][1] == "closed") if state_events else snapshot.get("state") == "closed"
    parts = [f"{START}Title: {replace(title)}\n"]
    for post in kept:
        marker = "" if post.opening else COMMENT
        parts.append(f"{marker}{names.get(_key(post.author), 'username_unknown')}: {replace(post.text)}")
    if closed:
        parts.append(CLOSED)
    content = "".join(parts)
    size = len(content.encode("utf-8", "surrogatepass"))
    counts.update(posts=len(kept), users=len(authors), usernames=len(names))
    meta.update(state="closed" if closed else "open", **_meta(counts))
    if size > settings.ingest.max_file_bytes:
        return {**reject(f"too_large: {size} bytes > {settings.ingest.max_file_bytes}"), "size_bytes": size}
    return {
        "id": make_id(settings.source_name, f"{repo}#{number}"),
        "source": settings.source_name,
        "repo_name": repo,
        "url": url,
        "content": content,
        "size_bytes": size,
        "source_id": f"{repo}#{number}",
        "source_meta": meta,
        "reason": None,
    }


def _meta(counts: Counter) -> dict[str, str]:
    return {name: str(value) for name, value in sorted(counts.items()) if value}


def strip_email_reply(text: str) -> str:
    """A post sent by e-mail: the quoted mail GitHub keeps below `On <date>, <name> wrote:` goes."""
    if "notifications@github.com" not in text and "Reply to this email directly" not in text:
        return text
    found = EMAIL_REPLY.search(text)
    if found:
        return text[: found.start()]
    cut = min(i for i in (text.find("Reply to this email directly"), text.find("notifications@github.com")) if i >= 0)
    return text[: text.rfind("\n", 0, cut) + 1]


def truncate(text: str, max_lines: int, counts: Counter) -> str:
    if not max_lines:
        return text
    lines = text.split("\n")
    if len(lines) <= max_lines:
        return text
    counts["posts_truncated"] += 1
    keep_last = min(KEEP_LAST_LINES, max_lines // 2)
    return "\n".join(lines[: max_lines - keep_last] + [TRUNCATED] + lines[-keep_last:])


def _key(login: str | None) -> str:
    return (login or "").lower()


def username_map(authors: list[str | None], texts: list[str]) -> dict[str, str]:
    """Lower-case login -> username_N: authors by first post, then @mentions by first appearance."""
    names: dict[str, str] = {}
    for login in authors:
        if _key(login) not in names:
            names[_key(login)] = f"username_{len(names)}"
    for text in texts:
        if "@" not in text:
            continue
        for found in MENTION.finditer(text):
            key = found.group(1).lower()
            if key not in names:
                names[key] = f"username_{len(names)}"
    return names


def replacer(names: dict[str, str]):
    """A function that replaces every login of `names` in a text: as `@login`, and as a whole word for
    logins of MIN_BARE_LOGIN characters or more (one precompiled pattern for every login-shaped word;
    a text holding no `@` and none of the longer logins is returned as it is)."""
    longer = [login for login in names if len(login) >= MIN_BARE_LOGIN]

    def swap(found: re.Match) -> str:
        at, login = found.group(1), found.group(2)
        mapped = names.get(login.lower())
        if mapped is None or (not at and len(login) < MIN_BARE_LOGIN):
            return found.group(0)
        return at + mapped

    def replace(text: str) -> str:
        if "@" not in text:
            lowered = text.lower()
            if not any(login in lowered for login in longer):
                return text
        return LOGIN.sub(swap, text)

    return replace


def with_languages(batch: pa.RecordBatch, settings: IssuesSettings) -> pa.RecordBatch:
    """nl_language / nl_score of the kept threads (fastText on the thread's first characters)."""
    from pipeline.web import langid

    reasons = batch.column("reason").to_pylist()
    kept = [i for i, reason in enumerate(reasons) if reason is None]
    if not kept:
        return batch
    contents = batch.column("content").to_pylist()
    texts = [_plain(contents[i]) for i in kept]
    found = langid.identify(texts, langid.load_model(settings.langid_model))
    languages: list = [None] * batch.num_rows
    scores: list = [None] * batch.num_rows
    for i, (language, score) in zip(kept, found, strict=True):
        languages[i], scores[i] = language, score
    schema = batch.schema
    columns = batch.columns
    columns[schema.get_field_index("nl_language")] = pa.array(languages, pa.string())
    columns[schema.get_field_index("nl_score")] = pa.array(scores, pa.float64())
    return pa.RecordBatch.from_arrays(columns, schema=schema)


MARKUP = re.compile(r"<issue_(?:start|comment|closed)>|\busername_\d+: |^Title: ", re.MULTILINE)


def _plain(content: str) -> str:
    return MARKUP.sub(" ", content[:2000])
