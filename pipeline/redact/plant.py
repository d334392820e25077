"""Well-formed fake secrets, and planting them into real text: the recall set of tests/redact and
bench/bench_redact.py.

Every value comes from a seeded `random.Random` with the right prefix, length, alphabet and check digits
(GitHub's CRC32 in base62, JWT parts that decode to JSON, PEM bodies in 64-column base64), written in the
places secrets occur in practice: string literals of several languages, .env, YAML, JSON, INI, comments,
URLs, shell commands. Nothing here is a real credential.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import re
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from pipeline.redact.findings import EMAIL, IP, KEY, PASSWORD
from pipeline.redact.ip import PUBLIC_RESOLVERS, SMALL_OCTET

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"
PASSWORD_SYMBOLS = "!#$%&*+,-.;=?^_~()[]{}|<>"  # no quotes, white space, backslash, '@', ':' or '/'


@dataclass(frozen=True)
class Secret:
    start: int  # byte offsets in the snippet (then in the file it was planted in)
    end: int
    kind: str
    family: str  # what was planted: "github_token", "pem_rsa", "password_env", ...


@dataclass(frozen=True)
class Snippet:
    text: bytes
    secrets: tuple[Secret, ...]


class Builder:
    """Text with marked secrets: `add("x = ")`, `secret("ghp_...", KEY, "github_token")`."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.size = 0
        self.secrets: list[Secret] = []

    def add(self, text: str | bytes) -> Builder:
        data = text.encode() if isinstance(text, str) else text
        self.parts.append(data)
        self.size += len(data)
        return self

    def secret(self, value: str, kind: str, family: str) -> Builder:
        start = self.size
        self.add(value)
        self.secrets.append(Secret(start, self.size, kind, family))
        return self

    def build(self) -> Snippet:
        return Snippet(b"".join(self.parts), tuple(self.secrets))


def pick(rng: random.Random, alphabet: str, count: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


# ---- values --------------------------------------------------------------------------------------------


def base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    return digits.rjust(width, "0")


def github_token(rng: random.Random) -> str:
    body = pick(rng, ALNUM, 30)
    return rng.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]) + body + base62(zlib.crc32(body.encode()), 6)


def github_pat(rng: random.Random) -> str:
    return "github_pat_" + pick(rng, ALNUM, 22) + "_" + pick(rng, ALNUM, 59)


def gitlab_token(rng: random.Random) -> str:
    return rng.choice(["glpat-", "gldt-", "glrt-"]) + pick(rng, ALNUM, 18) + pick(rng, URLSAFE, 2)


