import time

import pytest

from pipeline.web.extract import EXTRACTORS, extract_main_text
from pipeline.web.html_prep import code_markup
from pipeline.web.mathml import mathml_to_tex, read_mathml

PROSE = (
    "<p>This tutorial explains how the function works and why each line is there. Read it slowly and run "
    "the example on your own machine before moving on to the next chapter of the guide.</p>"
)
CODE = 'def area(r):\n    if r < 0 and r != -1:\n        raise ValueError("negative")\n    return 3.14 * r ** 2'
CODE_PAGE = f"""<html><head><title>Area</title></head><body>
<nav><a href="/">Home</a> <a href="/blog">Blog</a></nav>
<article><h1>Computing an area</h1>{PROSE}
<div class="highlight"><pre><span class="k">def</span> <span class="nf">area</span>(r):
    <span class="k">if</span> r &lt; 0 and r != -1:
        <span class="k">raise</span> ValueError("negative")
    <span class="k">return</span> 3.14 * r ** 2</pre></div>
<table class="highlight js-file-line-container">
<tr><td class="blob-num">1</td><td class="blob-code">x = [1, 2]</td></tr>
<tr><td class="blob-num">2</td><td class="blob-code">    y = x[0]</td></tr></table>
<pre class="prettyprint linenums"><ol class="linenums">
<li>int main() {{</li><li>  return 0;</li><li>}}</li></ol></pre>
{PROSE}</article><footer>Copyright</footer></body></html>"""
MATH_PAGE = f"""<html><head><title>Math</title></head><body><article><h1>Identities</h1>{PROSE}
<p>Euler wrote <script type="math/tex">e^{{i\\pi}} + 1 = 0</script> and the sum is
<script type="math/tex; mode=display">\\sum_{{k=1}}^n k = \\frac{{n(n+1)}}{{2}}</script> as shown.</p>
<p>With KaTeX: <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>a</mi></mrow>
<annotation encoding="application/x-tex">\\sqrt{{a^2+b^2}}</annotation></semantics></math></span>
<span class="katex-html" aria-hidden="true"><span>a2+b2</span></span></span> is the length.</p>
<p>MathML only: <math><mfrac><mi>x</mi><msup><mi>y</mi><mn>2</mn></msup></mfrac></math>
and inline $a^2 + b^2$.</p>
{PROSE}</article></body></html>"""


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_code_blocks_keep_their_lines(extractor):
    text = extract_main_text(CODE_PAGE, extractor)
    assert CODE in text
    assert "x = [1, 2]\n    y = x[0]" in text
    assert "int main() {\n  return 0;\n}" in text
    assert "Home" not in text  # navigation is not main text


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_tex_survives_extraction(extractor):
    text = extract_main_text(MATH_PAGE, extractor)
    assert "$e^{i\\pi} + 1 = 0$" in text
    assert "$$\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$$" in text
    assert "$\\sqrt{a^2+b^2}$" in text
    assert "a2+b2" not in text  # KaTeX's rendered duplicate is gone
    assert "$\\frac{x}{y^{2}}$" in text
    assert "$a^2 + b^2$" in text


def test_unknown_extractor_is_an_error():
    with pytest.raises(ValueError):
        extract_main_text(CODE_PAGE, "nope")


def test_code_markup_holds_widget_hints_and_stays_within_the_page_size():
    page = (
        '<body><nav>menu</nav><p>text</p><div id="h1" class="syntaxhighlighter python">'
        '<table><tr><td class="code"><div class="line">x = 1</div></td></tr></table></div>'
        "<p>more text</p><pre>y = 2</pre></body>"
    )
    markup = code_markup(page, 0)
    assert "syntaxhighlighter" in markup and "y = 2" in markup and "more text" in markup
    hostile = "<pre></pre><table>" * 100_000  # a million-tag page must not grow its hint text
    assert len(code_markup(hostile, 0)) < 2.1 * len(hostile)  # each tag kind covers the page at most once


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_line_breaks_inside_pre_become_newlines_and_others_stay(extractor):
    # resiliparse reads <br> in <pre> as a newline itself; trafilatura does too, but drops the indentation
    page = (
        f"<html><body><article>{PROSE}<pre>a = 1<br>b = 2<br/>c = 3<BR />d = 4<br class='x'>    e = 5</pre>"
        f"<p>first line<br>second line</p>{PROSE}</article></body></html>"
    )
    text = extract_main_text(page, extractor)
    assert "a = 1\nb = 2\nc = 3\nd = 4\n    e = 5" in text
    assert "first line\nsecond line" in text


def test_mathjax_scripts_keep_their_tex_verbatim():
    page = (
        f"<html><body><article>{PROSE}<p>Order: <script type='math/tex'>a < b \\& c > 0</script>, "
        '<script type="math/tex; mode=display">{\\displaystyle x^2}</script>, empty '
        '<script type="math/tex"> </script>. The type is written math/tex in the docs.</p>'
        f'{PROSE}<script type="math/tex">never closed</article></body></html>'
    )
    text = extract_main_text(page)
    assert "$a < b \\& c > 0$" in text
    assert "$$x^2$$" in text
    assert "empty ." in text  # an empty formula leaves nothing behind
    assert "The type is written math/tex in the docs." in text


