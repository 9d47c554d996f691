"""Argos Translate packages: where they live, what is installed, and safe installation.

Packages live where argostranslate (and so `argospm`) keeps them, so each sees the other's:
$ARGOS_PACKAGES_DIR, else `ARGOS_PACKAGES_DIR` in $XDG_CONFIG_HOME/argos-translate/settings.json,
else $XDG_DATA_HOME/argos-translate/packages (default ~/.local/share/...). argostranslate.settings
reads the environment once, at import; this module resolves the folder at every call so a changed
environment (tests, a long-lived process) is honoured. The deprecated ARGOS_TRANSLATE_PACKAGE_DIR
is also searched when listing (argostranslate 1.11 no longer reads it).

Installing never trusts the archive: every entry is checked (no absolute paths, no `..`, no links
or special files, one top-level folder with a valid metadata.json, a CTranslate2 model and a
tokenizer, bounded uncompressed size and compression ratio) before a byte is written; the package
is then extracted into a staging folder beside the package folder and renamed into place, so a
failed or killed install leaves nothing half-installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
INDEX_TIMEOUT_S = 10.0  # offline, fail fast: DNS/connect errors return at once, a dead route in 10 s
DOWNLOAD_TIMEOUT_S = 60.0  # per socket operation, not for the whole download

MAX_ARCHIVE_ENTRIES = 10_000
# Real packages are 50-400 MB unpacked and compress ~1.1-2x (model.bin is nearly incompressible).
MAX_UNPACKED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 50.0
RATIO_CHECK_MIN_BYTES = 1024**2  # tiny archives of text may compress well; ignore ratio below 1 MiB
MAX_METADATA_BYTES = 1024**2
MAX_DOWNLOAD_BYTES = 2 * 1024**3

# \Z, not $: "$" also matches before a final newline, and "de\n" is not a language code.
_CODE_RE = re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?\Z")
_PAIR_RE = re.compile(r"^([a-z]{2,3}(?:_[A-Za-z]{2,4})?)-([a-z]{2,3}(?:_[A-Za-z]{2,4})?)\Z")
_FOLDER_PAIR_RE = re.compile(r"^translate-([a-z]{2,3})_([a-z]{2,3})(?:-|\Z)")
# Copying an extracted package folder stops beyond this many bytes (no package is near it).
MAX_FOLDER_BYTES = MAX_UNPACKED_BYTES
_STAGING_PREFIX = ".align-staging-"


class ModelError(Exception):
    """A translation package problem, with a message meant for the user."""


@dataclass
class PackageInfo:
    from_code: str
    to_code: str
    version: str
    path: Path
    package_id: str  # e.g. "translate-de_en-1.0"
    tokenizer: str  # "sentencepiece" or "bpe"
    target_prefix: str = ""
    from_name: str = ""
    to_name: str = ""

    @property
    def pair(self) -> str:
        return f"{self.from_code}-{self.to_code}"

    @property
    def model_dir(self) -> Path:
        return self.path / "model"


def _home() -> Path:
    if "SNAP" in os.environ and "SNAP_USER_DATA" in os.environ:
        return Path(os.environ["SNAP_USER_DATA"])
    return Path.home()


def argos_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or _home() / ".local" / "share") / "argos-translate"


def _argos_settings() -> dict:
    path = Path(os.environ.get("XDG_CONFIG_HOME") or _home() / ".config") / "argos-translate" / "settings.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _argos_setting(key: str, default=None):
    value = os.environ.get(key)
    if value is not None:
        return value
    return _argos_settings().get(key, default)


def package_dir() -> Path:
    """The folder argostranslate installs packages into (resolved now, not at import)."""
    return Path(_argos_setting("ARGOS_PACKAGES_DIR") or argos_data_dir() / "packages")


def package_dirs() -> list[Path]:
    dirs = [package_dir()]
    legacy = os.environ.get("ARGOS_TRANSLATE_PACKAGE_DIR")
    if legacy and Path(legacy) not in dirs:
        dirs.append(Path(legacy))
    return dirs


def install_command(pair: str) -> str:
    return f"align models install {pair}"


def _version_key(version: str):
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, Version("0"), version)


def read_package(path: Path) -> PackageInfo:
    """Metadata of an extracted package folder, via argostranslate's own reader."""
    from argostranslate.package import Package

    path = Path(path)
    meta_path = path / "metadata.json"
    if not meta_path.is_file():
        raise ModelError(f"{path}: not an Argos package (no metadata.json)")
    try:
        if meta_path.stat().st_size > MAX_METADATA_BYTES:
            raise ModelError(f"{meta_path}: implausibly large; reinstall the package")
        # Our own checks first: argostranslate's reader crashes on `[]` or `"languages": 5`.
        _check_metadata_bytes(meta_path.read_bytes(), str(path))
    except OSError as exc:
        raise ModelError(f"{meta_path}: cannot read it ({exc.strerror or exc})") from exc
    try:
        pkg = Package(path)
    except Exception as exc:  # noqa: BLE001 - any crash of the reader means a broken package
        raise ModelError(f"{meta_path}: cannot read it ({type(exc).__name__}: {exc})") from exc
    _check_codes(pkg.from_code, pkg.to_code, f"{path}/metadata.json")
    if (path / "sentencepiece.model").is_file():
        tokenizer = "sentencepiece"
    elif (path / "bpe.model").is_file():
        tokenizer = "bpe"
    else:
        raise ModelError(f"{path}: no tokenizer (sentencepiece.model or bpe.model)")
    version = str(pkg.package_version or "0")
    pkg_type = pkg.type or "translate"
    return PackageInfo(
        from_code=pkg.from_code,
        to_code=pkg.to_code,
        version=version,
        path=path,
        package_id=f"{pkg_type}-{pkg.from_code}_{pkg.to_code}-{version}",
        tokenizer=tokenizer,
        target_prefix=pkg.target_prefix or "",
        from_name=pkg.from_name or "",
        to_name=pkg.to_name or "",
    )


