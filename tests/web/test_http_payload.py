import gzip

from pipeline.web.http_payload import decode_text, decoded_body, is_html, parse_http_response


def response(headers: str, body: bytes):
    return parse_http_response(f"HTTP/1.1 200 OK\r\n{headers}\r\n\r\n".encode() + body)


def test_chunked_and_gzipped_body_is_decoded():
    page = b"<html><body><p>hello</p></body></html>"
    packed = gzip.compress(page)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed)
    parsed = response("Content-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip", chunked)
    assert parsed.status == 200 and parsed.mime_type == "text/html"
    assert decoded_body(parsed) == page


def test_charset_from_header_then_meta_then_detection():
    text = "<html><head><meta charset='windows-1251'></head><body>Привет, мир</body></html>"
    assert decode_text(text.encode("cp1251"), None) == text  # from <meta>
    assert decode_text(text.encode("cp1251"), "windows-1251") == text  # from the header
    assert decode_text("<p>Grüße</p>".encode(), None) == "<p>Grüße</p>"  # UTF-8 by default
    assert decode_text(bytes(range(32)) * 20, None) is None  # binary is not text


def test_html_is_recognized_by_type_or_by_its_start():
    assert is_html(response("Content-Type: text/html; charset=utf-8", b"x"))
    assert is_html(response("Content-Type: application/xhtml+xml", b"x"))
    assert is_html(response("", b"<!DOCTYPE html><html></html>"))
    assert not is_html(response("Content-Type: application/pdf", b"%PDF-1.4"))
    assert not is_html(response("", b"plain words"))
    parsed = response("Content-Type: text/html; charset=ISO-8859-1", b"")
    assert parsed.charset == "ISO-8859-1"


def test_gzip_bomb_body_is_refused_without_inflating_it():
    import tracemalloc
    import zlib

    import pytest

    from pipeline.web.http_payload import MAX_BODY_BYTES, BodyTooLarge

    bomb = gzip.compress(bytes(MAX_BODY_BYTES + 1), compresslevel=1)
    tracemalloc.start()  # this call's own peak: the process's peak depends on the tests run before it
    try:
        with pytest.raises(BodyTooLarge):
            decoded_body(response("Content-Type: text/html\r\nContent-Encoding: gzip", bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_BODY_BYTES  # inflated up to the limit, not past it
    with pytest.raises(zlib.error):  # a cut stream is still an error, as with zlib.decompress
        decoded_body(response("Content-Encoding: gzip", gzip.compress(b"<html>" * 1000)[:-20]))
    page = b"<html><body>deflated</body></html>"
    assert decoded_body(response("Content-Encoding: deflate", zlib.compress(page))) == page
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decoded_body(response("Content-Encoding: deflate", raw.compress(page) + raw.flush())) == page
