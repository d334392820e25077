"""Documents to token ids: FIM rearrangement, one `encode_batch` call per batch, special ids, EOS.

FIM pieces are encoded separately and joined with the marker ids, so a marker never comes from text:
the content encoder has the tokenizer's added tokens switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.stage import setting
from pipeline.tokenize.fim import NONE, PSM, SPM, FimPlan, plan_fim, rebuild_text
from pipeline.tokenize.tokenizer import LoadedTokenizer


@dataclass(frozen=True)
class FimSettings:
    fim_rate: float = setting(0.5, "share of documents rearranged for FIM", minimum=0.0, maximum=1.0)
    fim_spm_rate: float = setting(0.0, "share of FIM documents in SPM order", minimum=0.0, maximum=1.0)
    seed: int = setting(42, "seeds the per-document FIM draws", minimum=0, maximum=2**64 - 1)


@dataclass(frozen=True)
class EncodedBatch:
    tokens: np.ndarray  # every document's ids, concatenated, in the tokenizer's file dtype
    lengths: np.ndarray  # int64, tokens per document
    modes: np.ndarray  # int8, fim.NONE / PSM / SPM per document


def encode_documents(
    texts: list[str], doc_ids: list[str], tokenizer: LoadedTokenizer, fim: FimSettings, append_eos: bool = True
) -> EncodedBatch:
    if fim.fim_rate > 0:
        plan = plan_fim(
            doc_ids, np.fromiter(map(len, texts), np.int64, len(texts)), fim.seed, fim.fim_rate, fim.fim_spm_rate
        )
    else:
        zeros = np.zeros(len(texts), np.int64)
        plan = FimPlan(mode=zeros.astype(np.int8), lo=zeros, hi=zeros)
    modes = plan.mode.tolist()
    pieces: list[str] = []
    for text, mode, lo, hi in zip(texts, modes, plan.lo.tolist(), plan.hi.tolist(), strict=True):
        if mode == NONE:
            pieces.append(text)
        else:
            pieces += (text[:lo], text[lo:hi], text[hi:])
    encodings = tokenizer.encoder.encode_batch_fast(pieces, add_special_tokens=False)

    special = tokenizer.special
    begin, hole, end = special.fim_begin_id, special.fim_hole_id, special.fim_end_id
    flat: list[int] = []
    lengths = np.empty(len(texts), np.int64)
    piece = 0
    for doc, mode in enumerate(modes):
        start = len(flat)
        if mode == NONE:
            flat += encodings[piece].ids
            piece += 1
        else:
            prefix, middle, suffix = (encodings[piece + k].ids for k in range(3))
            piece += 3
            if mode == PSM:
                flat.append(begin)
                flat += prefix
                flat.append(hole)
                flat += suffix
                flat.append(end)
                flat += middle
            else:
                flat += (begin, hole)
                flat += suffix
                flat.append(end)
                flat += prefix
                flat += middle
        if append_eos:
            flat.append(special.eos_id)
        lengths[doc] = len(flat) - start
    return EncodedBatch(tokens=np.array(flat, dtype=tokenizer.dtype), lengths=lengths, modes=plan.mode)


def decode_document(ids, tokenizer: LoadedTokenizer) -> tuple[int, str]:
    """(fim mode, original text) of one written document: undoes EOS and the FIM layout."""
    ids = [int(i) for i in ids]
    special = tokenizer.special
    if ids and ids[-1] == special.eos_id:
        ids = ids[:-1]

    def text(part: list[int]) -> str:
        return tokenizer.decoder.decode(part, skip_special_tokens=False)

    if not (special.has_fim and ids and ids[0] == special.fim_begin_id):
        return NONE, text(ids)
    if len(ids) > 1 and ids[1] == special.fim_hole_id:
        body = ids[2:]
        cut = body.index(special.fim_end_id)
        return SPM, rebuild_text([text(body[:cut]), text(body[cut + 1 :])], SPM)
    hole_at = ids.index(special.fim_hole_id)
    end_at = ids.index(special.fim_end_id, hole_at)
    segments = [text(ids[1:hole_at]), text(ids[hole_at + 1 : end_at]), text(ids[end_at + 1 :])]
    return PSM, rebuild_text(segments, PSM)
