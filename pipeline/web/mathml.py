"""MathML to TeX-like text (`\\frac{a}{b}`, `x^{2}`, `\\sqrt{x}`), for pages that ship formulas as
MathML without a TeX annotation."""

from __future__ import annotations

import re
from html import escape, unescape
from html.entities import html5
from xml.etree import ElementTree

# Operators and identifiers written as Unicode in MathML that TeX spells as commands.
SYMBOLS = {
    "∑": r"\sum ",
    "∏": r"\prod ",
    "∫": r"\int ",
    "∞": r"\infty ",
    "≤": r"\leq ",
    "≥": r"\geq ",
    "≠": r"\neq ",
    "×": r"\times ",
    "·": r"\cdot ",
    "⋅": r"\cdot ",
    "→": r"\to ",
    "∈": r"\in ",
    "∀": r"\forall ",
    "∃": r"\exists ",
    "∂": r"\partial ",
    "±": r"\pm ",
    "≈": r"\approx ",
    "∇": r"\nabla ",
    "⊂": r"\subset ",
    "∪": r"\cup ",
    "∩": r"\cap ",
    "…": r"\ldots ",
    "⋯": r"\cdots ",
    "−": "-",
    "α": r"\alpha ",
    "β": r"\beta ",
    "γ": r"\gamma ",
    "δ": r"\delta ",
    "ε": r"\epsilon ",
    "θ": r"\theta ",
    "λ": r"\lambda ",
    "μ": r"\mu ",
    "π": r"\pi ",
    "σ": r"\sigma ",
    "φ": r"\phi ",
    "ω": r"\omega ",
    "Δ": r"\Delta ",
    "Σ": r"\Sigma ",
    "Ω": r"\Omega ",
}
TEX_ANNOTATIONS = ("application/x-tex", "text/x-tex", "tex", "latex")
IGNORED = {"annotation", "annotation-xml", "mphantom", "none", "mprescripts"}
# A TeX annotation is read straight from the markup (KaTeX writes one for every formula).
ANNOTATION = re.compile(r"""<annotation\b[^>]*?\bencoding=(["'])(.*?)\1[^>]*>([^<]*)</annotation>""", re.IGNORECASE)
ANY_TAG = re.compile(r"<[^>]*>")
NAMED_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*;)")
XML_ENTITIES = {"lt;", "gt;", "amp;", "quot;", "apos;"}
MAX_DEPTH = 100  # deeper elements convert to nothing (a hostile page's nesting)


def mathml_to_tex(markup: str) -> str:
    """TeX for a serialized `<math>` element (`node.html`), or the characters of one that is not XML
    after all (a prefixed tag name): the parser's serialization closes every tag and quotes every
    attribute."""
    tex = read_mathml(markup)
    return tex if tex is not None else unescape(ANY_TAG.sub("", markup)).strip()


def read_mathml(markup: str) -> str | None:
    """TeX for a `<math>` element's markup: its TeX annotation when it has one, else a conversion of
    the markup parsed as XML, which costs a fraction of walking the DOM, where every node visited
    becomes a Python object. HTML's named entities (`&nbsp;`, `&int;`) are read as their characters.
    None when the markup is not XML."""
    for _, encoding, text in ANNOTATION.findall(markup):
        if encoding.lower() in TEX_ANNOTATIONS and text.strip():
            return unescape(text).strip()
    if "&" in markup:
        markup = NAMED_ENTITY.sub(_entity_character, markup)
    try:
        root = ElementTree.fromstring(markup)
    except ElementTree.ParseError:
        return None
    return _convert(root, 0).strip()


def _entity_character(entity: re.Match) -> str:
    name = entity.group(1)
    if name in XML_ENTITIES or name not in html5:
        return entity.group()
    return escape(html5[name])  # `&LT;` is "<" too


def _convert(node: ElementTree.Element, depth: int) -> str:
    tag = node.tag.rsplit("}", 1)[-1].lower()  # without the XML namespace
    if tag in IGNORED or depth > MAX_DEPTH:
        return ""
    kids = list(node)
    parts = [_convert(child, depth + 1) for child in kids]
    if tag == "semantics":
        return parts[0] if parts else ""
    if tag == "mfrac" and len(parts) == 2:
        return rf"\frac{{{parts[0]}}}{{{parts[1]}}}"
    if tag == "msqrt":
        return rf"\sqrt{{{''.join(parts)}}}"
    if tag == "mroot" and len(parts) == 2:
        return rf"\sqrt[{parts[1]}]{{{parts[0]}}}"
    if tag in ("msup", "mover") and len(parts) == 2:
        return f"{_group(parts[0])}^{{{parts[1]}}}"
    if tag in ("msub", "munder") and len(parts) == 2:
        return f"{_group(parts[0])}_{{{parts[1]}}}"
    if tag in ("msubsup", "munderover") and len(parts) == 3:
        return f"{_group(parts[0])}_{{{parts[1]}}}^{{{parts[2]}}}"
    if tag == "mfenced":
        opening, closing = node.get("open") or "(", node.get("close") or ")"
        return opening + (node.get("separators") or ",").strip()[:1].join(parts) + closing
    if tag == "mtable":
        return r"\begin{matrix}" + r" \\ ".join(parts) + r"\end{matrix}"
    if tag == "mtr":
        return " & ".join(parts)
    if tag == "mspace":
        return " "
    if not kids:  # token elements: mi, mn, mo, mtext, ms
        text = "".join(SYMBOLS.get(ch, ch) for ch in (node.text or "").strip())
        return rf"\text{{{text}}}" if tag == "mtext" and text else text
    return "".join(parts)


def _group(tex: str) -> str:
    return tex if len(tex) <= 1 or tex.startswith(("{", "\\")) else f"{{{tex}}}"
