"""Rewrite an HTML tree before text extraction so that formulas and code survive it.

Formulas become TeX between `$`/`$$` (MathJax `<script type="math/tex">`, KaTeX annotations,
MathML, LaTeX images' alt text); rendered duplicates are removed. Code widgets that put each line
in its own element (GitHub tables, SyntaxHighlighter, CodeMirror, prettify) become one `<pre>`
with the lines joined by newlines, and line-number gutters are dropped.
"""

from __future__ import annotations

from resiliparse.parse.html import HTMLTree

from pipeline.web.mathml import mathml_to_tex

RENDERED_MATH = ".MathJax_Preview, .MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_CHTML, .katex-html"
LINE_NUMBERS = ".linenos, .lineno, .line-numbers-rows, .hljs-ln-numbers, td.blob-num, table td.gutter"
MATH_IMAGES = (
    "img.latex, img.tex, img.math, img.mwe-math-fallback-image-inline, img.mwe-math-fallback-image-display"
)
# (text in the HTML source that hints at the widget, widget container, one element per line)
LINE_WIDGETS = (
    ("blob-", "table.js-file-line-container, table.highlight", "td.blob-code"),
    ("syntaxhighlighter", ".syntaxhighlighter", "td.code .line"),
    ("CodeMirror", ".CodeMirror-code", ".CodeMirror-line"),
    ("ace_line", ".ace_text-layer", ".ace_line"),
    ("linen", "ol.linenums", "li"),
)
# Rewrites run only on pages whose source holds a hint. A substring test scans a 24 KB page in
# ~15 us and a DOM query costs ~50-100 us, while most pages have neither math nor code widgets:
# every MathJax, KaTeX, MathML and MediaWiki formula has "math" or "latex" in its markup (KaTeX and
# MathJax 3 embed MathML), and every code widget and line-number gutter below but Ace's sits in a
# <pre> or a <table>, so their hints are looked for only there (and just before: a widget's own
# container). Tag names are matched in lower case (HTML5 usage).
MATH_HINTS = ("math", "latex")
LINE_NUMBER_HINTS = ("linen", "line-numbers", "hljs-ln", "blob-", "gutter")
CODE_ELEMENTS = (("<pre", "</pre>"), ("<table", "</table>"))
CONTAINER_BYTES = 300  # markup before a <pre> or <table> searched with it (e.g. SyntaxHighlighter's div)


def prepare_html(tree: HTMLTree, source: str | None = None) -> None:
    """Rewrite `tree` in place; `source` (the HTML it was parsed from) lets pages skip the rewrites
    they need not (without it, every rewrite runs)."""
    root = tree.document
    if root is None:
        return
    body_at = max(source.find("<body"), 0) if source is not None else 0  # formulas and code are in the body

    def has(*hints: str) -> bool:
        return source is None or any(source.find(hint, body_at) >= 0 for hint in hints)

    if has(*MATH_HINTS):
        _math_to_tex(tree, root, has)
    code = code_markup(source, body_at) if source is not None else None

    def near_code(*hints: str) -> bool:
        return code is None or any(hint in code for hint in hints)

    if near_code(*LINE_NUMBER_HINTS):
        for gutter in root.query_selector_all(LINE_NUMBERS).values():
            _replace(gutter, None)
    for hint, container_selector, line_selector in LINE_WIDGETS:
        if has(hint) if hint == "ace_line" else near_code(hint):
            _widgets_to_pre(tree, root, container_selector, line_selector)
    if near_code("<pre") and near_code("<br"):
        for line_break in root.query_selector_all("pre br").values():
            _replace(line_break, tree.create_text_node("\n"))


def code_markup(source: str, start: int) -> str:
    """The source's <pre> and <table> elements from `start` on, each with the markup just before it,
    joined: where code widgets and line-number gutters can be (a few KB of a page, usually none).
    The pieces of one tag kind do not overlap, so it is at most about twice the source, however many
    tags a hostile page holds."""
    parts = []
    for tag, end_tag in CODE_ELEMENTS:
        covered = start
        at = source.find(tag, start)
        while at >= 0:
            end = source.find(end_tag, at)
            end = len(source) if end < 0 else end + len(end_tag)
            parts.append(source[max(at - CONTAINER_BYTES, covered) : end])
            covered = end
            at = source.find(tag, end)
    return "\n".join(parts)


def _math_to_tex(tree: HTMLTree, root, has) -> None:
    # Only pages hinting at math get here, so the extra scans by `has` are rare.
    if has("math/tex"):
        for script in root.query_selector_all('script[type^="math/tex"]').values():
            tex = (script.text or "").strip()
            display = "mode=display" in (script.getattr("type") or "")
            _replace(script, tree.create_text_node(_delimit(tex, display)) if tex else None)
    if has("katex"):
        for katex in root.query_selector_all(".katex-display, .katex").values():
            math = katex.query_selector("math")
            if math is not None:
                display = "katex-display" in (katex.class_name or "")
                _replace(katex, tree.create_text_node(_delimit(mathml_to_tex(math), display)))
    if has('class="MathJax', "katex-html"):  # rendered copies (not the MathJax.js script tag)
        for rendered in root.query_selector_all(RENDERED_MATH).values():
            _replace(rendered, None)
    if has("<mjx-container"):
        for container in root.query_selector_all("mjx-container").values():
            math = container.query_selector("math")
            display = container.getattr("display") == "true"
            _replace(container, tree.create_text_node(_delimit(mathml_to_tex(math), display)) if math else None)
    if has("<math"):
        for math in root.query_selector_all("math").values():
            display = (math.getattr("display") or "") == "block"
            _replace(math, tree.create_text_node(_delimit(mathml_to_tex(math), display)))
    if has("<img") and has("latex", "mwe-math", 'class="tex', 'class="math'):
        for image in root.query_selector_all(MATH_IMAGES).values():
            alt = (image.getattr("alt") or "").strip()
            if alt:
                _replace(image, tree.create_text_node(_delimit(alt, False)))


def _widgets_to_pre(tree: HTMLTree, root, container_selector: str, line_selector: str) -> None:
    # NodeList.values() first: indexing a NodeList one item at a time is ~10x slower
    for container in root.query_selector_all(container_selector).values():
        lines = [line.text for line in container.query_selector_all(line_selector).values()]
        if not lines:
            continue
        code = "\n".join(line.rstrip("\n") for line in lines)
        if _has_ancestor(container, "pre"):
            _replace(container, tree.create_text_node(code))
        else:
            pre = tree.create_element("pre")
            pre.append_child(tree.create_text_node(code))
            _replace(container, pre)


def _delimit(tex: str, display: bool) -> str:
    tex = tex.strip()
    if tex.startswith("{\\displaystyle") and tex.endswith("}"):  # Wikipedia's wrapper
        tex = tex[len("{\\displaystyle") : -1].strip()
    return f" $${tex}$$ " if display else f"${tex}$"


def _has_ancestor(node, tag: str) -> bool:
    parent = node.parent_element
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent_element
    return False


def _replace(node, replacement) -> None:
    parent = node.parent
    if parent is None:
        return
    if replacement is None:
        parent.remove_child(node)
    else:
        parent.replace_child(replacement, node)
