"""Build a real benchmark corpus: pinned releases of Debian source packages, PyPI sdists and npm tarballs
(bench/real_corpus.toml), fetched with the registries' clients into a cache outside the repository and
spread over four quarters of similar size: `<cache>/repos/q1` is the quarter-size ingest input, q1..q4 the full one.

Usage: .venv/bin/python bench/real_corpus.py [--cache DIR]   (default: $CORPUS_BENCH_DATA or ~/.cache/code-corpus-bench)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.langs.detect import detect_language  # noqa: E402
from pipeline.langs.registry import default_registry  # noqa: E402
from pipeline.sources.contract import BINARY_EXTENSIONS, IngestOptions, decode_text  # noqa: E402
from pipeline.sources.vendored import generated_rule, vendored_rule  # noqa: E402

PACKAGE_LIST = Path(__file__).with_suffix(".toml")
DEFAULT_CACHE = os.environ.get("CORPUS_BENCH_DATA", "~/.cache/code-corpus-bench")
QUARTERS = ("q1", "q2", "q3", "q4")
MAX_FILE_BYTES = IngestOptions().max_file_bytes  # what ingest keeps: regular text files up to this size
STATS_VERSION = 1  # bump when measure() changes, so cached stats are recomputed
MB = 1e6

DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"  # used when the system's apt sources name none for the suite
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
PYPI_SIMPLE = "https://pypi.org/simple/{}/"
PYPI_JSON = "application/vnd.pypi.simple.v1+json"
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2")
PIN_SEPARATORS = {"debian": "=", "pypi": "==", "npm": "@"}  # each client's own pin syntax
COMMAND_TIMEOUT = 1800  # seconds for one apt-get or npm call
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")


@dataclass(frozen=True)
class Package:
    client: str  # debian | pypi | npm
    name: str
    version: str
    shape: str  # what the package's group covers; groups of one shape are spread over the quarters
    unit: str  # packages of one unit share a quarter: the group if `together`, else the package alone

    @property
    def pin(self) -> str:
        return f"{self.name}{PIN_SEPARATORS[self.client]}{self.version}"

    @property
    def repo(self) -> str:
        """`owner__name` folder name: `debian__sqlite3-3.40.1`, `npm__babel-standalone-7.24.4`."""
        name = self.name.lower().lstrip("@").replace("/", "-")
        version = self.version
        if self.client == "debian":  # upstream part only: no epoch, no Debian revision
            version = version.split(":", 1)[-1].rsplit("-", 1)[0]
        return f"{self.client}__{name}-{version}"


def load_packages(path: Path) -> list[Package]:
    packages = []
    for number, group in enumerate(tomllib.loads(path.read_text(encoding="utf-8"))["group"]):
        client = group["client"]
        for pin in group["packages"]:
            name, _, version = pin.rpartition(PIN_SEPARATORS[client])  # the last one: npm scopes start with @
            unit = f"group-{number}" if group.get("together") else pin
            packages.append(Package(client, name, version, group["shape"], unit))
    repeated = [repo for repo, count in Counter(p.repo for p in packages).items() if count > 1]
    if repeated:
        raise SystemExit(f"{path}: listed more than once: {', '.join(repeated)}")
    return packages


# ---- fetching: each package into downloads/<client>/<repo>/, made in a temporary folder ---------------


class Fetcher:
    def __init__(self, cache: Path):
        self.downloads = cache / "downloads"
        self.apt_dir = cache / "apt"
        self.apt_ready = False

    def folder(self, package: Package) -> Path:
        return self.downloads / package.client / package.repo

    def fetch(self, package: Package) -> Path:
        """The folder of the package's archives, made whole under a temporary name and then renamed."""
        target = self.folder(package)
        partial = target.with_name(f".partial-{package.repo}")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            {"debian": self._debian, "pypi": self._pypi, "npm": self._npm}[package.client](package, partial)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        partial.rename(target)
        return target

    def _debian(self, package: Package, folder: Path) -> None:
        self._apt_update_once()
        run(["apt-get", *self._apt_options(), "source", "--download-only", package.pin], cwd=folder)

    def _pypi(self, package: Package, folder: Path) -> None:
        """The sdist by its exact file name from the index pip uses: `pip download` would build its metadata,
        which runs the package's own setup code."""
        index = PYPI_SIMPLE.format(normalize(package.name))
        request = urllib.request.Request(index, headers={"Accept": PYPI_JSON})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                files = json.load(response)["files"]
        except urllib.error.HTTPError as error:
            raise FetchError(f"{index}: {error}") from error
        sdists = [f for f in files if sdist_release(f["filename"]) == (normalize(package.name), package.version)]
        if not sdists:
            raise FetchError(f"no sdist of {package.pin} on the index")
        sdist = sdists[0]
        partial = folder / f"{sdist['filename']}.partial"
        with urllib.request.urlopen(sdist["url"], timeout=600) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
        if sha256_of(partial) != sdist["hashes"]["sha256"]:
            raise FetchError(f"sha256 mismatch for {sdist['filename']}")
        partial.rename(folder / sdist["filename"])

    def _npm(self, package: Package, folder: Path) -> None:
        run(["npm", "pack", package.pin, "--pack-destination", str(folder), "--ignore-scripts", "--silent"], cwd=folder)

    def _apt_options(self) -> list[str]:
        return [
            "-o",
            f"Dir::Etc::SourceList={self.apt_dir / 'sources.list'}",
            "-o",
            "Dir::Etc::SourceParts=/dev/null",
            "-o",
            f"Dir::State::Lists={self.apt_dir / 'lists'}",
            "-o",
            f"Dir::Cache={self.apt_dir / 'cache'}",
            "-o",
            "APT::Sandbox::User=root",
            "-q",
        ]

    def _apt_update_once(self) -> None:
        """A private apt configuration with a deb-src line: the system's /etc/apt is left as it is."""
        if self.apt_ready:
            return
        lists = self.apt_dir / "lists"
        if not any(lists.glob("*_Sources*")):
            for folder in (lists / "partial", self.apt_dir / "cache" / "archives" / "partial"):
                folder.mkdir(parents=True, exist_ok=True)
            mirror, keyring = system_debian_mirror(DEBIAN_SUITE)
            (self.apt_dir / "sources.list").write_text(
                f"deb-src [signed-by={keyring}] {mirror} {DEBIAN_SUITE} main\n", encoding="utf-8"
            )
            run(["apt-get", *self._apt_options(), "update"])
        self.apt_ready = True


