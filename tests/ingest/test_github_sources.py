"""Ingest without Spark: each input kind, each reject reason, hostile archives and links."""

import io
import os
import subprocess
import tarfile
import zipfile

import pytest

from pipeline.config import UsageError
from pipeline.sources.github import IngestOptions, RepoSource, decode_text, list_sources, read_repository

MIT = "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
OPTIONS = IngestOptions(max_file_bytes=1000)


def write(root, files):
    for path, data in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode())


def rows_by_path(source):
    return {row["path"]: row for row in read_repository(source, OPTIONS)}


def git(cwd, *args):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True
    )


@pytest.fixture
def repo_files():
    return {"LICENSE": MIT, "main.py": "from pkg import util\nprint(util.x)\n", "pkg/util.py": "x = 1\n"}


def test_folder_kinds_and_rejects(tmp_path, repo_files):
    root = tmp_path / "alice__proj"
    write(
        root,
        {
            **repo_files,
            "node_modules/a/index.js": "module.exports = 1\n",
            "app.min.js": "var a=1;",
            "big.txt": "x" * 1001,
            "blob.dat": b"ab\0cd",
            "latin1.txt": b"caf\xe9\n",
            "empty.txt": b"",
            "bom16.txt": "hi\n".encode("utf-16"),
            "image.png": b"\x89PNG",
        },
    )
    os.symlink("/etc/passwd", root / "passwd")
    rows = rows_by_path(RepoSource("folder", str(root), "alice/proj"))
    assert rows["main.py"]["language"] == "Python" and rows["main.py"]["reason"] is None
    assert rows["main.py"]["license"] == "MIT" and rows["main.py"]["content"].startswith("from pkg")
    assert rows["bom16.txt"]["content"] == "hi\n"
    expected = {
        "node_modules/a/index.js": "vendored",
        "app.min.js": "generated",
        "big.txt": "too_large",
        "blob.dat": "binary",
        "latin1.txt": "undecodable",
        "empty.txt": "empty",
        "passwd": "symlink",
        "image.png": "binary",
    }
    for path, kind in expected.items():
        assert rows[path]["reason"].split(":")[0] == kind, path
        assert rows[path]["content"] is None
    assert rows["node_modules/a/index.js"]["is_vendored"] and rows["app.min.js"]["is_generated"]


def test_git_repository_reads_head_not_work_tree(tmp_path, repo_files):
    root = tmp_path / "bob__lib"
    write(root, repo_files)
    git(root, "init", "-q")
    os.symlink("/etc/passwd", root / "passwd")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    (root / "main.py").write_text("changed in the work tree only\n")
    (root / "untracked.py").write_text("x = 2\n")
    rows = rows_by_path(RepoSource("git", str(root), "bob/lib"))
    assert rows["main.py"]["content"].startswith("from pkg") and "untracked.py" not in rows
    assert rows["passwd"]["reason"] == "symlink"
    assert len(rows["main.py"]["commit"]) == 40 and rows["main.py"]["license"] == "MIT"
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(bare))
    assert set(rows_by_path(RepoSource("git", str(bare), "bare"))) == set(rows)


def test_git_archive_tarball_keeps_its_commit(tmp_path, repo_files):
    root = tmp_path / "bob__lib"
    write(root, repo_files)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    git(root, "archive", "--format=tar.gz", "--prefix=lib/", "-o", str(tmp_path / "lib.tar.gz"), "HEAD")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    rows = rows_by_path(RepoSource("archive", str(tmp_path / "lib.tar.gz"), "bob/lib"))
    assert rows["main.py"]["commit"] == head and rows["main.py"]["content"].startswith("from pkg")


