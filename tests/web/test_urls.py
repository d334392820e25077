from pipeline.web.urls import normalize_url, url_domain


def test_spelling_variants_normalize_to_one_url():
    variants = [
        "HTTPS://Docs.Example.com:443/a/./b/../c.html?b=2&a=1#section",
        "https://docs.example.com/a/c.html?a=1&b=2&utm_source=feed",
        "https://docs.example.com/a/c.html?a=1&b=2",
    ]
    assert {normalize_url(v) for v in variants} == {"https://docs.example.com/a/c.html?a=1&b=2"}


def test_distinct_pages_stay_distinct():
    assert normalize_url("http://example.com/a") != normalize_url("https://example.com/a")
    assert normalize_url("http://example.com:8080/") == "http://example.com:8080/"
    assert normalize_url("http://example.com") == "http://example.com/"


def test_not_web_urls_are_none():
    assert normalize_url("mailto:someone@example.com") is None
    assert normalize_url("http://[bad") is None
    assert normalize_url("ftp://example.com/file") is None


def test_domain_drops_www():
    assert url_domain("https://www.mathoverflow.net/questions/1") == "mathoverflow.net"
    assert url_domain("https://docs.python.org/3/") == "docs.python.org"
    assert url_domain(None) is None
