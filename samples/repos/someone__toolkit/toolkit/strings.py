"""String casing and slugs."""

import re
import unicodedata

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[\s\-]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def split_words(text):
    """Split 'HTTPServerError', 'http-server error' or 'http_server' into words."""
    text = text.replace("_", " ")
    return [part for part in _BOUNDARY.split(text) if part]


def snake_case(text):
    return "_".join(word.lower() for word in split_words(text))


def camel_case(text, upper_first=False):
    words = [word.lower() for word in split_words(text)]
    if not words:
        return ""
    head = words[0].capitalize() if upper_first else words[0]
    return head + "".join(word.capitalize() for word in words[1:])


def slugify(text, max_length=64):
    """ASCII, lowercase, dash-separated: 'Héllo World!' -> 'hello-world'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def truncate(text, width, ellipsis="..."):
    if len(text) <= width:
        return text
    return text[: max(0, width - len(ellipsis))] + ellipsis
