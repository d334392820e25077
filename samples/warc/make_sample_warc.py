"""Write the built-in Common Crawl sample, sample.warc.gz and labels.tsv (into build/sample/warc by `corpus sample`).

A few hundred pages the project writes itself, deterministic (fixed seed, dates and record ids):
code tutorials (several code widgets), math pages (MathJax, KaTeX, MathML, `$...$`), ordinary pages
in seven natural languages, each inside its site's chrome (web-sized: 12-36 KB), and the records a
crawl also holds (redirects, 404s, images, JSON, binary junk, a page captured twice). The label of a
page is its domain: labels.tsv lists url<TAB>label (code | math | other) for the recall stage.
`python samples/warc/make_sample_warc.py [OUT_DIR]` (default build/sample/warc).
"""

from __future__ import annotations

import gzip
import html
import io
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SEED = 20240601
CODE_DOMAINS = [
    "learn-python.example.com",
    "systems-code.example.net",
    "webdev-notes.example.org",
    "qa.devforum.example.com",
]
MATH_DOMAINS = ["algebra-notes.example.com", "proofs.mathforum.example.net", "calculus-course.example.org"]
OTHER_DOMAINS = {
    "en": "travel-journal.example.com",
    "de": "rezepte.example.de",
    "fr": "nouvelles.example.fr",
    "es": "noticias.example.es",
    "ja": "nikki.example.jp",
    "zh": "boke.example.cn",
    "ru": "novosti.example.ru",
}
PAGES_PER_KIND = {"code": 110, "math": 80, "other": 84}


@dataclass
class SamplePage:
    url: str
    label: str  # code | math | other
    html: str
    nl_language: str = "en"
    code_blocks: list[str] = field(default_factory=list)  # code text expected verbatim in the extraction
    tex: list[str] = field(default_factory=list)  # TeX expected in the extraction
    charset: str = "utf-8"


# --- code pages -----------------------------------------------------------------------------------

NAMES = ["items", "values", "records", "users", "orders", "scores", "lines", "nodes", "tokens", "rows"]
VERBS = ["load", "parse", "count", "merge", "filter", "sort", "group", "render", "fetch", "index"]


def python_snippet(rng: random.Random) -> str:
    name, verb = rng.choice(NAMES), rng.choice(VERBS)
    limit = rng.randint(2, 99)
    return (
        f"def {verb}_{name}({name}, limit={limit}):\n"
        f'    """Return the first {limit} {name}, {verb}ed."""\n'
        f"    result = []\n"
        f"    for index, item in enumerate({name}):\n"
        f"        if index >= limit and item is not None:\n"
        f"            break\n"
        f"        result.append(item * 2 if isinstance(item, int) else item)\n"
        f"    return result\n\n"
        f"print({verb}_{name}([1, 2, 3], limit={limit}))"
    )


def javascript_snippet(rng: random.Random) -> str:
    name, verb = rng.choice(NAMES), rng.choice(VERBS)
    return (
        f"async function {verb}{name.title()}(url) {{\n"
        f"  const response = await fetch(url);\n"
        f"  if (!response.ok && response.status !== 304) {{\n"
        f"    throw new Error(`HTTP ${{response.status}}`);\n"
        f"  }}\n"
        f"  const {name} = await response.json();\n"
        f"  return {name}.filter((x) => x.id > {rng.randint(0, 50)});\n"
        f"}}"
    )


