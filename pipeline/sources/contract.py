"""The source contract: a source names its work (`plan`) and lists candidate files (`read`); the one ingest
rule chain here turns every candidate into a `files` row (FILES_SCHEMA) or a reject with its reason.

A source never decides whether a file is kept: it says what it knows (repository, path, declared size,
commit, licence, a way to read the bytes) and the chain applies the same rules, in the same order, to
every source. See pipeline/sources/README.md for the rules and a worked example.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa

from pipeline.io.retry import DEFAULT_ATTEMPTS
from pipeline.langs.detect import detect_language
from pipeline.schema import FILES_SCHEMA, make_id, rows_to_batches
from pipeline.sources import notebooks
from pipeline.sources.vendored import generated_rule, vendored_rule
from pipeline.stage import setting

BINARY_SNIFF_BYTES = 8000  # git's own rule: a NUL byte in the first 8000 bytes means binary
BINARY_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .webp .tif .tiff .psd .pdf .zip .gz .tgz .bz2 .xz .7z .rar .jar .war "
    ".class .so .dll .dylib .exe .o .a .lib .obj .pyc .pyo .whl .egg .mp3 .mp4 .wav .ogg .flac .avi .mov "
    ".mkv .woff .woff2 .ttf .otf .eot .sqlite .db .bin .dat .npy .npz .pkl .pt .onnx .h5".split()
)


@dataclass(frozen=True)
class IngestOptions:
    """What every source shares; a source's settings hold it as the field `ingest`."""

    max_file_bytes: int = setting(
        1 << 20, "files larger than this are rejected as too_large", minimum=1, group="every source"
    )
    retries: int = setting(
        DEFAULT_ATTEMPTS,
        "attempts per remote request (git clone of a URL, S3 GET of a blob), with jittered backoff",
        minimum=1,
        fingerprint=False,
        group="every source",
    )
    notebooks: str = setting(
        "script",
        "what a Jupyter notebook (.ipynb) becomes: its code in the kernel's language with Markdown as comments "
        "(jupytext percent format), Markdown/code/text outputs after markers, both rows, or a reject",
        choices=notebooks.FORMS,
        group="every source",
    )
    notebook_max_bytes: int = setting(
        16 << 20,
        ".ipynb files larger than this are rejected as too_large before conversion (their text must then be "
        "within --max-file-bytes)",
        minimum=1,
        group="every source",
    )
    notebook_output_chars: int = setting(
        1000,
        "structured notebooks: the text outputs of a code cell are cut to this many characters",
        minimum=0,
        group="every source",
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate file, as its source knows it.

    `read(limit)` returns at most `limit` bytes of the content; it may raise `Reject` (this file cannot
    be had: `fetch_failed:...`) or `TooLarge` (over the limit, known without returning the bytes). It is
    called at most once, and only when the rules before it let the file through. `reject` is the
    source's own reason (`symlink`, `missing_field:path`, `unreadable_repository: ...`): such a
    candidate needs no `read`. `path` is None only with a `reject`; the row's id then comes from
    `<location>`.

    A source whose content is already decoded text in memory (a table of files) gives `text` instead of
    `read`, with `size` its UTF-8 length: the same rules apply, the decoding ones to the text (a NUL
    in the first 8000 bytes, a byte-order mark, empty). `id` is the row's id when the source has one
    of its own; None: `make_id(source, repo_name, path)`, as for every other source.
    """

    source: str  # the `source` column, and the first part of the id ("github" for GitHub code, any mirror)
    repo_name: str | None
    path: str | None  # POSIX path inside the repository; may hold surrogate escapes for undecodable bytes
    location: str  # names the candidate's container when there is no path: a folder, "manifest row 7"
    size: int | None = None  # the size the listing declares; None: unknown until read
    read: Callable[[int], bytes] | None = None
    reject: str | None = None
    commit: str | None = None
    license: str | None = None
    encoding: str | None = None  # a declared encoding (a manifest's src_encoding); None: UTF-8 or a BOM
    text: str | None = None  # the content, already decoded (then `read` is not used)
    id: str | None = None  # the row's id, when not make_id(source, repo_name, path)


class Reject(Exception):
    """Raised by `Candidate.read`: the file is a reject with this reason (and size, when known)."""

    def __init__(self, reason: str, size: int | None = None):
        super().__init__(reason)
        self.reason, self.size = reason, size


class TooLarge(Exception):
    """Raised by `Candidate.read` once it holds `limit` bytes, instead of returning them."""

    def __init__(self, size: int | None = None):
        super().__init__(size)
        self.size = size


class Source(Protocol):
    """An input source of the `files` dataset. `settings` is a frozen dataclass declared with
    `pipeline.stage.setting` whose field `ingest` is an `IngestOptions`.

    Two optional methods (looked up with getattr): `schema(settings) -> pa.Schema`, the output schema
    when it is not FILES_SCHEMA (FILES_SCHEMA plus columns of the source's own, or a schema of rows that
    are not files); `batches(task, settings) -> Iterator[pa.RecordBatch]`, one task's output batches in
    that schema, for a source that adds columns to the chain's rows: its `files` rows must still come
    from `candidate_rows` (the one rule chain), with its own columns appended."""

    name: str  # the stage name: "ingest-github"
    help: str
    input_help: str  # what --input names
    settings: type

    def plan(self, inputs: list[str], settings: Any) -> list[str]:
        """On the driver: the tasks, as JSON strings; a UsageError when there is nothing to read."""
        ...

    def read(self, task: str, settings: Any) -> Iterator[Candidate]:
        """On an executor: the candidates of one task, in order. An error raised by a candidate's `read`
        (other than Reject/TooLarge) is raised inside this generator at the `yield` of that candidate,
        so one `try` around the loop handles listing and reading errors alike (with `threads` 1)."""
        ...

    def threads(self, settings: Any) -> int:
        """How many candidates may be read at once: 1 (in order, on the task's thread) unless reads
        wait on a network."""
        ...


# A source whose output rows gather input from many tasks (an issue thread: events in many hourly files)
# also declares, with `batches` and `schema`:
#   group_by: tuple[str, ...]           columns of its task rows that name a group (repo_name, number)
#   order_by: tuple[str, ...]           columns that order a group's rows (event time, event id)
#   task_schema(settings) -> pa.Schema  the schema of what `batches` yields (the task rows)
#   group_batches(batches, settings)    task rows sorted by group_by + order_by (a group's rows consecutive,
#                                       across batches) -> output batches in `schema(settings)`
# `ingest_batches` sorts in memory; the Spark job repartitions by group_by and sorts within partitions.


# ---- the rule chain ----------------------------------------------------------------------------


def source_schema(source: Source, settings: Any) -> pa.Schema:
    """The schema of `source`'s output: FILES_SCHEMA unless the source declares its own."""
    own = getattr(source, "schema", None)
    return own(settings) if own is not None else FILES_SCHEMA


def task_schema(source: Source, settings: Any) -> pa.Schema:
    """The schema of what one task yields: the output's, unless the source groups its task rows."""
    own = getattr(source, "task_schema", None)
    return own(settings) if own is not None else source_schema(source, settings)


def ingest_batches(source: Source, tasks: Iterable[str], settings: Any) -> Iterator[pa.RecordBatch]:
    """Batches of the rows of `tasks` (`source_schema`): the single-process path. A grouping source's
    task rows are sorted here, in memory, and handed to its `group_batches`."""
    keys = getattr(source, "group_by", None)
    if not keys:
        yield from task_batches(source, tasks, settings)
        return
    table = pa.Table.from_batches(list(task_batches(source, tasks, settings)), task_schema(source, settings))
    ordered = table.sort_by([(key, "ascending") for key in (*keys, *source.order_by)])
    yield from source.group_batches(iter(ordered.to_batches()), settings)


def task_batches(source: Source, tasks: Iterable[str], settings: Any) -> Iterator[pa.RecordBatch]:
    """Batches of the rows of `tasks` (`task_schema`), in order: what one Spark task runs."""
    own_batches = getattr(source, "batches", None)
    threads = source.threads(settings)
    for task in tasks:
        if own_batches is not None:
            yield from own_batches(task, settings)
            continue
        rows = candidate_rows(source.read(task, settings), settings.ingest, threads)
        yield from rows_to_batches(rows, FILES_SCHEMA)


def candidate_rows(candidates: Iterable[Candidate], options: IngestOptions, threads: int = 1) -> Iterator[dict]:
    """One row per candidate, in order (two for a notebook with --notebooks both); with `threads` > 1,
    that many candidates are read at once."""
    for rows in candidate_row_lists(candidates, options, threads):
        yield from rows


def candidate_row_lists(
    candidates: Iterable[Candidate], options: IngestOptions, threads: int = 1
) -> Iterator[list[dict]]:
    """The rows of each candidate, in order: one, or one per form of a notebook (`rows_of`)."""
    if threads > 1:
        yield from bounded_map(lambda candidate: rows_of(candidate, options), candidates, threads)
        return
    stream = iter(candidates)
    candidate = next(stream, None)
    while candidate is not None:
        try:
            rows = rows_of(candidate, options)
        except Exception as error:  # raised where the source yielded the candidate: it decides
            if not hasattr(stream, "throw"):
                raise
            try:
                candidate = stream.throw(error)
            except StopIteration:
                return
            continue
        yield rows
        candidate = next(stream, None)


def rows_of(candidate: Candidate, options: IngestOptions) -> list[dict]:
    """A notebook's rows (`notebook_rows`), or the one row of any other candidate."""
    path = candidate.path
    if candidate.reject is None and path is not None and notebooks.is_notebook(path) and _is_valid_utf8(path):
        return notebook_rows(candidate, options)
    return [candidate_row(candidate, options)]


def candidate_row(candidate: Candidate, options: IngestOptions) -> dict:
    """The rules, in order; the cheap path and size rules come before any read."""
    path, limit = candidate.path, options.max_file_bytes
    if path is not None and not _is_valid_utf8(path):
        return files_row(candidate, reason="invalid_path_encoding", path=_printable(path))
    if candidate.reject is not None:
        return files_row(candidate, reason=candidate.reject)
    vendored, generated = vendored_rule(path), generated_rule(path)
    flags = {"is_vendored": vendored is not None, "is_generated": generated is not None}
    declared = candidate.size
    if vendored or generated:
        return files_row(candidate, reason=vendored or generated, size=declared, **flags)
    if declared is not None and declared > limit:
        return files_row(candidate, reason=f"too_large: {declared} bytes > {limit}", size=declared, **flags)
    if os.path.splitext(path)[1].lower() in BINARY_EXTENSIONS:
        return files_row(candidate, reason="binary: extension", size=declared, **flags)
    if candidate.text is not None:
        return _text_row(candidate, limit, flags)
    try:
        data = candidate.read(limit + 1)
    except Reject as reject:
        return files_row(candidate, reason=reject.reason, size=reject.size, **flags)
    except TooLarge as over:
        return files_row(candidate, reason=f"too_large: over {limit} bytes", size=over.size, **flags)
    if len(data) > limit:  # the declared size was wrong (or the file grew)
        return files_row(candidate, reason=f"too_large: over {limit} bytes", size=len(data), **flags)
    text, problem = decode(data, candidate.encoding)
    if problem:
        return files_row(candidate, reason=problem, size=len(data), **flags)
    if not text:
        return files_row(candidate, reason="empty", size=0, **flags)
    return files_row(candidate, content=text, language=detect_language(path, text), **flags)


def notebook_rows(candidate: Candidate, options: IngestOptions) -> list[dict]:
    """A `.ipynb` candidate: the path rules, `notebook_dropped` with --notebooks drop, the size rule with
    --notebook-max-bytes, then the conversion (`notebooks.convert`, early: outputs are most of the
    bytes) and, on each form's text, the size (--max-file-bytes), NUL and empty rules."""
    path = candidate.path
    vendored, generated = vendored_rule(path), generated_rule(path)
    flags = {"is_vendored": vendored is not None, "is_generated": generated is not None}
    declared, limit = candidate.size, options.notebook_max_bytes
    if vendored or generated:
        return [files_row(candidate, reason=vendored or generated, size=declared, **flags)]
    forms = notebooks.forms_of(options.notebooks)
    if not forms:
        return [files_row(candidate, reason="notebook_dropped", size=declared, **flags)]
    if declared is not None and declared > limit:
        return [files_row(candidate, reason=f"too_large: {declared} bytes > {limit}", size=declared, **flags)]
    if candidate.text is not None:
        data: bytes | str = candidate.text.removeprefix("\ufeff")
        size = declared if declared is not None else len(data.encode("utf-8", "surrogatepass"))
    else:
        try:
            data = candidate.read(limit + 1)
        except Reject as reject:
            return [files_row(candidate, reason=reject.reason, size=reject.size, **flags)]
        except TooLarge as over:
            return [files_row(candidate, reason=f"too_large: over {limit} bytes", size=over.size, **flags)]
        size = len(data)
    if size > limit:
        return [files_row(candidate, reason=f"too_large: over {limit} bytes", size=size, **flags)]
    if not data:
        return [files_row(candidate, reason="empty", size=0, **flags)]
    try:
        converted = notebooks.convert(data, forms, options.notebook_output_chars)
    except notebooks.NotebookReject as reject:
        return [files_row(candidate, reason=reject.reason, size=size, **flags)]
    rows = []
    for item in converted:
        own_id = None
        if item.form == notebooks.STRUCTURED:  # a row of its own beside the script's (--notebooks both)
            own_id = make_id(_row_id(candidate), item.form)
        one = dataclasses.replace(candidate, id=own_id) if own_id else candidate
        if item.reject is not None:
            rows.append(files_row(one, reason=item.reject, size=size, **flags))
            continue
        text = item.text
        text_size = len(text.encode("utf-8", "surrogatepass"))
        if text_size > options.max_file_bytes:
            reason = f"too_large: {item.form} text {text_size} bytes > {options.max_file_bytes}"
            rows.append(files_row(one, reason=reason, size=text_size, **flags))
        elif "\0" in text:
            rows.append(files_row(one, reason="binary: NUL character", size=text_size, **flags))
        elif not text.strip():
            rows.append(files_row(one, reason="empty", size=0, **flags))
        else:
            row = files_row(one, content=text, language=item.language, size=text_size, **flags)
            row.update(source_format=notebooks.SOURCE_FORMAT[item.form], format_counts=item.counts)
            rows.append(row)
    return rows


def _row_id(candidate: Candidate) -> str:
    where = candidate.path if candidate.path is not None else f"<{candidate.location}>"
    return candidate.id or make_id(candidate.source, candidate.repo_name, where)


def _text_row(candidate: Candidate, limit: int, flags: dict) -> dict:
    """The decoding rules for content already decoded: the same reasons `decode_text` gives its bytes."""
    text, size = candidate.text, candidate.size
    if size is None:  # no size declared: the size rule runs here
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            return files_row(candidate, reason=f"too_large: {size} bytes > {limit}", size=size, **flags)
    nul = text.find("\0", 0, BINARY_SNIFF_BYTES)
    if nul >= 0 and len(text[:nul].encode("utf-8")) < BINARY_SNIFF_BYTES:  # the first 8000 *bytes*, as git
        return files_row(candidate, reason="binary: NUL byte", size=size, **flags)
    if text.startswith("\ufeff"):  # decode_text drops a UTF-8 byte-order mark
        text, size = text[1:], None
    if not text:
        return files_row(candidate, reason="empty", size=0, **flags)
    return files_row(candidate, content=text, language=detect_language(candidate.path, text), size=size, **flags)


def files_row(
    candidate: Candidate,
    reason: str | None = None,
    content: str | None = None,
    language: str | None = None,
    size: int | None = None,
    is_vendored: bool = False,
    is_generated: bool = False,
    path: str | None = None,
) -> dict:
    """One FILES_SCHEMA row. `size` is the size of a reject; with `content`, its known UTF-8 length (None:
    measured here)."""
    path = path if path is not None else candidate.path
    if content is not None and size is None:
        size = len(content.encode("utf-8"))
    return {
        "id": candidate.id
        or make_id(candidate.source, candidate.repo_name, path if path is not None else f"<{candidate.location}>"),
        "source": candidate.source,
        "repo_name": candidate.repo_name,
        "path": path,
        "url": None,
        "language": language,
        "content": content,
        "size_bytes": size,
        "commit": candidate.commit,
        "license": candidate.license,
        "is_vendored": is_vendored,
        "is_generated": is_generated,
        "source_format": None,
        "format_counts": None,
        "reason": reason,
    }


# ---- decoding ----------------------------------------------------------------------------------


def decode(data: bytes, encoding: str | None = None) -> tuple[str | None, str | None]:
    """(text, None) or (None, reason). A declared `encoding` is used when it decodes; without one (or
    when it fails), `decode_text`'s rules."""
    codec = _codec_name(encoding)
    if codec is None or codec in ("utf-8", "utf-8-sig", "ascii"):
        return decode_text(data)
    wide = codec.startswith(("utf-16", "utf-32"))  # NUL bytes are normal there; NUL characters are not
    if not wide and b"\0" in data[:BINARY_SNIFF_BYTES]:
        return None, "binary: NUL byte"
    try:
        text = data.decode(codec).removeprefix("\ufeff")
    except UnicodeDecodeError:
        return decode_text(data)  # the declared encoding was wrong: our own rules decide
    if wide and "\0" in text[:BINARY_SNIFF_BYTES]:
        return None, "binary: NUL character"
    return text, None


def decode_text(data: bytes) -> tuple[str | None, str | None]:
    """UTF-8 (BOM dropped), or UTF-16 with a BOM; anything else is named, not guessed."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, "undecodable: invalid UTF-16 after a UTF-16 byte-order mark"
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return None, "binary: NUL byte"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        return None, f"undecodable: not UTF-8 (invalid byte at offset {error.start})"


def _codec_name(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        return None


def _is_valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _printable(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def bounded_map(fn: Callable, items: Iterable, workers: int) -> Iterator:
    """`map(fn, items)` in order on `workers` threads, with at most 2 x workers results held at once."""
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
