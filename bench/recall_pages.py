"""A labelled page set for the recall bench and tests, built from material installed on this machine.

code:  API documentation pages (docstring + source of a function or class) of installed Python
       packages, one synthetic documentation site per package, plus Q&A-style posts on mixed sites.
math:  the mathematical prose and formulas of sympy / mpmath / scipy docstrings (examples removed),
       one site per subject, plus generated exercises with worked answers (sympy) on a forum.
other: license texts and generated everyday prose (news, travel, recipes, shop, jobs) on many sites,
       some sharing a site with code or math sections.
Nothing is downloaded. `build_pages(per_site)` returns rows with id, url, domain, content and `label`.
"""

from __future__ import annotations

import ast
import glob
import os
import random
import re
import sysconfig

from pipeline.schema import make_id

SITE_PACKAGES = sysconfig.get_paths()["purelib"]

# package folder -> documentation site (code targets)
CODE_SITES = {
    "pyspark": "spark-docs.example.org",
    "pandas": "pandas-ref.example.io",
    "boto3": "aws-sdk.example.com",
    "requests": "requests.example.dev",
    "click": "click-docs.example.dev",
    "jinja2": "templates.example.dev",
    "flask": "flask-guide.example.net",
    "pygments": "highlighting.example.org",
    "matplotlib": "plotting-docs.example.org",
    "werkzeug": "wsgi-tools.example.dev",
    "pydantic": "models.example.io",
    "fsspec": "filesystems.example.dev",
    "huggingface_hub": "hub-api.example.co",
    "jsonschema": "schema-check.example.org",
    "_pytest": "testing-docs.example.org",
    "networkx": "graphs-api.example.org",
}
# module folder (under site-packages) -> math site
MATH_SITES = {
    "sympy/functions": "special-functions.example.edu",
    "sympy/integrals": "integrals.example.edu",
    "sympy/polys": "algebra-notes.example.edu",
    "sympy/ntheory": "number-theory.example.edu",
    "sympy/combinatorics": "combinatorics.example.edu",
    "sympy/geometry": "geometry-wiki.example.org",
    "mpmath": "numerical-analysis.example.edu",
    "scipy/stats": "probability.example.edu",
    "sympy/series": "calculus-notes.example.org",
}
OTHER_SITES = [
    f"{word}.example.{tld}"
    for word, tld in [
        ("dailynews", "com"),
        ("citytimes", "com"),
        ("travelnotes", "net"),
        ("wanderlust", "org"),
        ("recipebox", "com"),
        ("homecooking", "net"),
        ("gardenlife", "org"),
        ("sportsdesk", "com"),
        ("footballfans", "net"),
        ("shopmart", "com"),
        ("bestdeals", "shop"),
        ("careers-hub", "com"),
        ("legal-texts", "org"),
        ("licenses-archive", "org"),
        ("localevents", "org"),
        ("healthtips", "com"),
        ("petcorner", "net"),
        ("moviereviews", "com"),
        ("bookclub", "org"),
        ("weatherdaily", "com"),
    ]
]
# a quick subset for tests (small packages parse fast)
SMALL_CODE_SITES = {
    p: CODE_SITES.get(p, f"{p}-docs.example.dev")
    for p in ("click", "requests", "jinja2", "flask", "werkzeug", "jsonschema")
}
SMALL_MATH_SITES = {
    "mpmath": "numerical-analysis.example.edu",
    "sympy/ntheory": "number-theory.example.edu",
    "sympy/series": "calculus-notes.example.org",
}
MIXED_CODE = "devblog.example.com"  # /posts: code Q&A, /life: other prose
MIXED_MATH = "mathfans.example.net"  # /threads: exercises, /members: other prose


