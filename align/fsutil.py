"""File-system helpers: atomic writes and the output-folder lock.

Every output file is written to a temporary file in the same folder and renamed into place,
so a run killed at any moment leaves the previous complete file readable.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (/proc), else by the
    classic set-and-restore."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _final_mode(path: Path) -> int:
    """Mode for a file about to replace `path`: the existing file's (a user's chmod survives a
    rerun), else what open() would give a new file (0o666 less the umask). mkstemp alone
    makes every output 0600 whatever the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside `path` for libraries that write files themselves
    (e.g. pyarrow); rename it into place when the block succeeds. The result follows the
    umask (or keeps the mode of the file it replaces)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _final_mode(path))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temp file beside `path`; on success fsync it and rename it over `path`."""
    binary = "b" in mode
    with atomic_path(path) as tmp:
        with open(tmp, mode, encoding=None if binary else encoding, newline=None if binary else "") as fh:
            yield fh


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)


def _sweep_temp_files(out_dir: Path) -> None:
    """Remove temp files of a killed earlier run (only ever called under the lock)."""
    for tmp in list(out_dir.glob(".*.tmp")) + list(out_dir.glob("*/.*.tmp")):
        with contextlib.suppress(OSError):
            tmp.unlink()


class OutputLocked(RuntimeError):
    """Another run holds the output folder."""


@contextlib.contextmanager
def output_lock(out_dir: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive, non-blocking lock on OUT/.align.lock for the whole run.

    flock is released by the kernel when the process dies, so a killed run never leaves
    a stale lock behind.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / ".align.lock"
    fh = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise OutputLocked(
                    f"{out_dir} is in use by another align run ({holder}); "
                    "wait for it to finish or choose another --out folder"
                ) from None
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        _sweep_temp_files(out_dir)
        yield lock_path
    finally:
        fh.close()


log = logging.getLogger("align")


def _remove_db_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{suffix}")


def is_cache_damage(exc: BaseException) -> bool:
    """A damaged, foreign or full cache file (rebuild or go in-memory), not a caller's bad value."""
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError,
              sqlite3.DataError, sqlite3.NotSupportedError))


def open_cache_db(path: str | os.PathLike, schema: list[str], probes: list[str], what: str,
                  *, timeout: float = 30.0) -> sqlite3.Connection:
    """Open (creating if needed) the SQLite cache at `path` with `schema` statements, check it
    with the `probes` queries, and rebuild it empty, with a warning, when it is corrupt, not a
    database or of another schema. A cache that cannot be written at all (read-only folder)
    becomes an in-memory one for this run, with a warning: a cache never fails a run."""
    path = Path(path)

    def connect(target) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=timeout)
        try:
            if target != ":memory:":
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            for stmt in schema:
                conn.execute(stmt)
            conn.commit()
            for probe in probes:
                conn.execute(probe).fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return connect(str(path))
    except sqlite3.DatabaseError as exc:
        reason = str(exc)
    except OSError as exc:
        reason = exc.strerror or str(exc)
    if path.is_file() and "unable to open" not in reason and "readonly" not in reason:
        log.warning("%s %s is unusable (%s); rebuilding it empty", what, path, reason)
        try:
            _remove_db_files(path)
            return connect(str(path))
        except (sqlite3.DatabaseError, OSError) as exc:
            reason = str(exc)
    log.warning("%s %s cannot be used (%s); this run keeps its cache in memory only", what, path, reason)
    return connect(":memory:")


# Characters that must never reach a terminal, a table cell or a report as themselves: C0/C1
# controls (escape sequences, CR), line/paragraph separators, BOM/non-characters, and the
# bidirectional controls that make `txt.exe\u202e` look like another name (Trojan Source).
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufeff\ufffe\uffff\ud800-\udfff]"
)


_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _visible(match: re.Match) -> str:
    ch = match.group()
    if ch in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a non-UTF-8 byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def display_text(text: object) -> str:
    """`text` with control, bidi-override and other invisible characters shown as visible
    escapes (`\\x1b`, `\\u202e`); tabs and newlines too, so the result is one line."""
    return _INVISIBLE.sub(_visible, str(text))
