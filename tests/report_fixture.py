"""A realistic set of pipeline tables for report/export tests.

Sentences are real text from the two seeds (input/000_*.txt in Chinese, input/004_*.txt in
German) with plausible English, plus a small English "web scrape" whose title and text carry
hostile markup (<script>, <img onerror=...>, javascript: URLs). The hostile payloads are built so
that, if they ever executed in a browser, they would leave a trace in the DOM (document.title set
to PWNED, a data-pwned attribute on <body>, an element with id="pwned").

The tables follow /work/shared/SPEC.md and are written the way the pipeline writes them: Parquet
with real types (lists, bools, floats) and CSV with `;`-joined list columns, by the
pipeline's own writer.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from align.output import schema
from align.output.tables import write_table

ZH = "000_273696c2cfa1a6c5"
DE = "004_6ce744fa065e481d"
EN = "web_hikvision_en"  # sorts after both seeds, so it is always the pair's tgt_doc

PWN_TITLE = "PWNED"
HOSTILE_SCRIPT = f"<script>document.title='{PWN_TITLE}'</script>"
HOSTILE_IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"
HOSTILE_SVG = "<svg onload=\"var e=document.createElement('i');e.id='pwned';document.body.append(e)\">"
HOSTILE_JS_URL = "javascript:alert(document.cookie)"
HOSTILE_TITLE = "Hikvision <script>alert(1)</script> sanctions <img src=x onerror=alert(1)> javascript:alert(1)"

# (kind, para_id, original, English)
ZH_SENTENCES = [
    ("title", 0, "刚刚，海康威视回应_美严厉制裁威胁_", "Just now, Hikvision responds to 'US threat of severe sanctions'"),
    ("heading", 1, "海康威视：消息待核实，希望获得公平公正对待",
     "Hikvision: the news has yet to be verified; we hope to be treated fairly and justly"),
    ("body", 2, "英国《金融时报》4 日援引 4 名知情人士的消息称，美国正准备对中国企业海康威视实施严厉制裁，"
     "拜登政府已在为这项 \" 与人权有关 \" 的制裁 \" 打基础 \"。",
     "The British Financial Times reported on the 4th, citing four people familiar with the matter, that "
     "the United States is preparing severe sanctions against the Chinese company Hikvision, and the Biden "
     "administration is already \"laying the groundwork\" for these \"human-rights-related\" sanctions."),
    ("body", 2, "报道称，美方尚未就此做出最终决定，但此举将影响深远，海康威视是全球最大的监控设备制造商。",
     "The report said the US has not yet made a final decision, but the move would be far-reaching; "
     "Hikvision is the world's largest maker of surveillance equipment."),
    ("caption", 3, "《金融时报》报道截图", "Screenshot of the Financial Times report"),
    ("body", 4, "根据报道，华盛顿指责海康威视向中国政府供应监控摄像头，为与新疆维吾尔族人相关的措施 \" 提供便利 \"。",
     "According to the report, Washington accuses Hikvision of supplying surveillance cameras to the Chinese "
     "government, \"facilitating\" measures relating to Uyghurs in Xinjiang."),
    ("body", 5, "声明称，\" 海康威视服务于全球 150 多个国家和地区，其中包括美国。",
     "The statement said: \"Hikvision serves more than 150 countries and regions worldwide, including the "
     "United States."),
    ("caption", 6, "2019 年 5 月 28 日，浙江杭州，海康威视公司总部。",
     "28 May 2019, Hangzhou, Zhejiang: Hikvision headquarters."),
    ("body", 7, "《金融时报》报道称，美国商务部 2020 年已将海康威视列入实体清单，2021 年又以支持中国军事现代化为由"
     "将其控股子公司杭州海康微影传感科技有限公司列入实体清单。",
     "The Financial Times reported that the US Department of Commerce put Hikvision on the Entity List in "
     "2020, and in 2021 added its subsidiary Hangzhou Hikmicro Sensing Technology to the list on the "
     "grounds that it supports China's military modernisation."),
    ("body", 8, "近年来美国政府屡次以所谓 \" 人权 \" 为由对中国科技企业实施制裁。",
     "In recent years the US government has repeatedly sanctioned Chinese technology companies on the "
     "pretext of so-called \"human rights\"."),
    ("body", 8, "中方对此坚决反对。", "China firmly opposes this."),
    ("body", 9, "来源：环球网 / 乌元春 张江平", "Source: Huanqiu.com / Wu Yuanchun, Zhang Jiangping"),
]

DE_SENTENCES = [
    ("title", 0, "Die Äußerungen von Peking kommen, nachdem Ottawa angekündigt hatte, alle kanadischen "
     "Aktivitäten des Unternehmens einzustellen.",
     "Beijing's remarks come after Ottawa announced it would halt all of the company's Canadian operations."),
    ("body", 1, "Kanadas Antrag auf chinesisches Überwachungsausrüstungunternehmen Hikvision zur Schließung der "
     "lokalen Operationen wird den bilateralen Handel „beschädigen“ und die jüngsten Bemühungen zur "
     "Verbesserung der Beziehungen zwischen den Ländern erschweren, so das chinesische Handelsministerium.",
     "Canada's order for Chinese surveillance equipment maker Hikvision to close its local operations will "
     "\"damage\" bilateral trade and complicate recent efforts to improve relations between the countries, "
     "China's commerce ministry said."),
    ("body", 2, "Das chinesische Handelsministerium antwortete mit der Vorwürfe von Ottawa, „über Generalisation "
     "der nationalen Sicherheit“ zu sehen, und erklärte: „China ist stark unzufrieden“.",
     "The Chinese commerce ministry responded by accusing Ottawa of \"overstretching the concept of national "
     "security\", saying: \"China is strongly dissatisfied\"."),
    ("body", 3, "«China fordert Kanada auf, seine falschen Praktiken sofort zu korrigieren», fügte es hinzu.",
     "\"China urges Canada to correct its wrong practices immediately,\" it added."),
    ("body", 4, "Hikvision mit Sitz in Hangzhou ist einer der weltweit führenden Hersteller von "
     "Überwachungskameras und anderen Überwachungsprodukten, hat sich jedoch im Ausland einer Rolle in "
     "Pekings mutmaßlichen Rechten gegen die muslimische Minderheit Uigur bevölkert.",
     "Hangzhou-based Hikvision is one of the world's leading makers of surveillance cameras and other "
     "surveillance products, but has faced scrutiny abroad over its role in Beijing's alleged abuses "
     "against the Muslim Uyghur minority."),
    ("body", 5, "Zu den Vereinigten Staaten gehörten Hikvision in eine schwarze Liste der chinesischen Einheiten "
     "aus dem Jahr 2019, die an Menschenrechtsverletzungen und Missbräuchen bei der Umsetzung der chinesischen "
     "Repressionskampagne, der massigen Inhaftierung und der Hochtechnologieüberwachung gegen Uiguren und "
     "andere muslimische Minderheitengruppen in Xinjiang beteiligt waren.",
     "The United States put Hikvision in 2019 on a blacklist of Chinese entities involved in human rights "
     "violations and abuses in China's campaign of repression, mass detention and high-tech surveillance "
     "against Uyghurs and other Muslim minority groups in Xinjiang."),
    ("body", 6, "Die jüngste Meinungsverschiedenheit stellt einen frühen Test für die Beziehungen zwischen China "
     "und Canada dar, nachdem Premierminister Mark Carney im April zum Wahlsieg gegangen ist.",
     "The latest dispute is an early test of relations between China and Canada after Prime Minister Mark "
     "Carney won the election in April."),
    ("body", 7, "Joly hatte gesagt, die Entscheidung, Hikvision zu verbieten, sei nach einer "
     "„Mehrschrittüberprüfung“ der von der kanadischen Sicherheits- und Geheimdienstgemeinschaft "
     "bereitgestellten Informationen erreicht worden.",
     "Joly had said the decision to ban Hikvision was reached after a \"multi-step review\" of information "
     "provided by Canada's security and intelligence community."),
    # The same sentence twice: the pipeline marks the repeat with duplicate_of.
    ("body", 8, "«China fordert Kanada auf, seine falschen Praktiken sofort zu korrigieren», fügte es hinzu.",
     "\"China urges Canada to correct its wrong practices immediately,\" it added."),
]

EN_SENTENCES = [
    ("title", 0, HOSTILE_TITLE, HOSTILE_TITLE),
    ("body", 1, "The Financial Times reported that the US is preparing sanctions against Hikvision, the world's "
     "largest maker of surveillance cameras.", None),
    ("body", 1, f"Washington accuses the company of supplying cameras used in Xinjiang {HOSTILE_SCRIPT}.", None),
    ("body", 2, f"The US Commerce Department added Hikvision to its Entity List in 2019 {HOSTILE_IMG}.", None),
    ("body", 2, f"Read the full statement at {HOSTILE_JS_URL} or <a href=\"javascript:alert(1)\">here</a> "
     f"{HOSTILE_SVG}.", None),
    ("body", 3, "Canada ordered Hikvision Canada Inc to cease all operations on national security grounds.", None),
    ("body", 3, "China's commerce ministry said it was strongly dissatisfied.", None),
]

DOCS = [
    # doc_id, path, format, lang, title, author, date, sentences, translation_source
    (ZH, "input/000_273696c2cfa1a6c5.txt", "markdown", "zh", ZH_SENTENCES[0][2], "ZAKER",
     "2022-05-04T23:12:35+00:00", ZH_SENTENCES, "argos:translate-zh_en-1.9", "环球网", "document"),
    (DE, "input/004_6ce744fa065e481d.txt", "txt", "de", DE_SENTENCES[0][2], "", "", DE_SENTENCES,
     "argos:translate-de_en-1.0", "", "derived"),
    (EN, "input/web/hikvision <b>scrape</b>.html", "html", "en", HOSTILE_TITLE, "Web <i>desk</i>",
     "2025-06-30", EN_SENTENCES, "identity", "", "document"),
]

# (src_doc, src_ids, tgt_doc, tgt_ids, cosine, margin, score, mutual, conflict)
ALIGNMENTS = [
    (ZH, [3], DE, [4], 0.742, 1.081, 0.71, True, ""),
    (ZH, [8], DE, [5], 0.803, 1.120, 0.78, True, "year: 2020 vs 2019"),
    (ZH, [10], DE, [2], 0.566, 1.012, 0.52, False, ""),
    (ZH, [2, 3], EN, [1], 0.881, 1.204, 0.86, True, ""),
    (ZH, [5], EN, [2], 0.768, 1.101, 0.74, True, ""),
    (ZH, [8], EN, [3], 0.834, 1.150, 0.81, True, "year: 2020 vs 2019"),
    (DE, [1], EN, [5], 0.671, 1.066, 0.63, True, ""),
    (DE, [2], EN, [6], 0.902, 1.231, 0.88, True, ""),
    (DE, [5], EN, [3], 0.724, 1.058, 0.69, True, ""),
    (DE, [4], EN, [1], 0.463, 0.981, 0.41, False, ""),
]
# Stored below the threshold (MIN_SCORE) but above the floor: possible matches, in no claim.
MIN_SCORE = 0.30
POSSIBLE = [
    (ZH, [1], DE, [0], 0.512, 0.930, 0.22, False, ""),
    (DE, [7], EN, [4], 0.488, 0.902, 0.14, False, ""),
]

# claim groups: {doc_id: sent_ids}; a group with one document is a claim only that article makes
CLAIM_GROUPS = [
    {ZH: [3], DE: [4], EN: [1]},
    {ZH: [8], DE: [5], EN: [3]},
    {ZH: [10], DE: [2], EN: [6]},
    {ZH: [5], EN: [2]},
    {ZH: [2], EN: [1]},
    {DE: [1], EN: [5]},
    {ZH: [1]},
    {ZH: [6]},
    {ZH: [9]},
    {DE: [3]},
    {DE: [6]},
    {DE: [7]},
    {EN: [4]},
]

ERRORS = [
    ("input/broken.html", "ingest", "binary file with a text extension (NUL bytes at offset 12) <b>skipped</b>"),
]


def build_tables() -> dict[str, pd.DataFrame]:
    """The tables as DataFrames with the real types (lists, bools, floats)."""
    doc_rows, sent_rows = [], []
    texts: dict[tuple[str, int], tuple[str, str]] = {}
    for doc_id, path, fmt, lang, title, author, date, sents, source, outlet, title_source in DOCS:
        offset = 0
        seen: dict[str, int] = {}
        for sent_id, (kind, para_id, text, text_en) in enumerate(sents):
            english = text if text_en is None else text_en
            dup = seen.get(text)
            seen.setdefault(text, sent_id)
            sent_rows.append({
                "doc_id": doc_id, "sent_id": sent_id, "para_id": para_id, "kind": kind, "text": text,
                "start": offset, "end": offset + len(text), "lang": lang, "text_en": english,
                "translation_source": source, "duplicate_of": dup,
            })
            texts[(doc_id, sent_id)] = (text, english)
            offset += len(text) + 1
        doc_rows.append({
            "doc_id": doc_id, "path": path, "format": fmt, "lang": lang, "title": title, "author": author,
            "date": date, "n_paragraphs": len({s[1] for s in sents}), "n_sentences": len(sents),
            "sha256": hashlib.sha256(doc_id.encode()).hexdigest(), "outlet": outlet, "title_source": title_source,
        })

    def joined(doc: str, ids: list[int], col: int) -> str:
        return " ".join(texts[(doc, i)][col] for i in ids)

    align_rows = []
    for n, (src, s_ids, tgt, t_ids, cos, margin, score, mutual, conflict) in enumerate(ALIGNMENTS + POSSIBLE):
        align_rows.append({
            "pair_id": n, "src_doc": src, "src_sent_ids": list(s_ids), "tgt_doc": tgt,
            "tgt_sent_ids": list(t_ids), "src_text": joined(src, s_ids, 0), "tgt_text": joined(tgt, t_ids, 0),
            "src_en": joined(src, s_ids, 1), "tgt_en": joined(tgt, t_ids, 1), "cosine": cos, "margin": margin,
            "score": score, "mutual": mutual, "conflict": conflict, "accepted": score >= MIN_SCORE,
        })

    claim_rows = []
    for claim_id, group in enumerate(CLAIM_GROUPS):
        for doc, ids in group.items():
            claim_rows.append({
                "claim_id": claim_id, "doc_id": doc, "sent_ids": list(ids), "text": joined(doc, ids, 0),
                "text_en": joined(doc, ids, 1), "n_docs": len(group),
            })

    return {
        "documents": pd.DataFrame(doc_rows),
        "sentences": pd.DataFrame(sent_rows),
        "alignments": pd.DataFrame(align_rows),
        "claims": pd.DataFrame(claim_rows),
        "errors": pd.DataFrame(ERRORS, columns=["path", "stage", "error"]),
    }


def write_tables(out_dir: Path, formats: tuple[str, ...] = ("parquet", "csv"), errors: bool = True
                 ) -> dict[str, pd.DataFrame]:
    """Write the fixture tables into out_dir as the pipeline does; return the DataFrames."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = build_tables()
    if not errors:
        del tables["errors"]
    for name, df in tables.items():
        tables[name] = df = schema.normalise(df, name)
        write_table(df, out_dir, name)
        for fmt in ("parquet", "csv"):
            if fmt not in formats:
                (out_dir / f"{name}.{fmt}").unlink()
    return tables
