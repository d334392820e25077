"""Real HTML pages of many documentation sites for the recall bench (bench/bench_recall_shares.py).

Each site is one Debian binary package that ships HTML documentation (`apt-get download` into a
private apt configuration, the package read with `dpkg-deb --fsys-tarfile`), one package = one
domain (`<package>.example.org`), the URL path the file's path under the package's documentation
folder. Text is extracted the way the pipeline does (pipeline.web.http_payload.decode_text, then
pipeline.web.extract.extract_main_text); pages whose text is not English (pipeline.web.langid) or
shorter than MIN_CHARS are dropped, as are repeats of a text within a site.

Labels are by site (the documented rule):
  code   the site documents a programming language, a library or API, or a programming tool, for
         programmers (Python, C++, Node.js, PostgreSQL, Git, Django, Boost, Erlang, Ada, ...);
  math   the site documents mathematics: manuals of computer algebra and number theory systems and
         references of mathematical functions, whose pages state definitions, theorems and formulas
         (Maxima, GAP and its packages, Giac, Macaulay2, FLINT, Calcium, mpmath, SymPy);
  other  everything else: user manuals of end-user applications (GIMP, LibreOffice, GnuCash, Hugin,
         Tux Paint, ...), handbooks and guides for installing and running a system, FAQs, histories.
A site's every page gets its label: a Django release-notes page is `code`, a LibreOffice Calc page on
spreadsheet functions is `other`. The programming parts of `other` sites are left out, since they are
code pages on a site labelled `other`: LibreOffice's Basic programming, NUT's developer guide (writing
drivers in C), Bacula's developer notes and FontForge's scripting reference (BUILD 3; before, they
counted as false positives when the loop called them code).

Cache: <CORPUS_BENCH_DATA or ~/.cache/code-corpus-bench>/recall_pages: debs/ (the packages) and
pages-v<BUILD>-<cap>.parquet (id, url, domain, content, label, package, version). Nothing goes in the
repository. Usage: .venv/bin/python bench/recall_sites.py [--cap N]   (builds or reuses the cache)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import random
import re
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import real_corpus  # noqa: E402

from pipeline.schema import make_id  # noqa: E402

BUILD = 3  # bump when the page rules below change: the cached page table is rebuilt
MIN_CHARS = 300  # shorter extracted texts are index stubs and redirects
DEFAULT_CAP = 800  # pages kept per site (a random sample of its English pages)
HTML = re.compile(r"\.html?(\.gz)?$")


@dataclass(frozen=True)
class Site:
    package: str
    version: str
    label: str
    include: str = ""  # a regex the file path must match (a language's folder)
    exclude: str = ""  # a regex the file path must not match
    cap: int = 0  # pages kept of this site when more than the default cap (a big site of the crawl)

    @property
    def domain(self) -> str:
        return self.package.replace(".", "-") + ".example.org"


SITES = [
    # code: languages, libraries, tools for programmers
    Site("python3.11-doc", "3.11.2-6+deb12u9", "code"),
    Site("cppreference-doc-en-html", "20170409-2", "code", include=r"/html/en/"),
    Site("postgresql-doc-15", "15.20-0+deb12u1", "code"),
    Site("python-django-doc", "3:3.2.25-0+deb12u7", "code"),
    Site("libboost1.74-doc", "1.74.0+ds1-21", "code"),
    Site("erlang-doc", "1:25.2.3+dfsg-1+deb12u4", "code"),
    Site("git-doc", "1:2.39.5-0+deb12u3", "code"),
    Site("ada-reference-manual-2012", "1:2020.1commit85143dcb-4", "code", include=r"/arm2012\.html/"),
    Site("doxygen-doc", "1.9.4-4", "code"),
    Site("python-sqlalchemy-doc", "1.4.46+ds1-1", "code"),
    Site("sphinx-doc", "5.3.0-4", "code", exclude=r"/_modules/"),
    Site("abs-guide", "10-4", "code"),
    Site("python-flask-doc", "2.2.2-3", "code"),
    Site("nodejs-doc", "18.20.4+dfsg-1~deb12u3", "code"),
    # math: computer algebra, number theory, mathematical functions
    Site("maxima-doc", "5.46.0-11", "math"),
    Site("python-sympy-doc", "1.11.1-1", "math", exclude=r"/_modules/"),
    Site("giac-doc", "1.9.0.35+dfsg2-1.1", "math", include=r"/doc/en/"),
    Site("macaulay2-common", "1.21+ds-3", "math"),
    Site("gap-doc", "4.12.1-2", "math"),
    Site("libflint-doc", "2.9.0-5", "math"),
    Site("python-mpmath-doc", "1.2.1-2", "math", exclude=r"/_modules/"),
    Site("libcalcium-doc", "0.4.1-3", "math"),
    Site("gap-grape", "4.9.0+ds-1", "math"),
    Site("gap-design", "1.7+ds-3", "math"),
    Site("gap-polycyclic", "2.16-2", "math"),
    # other: end-user manuals, system guides, FAQs, histories
    Site("libreoffice-help-en-us", "4:7.4.7-1+deb12u14", "other", exclude=r"/text/sbasic/", cap=2500),
    Site("gimp-help-en", "2.10.34-2", "other"),
    Site("gnucash-docs", "4.13-1", "other", include=r"-en/"),
    Site("nut-doc", "2.8.0-7", "other", exclude=r"/developer-guide/"),
    Site("hugin-data", "2022.0.0+dfsg-2", "other"),
    Site("fontforge-doc", "1:20230101~dfsg-1.1~deb12u1", "other", exclude=r"/old/ja/|/scripting/"),
    Site("debian-handbook", "11.20220922", "other", include=r"/html/en-US/"),
    Site("bacula-doc", "9.6.7-2", "other", exclude=r"/developers/"),
    Site("aptitude-doc-en", "0.8.13-5", "other"),
    Site("mplayer-doc", "2:1.5+svn38408-1", "other", include=r"/HTML/en/"),
    Site("tuxpaint-data", "1:0.9.28-sdl2-1", "other", include=r"/tuxpaint-data/en/"),
    Site("installation-guide-amd64", "20230508+deb12u1", "other", include=r"/installation-guide-amd64/en/"),
    Site("dia-common", "0.97.3+git20220525-5", "other", include=r"/html/en/"),
    Site("homebank-data", "5.6.2-1", "other"),
    Site("debian-faq", "11.1", "other"),
    Site("debian-history", "2.28", "other", include=r"\.en\.html$"),
    Site("geotranz-help", "3.7-3", "other"),
    Site("icewm-common", "3.3.1-1", "other"),
    Site("granule-docs", "1.1.0+dfsg-3.1", "other"),
    Site("doublecmd-help-en", "1.0.10-1", "other"),
]


def cache_root() -> Path:
    return Path(os.environ.get("CORPUS_BENCH_DATA", "~/.cache/code-corpus-bench")).expanduser() / "recall_pages"


class DebFetcher(real_corpus.Fetcher):
    """`apt-get download` with a private apt configuration of binary (`deb`) lines for bookworm, its
    updates and its security suite: the system's /etc/apt is left as it is."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.debs = root / "debs"

    def _apt_update_once(self) -> None:
        if self.apt_ready:
            return
        lists = self.apt_dir / "lists"
        if not any(lists.glob("*_Packages*")):
            for folder in (lists / "partial", self.apt_dir / "cache" / "archives" / "partial"):
                folder.mkdir(parents=True, exist_ok=True)
            suite = real_corpus.DEBIAN_SUITE
            mirror, keyring = real_corpus.system_debian_mirror(suite)
            security, _ = real_corpus.system_debian_mirror(f"{suite}-security")
            if security == mirror:
                security = "http://deb.debian.org/debian-security"
            lines = [f"deb [signed-by={keyring}] {mirror} {suite} {suite}-updates main"]
            lines.append(f"deb [signed-by={keyring}] {security} {suite}-security main")
            (self.apt_dir / "sources.list").write_text("\n".join(lines) + "\n", encoding="utf-8")
            real_corpus.run(["apt-get", *self._apt_options(), "update"])
        self.apt_ready = True

    def deb(self, site: Site) -> Path:
        """The package file, downloaded once: the pinned version, else (gone from the mirror) the current one."""
        found = sorted(self.debs.glob(f"{site.package}_*.deb"))
        if found:
            return found[-1]
        self._apt_update_once()
        self.debs.mkdir(parents=True, exist_ok=True)
        try:
            real_corpus.run(["apt-get", *self._apt_options(), "download", f"{site.package}={site.version}"], self.debs)
        except real_corpus.FetchError as error:
            print(f"{site.package}={site.version}: {error}; taking the mirror's current version")
            real_corpus.run(["apt-get", *self._apt_options(), "download", site.package], self.debs)
        return sorted(self.debs.glob(f"{site.package}_*.deb"))[-1]