class FetchError(Exception):
    pass


def run(command: list[str], cwd: Path | None = None) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise FetchError(f"{command[0]}: no answer in {COMMAND_TIMEOUT} s") from error
    if result.returncode:
        lines = (result.stderr or result.stdout).strip().splitlines() or [f"exit {result.returncode}"]
        errors = [line for line in lines if line.startswith("E: ")]  # apt's first error names the missing file
        raise FetchError(f"{command[0]}: {(errors or lines[-1:])[0]}")


def system_debian_mirror(suite: str) -> tuple[str, str]:
    """The URI and keyring that /etc/apt/sources.list.d/*.sources (deb822) gives for `suite`."""
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in path.read_text(encoding="utf-8").split("\n\n"):
            fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line and line[0] != "#")
            fields = {key.strip(): value.strip() for key, value in fields.items()}
            if suite in fields.get("Suites", "").split() and fields.get("URIs"):
                return fields["URIs"].split()[0], fields.get("Signed-By", DEBIAN_KEYRING)
    return DEBIAN_MIRROR, DEBIAN_KEYRING


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sdist_release(filename: str) -> tuple[str, str] | None:
    """`Django-4.2.11.tar.gz` -> ("django", "4.2.11"); None for wheels and other files."""
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            name, _, version = filename[: -len(suffix)].rpartition("-")
            return normalize(name), version
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- unpacking: archives -> one repository folder of regular files (no links) -------------------------


