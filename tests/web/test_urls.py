import random
import re

from pipeline.web import urls
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


def test_canonical_urls_skip_parsing_with_the_same_result(monkeypatch):
    """The fast path for URLs that are canonical already must agree with the full normalization."""
    rng = random.Random(0)
    hosts = ["example.com", "a.b-c.org", "x", "EXAMPLE.com", "ex.com.", "ex.com:80", "ex.com:8080", "bücher.de"]
    generated = [
        f"{rng.choice(['http', 'https', 'HTTP'])}://{rng.choice(hosts)}{'/' if rng.random() < 0.8 else ''}"
        + "".join(rng.choice("aZ09-_.~/:@!$&'()*+,;=%?# ") for _ in range(rng.randint(0, 12)))
        for _ in range(20_000)
    ]
    generated += [f"http://{host}" for host in hosts] + ["https://user@ex.com/", "http://[::1]:8/", "https://ex.com?q"]
    fast = [normalize_url(url) for url in generated]
    fast_domains = [url_domain(url) for url in generated + [url for url in fast if url]]
    monkeypatch.setattr(urls, "CANONICAL", re.compile("(?!)"))  # every URL takes the full route
    monkeypatch.setattr(urls, "PLAIN_HOST", re.compile("(?!)"))
    assert fast == [normalize_url(url) for url in generated]
    assert fast_domains == [url_domain(url) for url in generated + [url for url in fast if url]]
    assert sum(url == normalized for url, normalized in zip(generated, fast, strict=True)) > 1_000