def build_pages(
    per_site: int = 120,
    code_sites: dict = CODE_SITES,
    math_sites: dict = MATH_SITES,
    other_sites: list = OTHER_SITES,
    seed: int = 0,
) -> list[dict]:
    rng = random.Random(seed)
    pages: list[dict] = []
    for package, site in code_sites.items():
        for name, text in _api_docs(package, per_site, rng):
            pages.append(_page(site, f"/en/latest/api/{name}.html", text, "code"))
    for module, site in math_sites.items():
        for name, text in _math_docs(module, per_site, rng):
            pages.append(_page(site, f"/wiki/{name}", text, "math"))
    code_snippets = [text for _, text in _api_docs("requests", per_site, random.Random(seed + 1))]
    for i in range(per_site):
        pages.append(_page(MIXED_CODE, f"/posts/{i}/{_slug(rng)}", _qa_post(rng, code_snippets), "code"))
        if i % 2 == 0:
            pages.append(_page(MIXED_CODE, f"/life/{i}/{_slug(rng)}", _prose(rng, "travel"), "other"))
    for i in range(per_site):
        pages.append(_page(MIXED_MATH, f"/threads/{i}", _exercise(rng), "math"))
        if i % 2 == 0:
            pages.append(_page(MIXED_MATH, f"/members/{i}", _prose(rng, "profile"), "other"))
    licenses = _license_paragraphs()
    for index, site in enumerate(other_sites):
        topic = TOPICS[index % len(TOPICS)]
        for i in range(per_site):
            if site.startswith(("legal", "licenses")):
                text = "\n\n".join(rng.sample(licenses, k=min(4, len(licenses))))
            else:
                text = _prose(rng, topic)
            pages.append(_page(site, f"/{topic}/{i}/{_slug(rng)}", text, "other"))
    rng.shuffle(pages)
    return pages


