"""Main text of an HTML page, with code blocks and TeX kept (see html_prep), by one of two extractors.

Default `resiliparse` (`extract_plain_text`, main content, formatting kept), chosen on quality
first, then speed. On ~6,000 real documentation pages (issue #7) it kept the code block on 96.1% of
pages vs 93.9% for trafilatura, at ~17x the speed. On the built-in sample (bench/bench_cc.py), after
the rewrites, both keep every code block whole and all TeX, and its stage runs 10-14x faster per
core. `trafilatura` (default settings, plain text: its `include_formatting` escapes and marks up
code) stays selectable.
"""

from __future__ import annotations

from resiliparse.parse.html import HTMLTree

from pipeline.web.html_prep import prepare_html, prepare_source

EXTRACTORS = ("resiliparse", "trafilatura")
DEFAULT_EXTRACTOR = "resiliparse"
# Image alt texts off: captions are not code or math (formula images become TeX in html_prep first).
# Off costs ~35 us a page more than on (resiliparse 2.0, the sample's pages).
RESILIPARSE_OPTIONS = dict(preserve_formatting=True, main_content=True, alt_texts=False, links=False, noscript=False)
_trafilatura_config = None


def extract_main_text(html: str, extractor: str = DEFAULT_EXTRACTOR) -> str:
    """Main text of `html` ('' when the extractor finds none)."""
    source = prepare_source(html)
    tree = HTMLTree.parse(source.html)
    prepare_html(tree, source)
    if extractor == "resiliparse":
        from resiliparse.extract.html2text import extract_plain_text

        text = extract_plain_text(tree, **RESILIPARSE_OPTIONS)
    elif extractor == "trafilatura":
        import trafilatura

        document = tree.document
        text = (
            trafilatura.extract(
                document.html if document is not None else html,
                config=_trafilatura_settings(),
                deduplicate=False,
            )
            or ""
        )
    else:
        raise ValueError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)}")
    return text.strip()


def _trafilatura_settings():
    """trafilatura's defaults, minus its own SIGALRM timeout: ours (pipeline.web.timed) is a hard one."""
    global _trafilatura_config
    if _trafilatura_config is None:
        from trafilatura.settings import use_config

        _trafilatura_config = use_config()
        _trafilatura_config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return _trafilatura_config
