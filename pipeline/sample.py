"""`corpus sample DEST`: build the built-in sample input from `samples/`.

The repositories are checked in as plain folders; the builder turns one into a git repository and one
into a GitHub-style tarball (so `make corpus` exercises every input kind) and adds what should not
live in git: a binary file, a file over the 1 MiB ingest limit, and the sample WARC (1.3 MB of
web-sized pages, written byte for byte the same by samples/warc/make_sample_warc.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AS_GIT = "gopher__kvstore"
AS_TARBALL = "rustacean__tinyjson"
BINARY_FILE = ("acme__textkit", "assets/logo.png")
OVERSIZED_FILE = ("javalab__ledger", "data/ledger_dump.csv")
FIXED_DATE = "2024-01-01T00:00:00Z"  # a fixed commit date keeps the sample's commit id stable


def build(dest: Path) -> None:
    repos = dest / "repos"
    if repos.exists():
        shutil.rmtree(repos)
    shutil.copytree(SAMPLES / "repos", repos)
    _write_png(repos / BINARY_FILE[0] / BINARY_FILE[1])
    _write_oversized_csv(repos / OVERSIZED_FILE[0] / OVERSIZED_FILE[1], 1_500_000)
    if (repos / AS_GIT).is_dir():
        _make_git_repository(repos / AS_GIT)
    if (repos / AS_TARBALL).is_dir():
        _make_tarball(repos / AS_TARBALL, repos / f"{AS_TARBALL}.tar.gz")
        shutil.rmtree(repos / AS_TARBALL)
    warc_generator().write_sample(dest / "warc")


def warc_generator():
    """samples/warc/make_sample_warc.py, a script beside the sample data rather than a module."""
    spec = importlib.util.spec_from_file_location("make_sample_warc", SAMPLES / "warc" / "make_sample_warc.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def _write_png(path: Path) -> None:
    """A real 16x16 grey PNG: binary content with NUL bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = b"".join(b"\0" + bytes([128]) * 16 for _ in range(16))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (16).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def _write_oversized_csv(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        handle.write("entry_id,account,amount_cents\n")
        row = 0
        while handle.tell() < size:
            handle.write(f"{row},acct-{row % 97:03d},{(row * 7919) % 100000}\n")
            row += 1


def _make_git_repository(folder: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": FIXED_DATE, "GIT_COMMITTER_DATE": FIXED_DATE}
    identity = ["-c", "user.name=corpus sample", "-c", "user.email=sample@example.invalid"]
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "sample repository"]):
        subprocess.run(["git", *identity, *command], cwd=folder, env=env, check=True, capture_output=True)


def _make_tarball(folder: Path, archive: Path) -> None:
    """As GitHub serves it: every path under one top folder `<name>-main/`."""
    top = folder.name.split("__", 1)[-1] + "-main"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=f"{top}/{path.relative_to(folder).as_posix()}")
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            if path.is_file():
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="corpus sample", description=__doc__)
    parser.add_argument("dest", help="folder to write (its repos/ subfolder is replaced)")
    args = parser.parse_args(argv)
    build(Path(args.dest))
    print(f"corpus sample: wrote {args.dest}/repos and {args.dest}/warc")
    return 0
