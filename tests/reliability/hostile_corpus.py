"""A hostile input corpus, generated (never checked in): repositories and WARCs that try to escape the
output folder, exhaust memory or time, or crash a parser. `build_corpus(root)` writes it; the expected
outcome of each case is in tests/reliability/test_hostile.py.

Big cases cost little disk or time: the 4 GiB file is sparse (os.truncate), and the gzip bombs are
written as deflate blocks of zeros repeated (a full flush resets the compressor, so one 1 MiB block's
output is the output of every later one): a 4 GiB bomb is ~4 MB, written in well under a second.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

GIB = 1 << 30
MIB = 1 << 20
BLOCK = MIB  # zeros per repeated deflate block

MAIN_PY = (
    '"""A small module that is kept by every stage."""\n\nimport os\n\n\n'
    "def greeting(name: str) -> str:\n    return f'hello {name} from {os.name}'\n"
)


def _zero_block() -> bytes:
    """Raw deflate output of BLOCK zero bytes after a full flush (the same for every block)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressor.compress(b"")
    compressor.flush(zlib.Z_FULL_FLUSH)
    first = compressor.compress(bytes(BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    second = compressor.compress(bytes(BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert first == second, "zlib's output after a full flush depends on earlier input"
    return first


class _ZeroCrc:
    """CRC-32 after appending BLOCK zero bytes, without hashing them: crc32(zeros, c) is affine in c
    over GF(2), so 33 hashes of the block give its matrix, and each later block costs 32 xors."""

    def __init__(self):
        zeros = bytes(BLOCK)
        self.offset = zlib.crc32(zeros, 0)
        self.columns = [zlib.crc32(zeros, 1 << bit) ^ self.offset for bit in range(32)]

    def __call__(self, crc: int) -> int:
        out = self.offset
        for bit, column in enumerate(self.columns):
            if crc >> bit & 1:
                out ^= column
        return out


class GzipBombWriter:
    """A gzip stream written piece by piece: ordinary bytes, and runs of zeros of any size written as
    repeated compressed blocks (memory and time do not grow with the run)."""

    def __init__(self, handle):
        self.handle = handle
        self.crc = 0
        self.size = 0
        self.compressor = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.zero_block = _zero_block()
        self.zero_crc = _ZeroCrc()
        handle.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")  # magic, deflate, no name, mtime 0

    def write(self, data: bytes) -> None:
        self.handle.write(self.compressor.compress(data) + self.compressor.flush(zlib.Z_FULL_FLUSH))
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)

    def write_zeros(self, count: int) -> None:
        blocks, rest = divmod(count, BLOCK)
        for _ in range(blocks):
            self.handle.write(self.zero_block)
            self.crc = self.zero_crc(self.crc)
        self.size += blocks * BLOCK
        if rest:
            self.write(bytes(rest))

    def close(self) -> None:
        self.handle.write(self.compressor.flush(zlib.Z_FINISH))
        self.handle.write(self.crc.to_bytes(4, "little") + (self.size & 0xFFFFFFFF).to_bytes(4, "little"))


def _tar_header(name: str, size: int, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.linkname, info.mode = size, kind, linkname, 0o644
    return info.tobuf(tarfile.GNU_FORMAT)


def _tar_member(name: str, data: bytes) -> bytes:
    """A ustar header and data (names under 100 bytes; ~20x faster than TarInfo.tobuf for 100k files)."""
    header = bytearray(tarfile.BLOCKSIZE)
    encoded = name.encode()
    assert len(encoded) < 100
    header[0 : len(encoded)] = encoded
    for at, value in (
        (100, b"0000644\0"),
        (108, b"0000000\0"),
        (116, b"0000000\0"),
        (124, b"%011o\0" % len(data)),
        (136, b"00000000000\0"),
        (148, b" " * 8),
        (156, b"0"),
        (257, b"ustar\x0000"),
    ):
        header[at : at + len(value)] = value
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header) + data + bytes(-len(data) % tarfile.BLOCKSIZE)


def write_tar_bomb(path: Path, bomb_bytes: int) -> None:
    """A GitHub-style .tar.gz: a README, a member of `bomb_bytes` zeros, then a Python file."""
    with open(path, "wb") as handle:
        writer = GzipBombWriter(handle)
        writer.write(_tar_member("bomb-main/README.md", b"# bomb\n\nA repository with a very large member.\n"))
        writer.write(_tar_header("bomb-main/zeros.txt", bomb_bytes))
        writer.write_zeros(bomb_bytes + (-bomb_bytes % tarfile.BLOCKSIZE))
        writer.write(_tar_member("bomb-main/after.py", MAIN_PY.encode()))
        writer.write_zeros(2 * tarfile.BLOCKSIZE)  # end-of-archive marker
        writer.close()


def write_gzip_bomb(path: Path, bomb_bytes: int, prefix: bytes = b"") -> None:
    with open(path, "wb") as handle:
        write_gzip_bomb_to(handle, bomb_bytes, prefix)


def write_gzip_bomb_to(handle, bomb_bytes: int, prefix: bytes = b"") -> None:
    writer = GzipBombWriter(handle)
    if prefix:
        writer.write(prefix)
    writer.write_zeros(bomb_bytes)
    writer.close()


# ---- repositories ------------------------------------------------------------------------------


def nested(open_line: str, close_line: str, depth: int, middle: str = "1\n") -> str:
    return open_line * depth + middle + close_line * depth


def deep_files(depth: int) -> dict[str, str]:
    """Files nested `depth` deep (each line short, with letters: they pass the filter and reach the
    repository-samples stage's parsers). Identifiers differ per file so dedup keeps them apart."""
    return {
        "deep/calls.py": "import os\nvalue = (\n" + nested("pa(\n", ")\n", depth) + ")\n",
        "deep/calls.js": "import x from './x.js';\nconst v =\n" + nested("jb(\n", ")\n", depth) + ";\n",
        "deep/calls.c": "#include <stdio.h>\nint f(void) { return\n" + nested("cc(\n", ")\n", depth) + "; }\n",
        "deep/chain.js": "import y from './x.js';\nif (a) q();\n" + "else if (ej) qz();\n" * (depth // 3),
        "deep/uses.rs": "use " + nested("rsd::{\n", "}\n", depth, "x\n") + ";\nfn main() {}\n",
        "deep/Array.java": "package deep;\nclass Array { int x =\n" + nested("jv(\n", ")\n", depth) + "; }\n",
        "deep/data.json": nested("[\n", "]\n", depth),
        "Cargo.toml": '[package]\nname = "deep"\n\n[metadata]\nnest = [\n' + nested('["tomlx",\n', "]\n", 3000) + "]\n",
        "tsconfig.json": '{"compilerOptions":\n' + nested('{"ts":\n', "}\n", 3000) + "}\n",
        "x.js": "export const x = 1;\nexport default function hello() { return 'hello world'; }\n",
    }


def write_files_repo(root: Path, canary: str, depth: int, long_line_bytes: int) -> None:
    """A plain folder: links out of the repository, a sparse 4 GiB file, bad encodings, odd names,
    deeply nested sources and a file that is one very long line."""
    root.mkdir(parents=True)
    texts = {"main.py": MAIN_PY, **deep_files(depth)}
    for name, text in texts.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "utf16.py").write_bytes(
        ("# -*- coding: utf-16 -*-\n" + MAIN_PY.replace("greeting", "utf16_greeting")).encode("utf-16")
    )
    (root / "latin1.py").write_bytes(b"# caf\xe9 cr\xe8me\nNAME = 'caf\xe9'\n")
    (root / "nul.c").write_bytes(b"int main(void) { return 0; }\n\0\0\0binary tail\n")
    os.symlink("/etc/passwd", root / "passwd")
    os.symlink("/etc", root / "etc_dir")
    os.symlink("../../..", root / f"{canary}_up")
    with open(root / "sparse.txt", "wb") as handle:
        handle.truncate(4 * GIB)
    (root / "newline\nname.py").write_text("NEWLINE_IN_NAME = 'a file whose name holds a newline'\n")
    with open(os.path.join(os.fsencode(root), b"bad\xffname.py"), "w") as handle:
        handle.write("BAD_NAME = 'a file whose name is not UTF-8'\n")
    write_long_line(root / "long_line.js", long_line_bytes)
    write_gzip_bomb(root / "bomb.txt.gz", GIB // 4)  # 260 KB: under --max-file-bytes, so its content is looked at
    write_gzip_bomb(root / "bomb_no_extension", GIB // 4)


def write_long_line(path: Path, size: int) -> None:
    words = b"lorem ipsum dolor sit amet consectetur adipiscing elit "
    with open(path, "wb") as handle:
        handle.write(b"const text = '")
        chunk = words * (MIB // len(words))
        written = 0
        while written < size:
            handle.write(chunk[: size - written])
            written += len(chunk)
        handle.write(b"';\n")


def write_zip_slip(path: Path, canary: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("slip-main/main.py", MAIN_PY.replace("greeting", "zip_greeting"))
        archive.writestr(f"slip-main/../../{canary}_zip_up.py", "ESCAPED = True\n")
        archive.writestr(f"../{canary}_zip_parent.py", "ESCAPED = True\n")
        archive.writestr(f"/tmp/{canary}_zip_absolute.py", "ESCAPED = True\n")
        archive.writestr(f"C:/{canary}_zip_drive.py", "ESCAPED = True\n")
        link = zipfile.ZipInfo("slip-main/passwd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")


def write_tar_slip(path: Path, canary: str) -> None:
    with tarfile.open(path, "w:gz") as archive:

        def add(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, linkname: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.size, info.type, info.linkname = len(data), kind, linkname
            archive.addfile(info, io.BytesIO(data) if data else None)

        add("slip-main/main.py", MAIN_PY.replace("greeting", "tar_greeting").encode())
        add(f"slip-main/../../{canary}_tar_up.py", b"ESCAPED = True\n")
        add(f"/tmp/{canary}_tar_absolute.py", b"ESCAPED = True\n")
        add("slip-main/passwd", kind=tarfile.SYMTYPE, linkname="/etc/passwd")
        add("slip-main/passwd_hard", kind=tarfile.LNKTYPE, linkname="/etc/passwd")
        add("slip-main/up", kind=tarfile.SYMTYPE, linkname="../../..")
        # Through the link above, extraction would write outside; read in place it is an ordinary file.
        add(f"slip-main/up/{canary}_through_link.py", b"THROUGH_LINK = 'read in place, never extracted'\n")
        add("slip-main/fifo", kind=tarfile.FIFOTYPE)
        add("slip-main/device", kind=tarfile.CHRTYPE)


MANY_KEPT_EVERY = 20  # one tiny file in 20 is long enough to pass the filter (too_short: < 20 characters)


def write_many_files(path: Path, count: int) -> None:
    """A .tar.gz repository of `count` tiny Python files, 1,000 per package folder (as an archive: creating
    100k files on a loaded disk takes longer than reading them)."""
    with open(path, "wb") as handle:
        writer = GzipBombWriter(handle)
        pending = []
        for number in range(count):
            text = (
                f"def function_{number:06d}(): return {number}\n"
                if number % MANY_KEPT_EVERY == 0
                else f"X = {number}\n"
            ).encode()
            pending.append(_tar_member(f"many-main/pkg{number // 1000:03d}/m{number:06d}.py", text))
            if len(pending) == 1000:
                writer.write(b"".join(pending))
                pending = []
        writer.write(b"".join(pending) + bytes(2 * tarfile.BLOCKSIZE))
        writer.close()


# ---- WARCs -------------------------------------------------------------------------------------

PAGE_TEXT = (
    "This page explains how to read a file line by line in Python, with a short example that "
    "prints every line of the file together with its number. "
)


def html(title: str, paragraphs: int = 4, extra: str = "") -> bytes:
    body = "".join(f"<p>{PAGE_TEXT}{title} part {n}.</p>" for n in range(paragraphs))
    code = (
        "<pre><code>with open(path) as handle:\n    for number, line in enumerate(handle):\n"
        "        print(number, line)</code></pre>"
    )
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{body}{extra}{code}</article></body></html>"
    ).encode()


def warc_record(
    url: str,
    body: bytes,
    http_headers: str = "Content-Type: text/html; charset=utf-8",
    declared_length: int | None = None,
    number: int = 0,
) -> bytes:
    block = f"HTTP/1.1 200 OK\r\n{http_headers}\r\n\r\n".encode() + body
    header = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
        f"WARC-Date: 2024-01-01T00:00:{number % 60:02d}Z\r\nWARC-Record-ID: <urn:uuid:hostile-{number:06d}>\r\n"
        f"Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(block) if declared_length is None else declared_length}\r\n\r\n"
    )
    return header.encode() + block + b"\r\n\r\n"


def good_records(host: str, count: int, start: int = 0) -> list[bytes]:
    return [
        warc_record(f"https://{host}/page/{start + n}", html(f"{host} page {start + n}"), number=start + n)
        for n in range(count)
    ]


def write_warc(path: Path, records: list[bytes]) -> list[int]:
    """One gzip member per record (as Common Crawl); returns each record's offset."""
    offsets = []
    with open(path, "wb") as handle:
        for record in records:
            offsets.append(handle.tell())
            handle.write(gzip.compress(record, mtime=0))
    return offsets


def write_warc_http_bomb(path: Path, bomb_bytes: int) -> None:
    """A record whose HTTP body is `Content-Encoding: gzip` and inflates to `bomb_bytes`."""
    buffer = io.BytesIO()
    write_gzip_bomb_to(buffer, bomb_bytes, prefix=b"<html><body><p>")
    records = (
        good_records("bomb.example.com", 1)
        + [
            warc_record(
                "https://bomb.example.com/bomb",
                buffer.getvalue(),
                "Content-Type: text/html\r\nContent-Encoding: gzip",
                number=1,
            )
        ]
        + good_records("bomb.example.com", 1, start=2)
    )
    write_warc(path, records)


def write_warc_record_bomb(path: Path, bomb_bytes: int) -> None:
    """A gzip member holding one record of `bomb_bytes` (an HTML body of zeros), then a good record."""
    header = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://bomb.example.com/huge-record\r\n"
        "WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:hostile-bomb>\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
    )
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
    with open(path, "wb") as handle:
        handle.write(gzip.compress(good_records("bigrecord.example.com", 1)[0], mtime=0))
        writer = GzipBombWriter(handle)
        writer.write(header.encode() + f"Content-Length: {len(http) + bomb_bytes}\r\n\r\n".encode() + http)
        writer.write_zeros(bomb_bytes)
        writer.write(b"\r\n\r\n")
        writer.close()
        handle.write(gzip.compress(good_records("bigrecord.example.com", 1, start=1)[0], mtime=0))


def write_warcs(folder: Path, image_bytes: int, warc_bomb_bytes: int) -> None:
    folder.mkdir(parents=True)
    # Cut in the middle of the fourth record.
    records = good_records("truncated.example.com", 4)
    data = b"".join(gzip.compress(r, mtime=0) for r in records)
    last = len(gzip.compress(records[3], mtime=0))
    (folder / "truncated.warc.gz").write_bytes(data[: len(data) - last // 2])
    # Wrong Content-Length: one record declares fewer bytes than it holds, one more, one absurdly many.
    short = warc_record("https://length.example.com/short", html("declared too short"), number=1)
    short = short.replace(b"Content-Length: ", b"Content-Length: 1", 1)  # e.g. 1234 -> 11234: too long
    records = [
        *good_records("length.example.com", 1),
        warc_record("https://length.example.com/too-short", html("declared short"), declared_length=60, number=2),
        *good_records("length.example.com", 1, start=3),
        short,
        *good_records("length.example.com", 1, start=5),
        warc_record("https://length.example.com/absurd", html("absurd"), declared_length=10**15, number=6),
        *good_records("length.example.com", 1, start=7),
    ]
    write_warc(folder / "wrong_length.warc.gz", records)
    # A page with a huge inline base64 image: processed, the image is not text.
    image = "<img alt='' src='data:image/png;base64," + "iVBORw0KGgo" * (image_bytes // 11) + "'>"
    big = warc_record("https://image.example.com/big", html("Big image page", 6, image))
    write_warc(folder / "image.warc.gz", [big, *good_records("image.example.com", 1, start=1)])
    write_warc_http_bomb(folder / "http_bomb.warc.gz", 4 * GIB)
    write_warc_record_bomb(folder / "record_bomb.warc.gz", warc_bomb_bytes)


# ---- the whole corpus --------------------------------------------------------------------------


@dataclass
class Corpus:
    root: Path
    repos: Path  # folder of repositories, read with the default --max-file-bytes
    long_line_repos: Path  # read with a raised --max-file-bytes
    warcs: Path
    canary: str
    sizes: dict = field(default_factory=dict)


def build_corpus(
    root: Path,
    canary: str,
    many_files: int = 100_000,
    depth: int = 100_000,
    long_line_bytes: int = 50 * MIB,
    tar_bomb_bytes: int = 4 * GIB,
    warc_bomb_bytes: int = 2 * GIB,
    image_bytes: int = 20 * MIB,
) -> Corpus:
    repos = root / "repos"
    repos.mkdir(parents=True)
    write_zip_slip(repos / "hostile__zipslip.zip", canary)
    write_tar_slip(repos / "hostile__tarslip.tar.gz", canary)
    write_tar_bomb(repos / "hostile__bomb.tar.gz", tar_bomb_bytes)
    write_files_repo(repos / "hostile__files", canary, depth, long_line_bytes)
    write_many_files(repos / "hostile__many.tar.gz", many_files)
    long_line_repos = root / "long_line_repos"
    (long_line_repos / "hostile__longline").mkdir(parents=True)
    write_long_line(long_line_repos / "hostile__longline" / "long_line.js", long_line_bytes)
    (long_line_repos / "hostile__longline" / "main.py").write_text(MAIN_PY)
    warcs = root / "warcs"
    write_warcs(warcs, image_bytes, warc_bomb_bytes)
    return Corpus(
        root,
        repos,
        long_line_repos,
        warcs,
        canary,
        {
            "many_files": many_files,
            "depth": depth,
            "long_line_bytes": long_line_bytes,
            "tar_bomb_bytes": tar_bomb_bytes,
            "warc_bomb_bytes": warc_bomb_bytes,
            "image_bytes": image_bytes,
        },
    )


# ---- the stages, in one process (one JVM start instead of eight) -------------------------------


def stage_plan(corpus_root: Path, out: Path, long_line_limit: int) -> list[tuple[str, str, list[str]]]:
    """(label, stage name, arguments): the repository chain, the long-line files, the WARCs."""
    return [
        ("ingest-github", "ingest-github", ["--input", str(corpus_root / "repos"), "--output", f"{out}/files"]),
        ("filter files", "filter", ["--input", f"{out}/files", "--output", f"{out}/files_filtered"]),
        ("dedup files", "dedup", ["--input", f"{out}/files_filtered", "--output", f"{out}/files_dedup"]),
        ("repo-samples", "repo-samples", ["--input", f"{out}/files_dedup", "--output", f"{out}/samples"]),
        (
            "ingest-github long lines",
            "ingest-github",
            [
                "--input",
                str(corpus_root / "long_line_repos"),
                "--output",
                f"{out}/long_files",
                "--max-file-bytes",
                str(long_line_limit),
            ],
        ),
        ("filter long lines", "filter", ["--input", f"{out}/long_files", "--output", f"{out}/long_filtered"]),
        ("ingest-cc", "ingest-cc", ["--input", str(corpus_root / "warcs"), "--output", f"{out}/pages"]),
        ("filter pages", "filter", ["--input", f"{out}/pages", "--output", f"{out}/pages_filtered"]),
    ]


def run_stages(corpus_root: Path, out: Path, long_line_limit: int) -> int:
    """Every stage of `stage_plan` in one Spark session (as `corpus all`); each stage's label goes to
    out/_stage (for the memory sampler) and its seconds to out/_stage_seconds.json."""
    import json
    import time

    from jobs.cli import stages
    from pipeline.spark import get_spark

    found = stages()
    out.mkdir(parents=True, exist_ok=True)
    spark = get_spark("hostile-corpus")
    seconds = {}
    for label, name, argv in stage_plan(corpus_root, out, long_line_limit):
        (out / "_stage").write_text(label)
        print(f"== {label}: corpus {name} {' '.join(argv)}", flush=True)
        started = time.time()
        code = found[name].main(argv, spark=spark)
        seconds[label] = round(time.time() - started, 1)
        (out / "_stage_seconds.json").write_text(json.dumps(seconds))
        if code:
            print(f"stage {label} failed with exit code {code}", flush=True)
            return code
    spark.stop()
    return 0


if __name__ == "__main__":  # python tests/reliability/hostile_corpus.py CORPUS_ROOT OUT LONG_LINE_LIMIT
    import sys

    sys.exit(run_stages(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