def unpack(package: Package, archives: Path, target: Path) -> None:
    """Into a temporary folder beside `target`, renamed when whole. Debian: the orig tarball at the top,
    `orig-COMPONENT` tarballs in COMPONENT/, the packaging in debian/ (what dpkg-source lays out, unpatched)."""
    partial = target.with_name(f".partial-{target.name}")
    shutil.rmtree(partial, ignore_errors=True)
    for archive in sorted(archives.iterdir()):
        subfolder = archive_subfolder(package, archive.name)
        if subfolder is not None:
            extract(archive, partial / subfolder)
    if not partial.is_dir():
        raise FetchError(f"no archive in {archives}")
    partial.rename(target)


def archive_subfolder(package: Package, filename: str) -> str | None:
    if not filename.endswith((*TAR_SUFFIXES, ".zip")):
        return None
    if package.client != "debian":
        return ""
    if ".orig-" in filename:
        return filename.split(".orig-", 1)[1].split(".tar", 1)[0]
    return "debian" if ".debian.tar" in filename else ""


def extract(archive: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        extract_zip(archive, folder)
    else:
        extract_tar(archive, folder)


def extract_tar(archive: Path, folder: Path) -> None:
    """Regular files and folders only; the single top folder is dropped; `data` filter refuses unsafe paths."""
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        top = common_top(m.name for m in members if m.isfile())
        renamed = []
        for member in members:
            name = member.name.removeprefix("./")
            if name.startswith(top) and name[len(top) :]:
                renamed.append(member.replace(name=name[len(top) :], deep=False))
        tar.extractall(folder, members=renamed, filter="data")


def extract_zip(archive: Path, folder: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        infos = [i for i in zipped.infolist() if not i.is_dir() and (i.external_attr >> 16) & 0o170000 != 0o120000]
        top = common_top(i.filename for i in infos)
        for info in infos:
            relative = PurePosixPath(info.filename.removeprefix("./")[len(top) :])
            if relative.is_absolute() or ".." in relative.parts:
                raise FetchError(f"unsafe path in {archive.name}: {info.filename}")
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, open(path, "wb") as out:
                shutil.copyfileobj(source, out)


def common_top(names) -> str:
    """`pkg-1.0/` when every file lies under that one folder, else ''."""
    tops = set()
    for name in names:
        top, slash, _ = name.removeprefix("./").partition("/")
        tops.add(top if slash else "")
    return f"{tops.pop()}/" if len(tops) == 1 and "" not in tops else ""


# ---- measuring: what ingest keeps, and its languages -----------------------------------------------------


def measure(folder: Path) -> dict:
    """Regular files under the ingest size limit that are not binary (by extension, NUL byte or encoding)."""
    kept_files = kept_bytes = all_files = all_bytes = path_rule_bytes = 0
    languages = Counter()
    for directory, _, filenames in os.walk(folder):
        for filename in filenames:
            path = os.path.join(directory, filename)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            size = os.path.getsize(path)
            all_files += 1
            all_bytes += size
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            text = kept_text(path, size)
            if text is None:
                continue
            kept_files += 1
            kept_bytes += size
            languages[detect_language(relative, text) or "(unknown)"] += size
            if vendored_rule(relative) or generated_rule(relative):
                path_rule_bytes += size
    return {
        "version": STATS_VERSION,
        "files": kept_files,
        "bytes": kept_bytes,
        "all_files": all_files,
        "all_bytes": all_bytes,
        "vendored_or_generated_bytes": path_rule_bytes,
        "languages": dict(languages.most_common()),
    }


def kept_text(path: str, size: int) -> str | None:
    if size == 0 or size > MAX_FILE_BYTES or os.path.splitext(path)[1].lower() in BINARY_EXTENSIONS:
        return None
    with open(path, "rb") as handle:
        text, problem = decode_text(handle.read())
    return None if problem else text


def prepare(package: Package, archives: Path | None, cache: Path) -> tuple[Package, dict | None, str | None]:
    """Unpack (unless a quarter or the staging folder already holds it) and measure (unless cached)."""
    try:
        folder = locate(cache, package.repo)
        if folder is None:
            folder = cache / "unpacked" / package.repo
            unpack(package, archives, folder)
        stats_path = cache / "stats" / f"{package.repo}.json"
        if stats_path.exists():
            stats = json.loads(stats_path.read_text(encoding="utf-8"))
            if stats.get("version") == STATS_VERSION:
                return package, stats, None
        stats = measure(folder)
        write_json(stats_path, stats)
        return package, stats, None
    except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile, EOFError, FetchError) as error:
        return package, None, f"{type(error).__name__}: {error} (delete its download to fetch it again)"


def locate(cache: Path, repo: str) -> Path | None:
    for folder in [cache / "repos" / q / repo for q in QUARTERS] + [cache / "unpacked" / repo]:
        if folder.is_dir():
            return folder
    return None


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".partial-{path.name}")
    partial.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    partial.rename(path)


