"""`corpus langs list|check|new NAME|detect`: inspect, validate, extend the language specs, and
detect the language of files (`path<TAB>language` per line, the format detection is evaluated on)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from pipeline.filters.config import THRESHOLD_FIELDS  # the `langs check` tool checks [filters] keys
from pipeline.langs.check import check_specs, grammar_load_errors, load_all, tree_sitter_grammars
from pipeline.langs.detect import detect_spec
from pipeline.langs.registry import KINDS, SPECS_DIR, Registry, load_specs

TEMPLATE = Path(__file__).resolve().parents[2] / "language_specs" / "template.toml.in"
READ_BYTES = 65_536  # detection looks at the head of a file (and a modeline near its end)
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corpus langs", description=__doc__)
    parser.add_argument("--specs", default=str(SPECS_DIR), help="directory of language spec TOML files")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="table of languages: name, kind, extensions, grammar")
    listing.add_argument("--kind", choices=KINDS, help="only languages of this kind")
    commands.add_parser("check", help="validate every spec (and load every grammar they name)")
    new = commands.add_parser("new", help="write a spec skeleton for a new language")
    new.add_argument("name")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    detect = commands.add_parser("detect", help="print `path<TAB>language` for files (empty when unknown)")
    detect.add_argument("--list", dest="list_file", help="file with one path per line (`-` = stdin)")
    detect.add_argument("--no-content", action="store_true", help="decide from the path only")
    detect.add_argument("paths", nargs="*", help="files, or folders to walk")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return {"list": cmd_list, "check": cmd_check, "new": cmd_new, "detect": cmd_detect}[args.command](args)


def cmd_list(args) -> int:
    specs = [s for s in load_specs(args.specs) if not args.kind or s.kind == args.kind]
    rows = [
        (s.name + (" *" if s.extra else ""), s.kind, " ".join(s.extensions + s.filenames) or "-", s.tree_sitter or "-")
        for s in specs
    ]
    widths = [max(len(r[i]) for r in rows + [("name", "kind", "", "")]) for i in range(2)]
    print(f"{'name':<{widths[0]}}  {'kind':<{widths[1]}}  {'grammar':<14}  extensions / filenames")
    for name, kind, keys, grammar in rows:
        print(f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {grammar:<14}  {_shorten(keys, 100)}")
    extras = sum(s.extra for s in specs)
    print(f"\n{len(specs) - extras} languages + {extras} extra (*: not in the 338-language list)")
    return 0


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def cmd_check(args) -> int:
    specs, errors = load_all(Path(args.specs))
    grammars = tree_sitter_grammars()
    errors += check_specs(specs, grammars, THRESHOLD_FIELDS)
    errors += grammar_load_errors(specs, grammars)
    listed = sum(not s.extra for s in specs)
    for error in errors:
        print(f"error: {error}")
    if grammars is None:
        print("warning: tree_sitter_language_pack is not installed: grammar names not checked")
    print(f"{len(specs)} specs: {listed} languages + {len(specs) - listed} extra; {len(errors)} error(s)")
    return 1 if errors else 0


def spec_filename(name: str) -> str:
    slug = name.replace("++", "pp").replace("#", "sharp").replace("*", "star").replace("'", "")
    return re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_") + ".toml"


def cmd_new(args) -> int:
    directory = Path(args.specs)
    target = directory / spec_filename(args.name)
    existing = {s.name.lower() for s in load_specs(directory)}
    if (target.exists() or args.name.lower() in existing) and not args.force:
        print(f"corpus langs new: {args.name!r} already exists ({target})", file=sys.stderr)
        return 1
    template = TEMPLATE.read_text(encoding="utf-8")
    target.write_text(template.replace("{{name}}", args.name.replace('"', '\\"')), encoding="utf-8")
    print(f"wrote {target}: fill in extensions, comments and kind, then run `corpus langs check`")
    return 0


def cmd_detect(args) -> int:
    registry = Registry(load_specs(args.specs))
    paths = list(args.paths)
    if args.list_file:
        handle = sys.stdin if args.list_file == "-" else open(args.list_file, encoding="utf-8")
        with handle:
            paths += [line.rstrip("\n") for line in handle if line.strip()]
    out = sys.stdout
    for path in _walk(paths):
        content = None if args.no_content else read_head(path)
        spec = detect_spec(path, content, registry)
        out.write(f"{path}\t{spec.name if spec else ''}\n")
    return 0


def _walk(paths: list[str]):
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                for name in sorted(files):
                    yield os.path.join(root, name)
        else:
            yield path


def read_head(path: str) -> str | None:
    """The first READ_BYTES of a file as text (undecodable bytes replaced); None when unreadable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(READ_BYTES)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")


if __name__ == "__main__":
    sys.exit(main())
