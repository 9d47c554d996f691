"""Translation engine: real install -> load -> translate with tiny packages, real tokenizers,
cache, imported translations."""

from __future__ import annotations

import json
import os
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest
import sentencepiece as spm

from align.translate import packages as models
from align.translate import MissingModelError, needed_pairs, translate_sentences
from align.translate.cache import TranslationCache
from align.translate.engine import ArgosTranslator, decode_cap, split_tokens
from align.translate.imports import TranslationImportError, load_imported_translations, normalize_for_match
from align.types import Sentence
from tests.conftest import DE_SEED, SHARED_ARGOS, ZH_SEED


class CountingTranslator(ArgosTranslator):
    """The real translator, recording every batch it sends to CTranslate2."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.batches: list[list[list[str]]] = []
        self.results = []

    def _translate_batch(self, batch, cap):
        self.batches.append(batch)
        out = super()._translate_batch(batch, cap)
        self.results.append(out)
        return out


def _seed_lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _de_sentences() -> list[str]:
    return _seed_lines(DE_SEED)


def _zh_sentences() -> list[str]:
    text = re.sub(r"<[^>]+>", " ", ZH_SEED.read_text(encoding="utf-8"))
    return [s.strip() for s in re.split(r"(?<=[。！？])", text) if re.search(r"[\u4e00-\u9fff]", s)][:12]


@pytest.fixture()
def de_translator(tiny_argos_packages):
    [info] = models.install(str(tiny_argos_packages["de"]))
    # the tiny tokenizer is nearly character-level: allow long seed sentences in one piece
    return CountingTranslator.from_package(info, beam=2, max_input_tokens=400)


def _sent(text, lang, i=0, doc="d1"):
    return Sentence(doc_id=doc, sent_id=i, para_id=0, kind="body", text=text, start=0, end=len(text), lang=lang)


# ------------------------------------------------------------------ real tokenizers


@pytest.mark.parametrize("pair,sentences", [("de_en-1.0", _de_sentences), ("zh_en-1.9", _zh_sentences)])
def test_real_argos_tokenizers_on_seed_text(pair, sentences):
    pkg = SHARED_ARGOS / pair
    sp = spm.SentencePieceProcessor(model_file=str(pkg / "sentencepiece.model"))
    vocab_file = pkg / "model" / ("shared_vocabulary.txt" if pair.startswith("de") else "shared_vocabulary.json")
    if vocab_file.suffix == ".json":
        vocab = set(json.loads(vocab_file.read_text(encoding="utf-8")))
    else:
        vocab = set(vocab_file.read_text(encoding="utf-8").split("\n"))
    texts = sentences()
    assert len(texts) >= 10
    pieces = [p for t in texts for p in sp.encode(t, out_type=str)]
    # the model's vocabulary covers (nearly) all pieces the package's tokenizer produces
    assert sum(p in vocab for p in pieces) / len(pieces) > 0.97
    for t in texts:
        toks = sp.encode(t, out_type=str)
        assert 1 < len(toks) < len(t) + 2  # real subwords, not one piece per text
        assert sp.decode(toks) == unicodedata.normalize("NFKC", " ".join(t.split()))


def test_split_tokens_on_real_german_never_exceeds_limit():
    sp = spm.SentencePieceProcessor(model_file=str(SHARED_ARGOS / "de_en-1.0" / "sentencepiece.model"))
    text = " ".join(_de_sentences()) * 3  # ~10,000 chars
    toks = sp.encode(text, out_type=str)
    for limit in (16, 50, 200):
        pieces = split_tokens(toks, limit)
        assert all(0 < len(p) <= limit for p in pieces)
        assert [t for p in pieces for t in p] == toks
    # with room to choose, pieces end after punctuation
    pieces = split_tokens(toks, 200)
    assert all(p[-1].lstrip("▁")[-1] in ",.;:!?“«»\"" for p in pieces[:-1])
    no_punct = sp.encode("wort " * 3000, out_type=str)
    assert all(len(p) <= 200 for p in split_tokens(no_punct, 200))


def test_decode_cap_depends_on_length_bucket_only():
    assert decode_cap(1) == decode_cap(16) < decode_cap(17)
    assert decode_cap(10_000) == decode_cap(200)


# ------------------------------------------------------------------ engine on tiny packages


def test_translate_exact_mapping_with_duplicates_and_sorting(de_translator):
    texts = _de_sentences()[:8]
    batch_input = [texts[3], texts[0], texts[3], "Kurz.", texts[7], texts[0], texts[1]]
    out = de_translator.translate(batch_input)
    assert len(out) == len(batch_input)
    assert out[0] == out[2] and out[1] == out[5]
    assert all(o.strip() for o in out)
    # each unique text was sent once, and batches were sorted by length
    sent = [b for batch in de_translator.batches for b in batch]
    assert len(sent) == len(set(batch_input))
    assert [len(b) for b in sent] == sorted(len(b) for b in sent)
    # the same text translated alone gives the same output: the mapping is exact
    for text, got in zip(batch_input, out):
        assert de_translator.translate([text]) == [got]
    assert len(set(out)) == len(set(batch_input))  # different inputs, different random outputs


def test_translation_is_deterministic_across_loads(tiny_argos_packages):
    [info] = models.install(str(tiny_argos_packages["zh"]))
    texts = _zh_sentences()[:5]
    a = ArgosTranslator.from_package(info, beam=2).translate(texts)
    b = ArgosTranslator.from_package(info, beam=2).translate(texts)
    assert a == b


def test_long_input_is_split_under_the_model_limit(tiny_argos_packages):
    [info] = models.install(str(tiny_argos_packages["de"]))
    tr = CountingTranslator.from_package(info, beam=1, max_input_tokens=24)
    long_text = "Hikvision Kanada Handel Beziehungen " * 150  # thousands of chars, no punctuation
    short = "Die Beziehungen zwischen China und Kanada."
    out = tr.translate([long_text, short])
    lengths = [len(b) for batch in tr.batches for b in batch]
    assert max(lengths) <= 24 and len(lengths) > 20
    assert out[1] == tr.translate([short])[0]
    assert len(out[0]) > 10 * len(out[1])  # all pieces translated and joined


def test_target_prefix_is_forced_and_stripped(tiny_argos_packages, tmp_path):
    with zipfile.ZipFile(tiny_argos_packages["de"]) as zf:
        zf.extractall(tmp_path)
    src = tmp_path / "translate-de_en-0_0_1"
    meta = json.loads((src / "metadata.json").read_text())
    prefix = spm.SentencePieceProcessor(model_file=str(src / "sentencepiece.model")).id_to_piece(40)
    meta["target_prefix"] = prefix  # a token of the tiny vocabulary
    (src / "metadata.json").write_text(json.dumps(meta))
    [info] = models.install(str(src))
    assert info.target_prefix == prefix
    tr = CountingTranslator.from_package(info, beam=2)
    [out] = tr.translate(["Die Beziehungen zwischen China und Kanada."])
    [raw] = tr.results[0]
    assert raw.hypotheses[0][0] == prefix
    assert out == tr.tokenizer.decode(raw.hypotheses[0][1:]).strip()


# ------------------------------------------------------------------ sentences, cache, imports


def test_translate_sentences_then_cache_translates_nothing(tiny_argos_packages):
    [de] = models.install(str(tiny_argos_packages["de"]))
    [zh] = models.install(str(tiny_argos_packages["zh"]))
    de_texts, zh_texts = _de_sentences()[:6], _zh_sentences()[:4]

    def corpus():
        sents = [_sent(t, "de", i, "de1") for i, t in enumerate(de_texts)]
        sents += [_sent(de_texts[0], "de", 0, "de2")]  # same sentence in another document
        sents += [_sent(t, "zh", i, "zh1") for i, t in enumerate(zh_texts)]
        sents += [_sent("Canada ordered Hikvision to close.", "en", 0, "en1"), _sent("2019 — 42", "unknown", 1, "en1")]
        return sents

    first = corpus()
    translators = {"de": CountingTranslator.from_package(de, beam=2), "zh": CountingTranslator.from_package(zh, beam=2)}
    bars: dict[str, list] = {}

    def progress(label, total):
        bars[label] = [total, 0]
        return lambda n=1: bars[label].__setitem__(1, bars[label][1] + n)

    with TranslationCache() as cache:
        stats = translate_sentences(first, cache=cache, translators=translators, progress=progress)
    assert (stats.model, stats.cache, stats.identity, stats.imported) == (11, 0, 2, 0)
    assert stats.model_texts == 10 and stats.by_lang == {"de": 7, "zh": 4}
    assert bars == {"translating de": [6, 6], "translating zh": [4, 4]}
    assert first[0].text_en == first[6].text_en and first[0].translation_source == "argos:translate-de_en-0.0.1"
    assert first[7].translation_source == "argos:translate-zh_en-0.0.1"
    assert [s.translation_source for s in first[-2:]] == ["identity", "identity"]
    assert first[-1].text_en == "2019 — 42"
    assert (Path(os.environ["XDG_CACHE_HOME"]) / "align" / "translations.sqlite").is_file()

    second = corpus()
    fresh = {"de": CountingTranslator.from_package(de, beam=2), "zh": CountingTranslator.from_package(zh, beam=2)}
    with TranslationCache() as cache:
        stats2 = translate_sentences(second, cache=cache, translators=fresh)
    assert fresh["de"].batches == [] and fresh["zh"].batches == []
    assert (stats2.model, stats2.cache, stats2.model_texts) == (0, 11, 0)
    assert [(s.text_en, s.translation_source) for s in second] == [(s.text_en, s.translation_source) for s in first]

    # other decoding settings are another cache key: beam 1 translates again
    third = corpus()
    beam1 = {"de": CountingTranslator.from_package(de, beam=1), "zh": CountingTranslator.from_package(zh, beam=1)}
    with TranslationCache() as cache:
        assert translate_sentences(third, cache=cache, translators=beam1).model == 11


def test_missing_model_is_reported_with_install_command():
    sents = [_sent("Die Beziehungen sind angespannt.", "de"), _sent("中国表示愿意改善关系。", "zh"), _sent("Hi.", "en")]
    assert sorted(needed_pairs(sents, None) - {"de-en"}) == ["zh-en"]
    with pytest.raises(MissingModelError) as err:
        translate_sentences(sents, translators={})
    assert err.value.pairs == ["de-en", "zh-en"]
    assert "align models install zh-en" in str(err.value)


def test_imported_csv_tsv_tmx_with_nfkc_matching(tmp_path, de_translator):
    csv_file = tmp_path / "glossary.csv"
    csv_file.write_text(
        'source,target,lang\n"Ｈｉｋｖｉｓｉｏｎ  ist,   ein Hersteller.",Hikvision is a maker.,de\n'
        "中国表示愿意改善关系。,China said it was willing to improve relations.,zh\n",
        encoding="utf-8",
    )
    tsv_file = tmp_path / "more.tsv"
    tsv_file.write_text("source\ttarget\nKurz und gut.\tShort and sweet.\n", encoding="utf-8")
    tmx_file = tmp_path / "memory.tmx"
    tmx_file.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4"><header srclang="de" datatype="plaintext" segtype="sentence" adminlang="en"
 creationtool="t" creationtoolversion="1" o-tmf="x"/>
<body>
<tu><tuv xml:lang="de-DE"><seg>Die Krawatten wurden <ph x="1">&lt;b&gt;</ph>weiter belastet.</seg></tuv>
<tuv xml:lang="en-US"><seg>Ties were strained further.</seg></tuv></tu>
<tu><tuv xml:lang="fr"><seg>Ignoré.</seg></tuv><tuv xml:lang="en"><seg>Ignored.</seg></tuv></tu>
</body></tmx>""",
        encoding="utf-8",
    )
    imported = load_imported_translations([csv_file, tsv_file, tmx_file])
    assert len(imported) == 4
    sents = [
        _sent("Hikvision ist, ein Hersteller.", "de", 0),  # NFKC folds the full-width letters
        _sent("Kurz und\u00a0gut.", "de", 1),  # NBSP collapses like a space
        _sent("Die Krawatten wurden weiter  belastet.", "de", 2),
        _sent("中国表示愿意改善关系。", "zh", 3),
        _sent("Hikvision ist, ein Hersteller.", "zh", 4),  # lang-specific row does not apply to zh
        _sent("Ignoré.", "fr", 5),  # header srclang=de: French tuv is not a source
    ]
    assert sorted(needed_pairs(sents, imported) - {"de-en"}) == ["fr-en", "zh-en"]
    assert sorted(needed_pairs(sents[:4], imported)) == []
    stats = translate_sentences(sents[:4], imported=imported, translators={})  # no model needed
    assert stats.imported == 4
    assert [(s.text_en, s.translation_source) for s in sents[:4]] == [
        ("Hikvision is a maker.", "import:glossary.csv"),
        ("Short and sweet.", "import:more.tsv"),
        ("Ties were strained further.", "import:memory.tmx"),
        ("China said it was willing to improve relations.", "import:glossary.csv"),
    ]
    mixed = [_sent("Kurz und gut.", "de", 0), _sent("Die Beziehungen sind angespannt.", "de", 1)]
    stats = translate_sentences(mixed, imported=imported, translators={"de": de_translator})
    assert (stats.imported, stats.model) == (1, 1)
    assert sum(len(b) for b in de_translator.batches) == 1
    assert normalize_for_match(" Ａ\u3000b\n c ") == "A b c"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("bad.csv", "source,target\nok,fine\nonly one field\n", r"bad\.csv:3: expected 2 fields"),
        ("nohead.csv", "a,b\nx,y\n", r"nohead\.csv:1: header must name"),
        ("empty.tsv", "source\ttarget\nx\t \n", r"empty\.tsv:2: empty source or target"),
        ("broken.tmx", "<tmx><body><tu><tuv xml:lang='de'><seg>x</tuv></tu></body></tmx>", r"broken\.tmx:1: malformed TMX"),
        (
            "bomb.tmx",
            '<?xml version="1.0"?>\n<!DOCTYPE tmx [\n<!ENTITY a "aaaaaaaaaa">\n]>\n<tmx><body/></tmx>',
            r"bomb\.tmx:3: entity declarations are not allowed",
        ),
        ("latin1.csv", "source,target\n".encode() + "Stra\xdfe,street\n".encode("latin-1"), r"latin1\.csv:2: not UTF-8"),
    ],
)
def test_malformed_import_files_name_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(TranslationImportError, match=message):
        load_imported_translations([path])


def test_cache_roundtrip_and_transactions(tmp_path):
    path = tmp_path / "c.sqlite"
    with TranslationCache(path) as cache:
        cache.put_many("k1", {f"s{i}": f"t{i}" for i in range(1200)})
        cache.put_many("k2", [("s1", "other")])
    with TranslationCache(path) as cache:  # reopened: data persisted
        got = cache.get_many("k1", [f"s{i}" for i in range(0, 1300, 100)])
        assert got == {f"s{i}": f"t{i}" for i in range(0, 1200, 100)}
        assert cache.get_many("k2", ["s1", "s2"]) == {"s1": "other"}
        assert len(cache) == 1201
        with pytest.raises(Exception):
            cache.put_many("k3", [("a", "b"), ("c", None)])  # NOT NULL fails mid-batch...
        assert cache.get_many("k3", ["a"]) == {}  # ...and the whole batch rolls back
