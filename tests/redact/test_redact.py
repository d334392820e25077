"""The redact library: planted fake secrets of every kind found and replaced in several formats, bytes
outside the findings unchanged, audit offsets and hashes, false positives left alone, pathological inputs
within a time limit, bounded memory, idempotence, and no planted value in any output. Nothing downloaded:
every secret is generated (pipeline/redact/plant.py) into the templates under data/."""

from __future__ import annotations

import argparse
import random
import re
import time
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import stage
from pipeline.config import UsageError
from pipeline.redact import KINDS, RedactSettings, output_schema, redact_batch, redact_batches, scan
from pipeline.redact import plant as fakes
from pipeline.redact.replace import TAGS, audit_hash

DATA = Path(__file__).parent / "data"
TEMPLATES = sorted(DATA.glob("*.tmpl"))
MARKER = re.compile(r"\{\{(\w+):(\w+)\}\}")
SALT = b"test-salt"
TIME_LIMIT = 5.0  # CPU seconds for one pathological content of about 1 MB (the real cost is well under 1 s)

GENERATORS = {
    "api_key": fakes.api_key_value,
    "password": fakes.password,
    "env_password": lambda rng: rng.choice("abcdefgh") + fakes.password(rng, symbols="!%&+-.=?^_~"),
    "url_password": lambda rng: fakes.password(rng, symbols="!$&*+-._~"),
    "ipv4": fakes.ipv4,
    "ipv6": fakes.ipv6,
    "email": fakes.email_address,
    "gcp_email": lambda rng: f"svc-{fakes.pick(rng, fakes.HEX, 6)}@demo-project-123.iam.gserviceaccount.com",
    "hex40": lambda rng: fakes.pick(rng, fakes.HEX, 40),
    "pem": fakes.pem_block,
    "pem_json": lambda rng: fakes.pem_block(rng, "PRIVATE KEY", newline="\\n"),
    "pem_yaml": lambda rng: fakes.pem_block(rng).replace("\n", "\n    "),
    **{
        name: getattr(fakes, name)
        for name in (
            "github_token",
            "github_pat",
            "gitlab_token",
            "slack_token",
            "slack_webhook",
            "stripe_key",
            "twilio_key",
            "npm_token",
            "pypi_token",
            "openai_key",
            "google_api_key",
            "aws_access_key_id",
            "aws_secret_key",
            "jwt",
        )
    },
}


def fill(template: str, rng: random.Random) -> tuple[bytes, list[tuple[int, int, str, bytes]]]:
    """The template with each {{kind:generator}} replaced by a generated value; (start, end, kind, value)."""
    out, secrets, position = bytearray(), [], 0
    for match in MARKER.finditer(template):
        out += template[position : match.start()].encode()
        value = GENERATORS[match.group(2)](rng).encode()
        secrets.append((len(out), len(out) + len(value), match.group(1), value))
        out += value
        position = match.end()
    out += template[position:].encode()
    return bytes(out), secrets


def batch_of(contents, **columns) -> pa.RecordBatch:
    data = {
        "id": [str(i) for i in range(len(contents))],
        "repo_name": [f"repo{i}" for i in range(len(contents))],
        "content": pa.array(contents, pa.binary()).view(pa.string()),
        "size_bytes": [None if c is None else len(c) for c in contents],
        **columns,
    }
    return pa.RecordBatch.from_pydict(data)


def contents(batch: pa.RecordBatch) -> list[bytes | None]:
    return [v.as_py() for v in batch.column("content").view(pa.binary())]


def filled_templates(seed: int = 0):
    rng = random.Random(seed)
    return [(path.name, *fill(path.read_text(), rng)) for path in TEMPLATES]


# ---- planted secrets in every format -------------------------------------------------------------------


@pytest.mark.parametrize("name, text, secrets", filled_templates(), ids=[p.name for p in TEMPLATES])
def test_planted_secrets_found_and_replaced(name, text, secrets):
    out = redact_batch(batch_of([text]), RedactSettings(salt="s"), SALT)
    redacted = contents(out)[0]
    audit = out.column("redactions").to_pylist()[0]
    for start, end, kind, value in secrets:
        assert value not in redacted, (name, kind)
        covering = [a for a in audit if a["start"] <= start and a["end"] >= end]
        assert covering and covering[0]["kind"] == kind, (name, kind, value[:6])
    # every finding is a planted secret (no false positives in the templates)
    for entry in audit:
        assert any(entry["start"] < end and start < entry["end"] for start, end, _, _ in secrets), entry
    # text outside the findings is unchanged byte for byte: rebuild the output from the audit
    rebuilt, position = b"", 0
    for entry in audit:
        rebuilt += text[position : entry["start"]] + TAGS[entry["kind"]]
        position = entry["end"]
    assert rebuilt + text[position:] == redacted
    for kind in KINDS:
        assert out.column(f"redacted_{kind}").to_pylist() == [sum(a["kind"] == kind for a in audit)]
    assert out.column("reason").to_pylist() == [None]