def html_files(deb: Path, site: Site) -> list[tuple[str, bytes]]:
    """(path, HTML bytes) of the package's HTML files that the site's include/exclude rules keep."""
    files = []
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE) as proc:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                name = member.name.removeprefix(".")
                if not member.isfile() or not HTML.search(name):
                    continue
                if (site.include and not re.search(site.include, name)) or (
                    site.exclude and re.search(site.exclude, name)
                ):
                    continue
                data = tar.extractfile(member).read()
                if name.endswith(".gz"):
                    data, name = gzip.decompress(data), name[:-3]
                files.append((name, data))
    return files


def site_pages(site: Site, deb: Path, cap: int, seed: int = 0) -> list[dict]:
    """Up to `cap` pages of a site: files in a random order, extracted until `cap` are kept."""
    from pipeline.web import langid
    from pipeline.web.extract import extract_main_text
    from pipeline.web.http_payload import decode_text

    files = html_files(deb, site)
    if not files:
        return []
    root = os.path.commonpath([os.path.dirname(name) for name, _ in files])
    random.Random(f"{seed}-{site.package}").shuffle(files)
    model = langid.load_model()
    version = deb.name.split("_")[1]
    pages, seen = [], set()
    for name, data in files:
        if len(pages) >= cap:
            break
        html = decode_text(data, None)
        text = extract_main_text(html) if html else ""
        if len(text) < MIN_CHARS:
            continue
        digest = hashlib.sha1(text.encode("utf-8")).digest()
        if digest in seen or langid.identify([text], model)[0][0] != "en":
            continue
        seen.add(digest)
        url = f"https://{site.domain}/{os.path.relpath(name, root)}"
        pages.append(
            {
                "id": make_id("commoncrawl", url),
                "url": url,
                "domain": site.domain,
                "content": text,
                "label": site.label,
                "package": site.package,
                "version": version,
            }
        )
    return pages