def rust_snippet(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    return (
        f"fn sum_{name}({name}: &[i64]) -> i64 {{\n"
        f"    let mut total = 0;\n"
        f"    for value in {name}.iter() {{\n"
        f"        if *value > {rng.randint(0, 9)} {{ total += value; }}\n"
        f"    }}\n"
        f"    total\n"
        f"}}"
    )


def go_snippet(rng: random.Random) -> str:
    verb = rng.choice(VERBS)
    return (
        f'package main\n\nimport "fmt"\n\n'
        f"func {verb}(n int) []int {{\n"
        f"\tout := make([]int, 0, n)\n"
        f"\tfor i := 0; i < n; i++ {{\n"
        f"\t\tout = append(out, i*{rng.randint(2, 9)})\n"
        f"\t}}\n"
        f"\treturn out\n}}\n\n"
        f"func main() {{ fmt.Println({verb}({rng.randint(3, 12)})) }}"
    )


def c_snippet(rng: random.Random) -> str:
    size = rng.randint(4, 64)
    return (
        "#include <stdio.h>\n\n"
        f"int main(void) {{\n"
        f"    int buffer[{size}];\n"
        f"    for (int i = 0; i < {size}; i++) {{\n"
        f"        buffer[i] = i << 1;\n"
        f"    }}\n"
        f'    printf("%d\\n", buffer[{size} - 1] & 0xff);\n'
        f"    return 0;\n"
        f"}}"
    )


def sql_snippet(rng: random.Random) -> str:
    table = rng.choice(NAMES)
    return (
        f"SELECT customer_id, COUNT(*) AS n\n"
        f"FROM {table}\n"
        f"WHERE created_at >= '2023-0{rng.randint(1, 9)}-01' AND status <> 'void'\n"
        f"GROUP BY customer_id\n"
        f"HAVING COUNT(*) > {rng.randint(1, 20)}\n"
        f"ORDER BY n DESC;"
    )


def bash_snippet(rng: random.Random) -> str:
    name = rng.choice(NAMES)
    return (
        f"#!/usr/bin/env bash\nset -euo pipefail\n"
        f"for f in data/{name}/*.csv; do\n"
        f"  wc -l \"$f\" | awk '{{print $1}}' >> counts.txt\n"
        f"done\n"
        f"sort -n counts.txt | tail -n {rng.randint(1, 9)}"
    )


SNIPPETS = {
    "Python": python_snippet,
    "JavaScript": javascript_snippet,
    "Rust": rust_snippet,
    "Go": go_snippet,
    "C": c_snippet,
    "SQL": sql_snippet,
    "Shell": bash_snippet,
}

CODE_PROSE = [
    "In this tutorial we walk through a small {lang} program step by step and explain each line.",
    "The function below takes a list and returns a new one, so the input is never modified.",
    "Run the example with the default settings first, then change the limit and compare the output.",
    "A common mistake is to forget the boundary check, which makes the loop read past the end.",
    "If you are new to {lang}, read the previous chapter on variables and control flow first.",
    "The standard library already ships most of what we need here, so there is nothing to install.",
    "Error handling matters: the caller should learn why a request failed, not only that it did.",
    "We keep the code short on purpose; a production version would add logging and tests.",
    "Notice how the loop variable is scoped to the block, which avoids surprising reuse later.",
    "Benchmarks on a laptop show that this version is fast enough for a few million items.",
]


def highlight_spans(code: str) -> str:
    """Pygments-like markup: keywords and numbers wrapped in spans."""
    out = []
    for token in code.split(" "):
        escaped = html.escape(token, quote=False)
        if token in ("def", "for", "if", "return", "let", "fn", "func", "const", "int", "SELECT", "FROM"):
            out.append(f'<span class="k">{escaped}</span>')
        elif token.isdigit():
            out.append(f'<span class="mi">{escaped}</span>')
        else:
            out.append(escaped)
    return " ".join(out)


def code_widget(code: str, style: int, lang: str) -> str:
    lines = code.split("\n")
    if style == 0:
        return f"<pre>{html.escape(code, quote=False)}</pre>"
    if style == 1:
        return f'<pre><code class="language-{lang.lower()} hljs">{highlight_spans(code)}</code></pre>'
    if style == 2:
        return f'<div class="highlight"><pre><span></span>{highlight_spans(code)}</pre></div>'
    if style == 3:
        numbers = "\n".join(str(i + 1) for i in range(len(lines)))
        return (
            f'<table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>{numbers}'
            f'</pre></div></td><td class="code"><div class="highlight"><pre>{highlight_spans(code)}</pre>'
            f"</div></td></tr></table>"
        )
    if style == 4:
        items = "".join(f"<li>{html.escape(line, quote=False)}</li>" for line in lines)
        return f'<pre class="prettyprint linenums"><ol class="linenums">{items}</ol></pre>'
    if style == 5:
        rows = "".join(
            f'<tr><td class="blob-num" data-line-number="{i + 1}">{i + 1}</td>'
            f'<td class="blob-code blob-code-inner">{html.escape(line, quote=False)}</td></tr>'
            for i, line in enumerate(lines)
        )
        return (
            f'<div class="blob-wrapper"><table class="highlight js-file-line-container">{rows}</table></div>'
        )
    return f"<pre>{'<br>'.join(html.escape(line, quote=False) for line in lines)}</pre>"


def code_page(rng: random.Random, index: int) -> SamplePage:
    domain = CODE_DOMAINS[index % len(CODE_DOMAINS)]
    lang = rng.choice(sorted(SNIPPETS))
    blocks = [SNIPPETS[lang](rng) for _ in range(rng.randint(1, 3))]
    parts = []
    for block in blocks:
        prose = " ".join(s.format(lang=lang) for s in rng.sample(CODE_PROSE, 3))
        parts.append(f"<p>{prose}</p>\n{code_widget(block, rng.randrange(7), lang)}")
    title = f"{lang} tutorial {index}: {rng.choice(VERBS)} {rng.choice(NAMES)}"
    inline = f"<p>Call <code>{rng.choice(VERBS)}()</code> once per batch; see the reference for details.</p>"
    body = f"<h1>{title}</h1>\n" + "\n".join(parts) + inline
    url = f"https://{domain}/tutorials/{lang.lower()}/{index}-{rng.choice(VERBS)}.html"
    return SamplePage(url, "code", document(title, body, site=domain), code_blocks=blocks)


# --- math pages -----------------------------------------------------------------------------------

FORMULAS = [
    r"\frac{a}{b} + \frac{c}{d} = \frac{ad + bc}{bd}",
    r"e^{i\pi} + 1 = 0",
    r"\int_0^1 x^{2}\,dx = \frac{1}{3}",
    r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}",
    r"\sqrt{a^2 + b^2} \le a + b",
    r"\lim_{x \to 0} \frac{\sin x}{x} = 1",
    r"(a+b)^2 = a^2 + 2ab + b^2",
    r"\binom{n}{k} = \frac{n!}{k!(n-k)!}",
    r"\nabla \cdot \mathbf{E} = \frac{\rho}{\varepsilon_0}",
    r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}",
]
MATH_PROSE = [
    "We prove the identity by induction on n, starting from the base case.",
    "Recall that a function is continuous when small changes of the input give small changes of the output.",
    "The lemma follows directly from the definition of the derivative.",
    "Substituting the boundary values gives the result stated in the theorem.",
    "This exercise is taken from the second chapter on sequences and series.",
    "A geometric argument gives the same inequality with less algebra.",
    "Note that the bound is sharp: equality holds when both terms are equal.",
    "Readers who know linear algebra will recognize the determinant here.",
]


