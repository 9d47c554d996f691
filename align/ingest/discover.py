"""Discovery: input paths -> the supported files to read (folders recursively)."""

from __future__ import annotations

import os
from pathlib import Path

from align.types import InputFailure

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm")

def discover_inputs(inputs: list[str | Path]) -> tuple[list[Path], list[InputFailure]]:
    """Files to ingest from files and folders (recursive), sorted, without duplicates.

    Folders contribute files with a supported extension (case-insensitive); hidden files and
    folders (name starting with ".") inside them are skipped. A path named explicitly must exist
    and have a supported extension, otherwise it becomes an InputFailure (stage "discover").
    """
    found: dict[str, Path] = {}
    failures: list[InputFailure] = []

    def add(path: Path) -> None:
        try:
            key = str(path.resolve())
        except (OSError, RuntimeError):
            key = str(path.absolute())
        found.setdefault(key, path)

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            def on_error(err: OSError) -> None:
                failures.append(InputFailure(str(err.filename or path), "discover",
                                             f"cannot read folder: {err.strerror or err}"))

            for root, dirs, files in os.walk(path, onerror=on_error):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith("."):
                        continue
                    child = Path(root) / name
                    if child.suffix.lower() in SUPPORTED_EXTENSIONS and child.is_file():
                        add(child)
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_EXTENSIONS:
                add(path)
            else:
                failures.append(InputFailure(
                    str(path), "discover",
                    f"unsupported file type {path.suffix or '(no extension)'!r}; "
                    f"supported: {' '.join(SUPPORTED_EXTENSIONS)}"))
        elif path.exists():
            failures.append(InputFailure(str(path), "discover", "not a regular file or folder"))
        else:
            failures.append(InputFailure(str(path), "discover", "no such file or folder"))
    paths = sorted(found.values(), key=lambda p: p.as_posix())
    return paths, failures
