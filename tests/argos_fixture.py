"""Build structurally real Argos Translate packages with random weights.

`build_tiny_package` makes a tiny `.argosmodel` for tests (sentencepiece trained on a few lines at
test time + a 1+1-layer CTranslate2 Transformer). `write_random_transformer` is shared with
benchmarks/translate_speed.py, which builds a transformer-base model on a real vocabulary.

Random weights alone never emit `</s>`, so every hypothesis would run to the decode cap. To get
realistic output lengths, two reserved model dimensions carry a length signal: the encoder puts a
position ramp in dim 1, the last decoder layer's cross-attention (uniform, zero queries) averages
it (~ source length) and subtracts it from a decoder position ramp in dim 0, and only `</s>`
reads dim 0 in the output projection. So `</s>` wins after roughly 1.2 x source length tokens;
everything else is seeded random, hence deterministic.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
import zlib
from pathlib import Path

import ctranslate2
import numpy as np
import sentencepiece as spm

# A few lines of real Chinese / German / English news text so tokenization is not trivial.
TRAINING_LINES = [
    "加拿大政府要求海康威视停止在加拿大的所有业务。",
    "中国商务部表示，此举将损害两国之间的双边贸易。",
    "海康威视总部位于杭州，是全球领先的监控摄像头制造商之一。",
    "美国于2019年将海康威视列入黑名单。",
    "北京表示愿意改善与渥太华的关系。",
    "发言人在周一的新闻发布会上回答了记者的提问。",
    "Die Äußerungen von Peking kommen, nachdem Ottawa angekündigt hatte, alle Aktivitäten einzustellen.",
    "Das chinesische Handelsministerium antwortete mit scharfer Kritik.",
    "Hikvision mit Sitz in Hangzhou ist einer der weltweit führenden Hersteller von Überwachungskameras.",
    "Die Vereinigten Staaten setzten Hikvision im Jahr 2019 auf eine schwarze Liste.",
    "Premierminister Mark Carney gewann im April die Wahl.",
    "Die Beziehungen zwischen China und Kanada sind seit Jahren angespannt.",
    "Canada ordered the Chinese company Hikvision to close its local operations.",
    "The Chinese commerce ministry said the decision would damage bilateral trade.",
    "Relations between the two countries have been strained for years.",
    "The United States blacklisted Hikvision in 2019 over human rights concerns.",
]

LENGTH_RATIO = 1.2  # expected target/source token ratio of the random model
LENGTH_OFFSET = 2.0


def _train_sentencepiece(lines: list[str], vocab_size: int = 400) -> bytes:
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # a few lines cannot fill a fixed vocabulary
        character_coverage=1.0,
        model_type="unigram",
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _sinusoids(length: int, dim: int) -> np.ndarray:
    pos = np.arange(length, dtype=np.float32)[:, None]
    inv = np.exp(-math.log(10000.0) * np.arange(0, dim, 2, dtype=np.float32) / dim)
    enc = np.zeros((length, dim), dtype=np.float32)
    enc[:, 0::2] = np.sin(pos * inv)
    enc[:, 1::2] = np.cos(pos * inv)
    return enc


def write_random_transformer(
    model_dir: Path,
    vocabulary: list[str],
    *,
    layers: tuple[int, int] = (1, 1),
    heads: int = 2,
    d_model: int = 32,
    ffn: int = 64,
    seed: int = 0,
    max_positions: int = 1024,
) -> None:
    """Save a CTranslate2 Transformer with seeded random weights to `model_dir`."""
    from ctranslate2.specs import TransformerSpec, model_spec

    rng = np.random.default_rng(seed)
    d, V = d_model, len(vocabulary)
    eos = vocabulary.index("</s>")
    spec = TransformerSpec.from_config(layers, heads)

    def rand(*shape, fan_in):
        return rng.standard_normal(shape, dtype=np.float32) / np.float32(math.sqrt(fan_in))

    # Length-signal constants (see module docstring).
    enc_slope = 0.004  # small, so the encoder's final layer norm stays nearly linear in it
    dec_slope = 0.25
    # mean over source positions j < n of enc_slope*j/sigma ~ enc_slope*(n-1)/2 (sigma ~ 1)
    cross_gain = dec_slope * LENGTH_RATIO * 2.0 / enc_slope

    def fill(scope_spec, name, value):
        if not (value is None or isinstance(value, str) and value == model_spec.OPTIONAL):
            return
        parts = name.split("/")
        leaf, parent = parts[-1], parts[-2] if len(parts) > 1 else ""
        if value == model_spec.OPTIONAL and name.endswith("position_encodings/encodings"):
            enc = _sinusoids(max_positions, d)
            enc[:, :2] = 0.0
            if name.startswith("encoder"):
                enc[:, 1] = enc_slope * np.arange(max_positions)
            else:
                enc[:, 0] = dec_slope * (np.arange(max_positions) - LENGTH_OFFSET)
            setattr(scope_spec, leaf, enc)
            return
        if value is not None:  # other optional variables stay unset
            return
        if leaf == "gamma":
            setattr(scope_spec, leaf, np.ones(d, dtype=np.float32))
        elif leaf == "beta":
            setattr(scope_spec, leaf, np.zeros(d, dtype=np.float32))
        elif parent.startswith("embeddings"):
            emb = rand(V, d, fan_in=d)
            emb[:, :2] = 0.0  # reserved length dims
            setattr(scope_spec, leaf, emb)
        elif parent == "projection":
            proj = rand(V, d, fan_in=d)
            proj -= proj.mean(axis=1, keepdims=True)  # immune to layer-norm mean shifts
            proj[:, :2] = 0.0
            proj[eos] = 0.0
            proj[eos, 0] = 30.0  # dim 1 is always 0 in the decoder: cancels the mean shift
            proj[eos, 1] = -30.0
            setattr(scope_spec, leaf, proj)
            setattr(scope_spec, "bias", np.zeros(V, dtype=np.float32))
        elif leaf == "weight":
            # parent is linear_N inside self_attention / attention / ffn
            block = parts[-3]
            idx = int(parent.split("_")[1])
            if block == "ffn":
                shape = (ffn, d) if idx == 0 else (d, ffn)
            elif block == "self_attention":
                shape = (3 * d, d) if idx == 0 else (d, d)
            else:  # cross attention: queries, fused keys/values, output
                shape = (2 * d, d) if idx == 1 else (d, d)
            w = rand(*shape, fan_in=shape[1]) * 0.5
            last_decoder_cross = (
                block == "attention" and parts[0] == "decoder" and parts[1] == f"layer_{layers[1] - 1}"
            )
            is_output = shape[0] == d and (
                (block == "ffn" and idx == 1) or (block == "self_attention" and idx == 1) or (block == "attention" and idx == 2)
            )
            if is_output:
                w[:2, :] = 0.0  # layers never write into the reserved length dims
            if last_decoder_cross:
                if idx == 0:
                    w[:] = 0.0  # zero queries -> uniform attention over the source
                elif idx == 1:
                    # value dim 2 = encoder ramp; dim 0 (always 0 there) cancels layer norm's mean
                    w[d + 2, :] = 0.0
                    w[d + 2, 1] = 1.0
                    w[d + 2, 0] = -1.0
                elif idx == 2:
                    w[0, :] = 0.0
                    w[0, 2] = -cross_gain
            setattr(scope_spec, leaf, w)
            setattr(scope_spec, "bias", np.zeros(shape[0], dtype=np.float32))

    model_spec.visit_spec(spec, fill)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization=None)
    model_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(model_dir))


def write_package_dir(
    pkg_dir: Path,
    from_code: str,
    to_code: str,
    *,
    sentencepiece_model: bytes,
    vocabulary: list[str],
    version: str = "0.0.1",
    target_prefix: str = "",
    seed: int = 0,
    **model_args,
) -> Path:
    """Write an extracted Argos package (metadata.json, model/, sentencepiece.model)."""
    pkg_dir.mkdir(parents=True, exist_ok=True)
    metadata = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": from_code.upper(),
        "to_code": to_code,
        "to_name": to_code.upper(),
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    (pkg_dir / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    (pkg_dir / "sentencepiece.model").write_bytes(sentencepiece_model)
    (pkg_dir / "README.md").write_text(f"Untrained {from_code}->{to_code} test package.\n", encoding="utf-8")
    write_random_transformer(pkg_dir / "model", vocabulary, seed=seed, **model_args)
    return pkg_dir


def zip_package(pkg_dir: Path, archive: Path) -> Path:
    """Zip an extracted package the way Argos distributes it: one top-level folder."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(pkg_dir.rglob("*")):
            if path.is_file():
                zf.write(path, f"{pkg_dir.name}/{path.relative_to(pkg_dir).as_posix()}")
    return archive