def math_fragment(rng: random.Random, style: int) -> tuple[str, str, str]:
    """(html, tex expected in the text, tex as written)"""
    tex = rng.choice(FORMULAS)
    if style == 0:
        return f'<script type="math/tex">{html.escape(tex, quote=False)}</script>', tex, tex
    if style == 1:
        return (
            f'<span class="MathJax_Preview">[math]</span><script type="math/tex; mode=display">'
            f"{html.escape(tex, quote=False)}</script>",
            tex,
            tex,
        )
    if style == 2:
        garbage = "".join(f'<span class="mord">{c}</span>' for c in tex[:12] if c.isalnum())
        return (
            f'<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML">'
            f'<semantics><mrow><mi>x</mi></mrow><annotation encoding="application/x-tex">'
            f"{html.escape(tex, quote=False)}</annotation></semantics></math></span>"
            f'<span class="katex-html" aria-hidden="true">{garbage}</span></span>',
            tex,
            tex,
        )
    if style == 3:
        a, b = rng.choice("abxyz"), rng.randint(2, 5)
        mathml = (
            f"<math><mfrac><mi>{a}</mi><msup><mi>n</mi><mn>{b}</mn></msup></mfrac><mo>+</mo>"
            f"<msqrt><mi>{a}</mi></msqrt></math>"
        )
        expected = rf"\frac{{{a}}}{{n^{{{b}}}}}+\sqrt{{{a}}}"
        return mathml, expected, expected
    return f"${html.escape(tex, quote=False)}$", tex, tex  # MathJax v3 / KaTeX auto-render delimiters


