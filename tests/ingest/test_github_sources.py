"""Ingest without Spark: each input kind, each reject reason, hostile archives and links."""

import io
import os
import subprocess
import tarfile
import zipfile

import pyarrow as pa
import pytest

from pipeline.config import UsageError
from pipeline.schema import FILES_SCHEMA
from pipeline.sources.contract import IngestOptions, decode_text, ingest_batches
from pipeline.sources.github import GITHUB, GithubSettings, RepoTask, transient_git_error
from pipeline.sources.registry import SOURCES, TASK_COLUMN, get_source, map_tasks

MIT = "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
SETTINGS = GithubSettings(ingest=IngestOptions(max_file_bytes=1000))


def write(root, files):
    for path, data in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(data if isinstance(data, bytes) else data.encode())


def read_rows(task: RepoTask, settings=SETTINGS) -> list[dict]:
    batches = list(ingest_batches(GITHUB, [task.to_json()], settings))
    assert all(batch.schema == FILES_SCHEMA for batch in batches)
    return [row for batch in batches for row in batch.to_pylist()]


def rows_by_path(task: RepoTask):
    return {row["path"]: row for row in read_rows(task)}


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
    rows = rows_by_path(RepoTask("folder", str(root), "alice/proj"))
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
    rows = rows_by_path(RepoTask("git", str(root), "bob/lib"))
    assert rows["main.py"]["content"].startswith("from pkg") and "untracked.py" not in rows
    assert rows["passwd"]["reason"] == "symlink"
    assert len(rows["main.py"]["commit"]) == 40 and rows["main.py"]["license"] == "MIT"
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(bare))
    assert set(rows_by_path(RepoTask("git", str(bare), "bare"))) == set(rows)


def test_git_archive_tarball_keeps_its_commit(tmp_path, repo_files):
    root = tmp_path / "bob__lib"
    write(root, repo_files)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    git(root, "archive", "--format=tar.gz", "--prefix=lib/", "-o", str(tmp_path / "lib.tar.gz"), "HEAD")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    rows = rows_by_path(RepoTask("archive", str(tmp_path / "lib.tar.gz"), "bob/lib"))
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
    rows = rows_by_path(RepoTask("archive", str(archive), "carol/tool"))
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
    rows = rows_by_path(RepoTask("archive", str(archive), "dave/app"))
    assert rows["main.py"]["reason"] is None and rows["main.py"]["license"] == "MIT"
    assert rows["/etc/cron.d/evil"]["reason"] == "unsafe_path"


def test_corrupt_archive_is_one_reject(tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00garbage")
    rows = read_rows(RepoTask("archive", str(archive), "broken"))
    assert len(rows) == 1 and rows[0]["reason"].startswith("unreadable_repository")


def test_non_utf8_and_newline_file_names(tmp_path):
    root = tmp_path / "names"
    root.mkdir()
    (root / "ok\nnewline.py").write_text("x = 1\n")
    with open(os.path.join(os.fsencode(root), b"bad\xffname.py"), "w") as handle:
        handle.write("y = 2\n")
    rows = rows_by_path(RepoTask("folder", str(root), "names"))
    assert rows["ok\nnewline.py"]["reason"] is None
    assert rows["bad\\xffname.py"]["reason"] == "invalid_path_encoding"


def test_list_sources_mixes_kinds(tmp_path, repo_files):
    write(tmp_path / "repos" / "eve__one", repo_files)
    write(tmp_path / "repos" / "frank__two", repo_files)
    git(tmp_path / "repos" / "frank__two", "init", "-q")
    (tmp_path / "repos" / "gina__three.tar.gz").write_bytes(b"")
    listing = tmp_path / "urls.txt"
    listing.write_text("# comment\nfile:///srv/git/hank/four.git\n")
    tasks = [RepoTask.from_json(task) for task in GITHUB.plan([str(tmp_path / "repos"), str(listing)], SETTINGS)]
    assert [(t.kind, t.repo_name) for t in tasks] == [
        ("folder", "eve/one"),
        ("git", "frank/two"),
        ("archive", "gina/three"),
        ("git_url", "hank/four"),
    ]
    with pytest.raises(UsageError, match="input not found"):
        GITHUB.plan([str(tmp_path / "missing")], SETTINGS)
    (tmp_path / "nothing").mkdir()
    with pytest.raises(UsageError, match="no repositories found"):
        GITHUB.plan([str(tmp_path / "nothing")], SETTINGS)


def test_git_url_is_cloned_shallow(tmp_path, repo_files):
    origin = tmp_path / "origin"
    write(origin, repo_files)
    git(origin, "init", "-q")
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "init")
    settings = GithubSettings(clone_cache=str(tmp_path / "cache"), ingest=IngestOptions(max_file_bytes=1000))
    rows = {r["path"]: r for r in read_rows(RepoTask("git_url", f"file://{origin}", "x/origin"), settings)}
    assert rows["pkg/util.py"]["content"] == "x = 1\n"
    bad = read_rows(RepoTask("git_url", f"file://{tmp_path}/nope", "x/nope"), settings)
    assert len(bad) == 1 and bad[0]["reason"].startswith("unreadable_repository")


