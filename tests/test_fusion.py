"""fusion: one L2-normalised matrix whose cosine is the weighted mean of the signals' cosines."""

from __future__ import annotations

import numpy as np
import pytest

from align.match.fusion import fuse, fuse_more, pair_signals


def _unit(rng, n, d):
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_fused_cosine_is_weighted_mean_and_direct_only_rows_use_direct():
    rng = np.random.default_rng(0)
    mt, direct = _unit(rng, 6, 8), _unit(rng, 6, 5)
    has_mt = np.array([True, True, True, True, False, False])
    f = fuse(mt, direct, has_mt, w_mt=0.3, centre=False)
    assert np.allclose(np.linalg.norm(f.vectors, axis=1), 1.0, atol=1e-5)
    cos = f.vectors @ f.vectors.T
    cm, cd = mt @ mt.T, direct @ direct.T
    assert np.isclose(cos[0, 1], 0.3 * cm[0, 1] + 0.7 * cd[0, 1], atol=1e-5)  # both signals
    assert np.isclose(cos[4, 5], cd[4, 5], atol=1e-5)  # two direct-only units
    assert np.isclose(cos[0, 4], np.sqrt(0.7) * cd[0, 4], atol=1e-5)  # mixed pair
    sig = pair_signals(f, [0, 0, 4], [1, 4, 5], min_cos=-1.0)
    assert list(sig["signal"]) == ["mt+direct", "direct", "direct"]
    assert np.isclose(sig["cos_mt"][0], cm[0, 1], atol=1e-5) and np.isnan(sig["cos_mt"][1])
    assert np.isclose(sig["cos_direct"][2], cd[4, 5], atol=1e-5)


def test_single_signal_and_labels():
    rng = np.random.default_rng(1)
    mt = _unit(rng, 4, 8)
    only_mt = fuse(mt, None, centre=False)
    assert np.allclose(only_mt.vectors, mt, atol=1e-6)
    assert set(pair_signals(only_mt, [0, 1], [2, 3])["signal"]) == {"mt"}
    direct = _unit(rng, 4, 5)
    only_direct = fuse(None, direct, centre=False)
    assert np.allclose(only_direct.vectors, direct, atol=1e-6)
    with pytest.raises(ValueError, match="direct"):
        fuse(mt, None, np.array([True, False, True, True]))
    # a pair the MT signal supports and the direct one does not
    a = np.array([[1, 0], [1, 0]], np.float32)
    b = np.array([[1, 0], [0, 1]], np.float32)
    f = fuse(a, b, centre=False)
    assert pair_signals(f, [0], [1], min_cos=0.5)["signal"][0] == "mt"
    assert pair_signals(fuse(b, a, centre=False), [0], [1], min_cos=0.5)["signal"][0] == "direct"


def test_centred_fusion_and_new_rows_share_the_space():
    rng = np.random.default_rng(2)
    mt, direct = _unit(rng, 10, 8) + 2.0, _unit(rng, 10, 5) + 1.0  # a strong common direction
    f = fuse(mt, direct, centre=True)
    assert abs(float((f.vectors @ f.vectors.T)[np.triu_indices(10, 1)].mean())) < 0.3
    again = fuse_more(f, mt[:3], direct[:3])
    assert np.allclose(again, f.vectors[:3], atol=1e-5)


def test_score_profiles_follow_the_runs_signals():
    from align.match import scoring

    assert scoring.profile_for([True, True], has_direct=True) == "fused"
    assert scoring.profile_for([False, False], has_direct=True) == "direct"
    assert scoring.profile_for([True, False], has_direct=True) == "fused"
    assert scoring.profile_for([True, True], has_direct=False) == "mt"
    feats = (0.6, 1.2, True, 0.1)
    outside = float(scoring.calibrated_score(*feats))
    assert outside == float(scoring.calibrated_score(*feats, profile="mt"))
    with scoring.profile("direct"):
        inside = float(scoring.calibrated_score(*feats))
    assert inside == float(scoring.calibrated_score(*feats, profile="direct"))
    assert float(scoring.calibrated_score(*feats)) == outside  # the block's profile does not leak
    for name in scoring.PROFILES:  # a higher cosine never lowers the score
        low, high = scoring.calibrated_score([0.4, 0.8], 1.1, False, 0.0, profile=name)
        assert 0.0 < low < high < 1.0
    with pytest.raises(ValueError, match="profile"):
        with scoring.profile("nope"):
            pass
