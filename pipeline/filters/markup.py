"""Markup rules: DeepSeek rule 3 (`<?xml version=` in the first 100 characters, unless the language
allows it: XSLT) and rule 4 (HTML whose visible text is < 20% of the source or < 100 characters); and
`html_escaped`: code that went through an HTML escaper (scraped from a web page), seen as at least
`min_html_entities` entities (`&lt;`, `&gt;`, `&amp;`, `&quot;`, `&#39;`, `&#x27;`) and not one raw
`<`, `>` or `"` left (real code that writes entities also writes the characters; a markup file has
its tags).

Visible text is what resiliparse renders as plain text from the whole document (no main-content
guessing): scripts, styles, comments and tags are not visible. It is computed only for languages whose
thresholds set `check_visible_text` (HTML by default); other rows get nulls.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLParserException

from pipeline.filters.base import FILE, BatchView, Rule, to_numpy

XML_DECLARATION = "<?xml version="
HTML_ENTITY = r"&(?:lt|gt|amp|quot|#39|#x27);"
ESCAPED_CHARACTER = r'[<>"]'  # what an escaper never leaves

SIGNALS = [
    pa.field("xml_header", pa.bool_()),
    pa.field("visible_text_chars", pa.int64()),
    pa.field("visible_text_ratio", pa.float64()),
    pa.field("html_entities", pa.int64()),  # HTML entities of a file with no raw < > " (0 when it has one)
]


def visible_text_chars(html: str) -> int:
    """Characters of the rendered text (white space collapsed); 0 when the HTML cannot be parsed."""
    try:
        text = extract_plain_text(
            html, main_content=False, alt_texts=False, list_bullets=False, preserve_formatting=False
        )
    except HTMLParserException:
        return 0
    return len(text)


def compute(view: BatchView) -> dict:
    windows = view.limit("xml_header_chars")
    xml_header = np.zeros(view.num_rows, dtype=bool)
    for window in np.unique(windows):  # one window for most languages
        rows = windows == window
        heads = pc.utf8_slice_codeunits(view.content, 0, int(window))
        xml_header[rows] = to_numpy(pc.match_substring(heads, XML_DECLARATION))[rows]
    checked = view.limit("check_visible_text").astype(bool)
    chars: list[int | None] = [None] * view.num_rows
    ratios: list[float | None] = [None] * view.num_rows
    for row in np.flatnonzero(checked):
        text = view.text(row)
        chars[row] = visible_text_chars(text)
        ratios[row] = chars[row] / len(text) if text else 0.0
    entities = to_numpy(pc.count_substring_regex(view.content, HTML_ENTITY)).astype(np.int64)
    unescaped = to_numpy(pc.match_substring_regex(view.content, ESCAPED_CHARACTER)).astype(bool)
    entities[unescaped] = 0  # only a file with no raw < > " left can be escaped code
    return {
        "xml_header": xml_header,
        "visible_text_chars": chars,
        "visible_text_ratio": ratios,
        "html_entities": entities,
    }


def _too_little_visible_text(view: BatchView, s: dict) -> np.ndarray:
    checked = view.limit("check_visible_text").astype(bool)
    chars = np.array([c if c is not None else 0 for c in s["visible_text_chars"]], dtype=np.int64)
    ratios = np.array([r if r is not None else 0.0 for r in s["visible_text_ratio"]], dtype=np.float64)
    return checked & ((ratios < view.limit("min_visible_text_ratio")) | (chars < view.limit("min_visible_text_chars")))


XML_HEADER = Rule("xml_header", FILE, lambda v, s: s["xml_header"] & ~v.limit("allow_xml_header").astype(bool))
HTML_VISIBLE_TEXT = Rule("html_visible_text", FILE, _too_little_visible_text)
HTML_ESCAPED = Rule(
    "html_escaped",
    FILE,
    lambda v, s: (v.limit("min_html_entities") > 0) & (s["html_entities"] >= v.limit("min_html_entities")),
)
