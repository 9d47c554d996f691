"""Translate sentences to English: imported translations, a persistent cache, Argos packages.

The engine drives an Argos package's CTranslate2 model directly (never
argostranslate.translate: offline its sentence splitters try to download models, it batches only
within a paragraph, and it loses which output belongs to which sentence). Per language, all
unique sentences of all documents go through `translate_batch` together: sorted by length,
batched by tokens, int8 on CPU, the package's own tokenizer and target prefix.

Decoding settings and why:
- beam 2 by default (`--beam`): most of beam search's gain over greedy comes from the second
  beam; Argos uses 4, which costs about twice the decoder time for a marginal change.
- length_penalty 0.2, replace_unknowns: as argostranslate, so outputs match it at equal beam.
- max_decoding_length: 2 x source tokens + 16 (rounded up per 16-token source bucket so the cap,
  and so the output, depends only on the sentence, never on its batch neighbours); a runaway
  hypothesis stops there instead of at CTranslate2's 256.
- inputs longer than MAX_INPUT_TOKENS (OPUS-MT/Argos models are trained on <= 256-token
  sentences, and their position limit is 512) are split into pieces at the best break (after
  punctuation, else anywhere) and the piece translations joined with a space.

Lookup order per sentence (SPEC): English source (identity) -> imported -> cache -> model -> none.
A sentence whose language has no installed package (and no imported translation) gets an empty
`text_en` and `translation_source` "none" when `translate_sentences(..., missing="none")`; it is
then matched through the direct multilingual embeddings.  `missing="raise"` (the default here;
the pipeline's `--require-translation`) raises MissingModelError instead.
Sentences whose language is "unknown" (or empty text) are passed through as identity: segment has
already fallen back to the document language where it could, so "unknown" means no language
could be told (numbers, symbols, names), which needs no translation.
A cached translation keeps the model's label as `translation_source` (so a rerun writes the same
tables as the first run); TranslationStats counts it under `cache`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from align import config
from align.translate.cache import TranslationCache
from align.translate.engine import ArgosTranslator
from align.translate.imports import ImportedTranslations
from align.translate.packages import ModelError, install_command
from align.types import Sentence

NO_TRANSLATION = "none"  # translation_source of a sentence left without English


@dataclass
class TranslationStats:
    identity: int = 0
    imported: int = 0
    cache: int = 0
    model: int = 0
    none: int = 0  # sentences left without English (no package for their language)
    model_texts: int = 0  # unique texts sent to a model
    seconds: float = 0.0
    by_lang: dict[str, int] = field(default_factory=dict)
    missing_pairs: dict[str, int] = field(default_factory=dict)  # pair -> sentences left "none"

    def as_dict(self) -> dict:
        return {
            "identity": self.identity,
            "import": self.imported,
            "cache": self.cache,
            "model": self.model,
            "none": self.none,
            "model_texts": self.model_texts,
            "seconds": round(self.seconds, 3),
            "by_lang": dict(self.by_lang),
        }


class MissingModelError(ModelError):
    def __init__(self, pairs: list[str]):
        self.pairs = pairs
        cmds = "; ".join(f"`{install_command(p)}`" for p in pairs)
        super().__init__(f"no translation model installed for {', '.join(pairs)}: install with {cmds}")


def _needs_model(s: Sentence) -> bool:
    return bool(s.text.strip()) and s.lang not in (config.TARGET_LANG, "unknown", "")


def needed_pairs(sentences: list[Sentence], imported: ImportedTranslations | None) -> set[str]:
    """Pairs ("zh-en") whose model some sentence needs (imported translations count as covered)."""
    return {
        f"{s.lang}-{config.TARGET_LANG}"
        for s in sentences
        if _needs_model(s) and not (imported is not None and imported.lookup(s.text, s.lang))
    }


def translate_sentences(
    sentences: list[Sentence],
    *,
    imported: ImportedTranslations | None = None,
    cache: TranslationCache | None = None,
    translators: dict[str, ArgosTranslator],
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    commit_every: int = 512,
    missing: str = "raise",
) -> TranslationStats:
    """Fill `text_en` and `translation_source` of every sentence, in place.

    translators maps a source language ("de") to its loaded ArgosTranslator. Model output is
    committed to the cache every `commit_every` unique texts, so a killed run resumes there.
    progress(label, total) -> advance(n), the pipeline's convention: one bar per language,
    advanced by the number of unique texts after each committed chunk.
    missing: "raise" (MissingModelError when a pending language has no translator) or "none"
    (those sentences get text_en "" and translation_source "none"; counted per pair).
    """
    if missing not in ("raise", "none"):
        raise ValueError(f"missing must be 'raise' or 'none', not {missing!r}")
    started = time.perf_counter()
    stats = TranslationStats()
    pending: dict[str, list[Sentence]] = {}
    for s in sentences:
        if not _needs_model(s):
            s.text_en, s.translation_source = s.text, "identity"
            stats.identity += 1
            continue
        hit = imported.lookup(s.text, s.lang) if imported is not None else None
        if hit:
            s.text_en, s.translation_source = hit
            stats.imported += 1
            continue
        pending.setdefault(s.lang, []).append(s)

    lacking = sorted(lang for lang in pending if lang not in translators)
    if lacking and missing == "raise":
        raise MissingModelError([f"{lang}-{config.TARGET_LANG}" for lang in lacking])
    for lang in lacking:
        group = pending.pop(lang)
        for s in group:
            s.text_en, s.translation_source = "", NO_TRANSLATION
        stats.none += len(group)
        stats.missing_pairs[f"{lang}-{config.TARGET_LANG}"] = len(group)

    for lang, group in pending.items():
        translator = translators[lang]
        key = translator.cache_key
        unique = list(dict.fromkeys(s.text for s in group))
        done = cache.get_many(key, unique) if cache is not None else {}
        todo = [t for t in unique if t not in done]
        todo.sort(key=len)  # similar lengths per chunk -> little padding
        advance = progress(f"translating {lang}", len(todo)) if progress and todo else None
        for k in range(0, len(todo), commit_every):
            chunk = todo[k : k + commit_every]
            out = dict(zip(chunk, translator.translate(chunk)))
            if cache is not None:
                cache.put_many(key, out)
            done.update(out)
            if advance:
                advance(len(chunk))
        stats.model_texts += len(todo)
        cached_texts = set(unique) - set(todo)
        for s in group:
            s.text_en, s.translation_source = done[s.text], translator.label
            if s.text in cached_texts:
                stats.cache += 1
            else:
                stats.model += 1
        stats.by_lang[lang] = stats.by_lang.get(lang, 0) + len(group)
    stats.seconds = time.perf_counter() - started
    return stats
