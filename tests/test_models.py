"""Argos package management: install/list with argospm interop, and hostile archives."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import stat
import threading
import time
import zipfile
from pathlib import Path

import pytest

from align.translate import packages as models
from align.translate.packages import ModelError


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def _assert_nothing_installed():
    pkg_dir = models.package_dir()
    assert _tree(pkg_dir) == []
    # no staging leftovers beside it either
    parent = pkg_dir.parent
    if parent.exists():
        assert [p.name for p in parent.iterdir() if p.name.startswith(".align-")] == []


def test_install_archive_lists_in_argos_location(tiny_argos_packages):
    infos = models.install(str(tiny_argos_packages["de"]))
    assert len(infos) == 1
    info = infos[0]
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert info.path.parent == data_home / "argos-translate" / "packages"
    assert (info.path, info.pair, info.version, info.tokenizer) == (
        models.package_dir() / "translate-de_en-0_0_1",
        "de-en",
        "0.0.1",
        "sentencepiece",
    )
    assert info.package_id == "translate-de_en-0.0.1"
    assert (info.path / "model" / "model.bin").is_file()
    assert models.list_packages() == [info]
    assert models.available_pairs() == {"de-en"}


def test_argostranslate_sees_our_install(tiny_argos_packages):
    from argostranslate import package as argos_package

    models.install(str(tiny_argos_packages["zh"]))
    seen = argos_package.get_installed_packages(path=[models.package_dir()])
    assert [(p.from_code, p.to_code, p.package_version) for p in seen] == [("zh", "en", "0.0.1")]
    assert seen[0].tokenizer.encode("加拿大政府")  # argos can load our package's tokenizer


def test_we_see_argospm_install(tiny_argos_packages, monkeypatch):
    from argostranslate import package as argos_package
    from argostranslate import settings as argos_settings

    # argostranslate read the environment when first imported: point it at this test's folder.
    target = models.package_dir()
    target.mkdir(parents=True)
    monkeypatch.setattr(argos_settings, "package_data_dir", target)
    monkeypatch.setattr(argos_settings, "package_dirs", [target])
    argos_package.install_from_path(tiny_argos_packages["de"])
    [info] = models.list_packages()
    assert (info.pair, info.version, info.path.parent) == ("de-en", "0.0.1", target)


def test_argos_packages_dir_env_is_honoured(tiny_argos_packages, tmp_path, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "elsewhere"))
    [info] = models.install(str(tiny_argos_packages["de"]))
    assert info.path.parent == tmp_path / "elsewhere"


def test_install_folder_and_newest_version_wins(tiny_argos_packages, tmp_path):
    with zipfile.ZipFile(tiny_argos_packages["de"]) as zf:
        zf.extractall(tmp_path / "x")
    src = tmp_path / "x" / "translate-de_en-0_0_1"
    [info] = models.install(str(src))
    assert info.version == "0.0.1"
    newer = tmp_path / "translate-de_en-0_10_0"
    shutil.copytree(src, newer)
    meta = json.loads((newer / "metadata.json").read_text())
    meta["package_version"] = "0.10.0"  # 0.10 > 0.9 > 0.0.1: versions compare numerically
    (newer / "metadata.json").write_text(json.dumps(meta))
    models.install(str(newer))
    assert [p.version for p in models.list_packages()] == ["0.0.1", "0.10.0"]
    assert [p.version for p in models.list_packages() if p.pair == "de-en"][-1] == "0.10.0"
    # reinstalling replaces the folder in one step
    [again] = models.install(str(src))
    assert again.path == info.path and _tree(again.path) == _tree(src)
    assert [p.name for p in models.package_dir().parent.iterdir() if p.name.startswith(".align")] == []


def test_install_command():
    assert models.install_command("zh-en") == "align models install zh-en"


def test_unknown_source_and_non_zip(tmp_path):
    with pytest.raises(ModelError, match="no such file or folder"):
        models.install(str(tmp_path / "nope.argosmodel"))
    bad = tmp_path / "bad.argosmodel"
    bad.write_bytes(b"not a zip at all" * 10)
    with pytest.raises(ModelError, match="not a zip archive"):
        models.install(str(bad))
    _assert_nothing_installed()


# ------------------------------------------------------------------ crafted archives


def _copy_entries(src: Path, dst: zipfile.ZipFile, skip=lambda name: False):
    with zipfile.ZipFile(src) as zf:
        for info in zf.infolist():
            if not skip(info.filename):
                dst.writestr(info, zf.read(info))


def _craft(tmp_path: Path, good: Path, name: str, add=None, skip=lambda n: False) -> Path:
    path = tmp_path / f"{name}.argosmodel"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        _copy_entries(good, zf, skip)
        if add:
            add(zf)
    return path


TOP = "translate-de_en-0_0_1"


def _symlink(zf):
    info = zipfile.ZipInfo(f"{TOP}/evil")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, "/etc/passwd")


def _metadata(text):
    return lambda zf: zf.writestr(f"{TOP}/metadata.json", text)


BAD_ARCHIVES = {
    "absolute": (lambda zf: zf.writestr("/tmp/evil.txt", "x"), None, "absolute path"),
    "dotdot": (lambda zf: zf.writestr(f"{TOP}/../../evil.txt", "x"), None, r"'\.\.' in path"),
    "backslash_dotdot": (lambda zf: zf.writestr(f"{TOP}\\..\\..\\evil.txt", "x"), None, r"'\.\.' in path"),
    "symlink": (_symlink, None, "symbolic link"),
    "missing_metadata": (None, lambda n: n.endswith("metadata.json"), "missing .*metadata.json"),
    "malformed_metadata": (_metadata("{not json"), lambda n: n.endswith("metadata.json"), "not valid JSON"),
    "metadata_no_to_code": (
        _metadata(json.dumps({"from_code": "de", "package_version": "1"})),
        lambda n: n.endswith("metadata.json"),
        "missing to_code",
    ),
    "metadata_path_code": (
        _metadata(json.dumps({"from_code": "../x", "to_code": "en"})),
        lambda n: n.endswith("metadata.json"),
        "not a language code",
    ),
    "no_model": (None, lambda n: "/model/" in n, "no CTranslate2 model"),
    "two_top_folders": (lambda zf: zf.writestr("other/readme.txt", "x"), None, "exactly one top-level folder"),
    "zip_bomb": (lambda zf: zf.writestr(f"{TOP}/padding.bin", b"\0" * (40 * 1024**2)), None, "zip bomb"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARCHIVES))
def test_hostile_archive_rejected_before_writing(case, tiny_argos_packages, tmp_path):
    add, skip, message = BAD_ARCHIVES[case]
    archive = _craft(tmp_path, tiny_argos_packages["de"], case, add, skip or (lambda n: False))
    with pytest.raises(ModelError, match=message) as err:
        models.install(str(archive))
    assert str(archive) in str(err.value)
    _assert_nothing_installed()
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_absolute_size_cap(tiny_argos_packages, monkeypatch):
    monkeypatch.setattr(models, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ModelError, match="size limit|byte limit"):
        models.install(str(tiny_argos_packages["de"]))
    _assert_nothing_installed()


def test_corrupt_member_leaves_nothing(tiny_argos_packages, tmp_path):
    data = bytearray(tiny_argos_packages["de"].read_bytes())
    with zipfile.ZipFile(tiny_argos_packages["de"]) as zf:
        info = zf.getinfo(f"{TOP}/model/model.bin")
    # flip bytes inside model.bin's compressed data: the central directory stays valid
    start = info.header_offset + 30 + len(info.filename) + 200
    data[start : start + 64] = bytes(64)
    bad = tmp_path / "corrupt.argosmodel"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="nothing was installed"):
        models.install(str(bad))
    _assert_nothing_installed()


def test_folder_with_symlink_rejected(tiny_argos_packages, tmp_path):
    with zipfile.ZipFile(tiny_argos_packages["de"]) as zf:
        zf.extractall(tmp_path / "x")
    src = tmp_path / "x" / TOP
    (src / "link").symlink_to("/etc/passwd")
    with pytest.raises(ModelError, match="symbolic link"):
        models.install(str(src))
    _assert_nothing_installed()


# ------------------------------------------------------------------ index download


def test_pair_install_offline_fails_fast(monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "http://127.0.0.1:9/")  # nothing listens there
    started = time.monotonic()
    with pytest.raises(ModelError, match="cannot download the Argos package index") as err:
        models.install("zh-en")
    assert time.monotonic() - started < 5
    assert "align models install FILE.argosmodel" in str(err.value)
    _assert_nothing_installed()


@pytest.fixture()
def local_index(tiny_argos_packages, tmp_path):
    """A real HTTP server on localhost serving an Argos-style index and the tiny package."""
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(tiny_argos_packages["de"], root / "de_en.argosmodel")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    index = [
        {"package_version": "0.0.1", "from_code": "de", "to_code": "en", "type": "translate",
         "links": [base + "de_en.argosmodel"]},
        {"package_version": "9.9", "from_code": "fr", "to_code": "en", "links": [base + "missing.argosmodel"]},
    ]
    (root / "index.json").write_text(json.dumps(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


def test_pair_install_from_index(local_index, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", local_index)
    [info] = models.install("de-en")
    assert info.pair == "de-en" and [p for p in models.list_packages() if p.pair == "de-en"][-1] == info
    # argostranslate's local index copy is kept current for argospm
    assert (models.argos_data_dir() / "index.json").is_file()
    with pytest.raises(ModelError, match="no ja-en package"):
        models.install("ja-en")
    with pytest.raises(ModelError, match="download of the fr-en package failed"):
        models.install("fr-en")