@dataclass
class BrokenPackage:
    """An installed package folder that cannot be used, and why."""

    path: Path
    reason: str
    pair: str = ""  # known when metadata.json could be read
    version: str = ""


def _check_model_bin(path: Path) -> str | None:
    """Cheap sanity check of a CTranslate2 model.bin header (version, spec name); None if ok.

    Loading the model costs seconds; a header check catches empty, truncated-to-nothing and
    replaced files (the common damage) in microseconds. Deeper damage fails when loaded."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4 + 2 + 256)
    except OSError as exc:
        return f"cannot read {path.name}: {exc.strerror or exc}"
    if len(head) < 8:
        return f"{path.name} is empty or truncated"
    version = int.from_bytes(head[:4], "little")
    name_len = int.from_bytes(head[4:6], "little")
    name = head[6:6 + name_len].rstrip(b"\0")
    if not 1 <= version <= 100 or not 1 <= name_len <= 256 or not re.fullmatch(rb"[A-Za-z0-9_]+", name):
        return f"{path.name} is not a CTranslate2 model (damaged file)"
    return None


def package_problem(info: PackageInfo) -> str | None:
    """Why an installed package cannot translate (missing or damaged files), or None."""
    model_bin = info.model_dir / "model.bin"
    if not model_bin.is_file():
        return "no CTranslate2 model (model/model.bin missing)"
    problem = _check_model_bin(model_bin)
    if problem:
        return problem
    if info.tokenizer == "sentencepiece":
        try:
            import sentencepiece as spm

            spm.SentencePieceProcessor(model_file=str(info.path / "sentencepiece.model"))
        except Exception as exc:  # noqa: BLE001 - sentencepiece raises OSError/RuntimeError
            return f"sentencepiece.model cannot be loaded ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
    return None


def scan_packages() -> tuple[list[PackageInfo], list[BrokenPackage]]:
    """(usable packages sorted by pair then version, broken package folders).

    A broken folder (unreadable metadata, damaged model or tokenizer) never fails the listing
    or a run that does not need its pair."""
    found: list[PackageInfo] = []
    broken: list[BrokenPackage] = []
    for directory in package_dirs():
        try:
            children = sorted(directory.iterdir()) if directory.is_dir() else []
        except OSError:
            continue
        for child in children:
            if not child.is_dir() or child.name.startswith("."):
                continue
            try:
                info = read_package(child)
            except ModelError as exc:
                # The folder name still tells the pair ("translate-de_en-1_0"), so a run that
                # needs it is told the package is broken, not that it is missing.
                m = _FOLDER_PAIR_RE.match(child.name)
                broken.append(BrokenPackage(child, str(exc), f"{m[1]}-{m[2]}" if m else ""))
                continue
            if not info.package_id.startswith("translate-"):
                continue
            problem = package_problem(info)
            if problem:
                broken.append(BrokenPackage(child, problem, info.pair, info.version))
            else:
                found.append(info)
    found.sort(key=lambda p: (p.pair, _version_key(p.version)))
    return found, broken


def list_packages() -> list[PackageInfo]:
    """Installed translate packages (ours and argospm's), sorted by pair then version.

    Folders that are not valid packages are skipped (`scan_packages` also lists them)."""
    return scan_packages()[0]


def broken_packages() -> list[BrokenPackage]:
    return scan_packages()[1]


def available_pairs() -> set[str]:
    return {p.pair for p in list_packages()}


def _check_codes(from_code, to_code, where: str) -> None:
    for name, code in (("from_code", from_code), ("to_code", to_code)):
        if not isinstance(code, str) or not code:
            raise ModelError(f"{where}: missing {name}")
        if not _CODE_RE.match(code):
            raise ModelError(f"{where}: {name} {code!r} is not a language code")


def _check_metadata_bytes(data: bytes, where: str) -> dict:
    try:
        meta = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{where}: metadata.json is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{where}: metadata.json must hold a JSON object")
    _check_codes(meta.get("from_code"), meta.get("to_code"), f"{where}: metadata.json")
    for key in ("package_version", "target_prefix", "type"):
        if key in meta and not isinstance(meta[key], str):
            raise ModelError(f"{where}: metadata.json field {key!r} must be a string")
    if meta.get("type", "translate") != "translate":
        raise ModelError(f"{where}: package type {meta['type']!r} is not a translation package")
    return meta


def _unsafe_member(name: str) -> str | None:
    """Why a zip member name is unsafe, or None."""
    if not name or "\x00" in name:
        return "empty or NUL in name"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    parts = re.split(r"[\\/]", name)
    if any(part == ".." for part in parts):
        return "'..' in path"
    return None


def validate_archive(archive: Path) -> tuple[str, dict]:
    """Check an .argosmodel before anything is extracted; return (top folder, metadata)."""
    archive = Path(archive)
    where = str(archive)
    if not zipfile.is_zipfile(archive):
        raise ModelError(f"{where}: not an Argos package (not a zip archive)")
    archive_size = archive.stat().st_size
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{where}: unreadable zip archive ({exc})") from exc
    with zf:
        infos = zf.infolist()
        if not infos:
            raise ModelError(f"{where}: empty archive")
        if len(infos) > MAX_ARCHIVE_ENTRIES:
            raise ModelError(f"{where}: {len(infos)} entries (limit {MAX_ARCHIVE_ENTRIES})")
        tops: set[str] = set()
        names: set[str] = set()
        total = 0
        for info in infos:
            why = _unsafe_member(info.filename)
            if why:
                raise ModelError(f"{where}: rejected entry {info.filename!r}: {why}")
            mode = info.external_attr >> 16
            if info.create_system == 3 and mode:  # Unix attributes recorded
                kind = stat.S_IFMT(mode)
                if stat.S_ISLNK(mode):
                    raise ModelError(f"{where}: rejected entry {info.filename!r}: symbolic link")
                if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                    raise ModelError(f"{where}: rejected entry {info.filename!r}: not a regular file")
            norm = PurePosixPath(info.filename.replace("\\", "/"))
            if str(norm) in names:
                raise ModelError(f"{where}: duplicate entry {info.filename!r}")
            names.add(str(norm))
            tops.add(norm.parts[0])
            if info.flag_bits & 0x1:
                raise ModelError(f"{where}: encrypted entry {info.filename!r}")
            total += info.file_size
        if len(tops) != 1:
            raise ModelError(
                f"{where}: an Argos package holds exactly one top-level folder, found {len(tops)}: "
                f"{', '.join(sorted(tops)[:5])}"
            )
        top = tops.pop()
        if top in (".", "") or top.startswith("."):
            raise ModelError(f"{where}: bad top-level folder name {top!r}")
        if total > MAX_UNPACKED_BYTES:
            raise ModelError(
                f"{where}: unpacks to {total:,} bytes, over the {MAX_UNPACKED_BYTES:,}-byte limit (zip bomb?)"
            )
        if total > RATIO_CHECK_MIN_BYTES and total > MAX_COMPRESSION_RATIO * max(archive_size, 1):
            raise ModelError(
                f"{where}: unpacks to {total:,} bytes from {archive_size:,} "
                f"(ratio {total / max(archive_size, 1):.0f}x, limit {MAX_COMPRESSION_RATIO:.0f}x): zip bomb?"
            )
        meta_name = f"{top}/metadata.json"
        if meta_name not in names:
            raise ModelError(f"{where}: missing {meta_name}")
        meta_info = zf.getinfo(meta_name) if meta_name in zf.namelist() else None
        if meta_info is None:
            raise ModelError(f"{where}: missing {meta_name}")
        if meta_info.file_size > MAX_METADATA_BYTES:
            raise ModelError(f"{where}: metadata.json is implausibly large ({meta_info.file_size:,} bytes)")
        try:
            meta = _check_metadata_bytes(zf.read(meta_info), where)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ModelError(f"{where}: cannot read metadata.json ({exc})") from exc
        if f"{top}/model/model.bin" not in names:
            raise ModelError(f"{where}: no CTranslate2 model ({top}/model/model.bin missing)")
        if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
            raise ModelError(f"{where}: no tokenizer ({top}/sentencepiece.model or bpe.model)")
        free = shutil.disk_usage(_existing_parent(package_dir())).free
        if total > free:
            raise ModelError(f"{where}: needs {total:,} bytes, only {free:,} free in {package_dir()}")
    return top, meta


def validate_folder(folder: Path) -> dict:
    """Check an extracted package folder before copying it."""
    folder = Path(folder)
    where = str(folder)
    meta_path = folder / "metadata.json"
    if not meta_path.is_file():
        raise ModelError(f"{where}: not an Argos package (no metadata.json)")
    if meta_path.stat().st_size > MAX_METADATA_BYTES:
        raise ModelError(f"{where}: metadata.json is implausibly large")
    meta = _check_metadata_bytes(meta_path.read_bytes(), where)
    total = 0
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            if p.is_symlink():
                raise ModelError(f"{where}: rejected {p.relative_to(folder)}: symbolic link")
        for name in files:
            p = Path(root) / name
            st = p.lstat()
            if not stat.S_ISREG(st.st_mode):
                # A device node (/dev/zero) would be copied until the disk is full.
                raise ModelError(f"{where}: rejected {p.relative_to(folder)}: not a regular file "
                                 "(device, pipe or socket); a package holds regular files only")
            total += st.st_size
    if total > MAX_UNPACKED_BYTES:
        raise ModelError(f"{where}: {total:,} bytes, over the {MAX_UNPACKED_BYTES:,}-byte limit")
    if not (folder / "model" / "model.bin").is_file():
        raise ModelError(f"{where}: no CTranslate2 model (model/model.bin missing)")
    if not (folder / "sentencepiece.model").is_file() and not (folder / "bpe.model").is_file():
        raise ModelError(f"{where}: no tokenizer (sentencepiece.model or bpe.model)")
    return meta


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _clean_stale_staging(parent: Path, max_age_s: float = 3600.0) -> None:
    """Remove staging folders left by killed installs (they are never inside package_dir)."""
    with contextlib.suppress(OSError):
        for child in parent.iterdir():
            if child.name.startswith(_STAGING_PREFIX) and time.time() - child.stat().st_mtime > max_age_s:
                shutil.rmtree(child, ignore_errors=True)


def _staging_dir() -> Path:
    # Beside, not inside, the package folder: argostranslate would choke on a folder without
    # metadata.json there; same filesystem, so the final rename is atomic.
    target = package_dir()
    target.mkdir(parents=True, exist_ok=True)
    _clean_stale_staging(target.parent)
    return Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=target.parent))


def _move_into_place(staged: Path, name: str) -> Path:
    final = package_dir() / name
    old = None
    if final.exists() or final.is_symlink():
        old = staged.parent / (name + ".old")
        os.replace(final, old)
    try:
        os.replace(staged, final)
    except OSError:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _verify_staged(pkg_dir: Path) -> PackageInfo:
    import ctranslate2

    info = read_package(pkg_dir)
    if not ctranslate2.contains_model(str(pkg_dir / "model")):
        raise ModelError(f"{pkg_dir.name}: model/ is not a CTranslate2 model")
    return info


def install_archive(archive: Path) -> PackageInfo:
    archive = Path(archive)
    top, _meta = validate_archive(archive)
    staging = _staging_dir()
    try:
        root = staging / "pkg"
        root.mkdir()
        written = 0
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                rel = PurePosixPath(info.filename.replace("\\", "/"))
                dest = root.joinpath(*rel.parts)
                if not dest.resolve().is_relative_to(root.resolve()):  # belt and braces
                    raise ModelError(f"{archive}: rejected entry {info.filename!r}: escapes the package")
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:
                            raise ModelError(f"{archive}: unpacks beyond the size limit (zip bomb?)")
                        out.write(chunk)
        pkg_dir = root / top
        _verify_staged(pkg_dir)
        final = _move_into_place(pkg_dir, top)
        return read_package(final)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # CRC errors, truncated data, disk full
        raise ModelError(f"{archive}: extraction failed ({exc}); nothing was installed") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy_regular_files(src: Path, dest: Path, limit: int) -> None:
    """Copy the folders and regular files of src (nothing else: no links, devices, pipes),
    stopping with ModelError beyond `limit` bytes (files can change after validation)."""
    copied = 0
    for root, dirs, files in os.walk(src):
        rel = Path(root).relative_to(src)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink()]
        for name in files:
            source = Path(root) / name
            fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise ModelError(f"{src}: rejected {source.relative_to(src)}: not a regular file")
                with os.fdopen(fd, "rb", closefd=False) as fin, open(dest / rel / name, "wb") as fout:
                    while chunk := fin.read(1 << 20):
                        copied += len(chunk)
                        if copied > limit:
                            raise ModelError(f"{src}: more than {limit:,} bytes; not a package (nothing was installed)")
                        fout.write(chunk)
            finally:
                os.close(fd)


def install_folder(folder: Path) -> PackageInfo:
    folder = Path(folder)
    validate_folder(folder)
    name = folder.resolve().name
    if name.startswith(".") or not name:
        raise ModelError(f"{folder}: bad package folder name")
    if folder.resolve().parent == package_dir().resolve():
        return read_package(folder)  # already installed in place
    staging = _staging_dir()
    try:
        staged = staging / name
        _copy_regular_files(folder, staged, MAX_FOLDER_BYTES)
        _verify_staged(staged)
        return read_package(_move_into_place(staged, name))
    except OSError as exc:
        raise ModelError(f"{folder}: copy failed ({exc}); nothing was installed") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def index_url() -> str:
    base = _argos_setting("ARGOS_PACKAGE_INDEX", DEFAULT_INDEX_URL)
    return str(base) + "index.json"


def _fetch(url: str, timeout: float, limit: int, dest=None) -> bytes | None:
    request = urllib.request.Request(url, headers={"User-Agent": "align (ArgosTranslate compatible)"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        got = 0
        chunks = []
        while chunk := response.read(1 << 20):
            got += len(chunk)
            if got > limit:
                raise ModelError(f"{url}: download larger than {limit:,} bytes; aborted")
            if dest is not None:
                dest.write(chunk)
            else:
                chunks.append(chunk)
        return None if dest is not None else b"".join(chunks)


def install_pair(pair: str) -> PackageInfo:
    """Download the newest package for PAIR from the Argos index and install it."""
    m = _PAIR_RE.match(pair)
    if not m:
        raise ModelError(f"{pair!r} is not a language pair like zh-en")
    from_code, to_code = m.groups()
    url = index_url()
    try:
        data = _fetch(url, INDEX_TIMEOUT_S, 64 * 1024**2)
        index = json.loads(data)
    except (urllib.error.URLError, OSError, TimeoutError, ValueError) as exc:
        raise ModelError(
            f"cannot download the Argos package index ({url}): {getattr(exc, 'reason', exc)}. "
            f"Without network access, download translate-{from_code}_{to_code}-*.argosmodel elsewhere "
            f"and run `align models install FILE.argosmodel`."
        ) from exc
    if not isinstance(index, list):
        raise ModelError(f"{url}: unexpected package index format")
    # Keep argostranslate's local index current too (argospm reads it).
    with contextlib.suppress(OSError):
        from align.fsutil import atomic_write_bytes

        atomic_write_bytes(argos_data_dir() / "index.json", data)
    candidates = [
        e
        for e in index
        if isinstance(e, dict)
        and e.get("from_code") == from_code
        and e.get("to_code") == to_code
        and e.get("type", "translate") == "translate"
        and e.get("links")
    ]
    if not candidates:
        raise ModelError(f"the Argos package index has no {pair} package")
    entry = max(candidates, key=lambda e: _version_key(str(e.get("package_version", "0"))))
    errors = []
    for link in entry["links"]:
        if not str(link).startswith(("https://", "http://")):
            continue
        fd, tmp = tempfile.mkstemp(prefix=".align-download-", suffix=".argosmodel")
        try:
            with os.fdopen(fd, "wb") as out:
                _fetch(str(link), DOWNLOAD_TIMEOUT_S, MAX_DOWNLOAD_BYTES, dest=out)
            return install_archive(Path(tmp))
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            errors.append(f"{link}: {getattr(exc, 'reason', exc)}")
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    raise ModelError(f"download of the {pair} package failed: " + "; ".join(errors or ["no usable link"]))


def install(source: str) -> list[PackageInfo]:
    """Install from an .argosmodel file, an extracted package folder, or a pair like zh-en."""
    path = Path(source).expanduser()
    if path.is_file():
        return [install_archive(path)]
    if path.is_dir():
        return [install_folder(path)]
    if _PAIR_RE.match(source):
        return [install_pair(source)]
    raise ModelError(f"{source}: no such file or folder, and not a language pair like zh-en")
