"""MathML to TeX-like text (`\\frac{a}{b}`, `x^{2}`, `\\sqrt{x}`), for pages that ship formulas as
MathML without a TeX annotation. Works on resiliparse DOM nodes."""

from __future__ import annotations

from resiliparse.parse.html import NodeType

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


def mathml_to_tex(math) -> str:
    """TeX for a `<math>` element: its TeX annotation when it has one, else a conversion."""
    for annotation in math.query_selector_all("annotation").values():
        if (annotation.getattr("encoding") or "").lower() in TEX_ANNOTATIONS and annotation.text.strip():
            return annotation.text.strip()
    return _convert(math).strip()


def _convert(node) -> str:
    if node.type == NodeType.TEXT:
        return "".join(SYMBOLS.get(ch, ch) for ch in node.text.strip())
    if node.type != NodeType.ELEMENT:
        return ""
    tag = node.tag.lower().split(":")[-1]
    if tag in IGNORED:
        return ""
    kids = [child for child in node.child_nodes.values() if child.type == NodeType.ELEMENT]
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
        opening, closing = node.getattr("open") or "(", node.getattr("close") or ")"
        return opening + (node.getattr("separators") or ",").strip()[:1].join(parts) + closing
    if tag == "mtable":
        return r"\begin{matrix}" + r" \\ ".join(parts) + r"\end{matrix}"
    if tag == "mtr":
        return " & ".join(parts)
    if tag == "mspace":
        return " "
    if not kids:  # token elements: mi, mn, mo, mtext, ms
        return _convert_text(node)
    return "".join(parts)


def _convert_text(node) -> str:
    text = "".join(SYMBOLS.get(ch, ch) for ch in (node.text or "").strip())
    if node.tag.lower() == "mtext" and text:
        return rf"\text{{{text}}}"
    return text


def _group(tex: str) -> str:
    return tex if len(tex) <= 1 or tex.startswith(("{", "\\")) else f"{{{tex}}}"