def default_seeds(code_sites: dict = CODE_SITES, math_sites: dict = MATH_SITES) -> dict:
    """Seeds covering a third of the positive sites (the mixed sites are never seeds)."""
    code = sorted(code_sites.values())
    math = sorted(math_sites.values())
    return {"code": {"domains": code[: len(code) // 3]}, "math": {"domains": math[: len(math) // 3]}}


def _page(site: str, path: str, text: str, label: str) -> dict:
    url = f"https://{site}{path}"
    return {"id": make_id("commoncrawl", url), "url": url, "domain": site, "content": text, "label": label}


def _slug(rng: random.Random) -> str:
    return "-".join(rng.choice(SLUG_WORDS) for _ in range(3))


def _python_files(folder: str) -> list[str]:
    files = sorted(glob.glob(os.path.join(SITE_PACKAGES, folder, "**", "*.py"), recursive=True))
    return [f for f in files if "/tests/" not in f and "/test_" not in f]


def _definitions(path: str):
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        tree = ast.parse(source)
        lines = source.splitlines()
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            doc = ast.get_docstring(node)
            if doc and len(doc) > 200:
                yield node.name, doc, "\n".join(lines[node.lineno - 1 : node.end_lineno])


def _api_docs(package: str, count: int, rng: random.Random):
    found = []
    files = _python_files(package)
    rng.shuffle(files)
    for path in files:
        if len(found) >= 4 * count:
            break
        module = os.path.relpath(path, SITE_PACKAGES)[:-3].replace("/", ".")
        for name, doc, source in _definitions(path):
            code = "\n".join(source.splitlines()[:40])
            found.append((f"{module}.{name}", f"{module}.{name}\n\n{doc}\n\nSource code\n\n{code}"))
    rng.shuffle(found)
    return found[:count]


MATH_MARKERS = re.compile(
    r"\\frac|\\sum|\\int|\\sqrt|:math:|\.\. math::|theorem|integral|polynomial|"
    r"prime|probability|matrix|derivative|series|permutation",
    re.I,
)


def _math_prose(doc: str) -> str:
    """A docstring without its examples, code lines and parameter lists: the mathematics."""
    kept = []
    skipping = False
    for line in doc.splitlines():
        stripped = line.strip()
        if re.match(r"^(Examples?|Parameters|Returns|See Also|References|Notes)\s*$", stripped):
            skipping = stripped not in ("Notes",)
            continue
        if stripped.startswith((">>>", "...", "----", "====")):
            continue
        if skipping and stripped and not line.startswith(" ") and len(stripped.split()) > 6:
            skipping = False
        if not skipping:
            kept.append(line)
    return "\n".join(kept).strip()


def _math_docs(module: str, count: int, rng: random.Random):
    found = []
    files = _python_files(module)
    rng.shuffle(files)
    files.sort(key=lambda f: not f.endswith("function_docs.py"))
    for path in files:
        if len(found) >= 4 * count:
            break
        for name, doc, _ in _definitions(path):
            prose = _math_prose(doc)
            if len(prose) > 250 and MATH_MARKERS.search(prose):
                found.append((name, f"{name}\n\n{prose}"))
        if module == "mpmath":
            found += list(_mpmath_docs(path))
    rng.shuffle(found)
    return found[:count]


def _mpmath_docs(path: str):
    """mpmath keeps most of its documentation in string constants (function_docs.py)."""
    if not path.endswith("function_docs.py"):
        return
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            prose = _math_prose(node.value.value)
            if len(prose) > 250:
                yield node.targets[0].id, f"{node.targets[0].id}\n\n{prose}"


def _exercise(rng: random.Random) -> str:
    import sympy

    x = sympy.Symbol("x")
    a, b, c = (rng.randint(1, 9) for _ in range(3))
    kind = rng.choice(["derivative", "integral", "limit", "equation"])
    funcs = [sympy.sin(a * x), sympy.exp(b * x), sympy.log(x + c), x**a, sympy.cos(x) ** 2, 1 / (x + a)]
    f = rng.choice(funcs) * rng.choice([1, x, x**2]) + rng.choice(funcs)
    # answers are built so that only differentiation is needed (sympy's integrate/limit are slow)
    if kind == "derivative":
        question, answer = f"Compute the derivative of $f(x) = {sympy.latex(f)}$.", sympy.diff(f, x)
    elif kind == "integral":
        question, answer = (
            f"Evaluate the indefinite integral $\\int {sympy.latex(sympy.diff(f, x))} \\, dx$.",
            f,
        )
    elif kind == "limit":
        question = f"Find $\\lim_{{x \\to 0}} {sympy.latex(sympy.sin(a * x) / (b * x))}$."
        answer = sympy.Rational(a, b)
    else:
        question = f"Solve the equation ${sympy.latex(sympy.expand((x + a) * (x - b)))} = 0$ for real $x$."
        answer = sympy.FiniteSet(-a, b)
    hint = rng.choice(HINTS)
    return (
        f"{question}\n\nI tried {rng.choice(ATTEMPTS)} but I am stuck. {hint}\n\n"
        f"Answer: ${sympy.latex(answer)}$. {rng.choice(EXPLANATIONS)}"
    )


def _qa_post(rng: random.Random, snippets: list[str]) -> str:
    question = rng.choice(CODE_QUESTIONS)
    snippet = rng.choice(snippets).split("Source code", 1)[-1].strip()[:1500]
    return f"{question}\n\nHere is what I have:\n\n{snippet}\n\n{rng.choice(CODE_ANSWERS)}"


def _license_paragraphs() -> list[str]:
    paths = glob.glob("/usr/share/common-licenses/*") + glob.glob(
        os.path.join(SITE_PACKAGES, "*.dist-info", "LICEN[CS]E*")
    )
    paragraphs = []
    for path in sorted(paths):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                paragraphs += [p.strip() for p in handle.read().split("\n\n") if len(p.strip()) > 200]
    return paragraphs or ["Permission is hereby granted, free of charge, to any person obtaining a copy."]


def _prose(rng: random.Random, topic: str) -> str:
    words = TOPIC_WORDS.get(topic, TOPIC_WORDS["news"])
    sentences = []
    for _ in range(rng.randint(8, 20)):
        template = rng.choice(SENTENCES)
        sentences.append(
            template.format(
                *(rng.choice(words) for _ in range(4)),
                place=rng.choice(PLACES),
                day=rng.choice(DAYS),
                n=rng.randint(2, 90),
            )
        )
    return " ".join(sentences)


TOPICS = ["news", "travel", "recipes", "garden", "sports", "shop", "jobs", "health", "movies", "books"]
TOPIC_WORDS = {
    "news": [
        "council",
        "mayor",
        "budget",
        "election",
        "protest",
        "school",
        "bridge",
        "festival",
        "police",
        "court",
    ],
    "travel": [
        "beach",
        "hotel",
        "flight",
        "museum",
        "mountain",
        "train",
        "market",
        "island",
        "castle",
        "hostel",
    ],
    "recipes": ["garlic", "butter", "oven", "pasta", "onion", "tomato", "flour", "soup", "salad", "cinnamon"],
    "garden": ["roses", "compost", "seeds", "tomatoes", "soil", "hedge", "tulips", "lawn", "shed", "mulch"],
    "sports": [
        "match",
        "goal",
        "coach",
        "league",
        "striker",
        "season",
        "stadium",
        "referee",
        "trophy",
        "fans",
    ],
    "shop": [
        "discount",
        "delivery",
        "jacket",
        "shoes",
        "warranty",
        "laptop",
        "headphones",
        "sofa",
        "order",
        "size",
    ],
    "jobs": [
        "salary",
        "team",
        "interview",
        "benefits",
        "office",
        "manager",
        "career",
        "engineer",
        "resume",
        "role",
    ],
    "health": [
        "sleep",
        "vitamins",
        "doctor",
        "exercise",
        "diet",
        "stress",
        "yoga",
        "clinic",
        "water",
        "walking",
    ],
    "movies": [
        "director",
        "actor",
        "sequel",
        "trailer",
        "cinema",
        "script",
        "soundtrack",
        "premiere",
        "villain",
        "plot",
    ],
    "books": [
        "novel",
        "author",
        "chapter",
        "library",
        "poem",
        "publisher",
        "reader",
        "hero",
        "memoir",
        "shelf",
    ],
    "profile": [
        "member",
        "hobby",
        "cats",
        "hiking",
        "music",
        "photos",
        "family",
        "guitar",
        "coffee",
        "weekend",
    ],
}
SENTENCES = [
    "The {0} near {place} drew more visitors than the {1} last {day}.",
    "Many people say the {0} and the {1} are what they remember most.",
    "On {day} we talked about the {0}, the {1} and, of course, the {2}.",
    "Nobody expected the {0} to matter so much for the {1}.",
    "About {n} of our readers wrote in about the {0} in {place}.",
    "If you ever visit {place}, ask about the {0}; locals love their {1}.",
    "Our team compared the {0} with the {1} and found the {2} better value.",
    "It was a quiet {day}: just the {0}, some {1} and a long walk by the {2}.",
    "Tickets for the {0} sold out within {n} minutes, organisers said.",
    "The {0} will be closed until {day} while the {1} is repaired.",
    "She has written about the {0} and the {1} for {n} years.",
    "Readers asked whether the {0} is worth it; our answer depends on the {1}.",
]
PLACES = [
    "Lisbon",
    "the old town",
    "Kyoto",
    "the river",
    "Oslo",
    "the harbour",
    "Lima",
    "the square",
    "Nairobi",
]
DAYS = ["Monday", "Tuesday", "Friday", "Saturday", "Sunday", "the weekend", "the holidays"]
SLUG_WORDS = [
    "guide",
    "notes",
    "best",
    "how",
    "why",
    "new",
    "my",
    "first",
    "quick",
    "review",
    "week",
    "story",
]
HINTS = [
    "Any hint is welcome.",
    "Is there a trick with substitution?",
    "Should I use the chain rule?",
    "My textbook gives a different form.",
    "Can someone check my steps?",
]
ATTEMPTS = [
    "integration by parts",
    "the product rule",
    "factoring",
    "L'Hopital's rule",
    "a substitution $u = x^2$",
]
EXPLANATIONS = [
    "Differentiate term by term and simplify.",
    "Apply linearity, then the standard antiderivatives.",
    "Use $\\lim_{t\\to 0} \\sin t / t = 1$.",
    "Factor the quadratic; both roots are real.",
    "The constant of integration is omitted.",
]
CODE_QUESTIONS = [
    "Why does my DataFrame lose its index after this call?",
    "How do I avoid the copy warning here?",
    "This function returns None instead of the merged frame, what am I missing?",
    "Is there a vectorized way to write this loop?",
    "Why is this slower than a plain loop?",
]
CODE_ANSWERS = [
    "You need to return the result instead of modifying it in place; also pass `copy=False`.",
    "Use `.loc` with a boolean mask, then call `reset_index(drop=True)`.",
    "The default argument is evaluated once; use `None` and create the list inside the function.",
    "Wrap it in a generator and call `list()` only at the end.",
    "Profile with `cProfile` first; most time is spent in the `apply` call.",
]