def test_only_network_failures_of_a_clone_are_retried():
    def failed(stderr: bytes) -> subprocess.CalledProcessError:
        return subprocess.CalledProcessError(128, ["git", "clone"], stderr=stderr)

    assert transient_git_error(failed(b"fatal: unable to access 'https://x/': Could not resolve host: x\n"))
    assert transient_git_error(failed(b"error: RPC failed; HTTP 503 curl 22 The requested URL returned error: 503"))
    assert not transient_git_error(failed(b"fatal: repository 'https://github.com/x/nope/' not found\n"))
    assert not transient_git_error(failed(b"fatal: '/tmp/nope' does not appear to be a git repository\n"))


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
    rows = rows_by_path(RepoTask("archive", str(archive), "x/bomb"))
    assert time.monotonic() - started < 60
    assert rows["zeros.txt"]["reason"] == f"too_large: {GIB} bytes > 1000"
    assert rows["after.py"]["reason"] is None and "greeting" in rows["after.py"]["content"]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 1 << 20  # KiB: under 1 GiB resident


def test_many_files_folder_paths(tmp_path):
    root = tmp_path / "many"
    write(root, {f"pkg{n % 3}/m{n}.py": f"X = {n}\n" for n in range(30)})
    rows = rows_by_path(RepoTask("folder", str(root) + "/", "x/many"))
    assert sorted(rows) == sorted(f"pkg{n % 3}/m{n}.py" for n in range(30))
    assert rows["pkg1/m4.py"]["content"] == "X = 4\n"


def test_a_read_error_ends_the_repository_with_one_reject(tmp_path):
    """A member whose bytes fail their CRC is found only when read: the repository ends there as if its
    listing had failed, with the rows so far and one reject."""
    archive = tmp_path / "ivy__app.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as handle:
        for name, text in (("a.py", "A = 1\n"), ("b.py", "B = 2\n"), ("c.py", "C = 3\n")):
            handle.writestr(f"app/{name}", text)
    archive.write_bytes(archive.read_bytes().replace(b"B = 2", b"X = 2"))
    rows = read_rows(RepoTask("archive", str(archive), "ivy/app"))
    assert [(r["path"], r["reason"]) for r in rows] == [
        ("a.py", None),
        (None, "unreadable_repository: BadZipFile: Bad CRC-32 for file 'app/b.py'"),
    ]


def test_registry_names_every_source_and_maps_task_batches(tmp_path, repo_files):
    assert set(SOURCES) == {"ingest-github", "ingest-swh", "ingest-dataset", "ingest-issues"}
    assert get_source("ingest-github") is GITHUB
    with pytest.raises(UsageError, match="unknown source"):
        get_source("ingest-nope")
    write(tmp_path / "repos" / "eve__one", repo_files)
    tasks = GITHUB.plan([str(tmp_path / "repos")], SETTINGS)
    batch = pa.RecordBatch.from_pylist([{TASK_COLUMN: task} for task in tasks])
    rows = [row for out in map_tasks(iter([batch]), "ingest-github", SETTINGS) for row in out.to_pylist()]
    assert sorted(r["path"] for r in rows) == sorted(repo_files)