def test_mathml_converts_with_entities_and_attributes():
    page = (
        f"<html><body><article>{PROSE}<p>Set <math><mfenced open='[' close=']'><mi>a</mi><mi>b</mi>"
        "</mfenced></math> and <math><mi>x</mi><mo>&lt;</mo><mspace width='1em'/><mtext>if y"
        "</mtext></math> and <math display='block'><msubsup><mo>&int;</mo><mn>0</mn><mn>1</mn></msubsup>"
        f"</math> here.</p>{PROSE}</article></body></html>"
    )
    text = extract_main_text(page)
    assert "$[a,b]$" in text
    assert "$x< \\text{if y}$" in text
    assert "$$\\int _{0}^{1}$$" in text


def test_katex_without_mathml_drops_its_rendered_copy_and_mathml_beside_katex_converts():
    page = (
        f"<html><body><article>{PROSE}<p>Rendered only <span class='katex'><span class='katex-html'>"
        'RENDERED</span></span> and KaTeX <span class="katex"><span class="katex-mathml"><math><semantics>'
        '<mi>k</mi><annotation encoding="application/x-tex">k^2</annotation></semantics></math></span>'
        '<span class="katex-html">K2</span></span> beside <math><msqrt><mi>m</mi></msqrt></math>.</p>'
        f"{PROSE}</article></body></html>"
    )
    text = extract_main_text(page)
    assert "RENDERED" not in text and "K2" not in text
    assert "$k^2$" in text and "$\\sqrt{m}$" in text


def test_deeply_nested_mathml_is_read_once_without_recursing_too_deep():
    # Each nested <math> was converted again, and the recursion crashed the worker past ~1,000 levels.
    page = f"<html><body><article>{PROSE}<p>Deep <math>" + "<mrow><math><mi>x</mi>" * 30_000 + "</math></p></article>"
    started = time.perf_counter()
    text = extract_main_text(page)
    assert PROSE[3:40] in text and "Deep $" in text
    assert time.perf_counter() - started < 10  # 0.3 s here; quadratic work took minutes


def test_mathml_to_tex_reads_annotations_converts_and_survives_markup_that_is_not_xml():
    annotated = (
        '<math><semantics><mi>x</mi><annotation encoding="application/x-tex">a &lt; b</annotation></semantics></math>'
    )
    assert mathml_to_tex(annotated) == "a < b"
    assert mathml_to_tex("<math><msub><mi>x</mi><mn>1</mn></msub><mo>&nbsp;</mo></math>") == "x_{1}"
    assert mathml_to_tex("<math><m:mi>x</m:mi><mo>&lt;</mo><mn>2</mn></math>") == "x<2"  # an unbound prefix
    assert mathml_to_tex("<math><mi>a</mi><mo>&LT;</mo><mo>&sum;</mo></math>") == "a<\\sum"  # HTML's entities
    assert read_mathml("<math><mi>&unknown;</mi></math>") is None  # not XML: the tree rewrite reads it


def test_a_math_tag_in_an_attribute_loses_no_formula():
    page = (
        f"<html><body><article>{PROSE}<p>See <math alttext='<math>'><mi>a</mi></math> and "
        f"<math><mi>b</mi></math> here.</p>{PROSE}</article></body></html>"
    )
    text = extract_main_text(page)
    assert "See $a$ and $b$ here." in text


WIKIPEDIA_FORMULA = (  # MediaWiki's markup: MathML for screen readers, hidden, and a fallback image
    '<span class="mwe-math-element"><span class="mwe-math-mathml-inline mwe-math-mathml-a11y" style="display: none;">'
    '<math xmlns="http://www.w3.org/1998/Math/MathML" alttext="{\\displaystyle x>0}"><semantics><mrow><mi>x</mi>'
    '<mo>&gt;</mo><mn>0</mn></mrow><annotation encoding="application/x-tex">{\\displaystyle x&gt;0}</annotation>'
    '</semantics></math></span><img src="https://wikimedia.org/api/rest_v1/media/math/render/svg/1" '
    'class="mwe-math-fallback-image-inline mw-invert" aria-hidden="true" alt="{\\displaystyle x&gt;0}"></span>'
)


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_wikipedia_formulas_are_kept_once(extractor):
    page = f"<html><body><article>{PROSE}<p>For every {WIKIPEDIA_FORMULA} it holds.</p>{PROSE}</article></body></html>"
    text = extract_main_text(page, extractor)
    assert "For every $x>0$ it holds." in text and text.count("x>0") == 1


def test_formula_images_become_their_alt_tex_and_other_images_stay_images():
    page = (
        f"<html><body><article>{PROSE}<p>A <IMG SRC=f.png CLASS=latex ALT='a &lt; b'>, "
        '<img class="photo tex" alt="y > 1" src="g.png">, <img class="math" alt="" src="e.png">'
        f'and <img class="photo" alt="x^2" src="p.png"> end.</p>{PROSE}</article></body></html>'
    )
    text = extract_main_text(page)
    assert "A $a < b$, $y > 1$, and end." in text  # alt texts of other images are off


