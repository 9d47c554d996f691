"""Discovery: input paths -> the supported files to read (folders recursively)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from align.types import InputFailure

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm")


def _resolve(path: Path) -> Path | None:
    """The real path, or None for a link loop or a path that cannot be resolved."""
    try:
        return Path(os.path.realpath(path, strict=True))
    except (OSError, RuntimeError, ValueError):
        return None


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _link_problem(link: Path, root: Path) -> str | None:
    """Why a symbolic link found inside folder `root` is not read, or None when it may be.

    Links are followed only when they stay inside the input folder: a link to a file elsewhere
    (`leak.txt -> ../secret.txt`, `-> /etc/passwd`) would copy that file into the tables."""
    try:
        target = os.readlink(link)
    except OSError as err:
        return f"cannot read symbolic link: {err.strerror or err}"
    try:
        real = Path(os.path.realpath(link, strict=True))
    except RuntimeError:
        return f"symbolic link loop ({link.name} -> {target}); not read"
    except OSError as err:
        if err.errno == 40:  # ELOOP
            return f"symbolic link loop ({link.name} -> {target}); not read"
        return f"broken symbolic link (target {target} does not exist); fix or remove the link"
    if not _inside(real, root):
        return ("symbolic link to a file outside the input folder; not read "
                "(copy the file into the folder, or name it on the command line)")
    return None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _walk(root: Path, on_error, skip: set[tuple[int, int]]) -> Iterable[tuple[Path, list[os.DirEntry]]]:
    """Like os.walk (sorted, hidden entries skipped, links to folders not followed) but
    iterative: a tree thousands of levels deep neither recurses nor overflows. Folders are
    compared by (device, inode), never by resolving their path (quadratic in the depth)."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
        except OSError as err:
            on_error(folder, err)
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                try:
                    ident = (entry.stat(follow_symlinks=False).st_dev, entry.inode())
                except OSError:
                    ident = None
                if ident not in skip:
                    subdirs.append(Path(entry.path))
        sub_paths = {str(s) for s in subdirs}
        yield folder, [e for e in entries if e.path not in sub_paths]
        stack.extend(reversed(subdirs))


def discover_inputs(inputs: list[str | Path], *, exclude: Iterable[str | os.PathLike] = ()
                    ) -> tuple[list[Path], list[InputFailure]]:
    """Files to ingest from files and folders (recursive), sorted, without duplicates.

    Folders contribute files with a supported extension (case-insensitive); hidden files and
    folders (name starting with ".") inside them are skipped, and so are the folders in
    `exclude` (the run's own output folder, so a rerun never ingests the tool's outputs).
    Inside a folder, symbolic links are read only when they point to a file inside that
    folder; links leading out of it, dangling links and link loops become failures, as do
    special files (devices, FIFOs, sockets). A path named explicitly must exist and have a
    supported extension, otherwise it becomes an InputFailure (stage "discover").
    """
    found: dict[object, Path] = {}
    failures: list[InputFailure] = []
    skip = {i for i in (_identity(Path(x)) for x in exclude) if i is not None}

    def add(path: Path, ident: tuple[int, int] | None = None) -> None:
        # The same file reached twice (two inputs, a link inside the tree) is read once.
        ident = ident or _identity(path)
        found.setdefault(ident or str(path.absolute()), path)

    def on_error(folder: Path, err: OSError) -> None:
        failures.append(InputFailure(str(err.filename or folder), "discover",
                                     f"cannot read folder: {err.strerror or err}"))

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            root = _resolve(path) or path.absolute()
            for folder, entries in _walk(path, on_error, skip):
                for entry in entries:
                    child = Path(folder) / entry.name
                    if child.suffix.lower() not in SUPPORTED_EXTENSIONS:
                        continue
                    if entry.is_symlink():
                        problem = _link_problem(child, root)
                        if problem:
                            failures.append(InputFailure(str(child), "discover", problem))
                            continue
                    try:
                        st = child.stat()
                    except OSError as err:
                        failures.append(InputFailure(str(child), "discover",
                                                     f"cannot read file: {err.strerror or err}"))
                        continue
                    mode = st.st_mode
                    if stat.S_ISREG(mode):
                        add(child, (st.st_dev, st.st_ino))
                    elif not stat.S_ISDIR(mode):
                        failures.append(InputFailure(str(child), "discover",
                                                     "not a regular file (device, pipe or socket); not read"))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_EXTENSIONS:
                add(path)
            else:
                failures.append(InputFailure(
                    str(path), "discover",
                    f"unsupported file type {path.suffix or '(no extension)'!r}; "
                    f"supported: {' '.join(SUPPORTED_EXTENSIONS)}"))
        elif path.is_symlink():
            failures.append(InputFailure(str(path), "discover",
                                         _link_problem(path, Path("/")) or "cannot follow symbolic link"))
        elif path.exists():
            failures.append(InputFailure(str(path), "discover", "not a regular file or folder"))
        else:
            failures.append(InputFailure(str(path), "discover", "no such file or folder"))
    paths = sorted(found.values(), key=lambda p: p.as_posix())
    return paths, failures
