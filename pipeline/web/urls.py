"""URL normalization, so that one page captured under spelling variants gets one id.

Lowercased scheme and host, IDNA host, no default port, no fragment, dot segments resolved,
percent-escapes in canonical case, query parameters sorted with tracking parameters (utm_*) dropped.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
TRACKING_PARAM = re.compile(r"^(utm_[a-z]+|fbclid|gclid)$", re.IGNORECASE)
# Characters that stay as they are in a path; everything else is percent-encoded once.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"


# Most crawled URLs are canonical already: lower-case ASCII host without a port, and a path of plain
# characters without dot segments or doubled slashes. They skip the parsing (a third of a small page's
# non-extraction time). Anything else (queries included) takes the full route below.
CANONICAL = re.compile(r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(?:/[A-Za-z0-9_.~!$&'()*+,;=:@/-]*)?")
# A host as normalize_url writes it (lower-case ASCII, no port), read without urlsplit.
PLAIN_HOST = re.compile(r"https?://([a-z0-9.-]+)(?=/|$)")


def normalize_url(url: str) -> str | None:
    """The canonical form of an http(s) URL, or None when it is not one."""
    if CANONICAL.fullmatch(url) and "//" not in url[8:] and "/." not in url:
        return url if url.count("/") > 2 else url + "/"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = _idna_host(parts.hostname.rstrip("."))
    if host is None:
        return None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normalize_path(parts.path)
    query = _normalize_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def url_domain(url: str | None) -> str | None:
    """Host of a URL without a leading `www.` (the unit of the recall stage's domain rule)."""
    if not url:
        return None
    plain = PLAIN_HOST.match(url)  # a tenth of urlsplit's cost
    if plain:
        host = plain.group(1)
        return host[4:] if host.startswith("www.") else host
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _idna_host(host: str) -> str | None:
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _normalize_path(path: str) -> str:
    if not path:
        return "/"
    resolved = posixpath.normpath(path)
    if resolved.startswith("//"):  # normpath keeps a leading double slash
        resolved = "/" + resolved.lstrip("/")
    if path.endswith("/") and resolved != "/":
        resolved += "/"
    return quote(unquote(resolved), safe=PATH_SAFE.replace("%", ""))


def _normalize_query(query: str) -> str:
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING_PARAM.match(k)]
    return urlencode(sorted(pairs))
