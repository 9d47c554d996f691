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

Lookup order per sentence (SPEC): English source (identity) -> imported -> cache -> model.
Sentences whose language is "unknown" (or empty text) are passed through as identity: segment has
already fallen back to the document language where it could, so "unknown" means no language
could be told (numbers, symbols, names), which needs no translation.
A cached translation keeps the model's label as `translation_source` (so a rerun writes the same
tables as the first run); TranslationStats counts it under `cache`.
"""

from __future__ import annotations

import csv
import math
import os
import sqlite3
import time
import unicodedata
import xml.parsers.expat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from align.models import ModelError, PackageInfo, install_command
from align.types import Sentence

DEFAULT_BEAM = 2
DEFAULT_COMPUTE_TYPE = "int8"
LENGTH_PENALTY = 0.2
MAX_INPUT_TOKENS = 200
CAP_BUCKET = 16
ENGINE_VERSION = 1  # bump when decoding changes so old cache entries are not reused
TARGET_LANG = "en"
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
        beam: int = DEFAULT_BEAM,
        compute_type: str = DEFAULT_COMPUTE_TYPE,
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
    def from_package(cls, info: PackageInfo, *, beam: int = DEFAULT_BEAM, compute_type: str = DEFAULT_COMPUTE_TYPE, **kwargs) -> ArgosTranslator:
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


# ---------------------------------------------------------------- cache


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "align" / "translations.sqlite"


class TranslationCache:
    """SQLite cache (cache_key, source) -> target. WAL + one transaction per put_many, so a run
    killed at any moment keeps every batch it committed and nothing half-written."""

    _CHUNK = 500  # stay under SQLite's bound-variable limit

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS translations (cache_key TEXT NOT NULL, source TEXT NOT NULL,"
            " target TEXT NOT NULL, PRIMARY KEY (cache_key, source)) WITHOUT ROWID"
        )
        self.conn.commit()

    def get_many(self, cache_key: str, texts: Iterable[str]) -> dict[str, str]:
        texts = list(dict.fromkeys(texts))
        found: dict[str, str] = {}
        for k in range(0, len(texts), self._CHUNK):
            chunk = texts[k : k + self._CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT source, target FROM translations WHERE cache_key = ? AND source IN ({marks})",
                [cache_key, *chunk],
            )
            found.update(rows)
        return found

    def put_many(self, cache_key: str, pairs: dict[str, str] | Iterable[tuple[str, str]]) -> None:
        items = pairs.items() if isinstance(pairs, dict) else pairs
        with self.conn:  # one transaction
            self.conn.executemany(
                "INSERT OR REPLACE INTO translations (cache_key, source, target) VALUES (?, ?, ?)",
                [(cache_key, s, t) for s, t in items],
            )

    def __len__(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------- imported translations


class TranslationImportError(ValueError):
    """A --translations file that cannot be read; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


