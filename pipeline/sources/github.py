"""The `ingest-github` source: GitHub-style repositories (folders, git repositories, archives, files
listing git URLs) -> candidate files for the rule chain of `pipeline.sources.contract`.

`plan` runs on the driver and only names repositories (one task each); `read` runs on an executor and
lists one repository's entries, so the work spreads one repository per task.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from pipeline.config import UsageError
from pipeline.io.retry import RetryPolicy, call_with_retries
from pipeline.sources import contract
from pipeline.sources import repo_readers as readers
from pipeline.sources.contract import Candidate
from pipeline.stage import setting

SOURCE = "github"  # the `source` column
# git's messages for failures a retry may cure (network, server overload); anything else is final
TRANSIENT_GIT = re.compile(
    r"Could not resolve host|Connection (?:timed out|reset|refused)|Operation timed out|timed out after|"
    r"early EOF|RPC failed|remote end hung up|returned error: (?:408|429|5\d\d)|Empty reply from server|"
    r"SSL_ERROR_SYSCALL|gnutls_handshake",
    re.IGNORECASE,
)
UNREADABLE = (
    OSError,
    subprocess.CalledProcessError,
    ValueError,
    EOFError,
    readers.tarfile.TarError,
    readers.zipfile.BadZipFile,
)


@dataclass(frozen=True)
class GithubSettings:
    clone_cache: str = setting(
        os.path.expanduser("~/.cache/corpus/clones"),
        "where git URLs are cloned (shallow); reused by reruns",
        fingerprint=False,
    )
    ingest: contract.IngestOptions = field(default_factory=contract.IngestOptions)


@dataclass(frozen=True)
class RepoTask:
    """One task: a repository and where it is."""

    kind: str  # "folder" | "git" | "archive" | "git_url"
    location: str
    repo_name: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> RepoTask:
        return RepoTask(**json.loads(text))


class GithubSource:
    name = "ingest-github"
    help = "Read repositories (folders, git repositories, archives, git URL lists) into the files dataset."
    input_help = (
        "folder(s) of repositories (owner__name/), git repositories (HEAD), .tar.gz/.zip archives, "
        "or text files listing git URLs"
    )
    settings = GithubSettings

    def plan(self, inputs: list[str], settings: GithubSettings) -> list[str]:
        tasks = [repo.to_json() for repo in list_sources(inputs)]
        if not tasks:
            raise UsageError(f"no repositories found in {' '.join(inputs)}")
        return tasks

    def read(self, task: str, settings: GithubSettings) -> Iterator[Candidate]:
        """Every entry of the repository; a repository that cannot be read ends with one reject."""
        repo = RepoTask.from_json(task)
        try:
            listing = _open(repo, settings)
            for entry in listing.entries:
                yield Candidate(
                    SOURCE,
                    repo.repo_name,
                    entry.path,
                    repo.location,
                    size=entry.size,
                    read=entry.read,
                    reject=None if entry.kind == readers.FILE else entry.kind,
                    commit=listing.commit,
                    license=listing.license,
                )
        except UNREADABLE as error:  # listing, or reading the entry just yielded
            yield Candidate(
                SOURCE, repo.repo_name, None, repo.location, reject=f"unreadable_repository: {_describe(error)}"
            )

    def threads(self, settings: GithubSettings) -> int:
        return 1  # archives and `git cat-file` are read in order


GITHUB = GithubSource()


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


def list_sources(inputs: list[str]) -> list[RepoTask]:
    sources: list[RepoTask] = []
    for item in inputs:
        if re.match(r"^[a-z+]+://", item) and not item.startswith("file://"):
            sources.append(RepoTask("git_url", item, repo_name_from_url(item)))
        elif not os.path.exists(item):
            raise UsageError(f"input not found: {item}")
        elif os.path.isdir(item):
            sources.extend(_sources_in_folder(item))
        elif readers.is_archive(item):
            sources.append(RepoTask("archive", os.path.abspath(item), repo_name_from(os.path.basename(item))))
        else:  # a text file listing git URLs, one per line
            with open(item, encoding="utf-8") as handle:
                for line in handle:
                    url = line.strip()
                    if url and not url.startswith("#"):
                        sources.append(RepoTask("git_url", url, repo_name_from_url(url)))
    return sources


def _sources_in_folder(folder: str) -> list[RepoTask]:
    folder = os.path.abspath(folder)
    if readers.is_git_repository(folder):
        return [RepoTask("git", folder, repo_name_from(os.path.basename(folder)))]
    found = []
    for name in sorted(os.listdir(folder)):
        full = os.path.join(folder, name)
        if os.path.islink(full):
            continue
        if os.path.isdir(full):
            kind = "git" if readers.is_git_repository(full) else "folder"
            found.append(RepoTask(kind, full, repo_name_from(name)))
        elif readers.is_archive(name):
            found.append(RepoTask("archive", full, repo_name_from(name)))
    return found


# ---- executor side: one repository -------------------------------------------------------------


def _open(repo: RepoTask, settings: GithubSettings) -> readers.RepoListing:
    if repo.kind == "folder":
        return readers.list_folder(repo.location)
    if repo.kind == "git":
        return readers.list_git(repo.location)
    if repo.kind == "archive":
        return readers.list_archive(repo.location)
    if repo.kind == "git_url":
        return readers.list_git(_clone(repo.location, settings.clone_cache, settings.ingest.retries))
    raise ValueError(f"unknown source kind {repo.kind}")


def _clone(url: str, cache: str, attempts: int) -> str:
    """Shallow clone into the cache (reused by reruns); a half-made clone is removed and redone, and a
    network failure is retried."""
    key = hashlib.sha1(url.encode()).hexdigest()[:12]
    target = os.path.join(cache, f"{repo_name_from_url(url).replace('/', '__')}-{key}")
    done_marker = target + ".done"

    def clone() -> None:
        subprocess.run(["rm", "-rf", target], check=True)
        os.makedirs(cache, exist_ok=True)
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", url, target],
            check=True,
            capture_output=True,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )

    if not os.path.exists(done_marker):
        call_with_retries(clone, RetryPolicy(attempts=attempts), transient_git_error)
        open(done_marker, "w").close()
    return target


def transient_git_error(error: BaseException) -> bool:
    return isinstance(error, subprocess.CalledProcessError) and bool(
        TRANSIENT_GIT.search((error.stderr or b"").decode("utf-8", "replace"))
    )


def _describe(error: Exception) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        return (
            (error.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:][0]
            if error.stderr
            else f"git exited with {error.returncode}"
        )
    return f"{type(error).__name__}: {error}"
