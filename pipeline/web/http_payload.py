"""The HTTP part of a WARC `response` record: status, headers, body (de-chunked, decompressed),
and the body decoded to text with the declared or detected charset."""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

HTML_TYPES = ("text/html", "application/xhtml+xml")
META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.IGNORECASE)
HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)
MAX_BODY_BYTES = 64 << 20  # inflated size of a body, as the WARC reader's limit on a record
# Text with more than this share of control bytes or replacement characters is binary, not a page.
MAX_BAD_CHAR_SHARE = 0.01
NOT_CONTROL_BYTES = bytes(b for b in range(256) if not (b <= 0x08 or b == 0x0B or 0x0E <= b <= 0x1F))


class MalformedHttp(ValueError):
    pass


class BodyTooLarge(ValueError):
    """A compressed body that inflates past MAX_BODY_BYTES (a gzip bomb: 4 GB of zeros is 4 MB)."""


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]  # lowercased names; repeated headers keep the last value
    body: bytes

    @property
    def mime_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", self.headers.get("content-type", ""), re.I)
        return match.group(1) if match else None


def parse_http_response(block: bytes) -> HttpResponse:
    """Split a record block into status, headers and body; raise MalformedHttp when it is not HTTP."""
    end = block.find(b"\r\n\r\n")
    sep = 4
    if end < 0:
        end, sep = block.find(b"\n\n"), 2
    if end < 0:
        raise MalformedHttp("no end of HTTP headers")
    lines = block[:end].decode("latin-1").splitlines()
    status_parts = lines[0].split(None, 2) if lines else []
    if len(status_parts) < 2 or not status_parts[0].startswith("HTTP/") or not status_parts[1].isdigit():
        raise MalformedHttp(f"bad status line {lines[0][:80]!r}" if lines else "empty HTTP header")
    headers = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return HttpResponse(int(status_parts[1]), headers, block[end + sep :])


def is_html(response: HttpResponse) -> bool:
    """Declared HTML, or undeclared/generic but starting like an HTML document."""
    mime = response.mime_type
    if mime in HTML_TYPES:
        return True
    if mime in ("", "application/octet-stream", "text/plain"):
        return HTML_START.match(response.body[:1024]) is not None
    return False


def decoded_body(response: HttpResponse) -> bytes:
    """The body without transfer or content encoding (Common Crawl stores it decoded already, but
    other crawlers keep `chunked` and `gzip`); raises ValueError when it cannot be decoded."""
    body = response.body
    if "chunked" in response.headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        body = _inflate(body, 16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        try:
            body = _inflate(body, zlib.MAX_WBITS)
        except zlib.error:
            body = _inflate(body, -zlib.MAX_WBITS)
    elif encoding not in ("", "identity"):
        raise ValueError(f"unsupported content encoding {encoding}")
    return body


def _inflate(data: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, MAX_BODY_BYTES + 1)  # never allocates more than the limit
    if len(out) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"content encoding inflates past {MAX_BODY_BYTES} bytes")
    if not inflater.eof:
        raise zlib.error("incomplete or truncated stream")  # as zlib.decompress says
    return out


def decode_text(body: bytes, declared: str | None) -> str | None:
    """Text of an HTML body: the HTTP-declared charset, then the `<meta>` one, then UTF-8, then a
    detected one. None when nothing decodes it into text (binary or mislabelled content)."""
    tried = set()
    for name in _charsets_to_try(body, declared):
        codec = _codec(name)
        if codec is None or codec in tried:
            continue
        tried.add(codec)
        try:
            return _text_or_none(body.decode(codec), body)
        except UnicodeDecodeError:
            continue
    from resiliparse.parse.encoding import detect_encoding

    codec = _codec(detect_encoding(body) or "") or "cp1252"
    return _text_or_none(body.decode(codec, errors="replace"), body)


def _charsets_to_try(body: bytes, declared: str | None) -> Iterator[str | None]:
    yield declared
    yield _meta_charset(body)  # read only when the declared charset is missing or fails
    yield "utf-8"


def _text_or_none(text: str, body: bytes) -> str | None:
    # bytes.translate and str.count run in C: a whole-page regex scan costs more than extraction
    bad = len(body.translate(None, NOT_CONTROL_BYTES)) + text.count("\ufffd")
    if text and bad > MAX_BAD_CHAR_SHARE * len(text):
        return None
    return text


def _meta_charset(body: bytes) -> str | None:
    match = META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    if name in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii"):
        name = "cp1252"  # what browsers do (WHATWG encoding standard)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _dechunk(body: bytes) -> bytes:
    out = []
    pos = 0
    while pos < len(body):
        line_end = body.find(b"\r\n", pos)
        if line_end < 0:
            break
        size_text = body[pos:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return body  # not really chunked: keep the bytes as they are
        if size == 0:
            break
        out.append(body[line_end + 2 : line_end + 2 + size])
        pos = line_end + 2 + size + 2
    return b"".join(out)
