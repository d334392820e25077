"""List the entries of one repository, whatever holds it: a folder, a git repository, an archive.

Readers never follow links and never extract: they yield `Entry` objects whose `read(limit)` returns
at most `limit` bytes, so a huge, sparse or bomb-like file costs no more than the limit.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pipeline.sources.license import is_license_file, spdx_id

FILE, SYMLINK, SUBMODULE, SPECIAL, UNSAFE_PATH = "file", "symlink", "submodule", "special", "unsafe_path"
LICENSE_READ_LIMIT = 200_000
HEX_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass
class Entry:
    path: str  # POSIX path inside the repository; may hold surrogate escapes for undecodable bytes
    size: int
    kind: str = FILE
    read: Callable[[int], bytes] | None = None


@dataclass
class RepoListing:
    entries: Iterator[Entry]
    commit: str | None
    license: str | None


def decode_name(raw: bytes | str) -> str:
    return raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw


def is_unsafe(path: str) -> bool:
    """Absolute paths, drive letters and `..` components would escape the repository."""
    parts = path.replace("\\", "/").split("/")
    return path.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", path)) or ".." in parts


# ---- plain folders -----------------------------------------------------------------------------


def list_folder(root: str) -> RepoListing:
    license_id = None
    for name in sorted(os.listdir(root)):
        full = os.path.join(root, name)
        if is_license_file(name) and os.path.isfile(full) and not os.path.islink(full):
            with open(full, "rb") as handle:
                license_id = spdx_id(handle.read(LICENSE_READ_LIMIT).decode("utf-8", "replace"))
            if license_id:
                break
    return RepoListing(_walk_folder(root), None, license_id)


def _walk_folder(root: str) -> Iterator[Entry]:
    root_bytes = os.fsencode(os.path.normpath(root)).rstrip(b"/")  # "/" -> b"", skip 1
    skip = len(root_bytes) + 1  # os.walk's paths start with the root and a separator (relpath costs ~90 us)
    for dirpath, dirnames, filenames in os.walk(root_bytes, followlinks=False):
        dirnames.sort()
        if b".git" in dirnames:  # version-control metadata, not repository content
            dirnames.remove(b".git")
        for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            full = os.path.join(dirpath, name)
            relative = decode_name(full[skip:]).replace(os.sep, "/")
            info = os.lstat(full)
            if stat.S_ISLNK(info.st_mode):
                yield Entry(relative, 0, SYMLINK)
            elif stat.S_ISREG(info.st_mode):
                yield Entry(relative, info.st_size, FILE, _file_reader(full))
            else:
                yield Entry(relative, 0, SPECIAL)


def _file_reader(full: bytes) -> Callable[[int], bytes]:
    def read(limit: int) -> bytes:
        # O_NOFOLLOW: the entry was a regular file when listed; refuse if it became a link since.
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:  # plain os.read: a buffered file object costs more than the read of a small file
            chunks, left = [], limit
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 24))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    return read


# ---- git repositories (HEAD, not the work tree) ------------------------------------------------


def is_git_repository(path: str) -> bool:
    if os.path.isdir(os.path.join(path, ".git")):
        return True
    return all(os.path.exists(os.path.join(path, part)) for part in ("HEAD", "objects", "refs"))


def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def list_git(repo: str) -> RepoListing:
    commit = _git(repo, "rev-parse", "HEAD").decode().strip()
    tree = _git(repo, "ls-tree", "-r", "-z", "-l", "--full-tree", "HEAD")
    blobs: list[tuple[str, str, int, str]] = []  # (path, sha, size, kind)
    for record in tree.split(b"\0"):
        if not record:
            continue
        meta, raw_path = record.split(b"\t", 1)
        mode, kind, sha, size = meta.split()
        path = decode_name(raw_path)
        if mode == b"120000":
            blobs.append((path, "", 0, SYMLINK))
        elif kind == b"commit":
            blobs.append((path, "", 0, SUBMODULE))
        else:
            blobs.append((path, sha.decode(), int(size), FILE))
    reader = _GitBlobReader(repo)
    license_id = None
    for path, sha, _size, kind in blobs:
        if kind == FILE and is_license_file(path):
            license_id = spdx_id(reader.blob(sha, LICENSE_READ_LIMIT).decode("utf-8", "replace"))
            if license_id:
                break

    def entries() -> Iterator[Entry]:
        try:
            for path, sha, size, kind in blobs:
                read = (lambda limit, sha=sha: reader.blob(sha, limit)) if kind == FILE else None
                yield Entry(path, size, kind, read)
        finally:
            reader.close()

    return RepoListing(entries(), commit, license_id)


class _GitBlobReader:
    """One `git cat-file --batch` process per repository instead of one process per file."""

    def __init__(self, repo: str):
        self.process = subprocess.Popen(
            ["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def blob(self, sha: str, limit: int) -> bytes:
        self.process.stdin.write(sha.encode() + b"\n")
        self.process.stdin.flush()
        header = self.process.stdout.readline().split()
        size = int(header[2])
        data = self.process.stdout.read(min(size, limit))
        remaining = size - len(data) + 1  # the rest of the blob and its trailing newline
        while remaining > 0:
            remaining -= len(self.process.stdout.read(min(remaining, 1 << 20)))
        return data

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


# ---- archives as GitHub serves them (one top folder) -------------------------------------------

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def is_archive(path: str) -> bool:
    return path.lower().endswith(ARCHIVE_SUFFIXES)


def _strip_top(names: list[str]) -> str:
    """The single top folder every safe member sits in ('' when there is none)."""
    names = [n for n in names if n and not is_unsafe(n)]
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n or n.rstrip("/") in tops for n in names):
        return tops.pop() + "/"
    return ""


def _open_tar(archive: str) -> tarfile.TarFile:
    # "r:*", not the stream mode "r|*": the stream mode slices its whole decompressed buffer at every
    # read, so skipping a member that inflates 1000x (a 4 GB file of zeros in 4 MB) took hours; here
    # the decompressing file object skips forward in bounded steps.
    return tarfile.open(archive, "r:*")


def list_tar(archive: str) -> RepoListing:
    # Pass 1 reads headers only (and the licence): it finds the top folder without holding contents.
    # Pass 2 reuses its members (header parsing is most of the cost of 100k small files) and reads
    # each member's data in archive order, so the decompressed stream only moves forward.
    tar = _open_tar(archive)
    try:
        members, license_text = [], None
        for member in tar:
            members.append(member)
            base = member.name.split("/", 1)[-1]
            if license_text is None and member.isfile() and is_license_file(base):
                license_text = tar.extractfile(member).read(LICENSE_READ_LIMIT).decode("utf-8", "replace")
        commit = tar.pax_headers.get("comment") if tar.pax_headers else None  # git archive's commit id
    except BaseException:
        tar.close()
        raise
    top = _strip_top([member.name for member in members])

    def entries() -> Iterator[Entry]:
        with tar:
            for member in members:
                if member.isdir():
                    continue
                path = member.name[len(top) :] if top and member.name.startswith(top) else member.name
                if is_unsafe(member.name) or is_unsafe(path):
                    yield Entry(path, member.size, UNSAFE_PATH)
                elif member.issym() or member.islnk():
                    yield Entry(path, 0, SYMLINK)
                elif not member.isfile():
                    yield Entry(path, 0, SPECIAL)
                else:
                    stream = tar.extractfile(member)
                    yield Entry(path, member.size, FILE, lambda limit, stream=stream: stream.read(limit))

    return RepoListing(
        entries(), commit if commit and HEX_SHA.match(commit) else None, spdx_id(license_text) if license_text else None
    )


def list_zip(archive: str) -> RepoListing:
    handle = zipfile.ZipFile(archive)
    infos = handle.infolist()
    top = _strip_top([i.filename for i in infos])
    comment = handle.comment.decode("ascii", "replace").strip()
    license_id = None
    for info in infos:
        path = info.filename[len(top) :]
        if is_license_file(path) and not info.is_dir():
            with handle.open(info) as stream:
                license_id = spdx_id(stream.read(LICENSE_READ_LIMIT).decode("utf-8", "replace"))

    def entries() -> Iterator[Entry]:
        with handle:
            for info in infos:
                if info.is_dir():
                    continue
                path = info.filename[len(top) :] if top and info.filename.startswith(top) else info.filename
                mode = info.external_attr >> 16
                if is_unsafe(info.filename) or is_unsafe(path):
                    yield Entry(path, info.file_size, UNSAFE_PATH)
                elif stat.S_ISLNK(mode):
                    yield Entry(path, 0, SYMLINK)
                else:
                    yield Entry(path, info.file_size, FILE, lambda limit, info=info: _read_zip(handle, info, limit))

    return RepoListing(entries(), comment if HEX_SHA.match(comment) else None, license_id)


def _read_zip(handle: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with handle.open(info) as stream:
        return stream.read(limit)


def list_archive(archive: str) -> RepoListing:
    return list_zip(archive) if archive.lower().endswith(".zip") else list_tar(archive)