def test_every_planted_family_in_real_looking_text():
    rng = random.Random(7)
    base = (DATA / "negatives.txt").read_bytes()
    for family in sorted(fakes.SNIPPETS):
        for _ in range(20):
            text, secrets = fakes.plant(base, [fakes.snippet(rng, family)], rng)
            found = scan(text, KINDS, 1000)
            for secret in secrets:
                assert any(f.start <= secret.start and f.end >= secret.end for f in found), (family, secret)


def test_audit_offsets_and_salted_hashes():
    _, text, secrets = filled_templates(3)[0]
    out_a = redact_batch(batch_of([text]), RedactSettings(), b"salt-a").column("redactions").to_pylist()[0]
    out_b = redact_batch(batch_of([text]), RedactSettings(), b"salt-b").column("redactions").to_pylist()[0]
    assert len(out_a) == len(secrets)
    for entry, other in zip(out_a, out_b, strict=True):
        original = text[entry["start"] : entry["end"]]
        assert entry["hash"] == audit_hash(original, b"salt-a") and len(entry["hash"]) == 32
        assert other["hash"] != entry["hash"] and (other["start"], other["end"]) == (entry["start"], entry["end"])
        assert original.decode() not in entry["hash"]


def test_salt_from_settings_or_environment(monkeypatch):
    monkeypatch.setenv("CORPUS_REDACT_SALT", "from-env")
    assert RedactSettings().salt_bytes() == b"from-env"
    assert RedactSettings(salt="given").salt_bytes() == b"given"
    assert len(RedactSettings(salt="x" * 100).salt_bytes()) == 64
    monkeypatch.delenv("CORPUS_REDACT_SALT")
    assert RedactSettings().salt_bytes()  # the public default


# ---- false positives -----------------------------------------------------------------------------------


def test_lookalikes_are_not_findings():
    negatives = (DATA / "negatives.txt").read_bytes()
    assert scan(negatives, KINDS, 1000) == []
    out = redact_batch(batch_of([negatives]), RedactSettings(), SALT)
    assert contents(out) == [negatives]


@pytest.mark.parametrize(
    "line",
    [
        b'version = "1.2.3.4"',
        b"Version: 10.20.30.40",
        b"ip_range = 10.20.30.0/24",
        b'commit = "da39a3ee5e6b4b0d3255bfef95601890afd80709"',
        b'uuid = "f47ac10b-58cc-4372-a567-0e02b2c3d479"',
        b'data = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="',
        b"function a(b){return b.AKIAFOOBARBAZQUUXBAR_x}",
        b'"password": "password"',
        b"token: string;",
    ],
)
def test_single_lookalikes(line):
    assert scan(line + b"\n", KINDS, 100) == []


# ---- kinds, placeholders, idempotence ------------------------------------------------------------------


def test_kinds_are_switchable():
    _, text, secrets = filled_templates(1)[0]
    out = redact_batch(batch_of([text]), RedactSettings(kinds=("email",)), SALT)
    audit = out.column("redactions").to_pylist()[0]
    assert {a["kind"] for a in audit} == {"email"}
    assert out.column("redacted_key").to_pylist() == [0]
    for *_, kind, value in secrets:
        assert (value in contents(out)[0]) == (kind != "email")


@pytest.mark.parametrize("mode", ["tag", "fake"])
def test_rerun_is_a_no_op(mode):
    settings = RedactSettings(placeholder=mode)
    texts = [text for _, text, _ in filled_templates(2)]
    first = redact_batch(batch_of(texts), settings, SALT)
    second = redact_batch(first.select(["id", "repo_name", "content", "size_bytes"]), settings, SALT)
    assert contents(second) == contents(first)
    assert all(not a for a in second.column("redactions").to_pylist())


def test_fake_placeholders_keep_the_shape():
    rng = random.Random(4)
    token, email, address = fakes.github_token(rng), fakes.email_address(rng), fakes.ipv4(rng)
    text = f'token = "{token}"\n# by <{email}>\nhost = "{address}"\n'.encode()
    out = contents(redact_batch(batch_of([text]), RedactSettings(placeholder="fake"), SALT))[0].decode()
    fake_token = re.search(r'token = "([^"]+)"', out).group(1)
    assert fake_token.startswith(token[:4]) and len(fake_token) == len(token) and token not in out
    assert re.search(r"<x+@example\.com>", out)
    assert re.search(r'host = "192\.0\.2\.\d+"', out)


# ---- rows, columns, reasons ----------------------------------------------------------------------------