# ---- quarters --------------------------------------------------------------------------------------------


def assign_quarters(packages: list[Package], stats: dict[str, dict]) -> dict[str, str]:
    """Biggest unit first, each to a quarter holding fewest units of its shape, then fewest bytes from its
    client, then fewest bytes: every quarter gets a similar mix of shapes and clients and a similar size."""
    units: dict[str, list[Package]] = {}
    for package in packages:
        units.setdefault(package.unit, []).append(package)
    totals = Counter()
    quarter_of = {}
    for members in sorted(units.values(), key=lambda unit: -sum(stats[p.repo]["bytes"] for p in unit)):
        shape, client = members[0].shape, members[0].client
        quarter = min(QUARTERS, key=lambda q: (totals[q, "shape", shape], totals[q, "client", client], totals[q]))
        size = sum(stats[p.repo]["bytes"] for p in members)
        totals.update({(quarter, "shape", shape): 1, (quarter, "client", client): size, quarter: size})
        quarter_of.update((p.repo, quarter) for p in members)
    return quarter_of


def drop_unlisted(cache: Path, listed: set[str]) -> None:
    """Remove what an earlier package list left: repositories, downloads and stats of packages no longer listed."""
    folders = [cache / "repos" / q for q in QUARTERS] + [cache / "unpacked", cache / "stats"]
    folders += [cache / "downloads" / client for client in ("debian", "pypi", "npm")]
    for folder in folders:
        for entry in folder.iterdir() if folder.is_dir() else ():
            if entry.name.removesuffix(".json") not in listed:
                print(f"removing {entry}: no longer listed")
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()


def place(cache: Path, quarter_of: dict[str, str]) -> None:
    """Move each repository into its quarter (a rename: the files stay where the disk has them)."""
    for quarter in QUARTERS:
        (cache / "repos" / quarter).mkdir(parents=True, exist_ok=True)
    for repo, quarter in quarter_of.items():
        target = cache / "repos" / quarter / repo
        current = locate(cache, repo)
        if current != target:
            current.rename(target)


def catalog_entries(packages: list[Package], stats: dict[str, dict], quarter_of: dict[str, str]) -> list[dict]:
    entries = []
    for package in packages:
        if package.repo not in quarter_of:
            continue
        repo_stats = stats[package.repo]
        entries.append(
            {
                "repo": package.repo,
                "client": package.client,
                "package": package.name,
                "version": package.version,
                "shape": package.shape,
                "quarter": quarter_of[package.repo],
                "files": repo_stats["files"],
                "bytes": repo_stats["bytes"],
                "all_files": repo_stats["all_files"],
                "all_bytes": repo_stats["all_bytes"],
                "vendored_or_generated_bytes": repo_stats["vendored_or_generated_bytes"],
                "top_languages": dict(list(repo_stats["languages"].items())[:5]),
            }
        )
    return sorted(entries, key=lambda entry: (entry["quarter"], entry["repo"]))


