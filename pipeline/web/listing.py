"""Turn what the user names (WARC files, folders, globs, s3:// prefixes, `warc.paths(.gz)` listings)
into the list of WARC URIs to read, one Spark task each."""

from __future__ import annotations

import glob
import gzip
import os

from pipeline.config import UsageError
from pipeline.io.fetch import FetchError, FetchSettings, is_local, list_s3, local_path, read_bytes

DEFAULT_BASE = "s3://commoncrawl/"
WARC_SUFFIXES = (".warc", ".warc.gz")
LISTING_SUFFIXES = (".paths", ".paths.gz")


def expand_inputs(inputs: list[str], settings: FetchSettings, base: str = DEFAULT_BASE) -> list[str]:
    """WARC URIs named by `inputs`, in order, each once."""
    found: list[str] = []
    for uri in inputs:
        if uri.endswith(LISTING_SUFFIXES):
            found += read_listing(uri, settings, base)
        elif is_local(uri):
            found += _local_warcs(uri)
        elif uri.startswith("s3://") and uri.endswith("/"):
            found += [key for key in list_s3(uri, settings) if key.endswith(WARC_SUFFIXES)]
        else:
            found.append(uri)
    if not found:
        raise UsageError(f"no WARC files found in {' '.join(inputs)}")
    return list(dict.fromkeys(found))


def read_listing(uri: str, settings: FetchSettings, base: str = DEFAULT_BASE) -> list[str]:
    """Lines of a Common Crawl `warc.paths(.gz)` file, relative paths resolved against `base`."""
    try:
        data = read_bytes(uri, settings)
    except FetchError as error:
        raise UsageError(f"cannot read listing {uri}: {error}") from None
    if uri.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise UsageError(f"listing {uri} is not valid gzip: {error}") from None
    lines = data.decode("utf-8", "replace").splitlines()
    return [resolve(line.strip(), base) for line in lines if line.strip() and not line.startswith("#")]


def resolve(path: str, base: str) -> str:
    if "://" in path or path.startswith("/"):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def _local_warcs(uri: str) -> list[str]:
    path = local_path(uri)
    if any(ch in path for ch in "*?["):
        return sorted(p for p in glob.glob(path, recursive=True) if p.endswith(WARC_SUFFIXES))
    if os.path.isdir(path):
        return sorted(
            os.path.join(root, name)
            for root, _, names in os.walk(path)
            for name in names
            if name.endswith(WARC_SUFFIXES)
        )
    if not os.path.exists(path):
        raise UsageError(f"input {uri} does not exist")
    return [os.path.abspath(path)]