def test_schema_and_passthrough():
    texts = [b"nothing here\n", None, b"mail me: ab.cd@corp-mail.io\n"]
    batch = batch_of(texts, extra=[1, 2, 3])
    out = redact_batch(batch, RedactSettings(), SALT)
    assert out.schema == output_schema(batch.schema)
    assert out.schema.names[: len(batch.schema)] == batch.schema.names
    assert out.schema.field("redactions").type == pa.list_(
        pa.struct([("kind", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("hash", pa.string())])
    )
    assert out.column("extra").to_pylist() == [1, 2, 3]
    assert out.column("repo_name").equals(batch.column("repo_name"))
    assert contents(out) == [b"nothing here\n", None, b"mail me: <EMAIL>\n"]
    assert out.column("redacted_email").to_pylist() == [0, 0, 1]
    assert out.column("reason").to_pylist() == [None, None, None]
    # a second pass replaces the added columns instead of doubling them
    again = redact_batch(out, RedactSettings(), SALT)
    assert again.schema == out.schema


def test_unchanged_batch_keeps_its_content_column():
    batch = batch_of([b"a = 1\n", b"b = 2\n"])
    out = redact_batch(batch, RedactSettings(), SALT)
    assert out.column("content") is batch.column("content") or out.column("content").equals(batch.column("content"))


def test_large_string_content():
    batch = pa.RecordBatch.from_pydict(
        {"id": ["1"], "content": pa.array(["host 52.14.77.201 up\n"], pa.large_string())}
    )
    out = redact_batch(batch, RedactSettings(), SALT)
    assert out.schema.field("content").type == pa.large_string()
    assert out.column("content").to_pylist() == ["host <IP_ADDRESS> up\n"]


def test_drop_if_key_rejects_and_redacts():
    rng = random.Random(5)
    block = fakes.pem_block(rng).encode()
    text = b"# deploy key\n" + block + b"\n"
    settings = RedactSettings(drop_if_key=True, kinds=("email",))  # the block is redacted even so
    out = redact_batch(batch_of([text, b"plain\n"]), settings, SALT)
    assert out.column("reason").to_pylist() == ["secret:private_key", None]
    assert contents(out)[0] == b"# deploy key\n<KEY>\n"
    assert redact_batch(batch_of([text]), RedactSettings(), SALT).column("reason").to_pylist() == [None]


def test_too_large_and_too_many_findings_are_counted_rejects():
    settings = RedactSettings(max_content_bytes=1000, max_findings=3)
    emails = b"".join(b"user%d@corp-mail.io\n" % i for i in range(4))
    out = redact_batch(batch_of([b"x" * 1001, emails, emails[:60]]), settings, SALT)
    assert out.column("reason").to_pylist() == ["redact:too_large", "redact:too_many_findings", None]
    assert contents(out)[:2] == [None, None]
    assert out.column("redacted_email").to_pylist() == [0, 0, 3]


def test_settings_flags_and_checks():
    assert RedactSettings(kinds=("email,ip",)).kinds == ("email", "ip")
    assert RedactSettings(kinds="password, key").kinds == ("key", "password")
    with pytest.raises(UsageError):
        RedactSettings(kinds=("email", "phone"))
    with pytest.raises(UsageError):
        RedactSettings(placeholder="stars")
    parser = argparse.ArgumentParser()
    stage.add_arguments(parser, RedactSettings)
    values = vars(parser.parse_args(["--kinds", "email,ip", "--drop-if-key", "--placeholder", "fake"]))
    settings = stage.from_values(RedactSettings, values)
    assert (settings.kinds, settings.drop_if_key, settings.placeholder) == (("email", "ip"), True, "fake")
    assert stage.from_values(RedactSettings, {}).kinds == KINDS
    assert "salt" not in stage.fingerprint(settings) and "kinds" in stage.fingerprint(settings)
    with pytest.raises(UsageError):
        stage.from_values(RedactSettings, {"max_findings": 0})


# ---- bad input -----------------------------------------------------------------------------------------

MEGABYTE = 1 << 20
PATHOLOGICAL = {
    "a@a@": b"a@" * (MEGABYTE // 2),
    "equals": b"=" * MEGABYTE,
    "password=": b"password=" * (MEGABYTE // 9),
    "quoted keys": b'"api_key": "' * (MEGABYTE // 12),
    "dots and digits": b"1.2." * (MEGABYTE // 4),
    "colons": b"2001:" * (MEGABYTE // 5),
    "double colons": b"::" * (MEGABYTE // 2),
    "begin markers": b"-----BEGIN RSA PRIVATE KEY-----\n" * (MEGABYTE // 32),
    "begin without end": b"-----BEGIN PRIVATE KEY-----\n" + b"QUJD" * (MEGABYTE // 4),
    "many begins, one end": b"-----BEGIN RSA PRIVATE KEY-----\nQUJD\n" * (MEGABYTE // 37)
    + b"-----END RSA PRIVATE KEY-----\n",
    "code between markers": b'<<"-----BEGIN RSA PRIVATE KEY-----">>; f(x) -> {ok, x};\n' * (MEGABYTE // 56)
    + b"-----END RSA PRIVATE KEY-----\n",
    "jwt starts": b"eyJhbGciOiJIUzI1NiJ9." * (MEGABYTE // 21),
    "prefixes": b"AKIAghp_sk-xoxb-glpat-" * (MEGABYTE // 22),
    "url schemes": b"a://b:c" * (MEGABYTE // 7),
    "one long token": b"ghp_" + b"a" * MEGABYTE,
    "long local part": b"a" * MEGABYTE + b"@corp-mail.io",
    "NUL bytes": b"\x00" * MEGABYTE,
    "binary": random.Random(0).randbytes(MEGABYTE),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs_finish_in_time(name):
    data = PATHOLOGICAL[name]
    started = time.process_time()
    out = redact_batch(batch_of([data]), RedactSettings(), SALT)
    assert time.process_time() - started < TIME_LIMIT
    assert out.num_rows == 1


def test_nul_bytes_and_invalid_utf8_pass_through():
    rng = random.Random(6)
    token = fakes.github_token(rng).encode()
    # an encoded surrogate (invalid UTF-8) and NULs around a secret: the bytes around it stay as they were
    text = b"\x00\x00 \xed\xa0\x80 lone surrogate, \xff\xfe bad bytes; token=" + token + b"\x00 end\n"
    offsets = pa.array([0, len(text)], pa.int32())
    content = pa.Array.from_buffers(pa.string(), 1, [None, offsets.buffers()[1], pa.py_buffer(text)])
    batch = pa.RecordBatch.from_arrays([pa.array(["1"]), content], names=["id", "content"])
    out = redact_batch(batch, RedactSettings(), SALT)
    redacted = contents(out)[0]
    assert redacted == text.replace(token, b"<KEY>")
    assert out.column("redactions").to_pylist()[0][0]["start"] == text.index(token)


def test_ten_megabyte_line_in_bounded_memory():
    rng = random.Random(8)
    token = fakes.stripe_key(rng).encode()
    line = b"x = [" + b"1, " * (10 * MEGABYTE // 3) + b'"' + token + b'"]\n'
    batch = batch_of([line])
    tracemalloc.start()
    started = time.process_time()
    out = redact_batch(batch, RedactSettings(), SALT)
    seconds = time.process_time() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert token not in contents(out)[0] and contents(out)[0].endswith(b'"<KEY>"]\n')
    assert seconds < 10 * TIME_LIMIT
    assert peak < 8 * len(line)  # a few copies of the row, nothing per byte or per candidate


def test_hundred_megabyte_file_is_a_counted_reject():
    data = b"a" * (100 * MEGABYTE)
    tracemalloc.start()
    out = redact_batch(batch_of([data]), RedactSettings(), SALT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert out.column("reason").to_pylist() == ["redact:too_large"]
    assert contents(out) == [None]
    assert peak < 2 * len(data)


# ---- nothing of a planted value anywhere -----------------------------------------------------------------


def test_no_planted_value_in_any_output_file(tmp_path, capsys):
    filled = filled_templates(9)
    texts = [text for _, text, _ in filled]
    values = [value for _, _, secrets in filled for *_, value in secrets]
    key_file = b"-----BEGIN OPENSSH PRIVATE KEY-----\n" + b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ" * 8
    key_file += b"\n-----END OPENSSH PRIVATE KEY-----\n"
    values.append(key_file[40:100])
    texts.append(key_file)
    for mode in ("tag", "fake"):
        settings = RedactSettings(placeholder=mode, drop_if_key=True, max_content_bytes=3000)
        batches = list(redact_batches(iter([batch_of(texts[:4]), batch_of(texts[4:])]), settings))
        table = pa.Table.from_batches(batches)
        kept = table.filter(pa.compute.is_null(table.column("reason")))
        rejects = table.filter(pa.compute.is_valid(table.column("reason")))
        audit = table.select(["id", "redactions"]).to_pylist()
        pq.write_table(kept.drop_columns(["redactions"]), tmp_path / f"{mode}.parquet", compression="none")
        pq.write_table(rejects, tmp_path / f"{mode}_rejects.parquet", compression="none", use_dictionary=False)
        (tmp_path / f"{mode}_audit.txt").write_text(repr(audit))
        (tmp_path / f"{mode}_content.bin").write_bytes(b"\n".join(c or b"" for c in contents(batches[0])))
        assert set(rejects.column("reason").to_pylist()) <= {"secret:private_key", "redact:too_large"}
    logs = capsys.readouterr()
    written = [path.read_bytes() for path in tmp_path.iterdir()] + [logs.out.encode(), logs.err.encode()]
    for value in values:
        assert not any(value in blob for blob in written), value[:8]