# Formulas the text rewrite takes (with `display` as attributes may be written, HTML's entities) and
# one it leaves to the tree rewrite (an unquoted attribute: not XML).
MATHML = [
    "<math><mi>x</mi><mo>+</mo><mn>1</mn></math>",
    "<math\ndisplay='block'><mfrac><mi>a</mi><mi>b</mi></mfrac></math>",
    "<math display=\"block\"><semantics><mi>r</mi><annotation encoding='application/x-tex'>r &amp; s</annotation>"
    "</semantics></math>",
    "<math><msubsup><mo>&int;</mo><mn>0</mn><mn>1</mn></msubsup></math>",
    "<math display=block><msqrt><mi>y</mi></msqrt></math>",
]


@pytest.mark.parametrize("markup", MATHML)
def test_mathml_rewritten_in_the_text_reads_as_the_tree_rewrite_reads_it(markup):
    page = f"<html><body><article>{PROSE}<p>Here {markup} and there.</p>{{}}{PROSE}</article></body></html>"
    in_text = extract_main_text(page.format(""))
    in_tree = extract_main_text(page.format('<span class="MathJax_Preview"></span>'))  # MathJax's output: tree only
    assert in_text == in_tree and "$" in in_text


WIDGETS = {  # markup as each widget writes it -> the code it must become
    "SyntaxHighlighter": (
        '<div id="highlighter_1" class="syntaxhighlighter python"><table><tbody><tr><td class="gutter">'
        '<div class="line number1">1</div><div class="line number2">2</div></td><td class="code">'
        '<div class="container"><div class="line number1"><code class="keyword">def</code> <code>f():</code></div>'
        '<div class="line number2"><code class="spaces">&nbsp;&nbsp;&nbsp;&nbsp;</code><code>return 1</code></div>'
        "</div></td></tr></tbody></table></div>",
        "def f():\n    return 1",
    ),
    "CodeMirror": (
        '<div class="CodeMirror"><div class="CodeMirror-lines"><div class="CodeMirror-code">'
        '<pre class="CodeMirror-line"><span>x = 1</span></pre><pre class="CodeMirror-line"><span>y = 2</span></pre>'
        "</div></div></div>",
        "x = 1\ny = 2",
    ),
    "Ace": (
        '<div class="ace_editor"><div class="ace_layer ace_text-layer"><div class="ace_line">a = 1</div>'
        '<div class="ace_line">b = 2</div></div></div>',
        "a = 1\nb = 2",
    ),
    "Hugo line numbers": (
        '<div class="highlight"><pre tabindex="0" class="chroma"><code class="language-python"><span class="line">'
        '<span class="ln">1</span><span class="cl"><span class="n">x</span> = 1\n</span></span><span class="line">'
        '<span class="ln">2</span><span class="cl">print(x)\n</span></span></code></pre></div>',
        "x = 1\nprint(x)",
    ),
    "Hugo line-number table": (
        '<div class="highlight"><div class="chroma"><table class="lntable"><tr><td class="lntd">'
        '<pre class="chroma"><code><span class="lnt">1\n</span><span class="lnt">2\n</span></code></pre></td>'
        '<td class="lntd"><pre class="chroma"><code><span class="line"><span class="cl">x = 1\n</span></span>'
        '<span class="line"><span class="cl">print(x)\n</span></span></code></pre></td></tr></table></div></div>',
        "x = 1\nprint(x)",
    ),
    "Crayon": (
        '<div class="crayon-syntax"><table class="crayon-table"><tr class="crayon-row"><td class="crayon-nums"><div '
        'class="crayon-num">1</div><div class="crayon-num">2</div></td><td class="crayon-code"><div class="crayon-pre">'
        '<div class="crayon-line">x = 1</div><div class="crayon-line">print(x)</div></div></td></tr></table></div>',
        "x = 1\nprint(x)",
    ),
    "Gitea": (
        '<table><tbody><tr><td id="L1" class="lines-num"><span data-line-number="1"></span></td>'
        '<td class="lines-code chroma"><code class="code-inner">x = 1</code></td></tr><tr>'
        '<td id="L2" class="lines-num"><span data-line-number="2"></span></td>'
        '<td class="lines-code chroma"><code class="code-inner">    print(x)</code></td></tr></tbody></table>',
        "x = 1\n    print(x)",
    ),
    "Pygments line numbers": (
        '<table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>17\n18</pre></div></td>'
        '<td class="code"><div class="highlight"><pre>p = 1\nq = 2</pre></div></td></tr></table>',
        "p = 1\nq = 2",
    ),
}


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("widget", sorted(WIDGETS))
def test_code_widgets_become_their_lines(widget, extractor):
    markup, code = WIDGETS[widget]
    text = extract_main_text(f"<html><body><article>{PROSE}{markup}{PROSE}</article></body></html>", extractor)
    assert code in text
    assert "17" not in text and "number1" not in text  # no line-number gutter