def math_page(rng: random.Random, index: int) -> SamplePage:
    domain = MATH_DOMAINS[index % len(MATH_DOMAINS)]
    tex_expected = []
    paragraphs = []
    for _ in range(rng.randint(2, 4)):
        fragment, expected, _ = math_fragment(rng, rng.randrange(5))
        tex_expected.append(expected)
        prose = rng.sample(MATH_PROSE, 2)
        paragraphs.append(f"<p>{prose[0]} Consider {fragment} for all admissible values. {prose[1]}</p>")
    title = f"Lecture {index}: {rng.choice(['limits', 'series', 'integrals', 'proofs', 'matrices'])}"
    url = f"https://{domain}/notes/{index}/{rng.choice(['lemma', 'theorem', 'exercise'])}-{index}.html"
    head = '<script src="https://cdn.example.org/mathjax/tex-mml-chtml.js"></script>'
    return SamplePage(
        url, "math", document(title, f"<h1>{title}</h1>" + "".join(paragraphs), head, site=domain), tex=tex_expected
    )


# --- ordinary pages in several natural languages --------------------------------------------------

PROSE = {
    "en": [
        "We arrived in the small harbour town late in the evening, tired but happy.",
        "The market opens early, and the fishermen sell their catch before sunrise.",
        "Our guide told us stories about the old lighthouse and the storms of the past century.",
        "In the afternoon we walked along the cliffs and watched the seabirds.",
        "The local bakery makes a sweet bread with raisins that we bought every morning.",
        "Next year we would like to come back in spring, when the hills are green.",
    ],
    "de": [
        "Für dieses Rezept braucht man nur wenige Zutaten und etwas Geduld.",
        "Zuerst werden die Kartoffeln geschält und in dünne Scheiben geschnitten.",
        "Die Zwiebeln werden in Butter goldbraun angebraten und mit Salz gewürzt.",
        "Danach kommt alles für eine Stunde in den vorgeheizten Backofen.",
        "Am besten schmeckt der Auflauf mit einem frischen grünen Salat.",
        "Meine Großmutter hat dieses Gericht jeden Sonntag für die ganze Familie gekocht.",
    ],
    "fr": [
        "Le conseil municipal s'est réuni hier soir pour discuter du nouveau budget.",
        "Les habitants du quartier demandent depuis longtemps une piste cyclable.",
        "Selon le maire, les travaux commenceront au début de l'année prochaine.",
        "Plusieurs associations ont exprimé leur inquiétude concernant le coût du projet.",
        "La bibliothèque restera ouverte pendant toute la durée des travaux.",
        "Une réunion publique aura lieu le mois prochain à la salle des fêtes.",
    ],
    "es": [
        "El equipo local ganó el partido del domingo gracias a un gol en el último minuto.",
        "Miles de aficionados celebraron la victoria en la plaza mayor de la ciudad.",
        "El entrenador dijo que los jugadores habían trabajado muy duro toda la semana.",
        "La próxima temporada el club quiere construir un estadio más grande.",
        "Los niños del barrio entrenan cada tarde en el campo municipal.",
        "La final del campeonato se jugará a principios de junio.",
    ],
    "ja": [
        "今日は朝早く起きて、近くの公園を散歩しました。",
        "桜の花がとてもきれいで、たくさんの人が写真を撮っていました。",
        "昼ごはんは駅の近くの小さなお店でラーメンを食べました。",
        "午後は図書館で本を読んで、静かな時間を過ごしました。",
        "夜は家族と一緒に映画を見て、とても楽しかったです。",
        "明日は友達と一緒に山に登る予定です。",
    ],
    "zh": [
        "今天天气很好，我们一家人去公园散步。",
        "公园里有很多人在跑步、打太极拳和放风筝。",
        "中午我们在湖边的餐厅吃了午饭，菜的味道非常好。",
        "下午孩子们在草地上玩游戏，玩得很开心。",
        "晚上回家以后，我写了这篇博客记录美好的一天。",
        "下个周末我们打算去郊外爬山。",
    ],
    "ru": [
        "Вчера в городе прошёл ежегодный фестиваль народной музыки.",
        "На главной площади выступали музыканты из разных регионов страны.",
        "Организаторы сообщили, что фестиваль посетили более десяти тысяч человек.",
        "Вечером состоялся большой концерт, который закончился праздничным салютом.",
        "Местные жители говорят, что это лучший праздник года.",
        "В следующем году фестиваль обещают сделать ещё интереснее.",
    ],
}
CHARSETS = {"ru": "windows-1251", "ja": "shift_jis"}