def slack_token(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"xoxb-{pick(rng, string.digits, 11)}-{pick(rng, string.digits, 13)}-{pick(rng, ALNUM, 24)}"
    parts = (pick(rng, string.digits, 11), pick(rng, string.digits, 11), pick(rng, string.digits, 12))
    return f"xoxp-{'-'.join(parts)}-{pick(rng, HEX, 32)}"


def slack_webhook(rng: random.Random) -> str:
    return f"https://hooks.slack.com/services/T{pick(rng, BASE32, 8)}/B{pick(rng, BASE32, 10)}/{pick(rng, ALNUM, 24)}"


def stripe_key(rng: random.Random) -> str:
    prefix = rng.choice(["sk_live_", "rk_live_", "sk_test_"])
    return prefix + pick(rng, ALNUM, rng.choice([24, 99]))


def twilio_key(rng: random.Random) -> str:
    return rng.choice(["AC", "SK"]) + pick(rng, HEX, 32)


def npm_token(rng: random.Random) -> str:
    return "npm_" + pick(rng, ALNUM, 36)


def pypi_token(rng: random.Random) -> str:
    tail = base64.urlsafe_b64encode(rng.randbytes(rng.randint(90, 140))).decode().rstrip("=")
    return "pypi-AgEIcHlwaS5vcmc" + tail


def openai_key(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "sk-" + pick(rng, ALNUM, 20) + "T3BlbkFJ" + pick(rng, ALNUM, 20)
    return "sk-proj-" + pick(rng, ALNUM, 8) + pick(rng, URLSAFE, rng.randint(40, 140)) + pick(rng, ALNUM, 4)


def google_api_key(rng: random.Random) -> str:
    return "AIza" + pick(rng, ALNUM, 33) + pick(rng, URLSAFE, 2)


def aws_access_key_id(rng: random.Random) -> str:
    return rng.choice(["AKIA", "AKIA", "ASIA"]) + pick(rng, BASE32, 16)


def aws_secret_key(rng: random.Random) -> str:
    return pick(rng, ALNUM + "+/", 40)


def jwt(rng: random.Random) -> str:
    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")

    header = {"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    payload = {"sub": pick(rng, string.digits, 10), "name": pick(rng, string.ascii_lowercase, 8), "iat": 1700000000}
    signature = base64.urlsafe_b64encode(rng.randbytes(32)).decode().rstrip("=")
    return f"{part(header)}.{part(payload)}.{signature}"


PEM_LABELS = ("RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY")


def pem_block(rng: random.Random, label: str | None = None, newline: str = "\n") -> str:
    label = label or rng.choice(PEM_LABELS)
    raw = rng.randbytes(rng.randint(300, 1200))
    if label.startswith("OPENSSH"):
        raw = b"openssh-key-v1\x00" + raw
    body = base64.b64encode(raw).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def password(rng: random.Random, symbols: str = PASSWORD_SYMBOLS) -> str:
    """A password of one of four human styles; never one that reads as a template (`${`, `%s`, `{{`)."""
    while True:
        value = _password(rng, symbols)
        if not any(t in value for t in ("${", "%s", "%(", "{{", "#{", "$(")):
            return value


def _password(rng: random.Random, symbols: str) -> str:
    style = rng.randrange(4)
    if style == 0:  # random, all classes
        core = pick(rng, ALNUM + symbols, rng.randint(8, 24))
        return core + rng.choice(string.digits) + rng.choice(symbols)
    if style == 1:  # word + year + symbol
        word = rng.choice(["Summer", "winter", "Dragon", "monkey", "Sunshine", "master", "Shadow", "qwerty"])
        return word + str(rng.randint(1970, 2030)) + rng.choice(symbols)
    if style == 2:  # leet
        return (
            rng.choice(["P4ssw0rd", "S3cr3t", "Adm1n", "L3tM3In", "Tr0ub4dor"])
            + rng.choice(symbols)
            + pick(rng, string.digits, 2)
        )
    return pick(rng, string.ascii_lowercase, rng.randint(5, 10)) + pick(rng, string.digits, rng.randint(1, 4))


def api_key_value(rng: random.Random) -> str:
    shape = rng.randrange(4)
    if shape == 0:
        return pick(rng, HEX, rng.choice([32, 40, 64]))
    if shape == 1:
        return pick(rng, ALNUM, rng.choice([24, 32, 40]))
    if shape == 2:
        return base64.b64encode(rng.randbytes(rng.choice([24, 32]))).decode()
    return pick(rng, ALNUM, 8) + "-" + pick(rng, ALNUM, 12) + "_" + pick(rng, ALNUM, 10)


def email_address(rng: random.Random) -> str:
    first, last = pick(rng, string.ascii_lowercase, rng.randint(3, 8)), pick(rng, string.ascii_lowercase, 6)
    local = rng.choice([first, f"{first}.{last}", f"{first}{rng.randint(1, 99)}", f"{first}_{last}", f"{first}+dev"])
    domain = rng.choice(["gmail.com", "corp-mail.io", "uni-heidelberg.de", "mail.example-inc.co.uk", "proton.me"])
    return f"{local}@{domain}"


def ipv4(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        text = str(address)
        small = max(int(o) for o in text.split(".")) < SMALL_OCTET
        if address.is_global and not address.is_multicast and not small and text.encode() not in PUBLIC_RESOLVERS:
            return text


def ipv6(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv6Address(
            (0x2 << 124 | rng.getrandbits(125)) & ~(0xFFFF << 64 if rng.random() < 0.5 else 0)
        )
        if address.is_global and not address.is_multicast and str(address).encode() not in PUBLIC_RESOLVERS:
            return str(address) if rng.random() < 0.7 else address.exploded


# ---- snippets: values in context -----------------------------------------------------------------------


def assignment(rng: random.Random, name: str, value: str, kind: str, family: str, unquoted_ok: bool = True) -> Snippet:
    """`name = value` in one of: Python, JS, Go, JSON, YAML, PHP, Ruby, .env, INI (the last three unquoted)."""
    snake, camel, upper = name, _camel(name), name.upper()
    styles = [
        (f'{snake} = "', '"\n'),
        (f"    {snake}='", "'\n"),
        (f"const {camel} = '", "';\n"),
        (f'{camel} := "', '"\n'),
        (f'  "{snake}": "', '",\n'),
        (f'{snake}: "', '"\n'),
        (f"    '{snake}' => '", "',\n"),
        (f'  {snake}: "', '",\n'),
        (f'private static final String {upper} = "', '";\n'),
    ]
    if unquoted_ok:
        styles += [(f"{upper}=", "\n"), (f"export {upper}=", "\n"), (f"{snake}: ", "\n"), (f"{snake} = ", "\n")]
    before, after = rng.choice(styles)
    return Builder().add(before).secret(value, kind, family).add(after).build()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def free_token(rng: random.Random, value: str, family: str, names: tuple[str, ...]) -> Snippet:
    """A token as an assignment, in a comment, in a command line or in a URL."""
    style = rng.randrange(5)
    if style <= 1:
        return assignment(rng, rng.choice(names), value, KEY, family)
    if style == 2:
        marker = rng.choice(["#", "//", "--", ";", "/*"])
        end = " */\n" if marker == "/*" else "\n"
        return Builder().add(f"{marker} TODO rotate: ").secret(value, KEY, family).add(end).build()
    if style == 3:
        return Builder().add('curl -H "Authorization: Bearer ').secret(value, KEY, family).add('" $API\n').build()
    return (
        Builder()
        .add("fetch(`https://api.service.test/v1/items?key=")
        .secret(value, KEY, family)
        .add("&q=1`)\n")
        .build()
    )


TOKEN_NAMES = ("token", "api_key", "github_token", "auth_token", "access_token", "secret", "client_secret")


def _token_snippet(generator: Callable[[random.Random], str], family: str):
    return lambda rng: free_token(rng, generator(rng), family, TOKEN_NAMES)


def _email_snippet(rng: random.Random) -> Snippet:
    value = email_address(rng)
    before, after = rng.choice(
        [
            ("# Author: Jane Doe <", ">\n"),
            (" * @author John Smith <", ">\n"),
            ('  "email": "', '",\n'),
            ('<a href="mailto:', '">contact</a>\n'),
            ("maintainer: ", "\n"),
            ("// Copyright 2021 Someone (", ")\n"),
        ]
    )
    return Builder().add(before).secret(value, EMAIL, "email").add(after).build()


def _ip_snippet(rng: random.Random, family: str) -> Snippet:
    value = ipv4(rng) if family == "ipv4" else ipv6(rng)
    shown = f"[{value}]" if family == "ipv6" and rng.random() < 0.3 else value
    before, after = rng.choice(
        [('host = "', '"\n'), ("server: ", ":8443\n"), ("# connect to ", " first\n"), ("ALLOWED = ['", "']\n")]
    )
    if shown.startswith("["):
        before, after = before + "[", "]" + after
    return Builder().add(before).secret(value, IP, family).add(after).build()


def _url_password(rng: random.Random) -> Snippet:
    scheme = rng.choice(["postgres", "mysql", "redis", "mongodb+srv", "amqp", "https", "ftp"])
    user = "" if scheme == "redis" and rng.random() < 0.5 else rng.choice(["admin", "app", "deploy", "svc_user"])
    value = password(rng, symbols="!$&*+-._~")
    host = rng.choice(["db.internal.net", "cluster0.mongodb.net", "10.1.2.3", "cache.prod.corp.io"])
    prefix = rng.choice(["DATABASE_URL=", 'url = "', "# see "])
    suffix = '"\n' if prefix.startswith("url") else "\n"
    builder = Builder().add(f"{prefix}{scheme}://{user}:").secret(value, PASSWORD, "url_password")
    return builder.add(f"@{host}:5432/app{suffix}").build()


def _password_snippet(rng: random.Random) -> Snippet:
    name = rng.choice(["password", "db_password", "passwd", "db_pass", "mysql_root_password", "admin_password", "pwd"])
    snippet = assignment(rng, name, "\x00", PASSWORD, "password", unquoted_ok=True)
    before, after = snippet.text.split(b"\x00")
    if before.rstrip().endswith((b'"', b"'")):
        value = password(rng)
    else:  # unquoted (.env, YAML, INI): no comment sign, no separator, and a letter first as YAML wants
        value = rng.choice(string.ascii_letters) + password(rng, symbols="!%&+-.=?^_~")
    return Builder().add(before).secret(value, PASSWORD, "password").add(after).build()


def _api_key_snippet(rng: random.Random) -> Snippet:
    name = rng.choice(["api_key", "secret_key", "client_secret", "app_secret", "auth_token", "access_token", "apikey"])
    return assignment(rng, name, api_key_value(rng), KEY, "api_key")


def _aws_pair(rng: random.Random) -> Snippet:
    builder = Builder()
    style = rng.randrange(3)
    key_id, secret = aws_access_key_id(rng), aws_secret_key(rng)
    if style == 0:
        builder.add("[default]\naws_access_key_id = ").secret(key_id, KEY, "aws_access_key_id")
        builder.add("\naws_secret_access_key = ").secret(secret, KEY, "aws_secret_key").add("\n")
    elif style == 1:
        builder.add('AWS_ACCESS_KEY_ID="').secret(key_id, KEY, "aws_access_key_id")
        builder.add('"\nAWS_SECRET_ACCESS_KEY="').secret(secret, KEY, "aws_secret_key").add('"\n')
    else:
        builder.add("s3 = boto3.client('s3', aws_access_key_id='").secret(key_id, KEY, "aws_access_key_id")
        builder.add("',\n    aws_secret_access_key='").secret(secret, KEY, "aws_secret_key").add("')\n")
    return builder.build()


def _gcp_service_account(rng: random.Random) -> Snippet:
    project = "proj-" + pick(rng, string.digits, 6)
    builder = Builder().add('{\n  "type": "service_account",\n  "project_id": "' + project + '",\n')
    builder.add('  "private_key_id": "').secret(pick(rng, HEX, 40), KEY, "gcp_private_key_id").add('",\n')
    block = pem_block(rng, "PRIVATE KEY", newline="\\n") + "\\n"
    builder.add('  "private_key": "').secret(block[:-2], KEY, "gcp_private_key").add('\\n",\n')
    builder.add('  "client_email": "').secret(
        f"svc-{pick(rng, HEX, 6)}@{project}.iam.gserviceaccount.com", EMAIL, "email"
    )
    return builder.add('",\n  "token_uri": "https://oauth2.googleapis.com/token"\n}\n').build()


def _pem_snippet(rng: random.Random) -> Snippet:
    block = pem_block(rng)
    style = rng.randrange(3)
    if style == 0:
        return Builder().secret(block, KEY, "private_key").add("\n").build()
    if style == 1:
        return Builder().add('KEY = """').secret(block, KEY, "private_key").add('\n"""\n').build()
    return (
        Builder()
        .add("tls:\n  key: |\n    ")
        .secret(block.replace("\n", "\n    "), KEY, "private_key")
        .add("\n")
        .build()
    )


SNIPPETS: dict[str, Callable[[random.Random], Snippet]] = {
    "email": _email_snippet,
    "ipv4": lambda rng: _ip_snippet(rng, "ipv4"),
    "ipv6": lambda rng: _ip_snippet(rng, "ipv6"),
    "aws": _aws_pair,
    "gcp_service_account": _gcp_service_account,
    "github_token": _token_snippet(github_token, "github_token"),
    "github_pat": _token_snippet(github_pat, "github_pat"),
    "gitlab_token": _token_snippet(gitlab_token, "gitlab_token"),
    "slack_token": _token_snippet(slack_token, "slack_token"),
    "slack_webhook": lambda rng: assignment(rng, "slack_webhook_url", slack_webhook(rng), KEY, "slack_webhook"),
    "stripe_key": _token_snippet(stripe_key, "stripe_key"),
    "twilio_key": _token_snippet(twilio_key, "twilio_key"),
    "npm_token": _token_snippet(npm_token, "npm_token"),
    "pypi_token": _token_snippet(pypi_token, "pypi_token"),
    "openai_key": _token_snippet(openai_key, "openai_key"),
    "google_api_key": _token_snippet(google_api_key, "google_api_key"),
    "jwt": _token_snippet(jwt, "jwt"),
    "private_key": _pem_snippet,
    "url_password": _url_password,
    "password": _password_snippet,
    "api_key": _api_key_snippet,
}


def snippet(rng: random.Random, name: str | None = None) -> Snippet:
    return SNIPPETS[name or rng.choice(sorted(SNIPPETS))](rng)


def plant(text: bytes, snippets: list[Snippet], rng: random.Random) -> tuple[bytes, list[Secret]]:
    """`text` with each snippet inserted at the start of a random line; the secrets' offsets in the result."""
    if text and not text.endswith(b"\n"):
        text += b"\n"
    lines = [0] + [m.end() for m in re.finditer(b"\n", text)]
    points = sorted(rng.choice(lines) for _ in snippets)
    pieces, secrets, position, shift = [], [], 0, 0
    for point, piece in zip(points, snippets, strict=True):
        pieces.append(text[position:point])
        shift += point - position
        pieces.append(piece.text)
        secrets += [Secret(s.start + shift, s.end + shift, s.kind, s.family) for s in piece.secrets]
        shift += len(piece.text)
        position = point
    pieces.append(text[position:])
    return b"".join(pieces), secrets
