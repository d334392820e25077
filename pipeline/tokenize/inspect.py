"""`corpus tokens inspect TOKENS`: shard, document and token counts of a token folder, and its first
documents decoded back to text (FIM markers shown as the tokenizer spells them)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from pipeline.config import UsageError
from pipeline.io.manifest import MANIFEST
from pipeline.tokenize.mmidx import IndexFormatError, TokenShard, shard_prefixes
from pipeline.tokenize.tokenizer import DEFAULT_TOKENIZER, load_tokenizer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="corpus tokens", description="Inspect token files.")
    commands = parser.add_subparsers(dest="command", required=True)
    inspect = commands.add_parser("inspect", help="counts and the first documents decoded")
    inspect.add_argument("tokens", help="token folder written by `corpus tokenize`")
    inspect.add_argument("--documents", type=int, default=3, help="how many documents to decode")
    inspect.add_argument("--chars", type=int, default=400, help="show at most this many characters of each")
    inspect.add_argument("--tokenizer", help="decode with this tokenizer (default: the manifest's)")
    return parser


def read_token_folder(folder: str) -> tuple[dict | None, list[TokenShard]]:
    if not os.path.isdir(folder):
        raise UsageError(f"{folder} is not a folder")
    manifest_path = os.path.join(folder, MANIFEST)
    manifest = None
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    try:
        shards = [TokenShard(prefix) for prefix in shard_prefixes(folder)]
    except (IndexFormatError, FileNotFoundError) as error:
        raise UsageError(str(error)) from None
    return manifest, shards


def inspect(
    folder: str, documents: int = 3, chars: int = 400, tokenizer_spec: str | None = None, out=sys.stdout
) -> dict:
    manifest, shards = read_token_folder(folder)
    counts = {"shards": len(shards), "documents": sum(len(s) for s in shards), "tokens": sum(s.tokens for s in shards)}
    print(
        f"{folder}: {counts['shards']} shard(s), {counts['documents']:,} documents, {counts['tokens']:,} tokens",
        file=out,
    )
    if manifest is None:
        print("  (no _manifest.json: the run that wrote this folder did not finish)", file=out)
    for shard in shards:
        print(
            f"  {os.path.basename(shard.prefix)}: {len(shard):,} documents, {shard.tokens:,} tokens, "
            f"{shard.dtype.name}",
            file=out,
        )
    recorded = (manifest or {}).get("tokenizer") or {}
    if manifest:
        for language, count in list(manifest.get("tokens_by_language", {}).items())[:20]:
            print(f"  {language:<24} {count:>14,} tokens", file=out)
    if documents <= 0 or not shards:
        return counts
    tokenizer = load_tokenizer(tokenizer_spec or recorded.get("name") or DEFAULT_TOKENIZER)
    if recorded.get("sha256") and not tokenizer_spec and tokenizer.sha256 != recorded["sha256"]:
        print(f"  warning: tokenizer {tokenizer.path} is not the one recorded in the manifest", file=out)
    shown = 0
    for shard in shards:
        for i in range(len(shard)):
            if shown >= documents:
                return counts
            ids = shard[i]
            text = tokenizer.decoder.decode(ids.tolist(), skip_special_tokens=False)
            more = f" ... ({len(text) - chars:,} more characters)" if len(text) > chars else ""
            print(
                f"\n--- {os.path.basename(shard.prefix)} document {i}: {len(ids):,} tokens\n{text[:chars]}{more}",
                file=out,
            )
            shown += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        inspect(args.tokens, args.documents, args.chars, args.tokenizer)
    except UsageError as error:
        print(f"corpus tokens: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
