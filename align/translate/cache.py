"""Persistent SQLite cache of model translations, keyed by model and decoding settings."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path


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
