"""WARC builders and a local HTTP server with Range support for the web tests."""

from __future__ import annotations

import functools
import http.server
import io
import os
import threading

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PAGE = (
    "<!DOCTYPE html><html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav>"
    "<article><h1>{title}</h1><p>{text}</p></article><footer>Footer links</footer></body></html>"
)


def html_page(title: str, text: str) -> bytes:
    return PAGE.format(title=title, text=text).encode()


def warc_bytes(records: list[dict], gzip: bool = True) -> tuple[bytes, list[int]]:
    """A WARC of `response` records (dicts: url, body, status, content_type, date); (data, offsets)."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzip)
    offsets = []
    for n, record in enumerate(records):
        offsets.append(buffer.tell())
        headers = [("Content-Type", record.get("content_type", "text/html; charset=utf-8"))]
        http_headers = StatusAndHeaders(record.get("status", "200 OK"), headers, protocol="HTTP/1.1")
        warc_headers = {
            "WARC-Date": record.get("date", f"2024-01-01T00:00:{n % 60:02d}Z"),
            "WARC-Record-ID": f"<urn:uuid:test-{n:06d}>",
        }
        writer.write_record(
            writer.create_warc_record(
                record["url"],
                "response",
                payload=io.BytesIO(record["body"]),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        )
    return buffer.getvalue(), offsets


def simple_records(count: int, host: str = "docs.example.com") -> list[dict]:
    return [
        {
            "url": f"https://{host}/page/{i}",
            "body": html_page(
                f"Page {i}",
                f"This is the text of page number {i}, written in plain English "
                "so that the language detector has enough words to decide.",
            ),
        }
        for i in range(count)
    ]


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with `Range: bytes=N-` support; `failures` (shared dict) injects faults:
    `cut_after` bytes on the first full response, and a number of `status_503` answers first."""

    failures: dict = {}

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        if self.failures.get("status_503", 0) > 0:
            self.failures["status_503"] -= 1
            self.send_error(503, "Slow Down")
            return
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        start = 0
        range_header = self.headers.get("Range")
        if range_header and range_header.startswith("bytes="):
            start = int(range_header[len("bytes=") :].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = self.failures.pop("cut_after", None)
        if cut is not None and start == 0:
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the client sees a short read and must resume
            return
        self.wfile.write(body)


@pytest.fixture
def http_root(tmp_path):
    """(base URL, folder served, failure switches) of a local HTTP server thread."""
    folder = tmp_path / "www"
    folder.mkdir()
    RangeHandler.failures = {}
    handler = functools.partial(RangeHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder, RangeHandler.failures
    server.shutdown()
    thread.join()