def build_tiny_package(
    out_dir: Path, from_code: str, to_code: str, *, version: str = "0.0.1", target_prefix: str = ""
) -> Path:
    """Build `translate-FROM_TO-VERSION.argosmodel` in out_dir and return its path (~1 s)."""
    out_dir = Path(out_dir)
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    sp_bytes = _train_sentencepiece(TRAINING_LINES)
    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocabulary = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if target_prefix and target_prefix not in vocabulary:
        vocabulary.append(target_prefix)
    seed = zlib.crc32(f"{from_code}-{to_code}-{version}".encode())
    staging = out_dir / f".{name}.build"
    pkg_dir = write_package_dir(
        staging / name,
        from_code,
        to_code,
        sentencepiece_model=sp_bytes,
        vocabulary=vocabulary,
        version=version,
        target_prefix=target_prefix,
        seed=seed,
    )
    return zip_package(pkg_dir, out_dir / f"{name}.argosmodel")


if __name__ == "__main__":  # quick manual check: python -m tests.argos_fixture
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        path = build_tiny_package(Path(tmp), "de", "en")
        print(path, path.stat().st_size, f"{time.perf_counter() - t:.2f}s")
        pkg = Path(tmp) / ".translate-de_en-0_0_1.build" / "translate-de_en-0_0_1"
        tr = ctranslate2.Translator(str(pkg / "model"), compute_type="int8")
        sp = spm.SentencePieceProcessor(model_file=str(pkg / "sentencepiece.model"))
        for line in TRAINING_LINES[6:12] + ["Kurz.", " ".join(TRAINING_LINES[6:9])]:
            toks = sp.encode(line, out_type=str)
            res = tr.translate_batch([toks], beam_size=2, max_decoding_length=256)
            print(len(toks), len(res[0].hypotheses[0]), sp.decode(res[0].hypotheses[0])[:80])