def other_page(rng: random.Random, index: int) -> SamplePage:
    lang = sorted(PROSE)[index % len(PROSE)]
    sentences = PROSE[lang][:]
    rng.shuffle(sentences)
    sep = "" if lang in ("ja", "zh") else " "
    paragraphs = [sep.join(sentences[:3]), sep.join(sentences[3:])]
    title = sentences[0][:30]
    body = f"<h1>{html.escape(title)}</h1>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    # Every third page of a language with a legacy charset is served in that charset.
    charset = CHARSETS.get(lang, "utf-8") if index % 3 == 0 else "utf-8"
    url = f"https://{OTHER_DOMAINS[lang]}/{2020 + index % 4}/{index:03d}/post.html"
    return SamplePage(
        url,
        "other",
        document(title, body, lang=lang, charset=charset, site=OTHER_DOMAINS[lang]),
        nl_language=lang,
        charset=charset,
    )


def document(
    title: str, body: str, head: str = "", lang: str = "en", charset: str = "utf-8", site: str | None = None
) -> str:
    """A whole page: the article inside its site's chrome (none without a site)."""
    chrome_head, top, bottom = site_chrome(site) if site and WITH_CHROME else ("", "", "")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="{charset}"><title>{html.escape(title)}'
        f"</title>{head}{chrome_head}</head>\n<body><header><nav><a href=\"/\">Home</a> | <a href=\"/about\">About</a>"
        f"</nav>{top}</header>\n<main><article>{body * ARTICLE_COPIES}</article></main>\n{bottom}"
        "<footer><p>&copy; 2024 Example. All rights reserved.</p></footer></body></html>"
    )


# Real pages carry their site's chrome around the article: style sheets, scripts, menus, a sidebar,
# a footer. It makes them tens of KB (the HTML of a web page is ~30 KB at the median) and is what
# main-content extraction must drop. Each site gets its own, ASCII only (pages in legacy charsets).
WITH_CHROME = True
# How many times a page's article is written: 1 in the sample; the bench writes documentation-length pages.
ARTICLE_COPIES = 1
SECTIONS = ["home", "docs", "blog", "about", "pricing", "careers", "support", "community", "news", "events"]


def site_chrome(site: str) -> tuple[str, str, str]:
    """(head, top, bottom) markup of a site's template, 12-36 KB with the page's own, the same on all its pages."""
    rng = random.Random(site)
    scale = rng.uniform(0.8, 3.0)
    count = lambda n: int(n * scale)  # noqa: E731

    def links(n: int, css: str) -> str:
        return "".join(
            f'<li class="{css}-item"><a href="/{rng.choice(SECTIONS)}/{rng.randrange(10**4)}" '
            f'class="{css}-link">{rng.choice(SECTIONS).title()} {i}</a></li>'
            for i in range(n)
        )

    head = (
        "".join(f'<link rel="stylesheet" href="/static/css/{site}-{i}.css?v={rng.randrange(10**6)}">' for i in range(8))
        + "<style>"
        + "".join(
            f".s{i} {{ margin: {rng.randrange(40)}px; padding: {i % 7}px; color: #{rng.randrange(16**6):06x}; }}\n"
            for i in range(count(60))
        )
        + "</style>"
        + "".join(f'<script src="/static/js/bundle-{i}.js?v={rng.randrange(10**6)}" defer></script>' for i in range(6))
    )
    top = f'<div class="topbar"><ul class="menu">{links(count(30), "menu")}</ul></div>'
    bottom = (
        f'<aside class="sidebar"><h3>Popular</h3><ul>{links(count(20), "side")}</ul>'
        "<p>Subscribe to our newsletter for weekly updates.</p></aside>"
        f'<div class="site-footer"><ul>{links(count(25), "foot")}</ul><p>Terms - Privacy - Cookies</p></div>'
        "<script>window.dataLayer=window.dataLayer||[];"
        + "".join(f'dataLayer.push({{"event":"e{i}","value":{rng.randrange(1000)}}});' for i in range(count(40)))
        + "</script>"
    )
    return head, top, bottom


def build_pages(seed: int = SEED) -> list[SamplePage]:
    rng = random.Random(seed)
    pages = [code_page(rng, i) for i in range(PAGES_PER_KIND["code"])]
    pages += [math_page(rng, i) for i in range(PAGES_PER_KIND["math"])]
    pages += [other_page(rng, i) for i in range(PAGES_PER_KIND["other"])]
    rng.shuffle(pages)
    return pages


# --- records that are not kept pages --------------------------------------------------------------


