"""Secrets assigned to secret-sounding names: `password = "..."`, `"api_key": "..."`, `DB_PASS=...`.

A name is one run of `[A-Za-z0-9_-]` (the last part of a dotted name) split into words (snake, kebab and
camel case). It is a password name when a word is password/passwd/pwd/pass/passphrase/passcode/... (kind
`password`), a key name when a word is secret/token or `<qualifier> key` (api, access, secret, private,
auth, client, ...: kind `key`). Operators: `=`, `:`, `:=`, `=>`, a call `name("...")`, and an annotated
`name: type = "..."`. The value is quoted, or (config-file style: the name starts its line, as in .env,
YAML, INI, .properties, Dockerfile ENV) unquoted to the end of the line.

Redacted: values of at least 6 (password) or 12 (key; unquoted: 16) bytes with two or more character
classes (upper, lower, digit, symbol) that are not words (letters alone count only in random case:
`fUNiBJScCvGhOhlETyaM`); 40 base64 characters (an AWS secret access key) assigned to a key name; for GCP
`private_key_id`, 40 hex digits.
Not redacted: names meaning something about the secret (`password_length`, `token_type`, `secret_name`,
`api_key_header`, `is_password`, `publicKeyToken`...); comparisons (`==`); values that are identifiers or
words without digits (`IDENT`, `YOUR_API_KEY`, `my-secret-name`: human passwords made of words alone are
missed), constants (`FORBIDDEN_VALUE2`), numbers, versions, paths, URLs, file names, templates and
references (`${X}`, `{{x}}`, `%s`, `$X`, `os.environ`), placeholders (`<...>`, `***`, only x/X/0),
password hashes (`pbkdf2_sha256$...`, `$2b$...`), concatenations (`"+token+"`), values with white space
or backslashes; a call `name("...")` (no space before the parenthesis) unless the name ends with the
secret word (`setPassword("...")` yes, `identity_pass_phrase('rsa-sha2-512')` no).
"""

from __future__ import annotations

import re

from pipeline.redact.findings import KEY, PASSWORD, TOKEN_TABLE, Finding, is_tag, looks_fake