def print_summary(entries: list[dict], stats: dict[str, dict]) -> None:
    print(f"\n{'quarter':8} {'repos':>6} {'files':>9} {'MB':>9} {'raw MB':>9} {'langs':>6}  clients")
    for quarter in (*QUARTERS, "total"):
        rows = [e for e in entries if quarter in (e["quarter"], "total")]
        files, text, raw = (sum(e[key] for e in rows) for key in ("files", "bytes", "all_bytes"))
        clients = " ".join(f"{c}={n}" for c, n in sorted(Counter(e["client"] for e in rows).items()))
        print(
            f"{quarter:8} {len(rows):6} {files:9,} {text / MB:9.1f} {raw / MB:9.1f} "
            f"{len(languages_of(rows, stats)):6}  {clients}"
        )
    sizes = [sum(e["bytes"] for e in entries if e["quarter"] == q) for q in QUARTERS]
    print(
        f"largest quarter / smallest: {max(sizes) / max(min(sizes), 1):.2f}   (MB = kept text: regular files "
        f"<= {MAX_FILE_BYTES >> 20} MiB, not binary; langs = languages with >= 1 MB)"
    )
    languages = languages_of(entries, stats)
    registry = default_registry()
    code = [name for name in languages if (spec := registry.get(name)) and spec.kind == "code"]
    print(f"\nlanguages with >= 1 MB: {len(languages)}, {len(code)} of them programming languages (kind 'code')")
    print("top 35 (MB): " + ", ".join(f"{name} {size / MB:.1f}" for name, size in list(languages.items())[:35]))
    print("programming languages: " + ", ".join(code))


def languages_of(entries: list[dict], stats: dict[str, dict]) -> dict[str, int]:
    """Bytes per detected language with at least 1 MB over these repositories, biggest first."""
    total = Counter()
    for entry in entries:
        total.update(stats[entry["repo"]]["languages"])
    total.pop("(unknown)", None)
    return {name: size for name, size in total.most_common() if size >= MB}


def fetch_all(packages: list[Package], cache: Path) -> dict[Package, Path | None]:
    """Archives folder per package (None when its repository is already unpacked); failures skipped."""
    fetcher = Fetcher(cache)
    fetched = {}
    total_bytes, total_seconds = 0, 0.0
    for package in packages:
        if locate(cache, package.repo):
            fetched[package] = None
            continue
        if fetcher.folder(package).is_dir():
            fetched[package] = fetcher.folder(package)
            continue
        try:
            started = time.monotonic()
            fetched[package] = fetcher.fetch(package)
            size = sum(f.stat().st_size for f in fetched[package].iterdir())
            seconds = time.monotonic() - started
            total_bytes, total_seconds = total_bytes + size, total_seconds + seconds
            print(f"fetched {package.client} {package.pin}: {size / MB:.1f} MB in {seconds:.1f} s")
        except (OSError, ValueError, FetchError) as error:
            print(f"skipped {package.client} {package.pin}: {error}")
    if total_bytes:
        speed = total_bytes / MB / max(total_seconds, 0.001)
        print(f"fetched {total_bytes / MB:.0f} MB in {total_seconds:.0f} s ({speed:.1f} MB/s)")
    return fetched


def prepare_all(fetched: dict[Package, Path | None], cache: Path, jobs: int) -> dict[str, dict]:
    """Stats per repository name, unpacking and measuring in `jobs` processes."""
    stats = {}
    packages = list(fetched)
    with ProcessPoolExecutor(jobs) as pool:
        for package, repo_stats, error in pool.map(prepare, packages, fetched.values(), [cache] * len(packages)):
            if error:
                print(f"skipped {package.client} {package.pin}: {error}")
            else:
                stats[package.repo] = repo_stats
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", default=DEFAULT_CACHE, help="where downloads and repositories go")
    parser.add_argument(
        "--packages",
        type=Path,
        default=PACKAGE_LIST,
        help="the pinned package list (TOML); the cache is pruned to what it lists",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel unpack/measure workers")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows up when the output goes to a file or pipe
    cache = Path(args.cache).expanduser().resolve()
    started = time.monotonic()
    packages = load_packages(args.packages)
    drop_unlisted(cache, {p.repo for p in packages})
    clients = Counter(p.client for p in packages)
    print(f"{len(packages)} packages ({', '.join(f'{n} {c}' for c, n in clients.items())}) -> {cache}")
    fetched = fetch_all(packages, cache)
    stats = prepare_all(fetched, cache, args.jobs)
    ready = [p for p in packages if p.repo in stats]
    quarter_of = assign_quarters(ready, stats)
    place(cache, quarter_of)
    entries = catalog_entries(ready, stats, quarter_of)
    write_json(cache / "repos" / "catalog.json", entries)
    print_summary(entries, stats)
    print(f"\n{cache / 'repos'}: q1 .. q4 and catalog.json; {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