def noise_records(rng: random.Random) -> list[tuple[str, str, list[tuple[str, str]], bytes, str]]:
    """(url, status line, headers, body, expected reason) of records that must become rejects."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(300))
    junk = bytes(rng.randrange(256) for _ in range(600))
    empty = document("Loading", "").replace("<article></article>", "<script>app.start()</script>")
    return [
        (
            "https://learn-python.example.com/old-page",
            "301 Moved Permanently",
            [("Location", "https://learn-python.example.com/")],
            b"",
            "http_status:301",
        ),
        (
            "https://calculus-course.example.org/missing",
            "404 Not Found",
            [("Content-Type", "text/html")],
            b"<html><body>Not found</body></html>",
            "http_status:404",
        ),
        (
            "https://travel-journal.example.com/error",
            "500 Internal Server Error",
            [("Content-Type", "text/html")],
            b"<html><body>oops</body></html>",
            "http_status:500",
        ),
        (
            "https://learn-python.example.com/static/logo.png",
            "200 OK",
            [("Content-Type", "image/png")],
            png,
            "not_html",
        ),
        (
            "https://webdev-notes.example.org/api/items.json",
            "200 OK",
            [("Content-Type", "application/json")],
            b'{"items": [1, 2, 3]}',
            "not_html",
        ),
        (
            "https://systems-code.example.net/style.css",
            "200 OK",
            [("Content-Type", "text/css")],
            b"body { color: #333; }",
            "not_html",
        ),
        (
            "https://rezepte.example.de/kaputt.html",
            "200 OK",
            [("Content-Type", "text/html")],
            junk,
            "decode_error",
        ),
        (
            "https://boke.example.cn/loading.html",
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8")],
            empty.encode(),
            "empty_extraction",
        ),
    ]


def write_sample(out_dir: Path) -> dict:
    rng = random.Random(SEED + 1)
    pages = build_pages()
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    clock = iter(range(10**6))

    def write(url: str, status: str, headers: list[tuple[str, str]], body: bytes, with_request: bool = False):
        n = next(clock)
        date = f"2024-06-{1 + n // 3000:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:00Z"
        if with_request:
            request = writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(
                    f"GET /{url.split('/', 3)[-1]} HTTP/1.1",
                    [("Host", url.split("/")[2])],
                    is_http_request=True,
                ),
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
                },
            )
            writer.write_record(request)
            n = next(clock)
        http_headers = StatusAndHeaders(
            status, headers + [("Content-Length", str(len(body)))], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>",
            },
        )
        writer.write_record(record)

    info = writer.create_warcinfo_record(
        "sample.warc.gz", {"software": "make_sample_warc.py", "format": "WARC 1.1"}
    )
    info.rec_headers.replace_header("WARC-Date", "2024-06-01T00:00:00Z")
    info.rec_headers.replace_header("WARC-Record-ID", "<urn:uuid:00000000-0000-4000-8000-ffffffffffff>")
    writer.write_record(info)
    for i, page in enumerate(pages):
        content_type = f"text/html; charset={page.charset}" if i % 5 else "text/html"  # some declare none
        write(
            page.url, "200 OK", [("Content-Type", content_type)], page.html.encode(page.charset), i % 25 == 0
        )
    for url, status, headers, body, _ in noise_records(rng):
        write(url, status, headers, body)
    # The same page captured again later under a spelling variant: the later capture is kept.
    first = next(p for p in pages if p.label == "code")
    variant = first.url.replace("https://", "HTTPS://").replace(".html", ".html?utm_source=feed#top")
    updated = first.html.replace(
        "</article>", "<p>Updated: the examples now run on the latest release.</p></article>"
    )
    write(variant, "200 OK", [("Content-Type", "text/html; charset=utf-8")], updated.encode())

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sample.warc.gz").write_bytes(buffer.getvalue())
    labels = "".join(f"{p.url}\t{p.label}\n" for p in sorted(pages, key=lambda p: p.url))
    (out_dir / "labels.tsv").write_text("url\tlabel\n" + labels, encoding="utf-8")
    return {"pages": len(pages), "records": next(clock), "bytes": len(buffer.getvalue())}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "build" / "sample" / "warc"
    summary = write_sample(target)
    print(f"wrote {target / 'sample.warc.gz'}: {summary['pages']} pages, {summary['bytes']:,} bytes")
    assert gzip.decompress((target / "sample.warc.gz").read_bytes())  # readable as one gzip stream