ANCHORS = (b"pass", b"pwd", b"secret", b"token", b"key", b"contrase")
WORDS = re.compile(rb"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
PASSWORD_WORDS = frozenset(
    b"password passwd pwd pass passphrase passcode passwort contrasena contrasenya senha dbpass dbpasswd rootpass "
    b"adminpass userpass sqlpass mysqlpass keypass storepass".split()
)
KEY_WORDS = frozenset(b"secret token".split())
KEY_QUALIFIERS = frozenset(
    b"api access secret private priv auth client app master signing encryption aws consumer service account db "
    b"database storage subscription ssh session license webhook".split()
)
COMPOUND_KEYS = frozenset(q + b"key" for q in KEY_QUALIFIERS if q != b"license") | frozenset(
    b"clientsecret apisecret appsecret consumersecret authtoken accesstoken apitoken refreshtoken sessiontoken "
    b"bearertoken secrettoken csrftoken oauthtoken idtoken".split()
)
# a word after the secret word that makes the name about the secret, not the secret itself
META_AFTER = frozenset(
    b"type types name names label labels field fields prompt placeholder hint help length len size count max min "
    b"file path dir url uri endpoint env var vars id ids hash hashed digest regex re pattern format fmt header "
    b"headers prefix suffix expiry expires expiration expire ttl timeout policy mode kind class index idx pos "
    b"start end list map set ref source src provider store manager handler validator error errors message msg "
    b"text title description desc input box button reset change required enabled location loc offset range "
    b"stream reader writer parser filter rule rules option options param params attr attribute column col key "
    b"keys arn version number num bytes bits char chars startswith endswith contains icontains exact iexact "
    b"isnull".split()  # the last ones: Django lookups, `password__startswith='sha1$'`
)
META_BEFORE = frozenset(
    b"is has use show hide toggle check validate verify reset forgot min max no require get load read fetch find "
    b"lookup generate create delete remove parse encode decode hash hashed encrypt decrypt public injection "
    b"cancellation current next prev previous last first lexer parser syntax".split()
)

OPERATOR = re.compile(rb"\(|[\"'`\]]{0,2}[ \t]{0,16}(?::=|=>|=(?![=~>])|:(?![:=]))[ \t]{0,16}")
ANNOTATED = re.compile(  # `password: str = "..."`, `token: string = '...'`: then only a quoted value
    rb"[\"'`]?[ \t]{0,4}:[ \t]{0,4}[A-Za-z_][A-Za-z0-9_.\[\]|?]{0,40}[ \t]{0,4}=(?![=~>])[ \t]{0,16}"
)
QUOTED = re.compile(rb"([\"'`])([^\"'`\s\\]{1,512})\1")
UNQUOTED = re.compile(rb"([^\s\"'`,;(){}\[\]<>]{1,256})[ \t]*(?=\r|\n|\Z|#)")
CONFIG_LINE = re.compile(rb"[ \t]*(?:(?:export|ENV|ARG|set)[ \t]+|-[ \t]+|--|\$)?(?:[A-Za-z0-9_-]{1,64}\.){0,8}")
IDENTIFIER = re.compile(rb"[A-Za-z_]+(?:[.\-/:][A-Za-z_]+)*")
NUMBER = re.compile(rb"[0-9.,:_+ -]+|0[xX][0-9a-fA-F]+|v?[0-9]+(?:\.[0-9]+)+(?:[-+.][0-9A-Za-z.]+)?")
FILENAME = re.compile(rb"[\w.-]+\.(?:pem|key|crt|cer|p12|pfx|jks|json|txt|env|ya?ml|cfg|conf|ini|toml|xml|gpg|asc)")
HEX40 = re.compile(rb"[0-9a-f]{40}")
CONSTANT = re.compile(rb"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
PASSWORD_HASHES = (b"pbkdf2_", b"argon2", b"bcrypt", b"scrypt", b"sha1$", b"md5$", b"crypt$", b"$2a$", b"$2b$")
PASSWORD_HASHES += (b"$2y$", b"$argon2", b"$1$", b"$5$", b"$6$", b"$y$", b"{SSHA}", b"{SHA}", b"{CRYPT}")
AWS_SECRET = re.compile(rb"[A-Za-z0-9/+]{40}")
REFERENCE_START = frozenset(b"{($")
TEMPLATE = re.compile(
    rb"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(.*\)|%\(?[A-Za-z_]*\)?[sdr]|%[A-Za-z_]+%|\{[A-Za-z_][A-Za-z0-9_.]*\}|[*.]+"
)
PATH = re.compile(rb"(?:~|\.{1,2})?(?:/[A-Za-z0-9_.@-]*){1,64}|(?:[A-Za-z]:)?(?:\\[A-Za-z0-9_. -]+){1,64}")
NON_SECRETS = frozenset(
    b"true false null none nil undefined password passwd secret changeme required optional string bearer basic "
    b"example sample dummy placeholder redacted hidden masked".split()
)
MIN_BYTES = {PASSWORD: 6, KEY: 12}
MIN_UNQUOTED_BYTES = {PASSWORD: 6, KEY: 16}  # an unquoted 12-byte "key" is more often a symbol (`asn1_NOVALUE`)


def find_assigned_secrets(data: bytes, out: list, passwords: bool = True, keys: bool = True) -> None:
    """Append a Finding (the value's span, quotes excluded) for every secret assigned to a secret name."""
    lower = data.lower()  # ASCII only: same length, same offsets
    shape = data.translate(TOKEN_TABLE)
    seen: set[int] = set()
    for anchor in ANCHORS:
        at = lower.find(anchor)
        while at >= 0:
            start, end = _name_bounds(shape, at)
            at = lower.find(anchor, max(at + 1, end))
            if start < 0 or start in seen:
                continue
            seen.add(start)
            kind = name_kind(data[start:end])
            if kind is None or (kind == PASSWORD and not passwords) or (kind == KEY and not keys):
                continue
            found = _value(data, start, end, kind)
            if found is not None:
                out.append(found)


def _name_bounds(shape: bytes, at: int) -> tuple[int, int]:
    low = max(0, at - 64)
    before = shape.rfind(b" ", low, at)
    if before < 0 and low > 0:
        return -1, at + 1  # a name longer than 64 bytes: not a variable name
    end = shape.find(b" ", at, at + 64)
    if end < 0:
        if at + 64 < len(shape):
            return -1, at + 64
        end = len(shape)
    return before + 1, end


def name_kind(name: bytes) -> str | None:
    """`password`, `key` or None for a variable name (`DB_PASSWORD`, `apiKey`, `client-secret`, `tokenizer`)."""
    words = [w.lower() for w in WORDS.findall(name)]
    kind, where = None, -1
    for index, word in enumerate(words):
        if word in PASSWORD_WORDS or word.endswith((b"password", b"passwd")):
            kind, where = PASSWORD, index
        elif (
            word in KEY_WORDS
            or word in COMPOUND_KEYS
            or (word == b"key" and index > 0 and words[index - 1] in KEY_QUALIFIERS)
        ):
            kind, where = kind or KEY, index  # `where`: the last secret word (`secret_key`: `key`)
    if kind is None:
        return None
    if words[-2:] == [b"key", b"id"] and b"private" in words:
        return "private_key_id"
    if any(w in META_AFTER for w in words[where + 1 :]) or any(w in META_BEFORE for w in words[:where]):
        return None
    return kind


def _value(data: bytes, start: int, end: int, kind: str) -> Finding | None:
    span = _value_span(data, start, end)
    if span is None:
        return None
    value_start, value_end, quoted = span
    value = data[value_start:value_end]
    if kind == "private_key_id":
        return Finding(value_start, value_end, KEY, "private_key_id") if HEX40.fullmatch(value) else None
    if not secret_value(value, kind, quoted) or (not quoted and len(value) < MIN_UNQUOTED_BYTES[kind]):
        return None
    return Finding(value_start, value_end, kind, f"{kind}_assignment")


def _value_span(data: bytes, start: int, end: int) -> tuple[int, int, bool] | None:
    """(start, end, quoted) of the value assigned to the name at data[start:end], if any."""
    operator = OPERATOR.match(data, end)
    if operator is not None:
        call = data[operator.end() - 1 : operator.end()] == b"("
        quoted = QUOTED.match(data, operator.end())
        if quoted is not None and (not call or _ends_with_secret_word(data[start:end])):
            return quoted.start(2), quoted.end(2), True
        if not call and _config_line(data, start):
            unquoted = UNQUOTED.match(data, operator.end())
            if unquoted is not None:
                return unquoted.start(1), unquoted.end(1), False
    annotated = ANNOTATED.match(data, end)
    if annotated is not None:
        quoted = QUOTED.match(data, annotated.end())
        if quoted is not None:
            return quoted.start(2), quoted.end(2), True
    return None


def _ends_with_secret_word(name: bytes) -> bool:
    """`setPassword`, `make_password`, `api_key`: a call `name("...")` passes the secret itself (not
    `identity_pass_phrase('rsa-sha2-512')`)."""
    words = WORDS.findall(name)
    return bool(words) and name_kind(words[-1]) is not None


def _config_line(data: bytes, name_start: int) -> bool:
    line_start = data.rfind(b"\n", max(0, name_start - 256), name_start) + 1
    return CONFIG_LINE.fullmatch(data, line_start, name_start) is not None


def secret_value(value: bytes, kind: str, quoted: bool = True) -> bool:
    """Whether `value`, assigned to a password (kind password) or key name, looks like a real secret."""
    if len(value) < MIN_BYTES[kind] or looks_fake(value) or is_tag(value) or value.lower() in NON_SECRETS:
        return False
    classes = _classes(value)
    if kind == KEY and classes >= 3 and AWS_SECRET.fullmatch(value):
        return True  # 40 base64 characters: an AWS secret access key, whatever its first character
    if TEMPLATE.fullmatch(value) or (value[:1] == b"$" and value[1] in REFERENCE_START):
        return False  # a reference: $VAR, ${VAR}, $(make var)/x, $$make_shell_var
    if b"${" in value or b"$(" in value or b"{{" in value or b"#{" in value or b"%s" in value:
        return False  # a reference or template: $VAR, ${VAR}, %(name)s, {{ var }}, #{var}, %VAR%
    if (value[:1] == b"+" and value[-1:] == b"+") or (not quoted and value[:1] in b"*&!@|>"):
        return False  # a concatenation (`"+token+"`), a YAML alias/tag/block marker
    if b"%(" in value or b"://" in value or PATH.fullmatch(value):
        return False  # a URL, a path
    if (IDENTIFIER.fullmatch(value) and not _random_case(value)) or NUMBER.fullmatch(value):
        return False
    if FILENAME.fullmatch(value) or CONSTANT.fullmatch(value) or value.startswith(PASSWORD_HASHES):
        return False  # a file name, a constant (`FORBIDDEN_VALUE2`), a password hash (`pbkdf2_sha256$...`)
    return len(set(value)) >= 4 and classes >= 2


def _random_case(value: bytes) -> bool:
    """Letters in random case (`fUNiBJScCvGhOhlETyaMsBUn`), not words in camel case or acronyms
    (`getUserPassword`, `XMLHttpRequestFactory`, `myAPIKeyForProd`): split into camel-case words, two or
    more of them (the first aside) have one or two letters, and two or more upper-case letters follow one
    another (not `ComponentFixtureNoNgZone`, `this_is_not_a_secret`)."""
    if len(value) < 16:
        return False
    short = sum(1 for word in WORDS.findall(value)[1:] if len(word) <= 2)
    uppers = sum(1 for a, b in zip(value, value[1:], strict=False) if 65 <= a <= 90 and 65 <= b <= 90)
    return short >= 2 and uppers >= 2


def _classes(value: bytes) -> int:
    """How many of upper, lower, digit, other a value uses."""
    return (
        any(65 <= c <= 90 for c in value)
        + any(97 <= c <= 122 for c in value)
        + any(48 <= c <= 57 for c in value)
        + any(not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) for c in value)
    )
