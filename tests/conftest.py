"""Shared fixtures. Every test runs with its own data/cache dirs and no network."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "input"
SHARED_ARGOS = REPO.parent / "shared" / "argos"
ZH_SEED = SEEDS / "000_273696c2cfa1a6c5.txt"
DE_SEED = SEEDS / "004_6ce744fa065e481d.txt"


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Point XDG data/cache (Argos packages, translation + embedding caches) at temp dirs."""
    root = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.delenv("ARGOS_TRANSLATE_PACKAGE_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    yield


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    return {"zh": ZH_SEED, "de": DE_SEED}


@pytest.fixture()
def seed_input(tmp_path) -> Path:
    """A fresh copy of input/ (the two seeds) that a test may modify."""
    dest = tmp_path / "input"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture(scope="session")
def tiny_argos_packages(tmp_path_factory) -> dict[str, Path]:
    """Tiny, untrained but structurally real Argos packages (.argosmodel) for zh->en and de->en.

    Built once per session: sentencepiece trained on a few lines + a CTranslate2
    TransformerSpec with small random weights, zipped in the Argos layout.
    """
    from tests.argos_fixture import build_tiny_package

    out = tmp_path_factory.mktemp("argos_pkgs")
    return {
        "zh": build_tiny_package(out, "zh", "en"),
        "de": build_tiny_package(out, "de", "en"),
    }
