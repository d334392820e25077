"""The `textkit` command: print statistics for text files."""

import argparse
import sys

from . import __version__
from .stats import text_stats


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="textkit")
    parser.add_argument("--version", action="version", version=f"textkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    stats = sub.add_parser("stats", help="word and sentence counts")
    stats.add_argument("paths", nargs="+")
    stats.add_argument("--top", type=int, default=5)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    for path in args.paths:
        try:
            with open(path, encoding="utf-8") as handle:
                result = text_stats(handle.read(), top=args.top)
        except OSError as error:
            print(f"textkit: {error}", file=sys.stderr)
            return 1
        print(f"{path}: {result.n_words} words, {result.n_sentences} sentences, "
              f"ttr={result.type_token_ratio:.2f}, ~{result.reading_minutes} min")
        for word, count in result.top_words.items():
            print(f"  {count:6d}  {word}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
