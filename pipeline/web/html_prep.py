"""Rewrite an HTML page before text extraction so that formulas and code survive it.

Formulas become TeX between `$`/`$$` (MathJax `<script type="math/tex">`, KaTeX annotations,
MathML, LaTeX images' alt text); rendered duplicates are removed. Code widgets that put each line
in its own element (GitHub and Gitea tables, SyntaxHighlighter, CodeMirror, Crayon, prettify) become
one `<pre>` with the lines joined by newlines, tables of a line-number and a code column (Pygments,
Hugo) their code's `<pre>`, and line numbers are dropped.

Rewrites that can be made on the HTML text are made there (prepare_source), the rest on the parsed
tree (prepare_html), each only on pages whose source hints at it. A rewrite in the text costs a few
string scans; in the tree each element it touches becomes a Python object and each replacement a
node and a call. So every rewrite the markup alone decides (MathJax scripts, most MathML, formula
images, `<br>` in `<pre>`) is made in the text: on formula-heavy pages, making those in the tree cost
more than the extraction call itself. Measured costs: bench/README.md (`bench/bench_cc.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape, unescape

from resiliparse.parse.html import HTMLTree

from pipeline.web.mathml import mathml_to_tex, read_mathml

RENDERED_MATH = ".MathJax_Preview, .MathJax, .MathJax_Display, .MathJax_SVG, .MathJax_CHTML, .katex-html"
# (text in the code markup that hints at them, line-number elements): only the hinted selectors are
# queried, as each selector is a query over the whole tree, whose cost grows with the page
LINE_NUMBERS = (
    ("lineno", ".linenos, .lineno"),
    ("line-numbers", ".line-numbers-rows"),
    ("hljs-ln", ".hljs-ln-numbers"),
    ("blob-num", "td.blob-num"),
    ("gutter", "table td.gutter"),
    ('class="ln', ".chroma .ln, .chroma .lnt"),  # Hugo
)
MATH_IMAGE_CLASSES = {"latex", "tex", "math", "mwe-math-fallback-image-inline", "mwe-math-fallback-image-display"}
# (text in the HTML source that hints at the widget, widget container, one element per line)
LINE_WIDGETS = (
    ("blob-code", "table.js-file-line-container, table.highlight", "td.blob-code"),
    ("syntaxhighlighter", ".syntaxhighlighter", "td.code .line"),
    ("CodeMirror", ".CodeMirror-code", ".CodeMirror-line"),
    ("ace_line", ".ace_text-layer", ".ace_line"),
    ("linenums", "ol.linenums", "li"),
    ("lines-code", "table", "td.lines-code"),  # Gitea, Forgejo (Codeberg)
    # Tables of a line-number column and a code column: trafilatura reads a table cell's <pre> as one line
    ("highlighttable", "table.highlighttable", "td.code pre"),  # Pygments (Sphinx, MkDocs)
    ("lntable", "table.lntable", "td.lntd:last-child pre"),  # Hugo
    ("crayon-table", "table.crayon-table", ".crayon-line"),  # Crayon (WordPress)
)
# Rewrites run only on pages whose source holds a hint. A substring test costs a fraction of a DOM
# query, and most pages have neither math nor code widgets:
# every MathJax, KaTeX, MathML and MediaWiki formula has "math" or "latex" in its markup (KaTeX and
# MathJax 3 embed MathML), and every code widget and line-number gutter above but Ace's sits in a
# <pre> or a <table>, so their hints are looked for only there (and just before: a widget's own
# container). Hints are matched in lower case (HTML5 usage), formula tags in any case.
MATH_HINTS = ("math", "latex")
CODE_ELEMENTS = (("<pre", "</pre>"), ("<table", "</table>"))
CONTAINER_BYTES = 300  # markup before a <pre> or <table> searched with it (e.g. SyntaxHighlighter's div)
SCRIPT_TAG_BYTES = 200  # how far before its `math/tex` type a <script> tag may start
LINE_BREAK = re.compile(r"<br\b[^>]*>", re.IGNORECASE)
# A start tag's rest, `>` in quoted values included; possessive: one step per run of characters, no backtracking
_ATTRIBUTES = r"""(?:\s(?:[^>"']++|"[^"]*+"|'[^']*+')*+)?/?>"""
# Tag names in any case: a search for `<` then the rest costs what str.find does
MATH_OPEN = re.compile("<math", re.IGNORECASE)
MATH_CLOSE = re.compile("</math>", re.IGNORECASE)
MATH_START_TAG = re.compile("<math" + _ATTRIBUTES, re.IGNORECASE)
IMAGE_OPEN = re.compile("<img", re.IGNORECASE)
IMAGE_TAG = re.compile("<img" + _ATTRIBUTES, re.IGNORECASE)
MATHJAX_OUTPUT = ('class="MathJax', "<mjx-container", "MJX_Assistive")
ATTRIBUTE = re.compile(r"""([^\s"'>/=]++)(?:\s*+=\s*+(?:"([^"]*+)"|'([^']*+)'|([^\s"'>]++)))?""")


@dataclass(frozen=True)
class Source:
    """An HTML page after the source rewrites, with where its rewrite hints are looked for."""

    html: str
    body_at: int  # formulas and code are in the body
    code: str  # code_markup(html, body_at)
    math: bool  # a math hint in the body

    def has(self, *hints: str) -> bool:
        return any(self.html.find(hint, self.body_at) >= 0 for hint in hints)

    def near_code(self, *hints: str) -> bool:
        return any(hint in self.code for hint in hints)


def prepare_source(html: str) -> Source:
    """Rewrites made on the HTML text before parsing, where a scan costs less than a DOM query and the
    nodes it returns: MathJax `math/tex` scripts, MathML and formula images become TeX text, `<br>`
    in `<pre>` a newline."""
    body_at = max(html.find("<body"), 0)
    math = any(html.find(hint, body_at) >= 0 for hint in MATH_HINTS)
    if math:
        if html.find("math/tex", body_at) >= 0:
            html = _tex_scripts_to_text(html, body_at)
        html = _math_images_to_text(_mathml_to_text(html, body_at), body_at)
    code = code_markup(html, body_at)
    if "<br" in code:
        html = _pre_line_breaks(html, body_at)
    return Source(html, body_at, code, math)


def prepare_html(tree: HTMLTree, source: Source) -> None:
    """Rewrite `tree`, parsed from `source.html`, in place; pages skip the rewrites they have no hint of."""
    root = tree.document
    if root is None:
        return
    if source.math:
        _math_to_tex(tree, root, source)
    gutters = ", ".join(selector for hint, selector in LINE_NUMBERS if source.near_code(hint))
    if gutters:
        for gutter in root.query_selector_all(gutters).values():
            _replace(gutter, None)
    for hint, container_selector, line_selector in LINE_WIDGETS:
        if source.has(hint) if hint == "ace_line" else source.near_code(hint):
            _widgets_to_pre(tree, root, container_selector, line_selector)


def code_markup(source: str, start: int) -> str:
    """The source's <pre> and <table> elements from `start` on, each with the markup just before it,
    joined: where code widgets and line-number gutters can be (a few KB of a page, usually none).
    The pieces of one tag kind do not overlap, so it is at most about twice the source, however many
    tags a hostile page holds."""
    parts = []
    for tag, end_tag in CODE_ELEMENTS:
        covered = start
        for at, end in _elements(source, tag, end_tag, start):
            parts.append(source[max(at - CONTAINER_BYTES, covered) : end])
            covered = end
    return "\n".join(parts)


def _elements(source: str, tag: str, end_tag: str, start: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each `tag` element from `start` on; one without `end_tag` runs to the end."""
    at = source.find(tag, start)
    while at >= 0:
        end = source.find(end_tag, at)
        end = len(source) if end < 0 else end + len(end_tag)
        yield at, end
        at = source.find(tag, end)


def _tex_scripts_to_text(html: str, start: int) -> str:
    """`<script type="math/tex">` (MathJax 2) elements replaced by their TeX between `$`/`$$`, as text."""
    pieces, copied = [], 0
    at = html.find("math/tex", start)
    while at >= 0:
        tag_at = html.rfind("<script", max(at - SCRIPT_TAG_BYTES, copied), at)
        tag_end = html.find(">", at)
        close = html.find("</script>", tag_end) if tag_end >= 0 else -1
        if close < 0:  # nor is any later script closed: stop here (no rescans of the page's tail)
            break
        if tag_at < 0 or ">" in html[tag_at:at]:  # not the type attribute of a <script>
            at = html.find("math/tex", at + 1)
            continue
        tex = html[tag_end + 1 : close].strip()
        if tex:
            tex = escape(_delimit(tex, "mode=display" in html[at:tag_end]), quote=False)
        pieces += [html[copied:tag_at], tex]
        copied = close + len("</script>")
        at = html.find("math/tex", copied)
    return "".join([*pieces, html[copied:]]) if pieces else html


def _mathml_to_text(html: str, start: int) -> str:
    """`<math>` elements replaced by their TeX where the markup alone decides it: not KaTeX's (its
    rewrite takes the whole formula), no `<math` inside (nested, or written in an attribute), XML, and
    on a page without MathJax's output, whose MathML (for screen readers) goes with the rendered copy
    or stands for the whole formula (MathJax 3's <mjx-container>). The tree rewrite takes the others."""
    pieces, copied, mathjax_looked_for = [], 0, False
    opening = MATH_OPEN.search(html, start)
    while opening:
        at = opening.start()
        start_tag = MATH_START_TAG.match(html, at)
        closing = MATH_CLOSE.search(html, at)
        if closing is None or _unclosed_quote(html, at + len("<math"), start_tag):
            break
        markup = html[at : closing.end()]
        inner_math = len(MATH_OPEN.findall(markup)) > 1  # the tree rewrite's; so is every <math inside
        tex = None
        if start_tag and not inner_math and not _in_katex(html, at):
            if not mathjax_looked_for:  # at the first formula to rewrite: most MathML pages have none
                if any(html.find(mark, start) >= 0 for mark in MATHJAX_OUTPUT):
                    return html
                mathjax_looked_for = True
            tex = read_mathml(markup)
        if tex is not None:
            tag = start_tag.group()
            display = "display" in tag and _attributes(tag, len("<math")).get("display", "").lower() == "block"
            pieces += [html[copied:at], escape(_delimit(tex, display))]
            copied = closing.end()
        opening = MATH_OPEN.search(html, closing.end() if tex is not None or inner_math else at + 1)
    return "".join([*pieces, html[copied:]]) if pieces else html


def _math_images_to_text(html: str, start: int) -> str:
    """Formula images (a LaTeX, TeX or MediaWiki math class) replaced by their alt text's TeX."""
    pieces, copied = [], 0
    opening = IMAGE_OPEN.search(html, start)
    while opening:
        at = opening.start()
        image = IMAGE_TAG.match(html, at)
        if _unclosed_quote(html, at + len("<img"), image):
            break
        if image is None:  # another tag name
            opening = IMAGE_OPEN.search(html, at + 1)
            continue
        tag = image.group()
        attributes = _attributes(tag, len("<img")) if "tex" in tag or "math" in tag else {}  # in every formula class
        alt = unescape(attributes.get("alt", "")).strip()
        if alt and MATH_IMAGE_CLASSES.intersection(attributes.get("class", "").split()):
            pieces += [html[copied:at], escape(_delimit(alt, False))]
            copied = image.end()
        opening = IMAGE_OPEN.search(html, image.end())
    return "".join([*pieces, html[copied:]]) if pieces else html


def _unclosed_quote(html: str, name_end: int, start_tag: re.Match | None) -> bool:
    """Whether a start tag with attributes never ends: a quoted value open to the end of the page, in
    which the parser reads every later tag (a scan that went on would retry each one to the end)."""
    return start_tag is None and html[name_end : name_end + 1].isspace()


def _attributes(start_tag: str, name_length: int) -> dict[str, str]:
    """A start tag's attributes by lower-cased name, values unquoted (the first of repeated names)."""
    found = ATTRIBUTE.findall(start_tag, name_length)
    return {name.lower(): double or single or bare for name, double, single, bare in reversed(found)}


def _pre_line_breaks(html: str, start: int) -> str:
    """`<br>` inside `<pre>` elements replaced by newlines."""
    pieces, copied = [], 0
    for at, end in _elements(html, "<pre", "</pre>", start):
        element = html[at:end]
        if "<br" in element:
            pieces += [html[copied:at], LINE_BREAK.sub("\n", element)]
            copied = end
    return "".join([*pieces, html[copied:]]) if pieces else html


def _math_to_tex(tree: HTMLTree, root, source: Source) -> None:
    # Only pages hinting at math get here, so the extra scans are rare.
    katex_left = False  # a KaTeX formula without MathML, whose rendered copy is all there is
    if source.has("katex"):
        for katex in root.query_selector_all(".katex-display, .katex").values():
            math = katex.query_selector("math")
            if math is None:
                katex_left = True
                continue
            display = "katex-display" in (katex.class_name or "")
            _replace(katex, tree.create_text_node(_delimit(mathml_to_tex(math.html), display)))
    if source.has('class="MathJax') or (katex_left and source.has("katex-html")):  # rendered copies
        for rendered in root.query_selector_all(RENDERED_MATH).values():
            _replace(rendered, None)
    if source.has("<mjx-container"):
        for container in root.query_selector_all("mjx-container").values():
            math = container.query_selector("math")
            display = container.getattr("display") == "true"
            tex = _delimit(mathml_to_tex(math.html), display) if math is not None else None
            _replace(container, tree.create_text_node(tex) if tex else None)
    if _mathml_outside_katex(source):
        nested = 0  # <math> elements inside the one just replaced, which come next in document order
        for math in root.query_selector_all("math").values():
            if nested:
                nested -= 1
                continue
            markup = math.html
            nested = markup.count("<math") - 1  # a real tag: the serialization escapes "<" everywhere else
            display = (math.getattr("display") or "") == "block"
            _replace(math, tree.create_text_node(_delimit(mathml_to_tex(markup), display)))


def _mathml_outside_katex(source: Source) -> bool:
    """Whether the body has a <math> element that is not KaTeX's own (the KaTeX rewrite took those)."""
    html = source.html
    opening = MATH_OPEN.search(html, source.body_at)
    while opening:
        if not _in_katex(html, opening.start()):
            return True
        opening = MATH_OPEN.search(html, opening.start() + 1)
    return False


def _in_katex(html: str, math_at: int) -> bool:
    """Whether the <math> tag at `math_at` is KaTeX's (its rewrite takes the whole formula)."""
    return html.endswith('"katex-mathml">', 0, math_at)


def _widgets_to_pre(tree: HTMLTree, root, container_selector: str, line_selector: str) -> None:
    # NodeList.values() first: indexing a NodeList one item at a time is many times slower
    for container in root.query_selector_all(container_selector).values():
        lines = [line.text for line in container.query_selector_all(line_selector).values()]
        if not lines:
            continue
        code = "\n".join(line.rstrip("\n") for line in lines).replace("\xa0", " ")  # &nbsp; indents (SyntaxHighlighter)
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
