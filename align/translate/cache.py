"""Persistent SQLite cache of model translations, keyed by model and decoding settings."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from align.fsutil import is_cache_damage, log, open_cache_db

_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS translations (cache_key TEXT NOT NULL, source TEXT NOT NULL,"
    " target TEXT NOT NULL, PRIMARY KEY (cache_key, source)) WITHOUT ROWID"
]
_PROBES = ["SELECT cache_key, source, target FROM translations LIMIT 1"]


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "align" / "translations.sqlite"


class TranslationCache:
    """SQLite cache (cache_key, source) -> target. WAL + one transaction per put_many, so a run
    killed at any moment keeps every batch it committed and nothing half-written.

    A corrupt or foreign file at the cache path is rebuilt empty with a warning (a cache only
    saves time); damage found later turns the cache into an in-memory one for the run."""

    _CHUNK = 500  # stay under SQLite's bound-variable limit

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_cache_path()
        self.conn = open_cache_db(self.path, _SCHEMA, _PROBES, "translation cache")

    def _damaged(self, exc: sqlite3.DatabaseError) -> None:
        log.warning("translation cache %s is damaged (%s); this run keeps its cache in memory only "
                    "(delete the file to rebuild it)", self.path, exc)
        self.conn.close()
        self.conn = open_cache_db(":memory:", _SCHEMA, _PROBES, "translation cache")

    def get_many(self, cache_key: str, texts: Iterable[str]) -> dict[str, str]:
        texts = list(dict.fromkeys(texts))
        try:
            return self._get_many(cache_key, texts)
        except sqlite3.DatabaseError as exc:
            if not is_cache_damage(exc):  # a bad value (NOT NULL...) is the caller's bug
                raise
            self._damaged(exc)
            return {}

    def _get_many(self, cache_key: str, texts: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for k in range(0, len(texts), self._CHUNK):
            chunk = texts[k : k + self._CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT source, target FROM translations WHERE cache_key = ? AND source IN ({marks})",
                [cache_key, *chunk],
            )
            found.update((s, t) for s, t in rows if isinstance(s, str) and isinstance(t, str))
        return found

    def put_many(self, cache_key: str, pairs: dict[str, str] | Iterable[tuple[str, str]]) -> None:
        items = list(pairs.items() if isinstance(pairs, dict) else pairs)
        for attempt in (1, 2):
            try:
                with self.conn:  # one transaction
                    self.conn.executemany(
                        "INSERT OR REPLACE INTO translations (cache_key, source, target) VALUES (?, ?, ?)",
                        [(cache_key, s, t) for s, t in items],
                    )
                return
            except sqlite3.DatabaseError as exc:  # includes a full disk ("database or disk is full")
                if not is_cache_damage(exc):  # a bad value (NOT NULL...) is the caller's bug
                    raise
                if attempt == 2:
                    raise
                self._damaged(exc)

    def __len__(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