def normalize_for_match(text: str) -> str:
    """NFKC + whitespace collapsed: the SPEC's matching rule for imported translations."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _lang_code(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


@dataclass
class ImportedTranslations:
    """(lang or "", normalized source) -> (target, "import:FILE"). First file/row wins."""

    entries: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add(self, lang: str, source: str, target: str, label: str) -> None:
        self.entries.setdefault((lang, normalize_for_match(source)), (target, label))

    def lookup(self, text: str, lang: str) -> tuple[str, str] | None:
        key = normalize_for_match(text)
        return self.entries.get((lang, key)) or self.entries.get(("", key))

    def __len__(self) -> int:
        return len(self.entries)


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise TranslationImportError(path, None, f"cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise TranslationImportError(path, line, "not UTF-8 text") from exc


def _load_table(path: Path, imported: ImportedTranslations) -> None:
    text = _read_text(path)
    label = f"import:{path.name}"
    first = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first) else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise TranslationImportError(path, 1, "empty file (expected a header: source,target[,lang])")
        cols = [h.strip().lower() for h in header]
        if "source" not in cols or "target" not in cols:
            raise TranslationImportError(path, 1, f"header must name columns source and target, got {header!r}")
        i_src, i_tgt = cols.index("source"), cols.index("target")
        i_lang = cols.index("lang") if "lang" in cols else None
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(cols):
                raise TranslationImportError(path, line, f"expected {len(cols)} fields, got {len(row)}")
            source, target = row[i_src], row[i_tgt]
            if not source.strip() or not target.strip():
                raise TranslationImportError(path, line, "empty source or target")
            lang = _lang_code(row[i_lang]) if i_lang is not None and row[i_lang].strip() else ""
            imported.add(lang, source, target, label)
    except csv.Error as exc:
        raise TranslationImportError(path, reader.line_num, f"malformed CSV ({exc})") from exc


# TMX inline elements whose content is native markup, not text
_TMX_CODE_ELEMENTS = {"bpt", "ept", "ph", "it", "ut"}


def _load_tmx(path: Path, imported: ImportedTranslations) -> None:
    data = path.read_bytes()
    label = f"import:{path.name}"
    parser = xml.parsers.expat.ParserCreate()
    state = {"header_src": "", "tu_src": "", "tuv_lang": "", "tuvs": [], "seg": None, "skip": 0, "in_tmx": False}

    def forbid_entities(*_args):
        # Entity declarations enable "billion laughs" and external-entity tricks: refuse them.
        raise TranslationImportError(path, parser.CurrentLineNumber, "entity declarations are not allowed in TMX")

    def start(name, attrs):
        if name == "tmx":
            state["in_tmx"] = True
        elif name == "header":
            state["header_src"] = attrs.get("srclang", "")
        elif name == "tu":
            state["tu_src"] = attrs.get("srclang", "")
            state["tuvs"] = []
        elif name == "tuv":
            state["tuv_lang"] = attrs.get("xml:lang") or attrs.get("lang") or ""
            state["tuv_line"] = parser.CurrentLineNumber
        elif name == "seg":
            state["seg"] = []
        elif state["seg"] is not None and name in _TMX_CODE_ELEMENTS:
            state["skip"] += 1

    def end(name):
        if name == "seg":
            state["tuvs"].append((state["tuv_lang"], "".join(state["seg"]), state.get("tuv_line")))
            state["seg"] = None
        elif state["seg"] is not None and name in _TMX_CODE_ELEMENTS:
            state["skip"] -= 1
        elif name == "tu":
            tuvs = state["tuvs"]
            for lang, _seg, line in tuvs:
                if not lang:
                    raise TranslationImportError(path, line, "<tuv> without xml:lang")
            english = [seg for lang, seg, _ in tuvs if _lang_code(lang) == TARGET_LANG and seg.strip()]
            if not english:
                return
            src = state["tu_src"] or state["header_src"]
            for lang, seg, _ in tuvs:
                code = _lang_code(lang)
                if code == TARGET_LANG or not seg.strip():
                    continue
                if src and src != "*all*" and _lang_code(src) != code:
                    continue
                imported.add(code, seg, english[0], label)

    def chars(text):
        if state["seg"] is not None and not state["skip"]:
            state["seg"].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = forbid_entities
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise TranslationImportError(path, exc.lineno, f"malformed TMX ({xml.parsers.expat.errors.messages[exc.code]})") from exc
    if not state["in_tmx"]:
        raise TranslationImportError(path, 1, "not a TMX file (no <tmx> root)")


def load_imported_translations(files: list[Path]) -> ImportedTranslations:
    """Read --translations files (CSV/TSV with header source,target[,lang], or TMX 1.4)."""
    imported = ImportedTranslations()
    for f in files:
        path = Path(f)
        if not path.is_file():
            raise TranslationImportError(path, None, "no such file")
        head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if path.suffix.lower() == ".tmx" or head.startswith(b"<?xml") or head.startswith(b"<tmx"):
            _load_tmx(path, imported)
        else:
            _load_table(path, imported)
        imported.files.append(str(path))
    return imported


# ---------------------------------------------------------------- sentences


@dataclass
class TranslationStats:
    identity: int = 0
    imported: int = 0
    cache: int = 0
    model: int = 0
    model_texts: int = 0  # unique texts sent to a model
    seconds: float = 0.0
    by_lang: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "identity": self.identity,
            "import": self.imported,
            "cache": self.cache,
            "model": self.model,
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
    return bool(s.text.strip()) and s.lang not in (TARGET_LANG, "unknown", "")


def needed_pairs(sentences: list[Sentence], imported: ImportedTranslations | None) -> set[str]:
    """Pairs ("zh-en") whose model some sentence needs (imported translations count as covered)."""
    return {
        f"{s.lang}-{TARGET_LANG}"
        for s in sentences
        if _needs_model(s) and not (imported is not None and imported.lookup(s.text, s.lang))
    }


def missing_pairs(sentences: list[Sentence], imported: ImportedTranslations | None, available: set[str]) -> list[str]:
    """Pairs ("zh-en") some sentence needs that are not installed (imports count as covered)."""
    return sorted(needed_pairs(sentences, imported) - set(available))


def translate_sentences(
    sentences: list[Sentence],
    *,
    imported: ImportedTranslations | None = None,
    cache: TranslationCache | None = None,
    translators: dict[str, ArgosTranslator],
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    commit_every: int = 512,
) -> TranslationStats:
    """Fill `text_en` and `translation_source` of every sentence, in place.

    translators maps a source language ("de") to its loaded ArgosTranslator. Model output is
    committed to the cache every `commit_every` unique texts, so a killed run resumes there.
    progress(label, total) -> advance(n), the pipeline's convention: one bar per language,
    advanced by the number of unique texts after each committed chunk.
    """
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

    missing = sorted(f"{lang}-{TARGET_LANG}" for lang in pending if lang not in translators)
    if missing:
        raise MissingModelError(missing)

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
