"""The translation engine: an Argos package's CTranslate2 model, driven directly."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

from align import config
from align.translate.packages import ModelError, PackageInfo

LENGTH_PENALTY = 0.2
MAX_INPUT_TOKENS = 200
CAP_BUCKET = 16
ENGINE_VERSION = 1  # bump when decoding changes so old cache entries are not reused

_BREAK_PIECES = set(",.;:!?，。；：！？、)]）」』»”\"'")


def decode_cap(n_tokens: int) -> int:
    """Max decoding length for a source of n_tokens (depends on the sentence alone)."""
    bucket = max(1, math.ceil(n_tokens / CAP_BUCKET)) * CAP_BUCKET
    return min(2 * bucket + 16, 2 * MAX_INPUT_TOKENS + 16)


def _default_threads() -> tuple[int, int]:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    # Few cores: one translator using them all. Many: several translator replicas working on
    # different batches (CTranslate2 splits translate_batch over inter_threads) of 4 threads each.
    inter = 1 if cores < 8 else cores // 4
    return inter, max(1, cores // inter)


def split_tokens(tokens: list[str], limit: int) -> list[list[str]]:
    """Split a token list into pieces of at most `limit` tokens, preferring punctuation breaks."""
    pieces = []
    start = 0
    while len(tokens) - start > limit:
        end = start + limit
        cut = None
        for i in range(end - 1, start + limit // 2, -1):  # best break in the latter half
            piece = tokens[i].lstrip("▁")
            if piece and piece[-1] in _BREAK_PIECES:
                cut = i + 1
                break
        if cut is None:  # else before a word start
            for i in range(end - 1, start + limit // 2, -1):
                if tokens[i].startswith("▁"):
                    cut = i
                    break
        cut = cut or end
        pieces.append(tokens[start:cut])
        start = cut
    pieces.append(tokens[start:])
    return [p for p in pieces if p]


class _SentencePiece:
    def __init__(self, path: Path):
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=str(path))

    def encode(self, text: str) -> list[str]:
        return self.sp.encode(text, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self.sp.decode(tokens)


class _Bpe:
    def __init__(self, info: PackageInfo):
        from argostranslate.tokenizer import BPETokenizer

        self.tok = BPETokenizer(info.path / "bpe.model", info.from_code, info.to_code)

    def encode(self, text: str) -> list[str]:
        return self.tok.encode(text)

    def decode(self, tokens: list[str]) -> str:
        return self.tok.decode(tokens)


class ArgosTranslator:
    """An installed Argos package, loaded once, translating lists of texts in big batches."""

    def __init__(
        self,
        info: PackageInfo,
        *,
        beam: int = config.BEAM,
        compute_type: str = config.COMPUTE_TYPE,
        device: str = "cpu",
        inter_threads: int | None = None,
        intra_threads: int | None = None,
        max_batch_tokens: int = 2048,
        max_input_tokens: int = MAX_INPUT_TOKENS,
    ):
        import ctranslate2

        if beam < 1:
            raise ValueError("beam must be >= 1")
        self.info = info
        self.beam = beam
        self.compute_type = compute_type
        self.max_batch_tokens = max_batch_tokens
        self.max_input_tokens = max_input_tokens
        default_inter, default_intra = _default_threads()
        try:
            self._ct2 = ctranslate2.Translator(
                str(info.model_dir),
                device=device,
                compute_type=compute_type,
                inter_threads=inter_threads or default_inter,
                intra_threads=intra_threads or default_intra,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"{info.path}: cannot load the CTranslate2 model ({exc})") from exc
        self.tokenizer = _SentencePiece(info.path / "sentencepiece.model") if info.tokenizer == "sentencepiece" else _Bpe(info)
        # Argos metadata gives target_prefix as one target token (as argostranslate uses it).
        self._prefix = [info.target_prefix] if info.target_prefix else []
        self.batch_calls = 0  # translate_batch calls made (tests, stats)

    @classmethod
    def from_package(cls, info: PackageInfo, *, beam: int = config.BEAM, compute_type: str = config.COMPUTE_TYPE, **kwargs) -> ArgosTranslator:
        return cls(info, beam=beam, compute_type=compute_type, **kwargs)

    @property
    def label(self) -> str:
        return f"argos:{self.info.package_id}"

    @property
    def cache_key(self) -> str:
        # compute_type changes the numbers (int8 vs float32), so it is part of the key.
        return (
            f"{self.info.package_id}|v{self.info.version}|beam={self.beam}|lp={LENGTH_PENALTY}"
            f"|ct={self.compute_type}|maxin={self.max_input_tokens}|engine={ENGINE_VERSION}"
        )

    def _translate_batch(self, batch: list[list[str]], cap: int):
        self.batch_calls += 1
        return self._ct2.translate_batch(
            batch,
            target_prefix=[list(self._prefix) for _ in batch] if self._prefix else None,
            beam_size=self.beam,
            num_hypotheses=1,
            length_penalty=LENGTH_PENALTY,
            replace_unknowns=True,
            max_batch_size=self.max_batch_tokens,
            batch_type="tokens",
            max_decoding_length=cap + len(self._prefix),
        )

    def translate(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Translations of `texts`, in the same order (duplicates translated once)."""
        unique = list(dict.fromkeys(texts))
        pieces: list[tuple[int, int, list[str]]] = []  # (unique index, piece index, tokens)
        n_pieces = [0] * len(unique)
        for u, text in enumerate(unique):
            if not text.strip():
                continue
            for p, toks in enumerate(split_tokens(self.tokenizer.encode(text), self.max_input_tokens)):
                pieces.append((u, p, toks))
                n_pieces[u] += 1
        pieces.sort(key=lambda item: len(item[2]))
        outputs: dict[tuple[int, int], str] = {}
        done = 0
        i = 0
        while i < len(pieces):
            cap = decode_cap(len(pieces[i][2]))
            j = i
            while j < len(pieces) and decode_cap(len(pieces[j][2])) == cap:
                j += 1
            group = pieces[i:j]
            results = self._translate_batch([toks for _, _, toks in group], cap)
            for (u, p, _), result in zip(group, results):
                hyp = result.hypotheses[0]
                if self._prefix and hyp[: len(self._prefix)] == self._prefix:
                    hyp = hyp[len(self._prefix) :]
                outputs[(u, p)] = self.tokenizer.decode(hyp).strip()
            done += len(group)
            if progress:
                progress(done, len(pieces))
            i = j
        by_text = {
            text: " ".join(outputs[(u, p)] for p in range(n_pieces[u]) if outputs[(u, p)])
            for u, text in enumerate(unique)
        }
        return [by_text[t] for t in texts]