def _site_job(args) -> tuple[str, list[dict], float]:
    site, deb, cap = args
    started = time.monotonic()
    return site.package, site_pages(site, deb, max(cap, site.cap)), time.monotonic() - started


def build(cap: int = DEFAULT_CAP, jobs: int = 2):
    """The page table (pyarrow), built once per BUILD and cap and cached."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = cache_root()
    path = root / f"pages-v{BUILD}-{cap}.parquet"
    if path.exists():
        return pq.read_table(path)
    fetcher = DebFetcher(root)
    started = time.monotonic()
    debs = {site.package: fetcher.deb(site) for site in SITES}
    size = sum(deb.stat().st_size for deb in debs.values())
    print(f"{len(debs)} packages, {size / 1e6:.0f} MB, ready in {time.monotonic() - started:.0f} s")
    rows = []
    with ProcessPoolExecutor(jobs) as pool:
        for package, pages, seconds in pool.map(_site_job, [(s, debs[s.package], cap) for s in SITES]):
            print(f"  {package}: {len(pages)} pages in {seconds:.0f} s")
            rows += pages
    table = pa.Table.from_pylist(rows)
    root.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".partial-{path.name}")
    pq.write_table(table, partial)
    partial.rename(path)
    print(f"{table.num_rows} pages -> {path} in {time.monotonic() - started:.0f} s")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cap", type=int, default=DEFAULT_CAP, help="pages kept per site")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    table = build(args.cap)
    labels = table.column("label").to_pylist()
    print({label: labels.count(label) for label in ("code", "math", "other")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