def test_tarball_with_top_folder_and_zip_slip(tmp_path, repo_files):
    archive = tmp_path / "carol__tool.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path, text in {**repo_files, "../evil.py": "x=1\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"tool-main/{path}" if not path.startswith("..") else path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("tool-main/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    rows = rows_by_path(RepoSource("archive", str(archive), "carol/tool"))
    assert rows["main.py"]["reason"] is None and rows["pkg/util.py"]["content"] == "x = 1\n"
    assert rows["../evil.py"]["reason"] == "unsafe_path"
    assert rows["passwd"]["reason"] == "symlink"
    assert not (tmp_path / "evil.py").exists()


def test_zip_absolute_path_is_a_reject(tmp_path, repo_files):
    archive = tmp_path / "dave__app.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path, text in repo_files.items():
            handle.writestr(f"app-1.0/{path}", text)
        handle.writestr("/etc/cron.d/evil", "* * * * * root sh\n")
    rows = rows_by_path(RepoSource("archive", str(archive), "dave/app"))
    assert rows["main.py"]["reason"] is None and rows["main.py"]["license"] == "MIT"
    assert rows["/etc/cron.d/evil"]["reason"] == "unsafe_path"


def test_corrupt_archive_is_one_reject(tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00garbage")
    rows = list(read_repository(RepoSource("archive", str(archive), "broken"), OPTIONS))
    assert len(rows) == 1 and rows[0]["reason"].startswith("unreadable_repository")


def test_non_utf8_and_newline_file_names(tmp_path):
    root = tmp_path / "names"
    root.mkdir()
    (root / "ok\nnewline.py").write_text("x = 1\n")
    with open(os.path.join(os.fsencode(root), b"bad\xffname.py"), "w") as handle:
        handle.write("y = 2\n")
    rows = rows_by_path(RepoSource("folder", str(root), "names"))
    assert rows["ok\nnewline.py"]["reason"] is None
    assert rows["bad\\xffname.py"]["reason"] == "invalid_path_encoding"


def test_list_sources_mixes_kinds(tmp_path, repo_files):
    write(tmp_path / "repos" / "eve__one", repo_files)
    write(tmp_path / "repos" / "frank__two", repo_files)
    git(tmp_path / "repos" / "frank__two", "init", "-q")
    (tmp_path / "repos" / "gina__three.tar.gz").write_bytes(b"")
    listing = tmp_path / "urls.txt"
    listing.write_text("# comment\nfile:///srv/git/hank/four.git\n")
    sources = list_sources([str(tmp_path / "repos"), str(listing)])
    assert [(s.kind, s.repo_name) for s in sources] == [
        ("folder", "eve/one"),
        ("git", "frank/two"),
        ("archive", "gina/three"),
        ("git_url", "hank/four"),
    ]
    with pytest.raises(UsageError):
        list_sources([str(tmp_path / "missing")])


def test_git_url_is_cloned_shallow(tmp_path, repo_files):
    origin = tmp_path / "origin"
    write(origin, repo_files)
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "init")
    options = IngestOptions(max_file_bytes=1000, clone_cache=str(tmp_path / "cache"))
    source = RepoSource("git_url", f"file://{origin}", "x/origin")
    rows = {r["path"]: r for r in read_repository(source, options)}
    assert rows["pkg/util.py"]["content"] == "x = 1\n"
    bad = list(read_repository(RepoSource("git_url", f"file://{tmp_path}/nope", "x/nope"), options))
    assert len(bad) == 1 and bad[0]["reason"].startswith("unreadable_repository")


def test_decode_text():
    assert decode_text("é".encode()) == ("é", None)
    assert decode_text(b"\xef\xbb\xbfhi") == ("hi", None)
    assert decode_text(b"a\0b")[1].startswith("binary")


def test_tar_bomb_member_is_skipped_in_bounded_time(tmp_path):
    """A member of 1 GiB of zeros (1 MB compressed): tarfile's stream mode ("r|*") re-sliced its whole
    decompressed buffer at every read and took hours to skip it; the file after it must still be read."""
    import resource
    import time

    from tests.reliability.hostile_corpus import GIB, write_tar_bomb

    archive = tmp_path / "bomb.tar.gz"
    write_tar_bomb(archive, GIB)
    started = time.monotonic()
    rows = rows_by_path(RepoSource("archive", str(archive), "x/bomb"))
    assert time.monotonic() - started < 60
    assert rows["zeros.txt"]["reason"] == f"too_large: {GIB} bytes > 1000"
    assert rows["after.py"]["reason"] is None and "greeting" in rows["after.py"]["content"]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1 << 20  # KiB: under 1 GiB resident


def test_many_files_folder_paths(tmp_path):
    root = tmp_path / "many"
    write(root, {f"pkg{n % 3}/m{n}.py": f"X = {n}\n" for n in range(30)})
    rows = rows_by_path(RepoSource("folder", str(root) + "/", "x/many"))
    assert sorted(rows) == sorted(f"pkg{n % 3}/m{n}.py" for n in range(30))
    assert rows["pkg1/m4.py"]["content"] == "X = 4\n"
