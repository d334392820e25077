"""GitHub-style repositories -> `files` rows (FILES_SCHEMA), with a reason for every file not kept.

`list_sources` runs on the driver and only names repositories; `read_repository` runs on executors
and turns one repository into rows, so the work spreads one repository per task.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pyarrow as pa

from pipeline.config import UsageError
from pipeline.langs.detect import detect_language
from pipeline.schema import FILES_SCHEMA, make_id, rows_to_batches
from pipeline.sources import repo_readers as readers
from pipeline.sources.vendored import generated_rule, vendored_rule

SOURCE = "github"
BINARY_SNIFF_BYTES = 8000  # git's own rule: a NUL byte in the first 8000 bytes means binary
BINARY_EXTENSIONS = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .webp .tif .tiff .psd .pdf .zip .gz .tgz .bz2 .xz .7z .rar .jar .war "
    ".class .so .dll .dylib .exe .o .a .lib .obj .pyc .pyo .whl .egg .mp3 .mp4 .wav .ogg .flac .avi .mov "
    ".mkv .woff .woff2 .ttf .otf .eot .sqlite .db .bin .dat .npy .npz .pkl .pt .onnx .h5".split()
)


@dataclass(frozen=True)
class RepoSource:
    kind: str  # "folder" | "git" | "archive" | "git_url"
    location: str
    repo_name: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> RepoSource:
        return RepoSource(**json.loads(text))


@dataclass(frozen=True)
class IngestOptions:
    max_file_bytes: int = 1 << 20
    clone_cache: str = os.path.expanduser("~/.cache/corpus/clones")


# ---- driver side: which repositories are there -------------------------------------------------


def repo_name_from(name: str) -> str:
    """`owner__name` -> `owner/name`; archive and `.git` suffixes dropped."""
    for suffix in (*readers.ARCHIVE_SUFFIXES, ".git"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.replace("__", "/", 1)


def repo_name_from_url(url: str) -> str:
    parts = [p for p in re.split(r"[/:]", url.rstrip("/")) if p]
    return repo_name_from("/".join(parts[-2:])) if len(parts) >= 2 else repo_name_from(parts[-1])


def list_sources(inputs: list[str]) -> list[RepoSource]:
    sources: list[RepoSource] = []
    for item in inputs:
        if re.match(r"^[a-z+]+://", item) and not item.startswith("file://"):
            sources.append(RepoSource("git_url", item, repo_name_from_url(item)))
        elif not os.path.exists(item):
            raise UsageError(f"input not found: {item}")
        elif os.path.isdir(item):
            sources.extend(_sources_in_folder(item))
        elif readers.is_archive(item):
            sources.append(RepoSource("archive", os.path.abspath(item), repo_name_from(os.path.basename(item))))
        else:  # a text file listing git URLs, one per line
            with open(item, encoding="utf-8") as handle:
                for line in handle:
                    url = line.strip()
                    if url and not url.startswith("#"):
                        sources.append(RepoSource("git_url", url, repo_name_from_url(url)))
    return sources


def _sources_in_folder(folder: str) -> list[RepoSource]:
    folder = os.path.abspath(folder)
    if readers.is_git_repository(folder):
        return [RepoSource("git", folder, repo_name_from(os.path.basename(folder)))]
    found = []
    for name in sorted(os.listdir(folder)):
        full = os.path.join(folder, name)
        if os.path.islink(full):
            continue
        if os.path.isdir(full):
            kind = "git" if readers.is_git_repository(full) else "folder"
            found.append(RepoSource(kind, full, repo_name_from(name)))
        elif readers.is_archive(name):
            found.append(RepoSource("archive", full, repo_name_from(name)))
    return found


# ---- executor side: one repository -> rows -----------------------------------------------------


def read_repository(source: RepoSource, options: IngestOptions) -> Iterator[dict]:
    """Rows for every entry of the repository; a repository that cannot be read becomes one reject."""
    try:
        listing = _open(source, options)
        for entry in listing.entries:
            yield _entry_row(source, entry, listing, options)
    except (
        OSError,
        subprocess.CalledProcessError,
        ValueError,
        EOFError,
        readers.tarfile.TarError,
        readers.zipfile.BadZipFile,
    ) as error:
        yield files_row(source, None, None, reason=f"unreadable_repository: {_describe(error)}")


def _open(source: RepoSource, options: IngestOptions) -> readers.RepoListing:
    if source.kind == "folder":
        return readers.list_folder(source.location)
    if source.kind == "git":
        return readers.list_git(source.location)
    if source.kind == "archive":
        return readers.list_archive(source.location)
    if source.kind == "git_url":
        return readers.list_git(_clone(source.location, options.clone_cache))
    raise ValueError(f"unknown source kind {source.kind}")


def _clone(url: str, cache: str) -> str:
    """Shallow clone into the cache (reused by reruns); a half-made clone is removed and redone."""
    key = hashlib.sha1(url.encode()).hexdigest()[:12]
    target = os.path.join(cache, f"{repo_name_from_url(url).replace('/', '__')}-{key}")
    done_marker = target + ".done"
    if not os.path.exists(done_marker):
        subprocess.run(["rm", "-rf", target], check=True)
        os.makedirs(cache, exist_ok=True)
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", url, target],
            check=True,
            capture_output=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
        open(done_marker, "w").close()
    return target


def _describe(error: Exception) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        return (
            (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:][0]
            if error.stderr
            else f"git exited with {error.returncode}"
        )
    return f"{type(error).__name__}: {error}"


def _entry_row(source: RepoSource, entry: readers.Entry, listing: readers.RepoListing, options: IngestOptions) -> dict:
    path = entry.path
    common = {"commit": listing.commit, "license": listing.license}
    if not _is_valid_utf8(path):
        return files_row(source, _printable(path), None, reason="invalid_path_encoding", **common)
    if entry.kind != readers.FILE:
        return files_row(source, path, None, reason=entry.kind, **common)
    vendored = vendored_rule(path)
    generated = generated_rule(path)
    flags = {"is_vendored": vendored is not None, "is_generated": generated is not None}
    path_rule = vendored or generated
    if path_rule:
        return files_row(source, path, None, reason=path_rule, size=entry.size, **flags, **common)
    if entry.size > options.max_file_bytes:
        return files_row(
            source,
            path,
            None,
            reason=f"too_large: {entry.size} bytes > {options.max_file_bytes}",
            size=entry.size,
            **flags,
            **common,
        )
    if os.path.splitext(path)[1].lower() in BINARY_EXTENSIONS:
        return files_row(source, path, None, reason="binary: extension", size=entry.size, **flags, **common)
    data = entry.read(options.max_file_bytes + 1)
    if len(data) > options.max_file_bytes:  # the listing's size was wrong (or the file grew)
        return files_row(
            source,
            path,
            None,
            reason=f"too_large: over {options.max_file_bytes} bytes",
            size=len(data),
            **flags,
            **common,
        )
    text, problem = decode_text(data)
    if problem:
        return files_row(source, path, None, reason=problem, size=len(data), **flags, **common)
    if not text:
        return files_row(source, path, None, reason="empty", size=0, **flags, **common)
    return files_row(source, path, text, language=detect_language(path, text), **flags, **common)


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


def _is_valid_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _printable(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def files_row(
    source: RepoSource,
    path: str | None,
    content: str | None,
    reason: str | None = None,
    language: str | None = None,
    size: int | None = None,
    is_vendored: bool = False,
    is_generated: bool = False,
    commit: str | None = None,
    license: str | None = None,
) -> dict:
    return {
        "id": make_id(SOURCE, source.repo_name, path if path is not None else f"<{source.location}>"),
        "source": SOURCE,
        "repo_name": source.repo_name,
        "path": path,
        "url": None,
        "language": language,
        "content": content,
        "size_bytes": len(content.encode("utf-8")) if content is not None else size,
        "commit": commit,
        "license": license,
        "is_vendored": is_vendored,
        "is_generated": is_generated,
        "reason": reason,
    }


def read_source_batches(batches: Iterator[pa.RecordBatch], options: IngestOptions) -> Iterator[pa.RecordBatch]:
    """mapInArrow body: batches of RepoSource JSON strings in, batches of FILES_SCHEMA rows out."""
    for batch in batches:
        for text in batch.column("source").to_pylist():
            yield from rows_to_batches(read_repository(RepoSource.from_json(text), options), FILES_SCHEMA)
