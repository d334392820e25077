"""Local paths and s3:// URIs behind one small interface (pyarrow filesystems)."""

from __future__ import annotations

import glob
import os

import pyarrow.fs as pafs


def is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def filesystem(uri: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem holding `uri` and the path inside it."""
    if is_remote(uri):
        return pafs.FileSystem.from_uri(uri)
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    return pafs.LocalFileSystem(), os.path.abspath(uri)


def join(base: str, *names: str) -> str:
    return "/".join([base.rstrip("/"), *names])


def exists(uri: str) -> bool:
    fs, path = filesystem(uri)
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def read_text(uri: str) -> str:
    fs, path = filesystem(uri)
    with fs.open_input_stream(path) as stream:
        return stream.read().decode("utf-8")


def write_text_atomic(uri: str, text: str) -> None:
    """Write a small file so that readers see the old state or the whole new file, never a part."""
    fs, path = filesystem(uri)
    if isinstance(fs, pafs.LocalFileSystem):
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    else:  # an object store PUT is atomic already
        with fs.open_output_stream(path) as stream:
            stream.write(text.encode("utf-8"))


def remove_tree(uri: str) -> None:
    fs, path = filesystem(uri)
    if fs.get_file_info(path).type != pafs.FileType.NotFound:
        fs.delete_dir(path)


def make_dirs(uri: str) -> None:
    fs, path = filesystem(uri)
    fs.create_dir(path, recursive=True)


def list_parquet_files(uri: str) -> list[str]:
    """Parquet files of a dataset folder (recursively, skipping `_`/`.` entries) or of a glob."""
    if not is_remote(uri) and any(ch in uri for ch in "*?["):
        return sorted(p for p in glob.glob(uri, recursive=True) if p.endswith(".parquet"))
    fs, path = filesystem(uri)
    info = fs.get_file_info(path)
    if info.type == pafs.FileType.File:
        return [uri]
    if info.type == pafs.FileType.NotFound:
        return []
    found = []
    for entry in fs.get_file_info(pafs.FileSelector(path, recursive=True)):
        relative = entry.path[len(path):].lstrip("/")
        hidden = any(part.startswith(("_", ".")) for part in relative.split("/"))
        if entry.type == pafs.FileType.File and entry.path.endswith(".parquet") and not hidden:
            found.append(_with_scheme(uri, entry.path))
    return sorted(found)


def _with_scheme(uri: str, path: str) -> str:
    if is_remote(uri):
        return f"{uri.split('://', 1)[0]}://{path}"
    return path
