"""Match quality against hand labels: shared by tests/test_match.py and benchmarks/match_quality.py.

Labels (tests/data/labelled_pairs.csv): rows (zh_sent, de_sent, zh_key, de_key, label) over the
two seed reports.  An output pair is *true* when a label-1 row has the same (zh, de) sentence
ids and its key phrases occur in the two unit texts (an empty key matches any unit of that
sentence); precision = true output pairs / output pairs; recall = label-1 rows found.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from align.match.units import ClaimUnit
from align.types import Sentence

ZH_DOC = "000_273696c2cfa1a6c5"
DE_DOC = "004_6ce744fa065e481d"


def reference_sentences(path: Path, reference_csv: Path | None) -> list[Sentence]:
    """A document's sentences exactly as the pipeline makes them (ingest + segment), with the
    human reference translation of `reference_csv` imported as text_en (the --translations
    path); `reference_csv=None` leaves them without English (translation_source none)."""
    from align import ingest, segment, translate
    from align.translate.imports import load_imported_translations

    sentences = segment.segment_document(ingest.ingest_file(path))
    if reference_csv is None:
        translate.translate_sentences(sentences, cache=None, translators={}, missing="none")
        return sentences
    imported = load_imported_translations([reference_csv])
    translate.translate_sentences(sentences, imported=imported, cache=None, translators={})
    missing = [s.text for s in sentences if not s.translation_source.startswith("import:")]
    if missing:
        raise ValueError(f"{reference_csv.name} lacks translations for: {missing}")
    return sentences


@dataclass
class Label:
    zh_sent: int
    de_sent: int
    zh_key: str
    de_key: str
    label: int
    note: str

    def matches(self, zh_unit: ClaimUnit, de_unit: ClaimUnit) -> bool:
        # units without English (text_en "") are whole sentences: sentence ids decide
        zh_text = zh_unit.text_en if zh_unit.text_en else None
        de_text = de_unit.text_en if de_unit.text_en else None
        return (
            self.zh_sent in zh_unit.sent_ids and self.de_sent in de_unit.sent_ids
            and (zh_text is None or self.zh_key in zh_text) and (de_text is None or self.de_key in de_text)
        )


def load_labels(path: Path) -> list[Label]:
    with open(path, encoding="utf-8", newline="") as f:
        return [
            Label(int(r["zh_sent"]), int(r["de_sent"]), r["zh_key"], r["de_key"], int(r["label"]), r["note"])
            for r in csv.DictReader(f)
        ]


def is_true(labels: list[Label], zh_unit: ClaimUnit, de_unit: ClaimUnit) -> bool:
    return any(lab.label == 1 and lab.matches(zh_unit, de_unit) for lab in labels)


def evaluate(alignments, units: list[ClaimUnit], labels: list[Label]) -> dict[str, float]:
    """Precision, recall, F1 and counts of an alignments table against the labels."""
    by_id = {u.unit_id: u for u in units}
    positives = [lab for lab in labels if lab.label == 1]
    found: set[int] = set()
    n_true = 0
    for a, b in zip(alignments["src_unit"], alignments["tgt_unit"]):
        zh_u, de_u = (by_id[a], by_id[b]) if by_id[a].doc_id == ZH_DOC else (by_id[b], by_id[a])
        hit = [n for n, lab in enumerate(positives) if lab.matches(zh_u, de_u)]
        n_true += bool(hit)
        found.update(hit)
    n_out = len(alignments)
    precision = n_true / n_out if n_out else 1.0
    recall = len(found) / len(positives) if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "n_out": n_out, "n_true": n_true, "found": len(found)}


# Versions of an NTREX-128 document as different parts of it: (lang, (start, end)) as fractions
# (numerator, denominator) of the document's lines.
NTREX_SPANS = (("en", ((0, 1), (2, 3))), ("de", ((1, 3), (1, 1))), ("zh", ((1, 6), (5, 6))))


def ntrex_story_versions(docs: list[dict], spans=NTREX_SPANS):
    """Sentences of NTREX-128 documents (ntrex_docs.jsonl rows), each in several language
    versions cut to different spans, the English reference as every version's text_en (what an
    imported translation gives).  Returns (sentences, doc_ids, gold story index, titles)."""
    sentences, doc_ids, gold, titles = [], [], [], []
    for g, d in enumerate(docs):
        m = len(d["en"])
        for lang, ((a, b), (c, e)) in spans:
            s0, s1 = m * a // b, m * c // e
            s1 = max(s1, s0 + 1)
            doc_id = f"{lang}_{d['docid']}"
            for k, line in enumerate(range(s0, s1)):
                sentences.append(Sentence(doc_id, k, k, "body", d[lang][line], 0, 0, lang, None, d["en"][line]))
            doc_ids.append(doc_id)
            gold.append(g)
            titles.append(d[lang][s0])
    return sentences, doc_ids, gold, titles
