"""MathML to TeX-like text (`\\frac{a}{b}`, `x^{2}`, `\\sqrt{x}`), for pages that ship formulas as
MathML without a TeX annotation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

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
# The markup is the parser's serialization of a <math> element (`node.html`): every tag closed and
# attribute values double-quoted, so a tag pattern reads it. Reading that string costs a tenth of
# walking the DOM, where every node visited becomes a Python object.
TAG = re.compile(r"<(/?)([^\s/>]+)([^>]*)>")
ATTRIBUTE = re.compile(r'([^\s=]+)="([^"]*)"')
MAX_DEPTH = 100  # deeper elements are read as text of the one at this depth (a hostile page's nesting)


class Element:
    __slots__ = ("tag", "attributes", "children")

    def __init__(self, tag: str, attributes: str):
        self.tag = tag  # local name, lower case
        self.attributes = attributes  # the start tag's attribute text
        self.children: list[Element | str] = []

    def get(self, name: str) -> str | None:
        for key, value in ATTRIBUTE.findall(self.attributes):
            if key.lower() == name:
                return unescape(value)
        return None

    def text(self) -> str:
        return "".join(child if child.__class__ is str else child.text() for child in self.children)

    def elements(self) -> list[Element]:
        return [child for child in self.children if child.__class__ is Element]


def mathml_to_tex(markup: str) -> str:
    """TeX for a serialized `<math>` element: its TeX annotation when it has one, else a conversion."""
    root = parse_mathml(markup)
    if root is None:
        return ""
    for annotation in _descendants(root, "annotation") if "<annotation" in markup else ():
        text = annotation.text().strip()
        if (annotation.get("encoding") or "").lower() in TEX_ANNOTATIONS and text:
            return text
    return _convert(root).strip()


def parse_mathml(markup: str) -> Element | None:
    """The first element of serialized MathML, as a tree of Elements and text."""
    top = Element("", "")
    open_elements = [top]
    copied = 0
    for match in TAG.finditer(markup):
        if match.start() > copied:
            open_elements[-1].children.append(unescape(markup[copied : match.start()]))
        copied = match.end()
        closing, name, attributes = match.groups()
        tag = name.lower().rsplit(":", 1)[-1]
        if closing:
            for depth in range(len(open_elements) - 1, 0, -1):
                if open_elements[depth].tag == tag:
                    del open_elements[depth:]
                    break
        elif len(open_elements) <= MAX_DEPTH:
            element = Element(tag, attributes)
            open_elements[-1].children.append(element)
            if not attributes.endswith("/"):
                open_elements.append(element)
    elements = top.elements()
    return elements[0] if elements else None


def _descendants(element: Element, tag: str) -> Iterator[Element]:
    for child in element.elements():
        if child.tag == tag:
            yield child
        yield from _descendants(child, tag)


def _convert(node: Element) -> str:
    tag = node.tag
    if tag in IGNORED:
        return ""
    kids = node.elements()
    parts = [_convert(child) for child in kids]
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
        return _convert_text(node)
    return "".join(parts)


def _convert_text(node: Element) -> str:
    text = "".join(SYMBOLS.get(ch, ch) for ch in node.text().strip())
    if node.tag == "mtext" and text:
        return rf"\text{{{text}}}"
    return text


def _group(tex: str) -> str:
    return tex if len(tex) <= 1 or tex.startswith(("{", "\\")) else f"{{{tex}}}"
