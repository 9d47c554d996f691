"""End to end through the command line: the seeds, tiny real Argos packages, reference imports."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from align import cli, config
from align.output import tables

REPO = Path(__file__).resolve().parent.parent
REFERENCES = [REPO / "tests" / "data" / "reference_zh.csv", REPO / "tests" / "data" / "reference_de.csv"]


def _env(root: Path) -> dict[str, str]:
    return {
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "XDG_CONFIG_HOME": str(root / "config"),
    }


@pytest.fixture(scope="module")
def installed_env(tmp_path_factory, tiny_argos_packages):
    """An XDG home with the tiny zh->en and de->en packages installed through the CLI."""
    root = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        for k, v in _env(root).items():
            mp.setenv(k, v)
        mp.delenv("ARGOS_TRANSLATE_PACKAGE_DIR", raising=False)
        assert cli.main(["models", "install", str(tiny_argos_packages["zh"]), str(tiny_argos_packages["de"])]) == 0
    return root


@pytest.fixture(scope="module")
def referenced_run(tmp_path_factory, installed_env):
    """One full `align run` of the seeds with the human reference translations imported."""
    out = tmp_path_factory.mktemp("run") / "out"
    with pytest.MonkeyPatch.context() as mp:
        for k, v in _env(installed_env).items():
            mp.setenv(k, v)
        args = ["run", str(REPO / "input"), "--out", str(out), "--quiet"]
        for ref in REFERENCES:
            args += ["--translations", str(ref)]
        code = cli.main(args)
    assert code == 0
    return out


@pytest.fixture()
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test (issue 6: no network at run time)."""
    import socket

    attempts = []

    def refuse(self, address, *a, **k):
        if isinstance(address, tuple):  # AF_INET/AF_INET6; AF_UNIX paths are local
            attempts.append(address)
            raise OSError(f"network access attempted: {address}")
        return real_connect(self, address, *a, **k)

    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == [], f"the run tried to reach the network: {attempts}"


def _use_env(monkeypatch, root: Path) -> None:
    for k, v in _env(root).items():
        monkeypatch.setenv(k, v)


def test_ingest_command_writes_documents_and_sentences(tmp_path, seed_input, capsys):
    out = tmp_path / "out"
    assert cli.main(["ingest", str(seed_input), "--out", str(out)]) == 0
    docs = tables.read_table(out, "documents").set_index("doc_id")
    sents = tables.read_table(out, "sentences")
    assert set(docs["lang"]) == {"zh", "de"}
    zh = docs[docs["lang"] == "zh"].iloc[0]
    assert zh["title"].startswith("刚刚，海康威视回应")
    assert zh["date"].startswith("2022-05-04")
    counts = sents.groupby(["lang", "kind"]).size().to_dict()
    assert counts[("de", "body")] == 14
    assert counts[("zh", "body")] == 24 and counts[("zh", "caption")] == 2
    assert (sents["text_en"] == "").all()
    assert not (out / "alignments.csv").exists()
    assert "sentences" in capsys.readouterr().out


def test_require_translation_without_models_exits_3_naming_each_pair(tmp_path, seed_input, capsys):
    code = cli.main(["run", str(seed_input), "--out", str(tmp_path / "out"), "--quiet", "--require-translation"])
    err = capsys.readouterr().err
    assert code == 3
    assert "zh-en" in err and "de-en" in err
    assert "align models install zh-en" in err and "align models install de-en" in err
    assert "--translations" in err
    assert not (tmp_path / "out" / "alignments.csv").exists()


def test_fresh_machine_run_matches_seeds_directly(tmp_path, capsys):
    """README's command on a fresh machine: no Argos package, no translations -> exit 0, the
    seeds (Chinese + German) matched through the direct multilingual embeddings."""
    out = tmp_path / "out"
    assert cli.main(["run", str(REPO / "input"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "no English" in printed and "align models install zh-en" in printed and "--translations" in printed
    sents = tables.read_table(out, "sentences")
    assert (sents.loc[sents["lang"].isin(["zh", "de"]), "translation_source"] == "none").all()
    assert (sents["text_en"].fillna("") == "").all()
    aligns = tables.read_table(out, "alignments")
    assert len(aligns) >= 1 and set(aligns["signal"]) == {"direct"}
    assert aligns["score"].between(0, 1).all()
    # a known shared claim: the US put Hikvision / Chinese companies on its entity list (blacklist)
    blacklist = aligns[aligns["src_text"].str.contains("实体清单") & aligns["tgt_text"].str.contains("schwarze Liste")]
    assert len(blacklist) == 1
    assert blacklist.iloc[0]["conflict"] == "year: 2020 vs 2019"  # digits are language-neutral
    assert (out / "report" / "index.html").exists()


def test_foreign_quote_in_english_article_is_matched_directly(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(
        "The ministry said exports rose by 5 percent in 2021. Officials declined to comment on the figures.\n\n"
        "« Nous ne commenterons pas les chiffres des exportations avant la fin de l'année », a déclaré "
        "un porte-parole du ministère à Paris.\n"
    )
    (src / "b.txt").write_text("Exports grew five percent in 2021, the ministry said. Analysts expect more growth.\n")
    out = tmp_path / "out"
    assert cli.main(["run", str(src), "--out", str(out), "--quiet"]) == 0
    sents = tables.read_table(out, "sentences")
    french = sents[sents["lang"] == "fr"]
    assert len(french) == 1 and french.iloc[0]["translation_source"] == "none"
    assert (sents.loc[sents["lang"] == "en", "translation_source"] == "identity").all()
    aligns = tables.read_table(out, "alignments")
    assert (aligns["src_en"].str.contains("xports") & aligns["tgt_en"].str.contains("xports")).any()
    assert set(aligns["signal"]) <= {"mt", "direct", "mt+direct"}


def test_bad_multilingual_embedder_is_a_one_line_error(tmp_path, seed_input, capsys):
    code = cli.main(["run", str(seed_input), "--out", str(tmp_path / "out"), "--quiet",
                     "--multilingual-embedder", str(tmp_path / "no-such-model")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--multilingual-embedder" in err and "no-such-model" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out" / "sentences.csv").exists()  # failed before any work


def test_english_only_needs_no_model(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("The ministry said exports rose by 5 percent in 2021. Officials declined to comment.\n")
    (src / "b.txt").write_text("Exports grew five percent in 2020, the ministry said. Analysts expect more growth.\n")
    out = tmp_path / "out"
    assert cli.main(["run", str(src), "--out", str(out), "--quiet"]) == 0
    sents = tables.read_table(out, "sentences")
    assert (sents["translation_source"] == "identity").all()
    assert (sents["text_en"] == sents["text"]).all()
    aligns = tables.read_table(out, "alignments")
    assert len(aligns) >= 1
    first = aligns.sort_values("score", ascending=False).iloc[0]
    assert "xports" in first["src_en"] and "xports" in first["tgt_en"]
    # Both sides give the year of the export figure, and they differ.
    assert first["conflict"] in ("year: 2021 vs 2020", "year: 2020 vs 2021")


def test_models_list_shows_installed_pairs(installed_env, monkeypatch, capsys):
    _use_env(monkeypatch, installed_env)
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "zh-en" in out and "de-en" in out


def test_run_translates_with_installed_packages_then_uses_cache(tmp_path, seed_input, installed_env, monkeypatch, no_network):
    _use_env(monkeypatch, installed_env)
    out = tmp_path / "out"
    assert cli.main(["run", str(seed_input), "--out", str(out), "--quiet", "--no-report"]) == 0
    sents = tables.read_table(out, "sentences")
    de = sents[sents["lang"] == "de"]
    zh = sents[sents["lang"] == "zh"]
    assert (de["translation_source"].str.startswith("argos:translate-de_en")).all()
    assert (zh["translation_source"].str.startswith("argos:translate-zh_en")).all()
    # Untrained weights give odd English, but every sentence has one, mapped one to one.
    assert (sents["text_en"].str.len() > 0).all()
    from align import pipeline

    result = pipeline.run([seed_input], pipeline.RunOptions(out_dir=out, report=False))
    assert result.translation_counts.get("model", 0) == 0
    assert result.translation_counts.get("cache", 0) == len(sents) - int((sents["lang"] == "en").sum())
    again = tables.read_table(out, "sentences")
    pd.testing.assert_series_equal(again["text_en"], sents["text_en"])


def test_referenced_run_uses_imports_and_finds_shared_claims(referenced_run):
    sents = tables.read_table(referenced_run, "sentences")
    assert sents["translation_source"].str.startswith("import:").all(), sents[
        ~sents["translation_source"].str.startswith("import:")][["text", "translation_source"]]
    aligns = tables.read_table(referenced_run, "alignments")
    assert len(aligns) >= 4
    assert (aligns["src_doc"] < aligns["tgt_doc"]).all()
    assert aligns["score"].between(0, 1).all()
    both = (aligns["src_en"] + " || " + aligns["tgt_en"]).str.lower()
    assert both.str.contains("surveillance").any()
    assert both.str.contains("legitimate rights").any()
    conflicts = aligns["conflict"].tolist()
    assert "year: 2020 vs 2019" in conflicts or "year: 2019 vs 2020" in conflicts
    claims = tables.read_table(referenced_run, "claims")
    assert (claims["n_docs"] == 2).any() and (claims["n_docs"] == 1).any()
    for doc_id, group in claims.groupby("doc_id"):
        assert all(len(ids) >= 1 for ids in group["sent_ids"])


def test_referenced_run_writes_report_and_exports(referenced_run):
    report = referenced_run / "report" / "index.html"
    assert report.exists()
    html = report.read_text(encoding="utf-8")
    docs = tables.read_table(referenced_run, "documents")
    for title in docs["title"]:
        if title:
            assert title in html
    pages = sorted(p.name for p in (referenced_run / "report").glob("*.html"))
    assert len(pages) == 3 and pages[0] == "index.html" and pages[2] == "story-0.html"  # + the one pair
    lines = (referenced_run / "alignments.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(tables.read_table(referenced_run, "alignments"))
    assert isinstance(json.loads(lines[0])["src_sent_ids"], list)
    assert (referenced_run / "alignments.tmx").exists()
    assert (referenced_run / "summary.md").exists()
    assert (referenced_run / "similarity.npz").exists()


def test_run_json_last_and_every_view_counts_alike(referenced_run):
    """run.json is written after every table, export and page; its counts are the tables'."""
    run = json.loads((referenced_run / "run.json").read_text(encoding="utf-8"))
    newest = max(p.stat().st_mtime_ns for p in referenced_run.rglob("*") if p.is_file() and p.name != "run.json")
    assert (referenced_run / "run.json").stat().st_mtime_ns >= newest
    assert run["command"] == "run" and run["options"]["mode"] == "comparable" and run["min_score"] == config.MIN_SCORE
    assert run["models"]["embedder"]["name"] and run["versions"]["libraries"]["pandas"] == pd.__version__
    assert set(run["timings_s"]) >= {"ingest", "segment", "translate", "embed", "match", "write", "report"}
    al = tables.read_table(referenced_run, "alignments")
    claims = tables.read_table(referenced_run, "claims")
    docs = tables.read_table(referenced_run, "documents")
    assert (al["score"] >= config.SCORE_FLOOR).all() and al["accepted"].tolist() == (al["score"] >= config.MIN_SCORE).tolist()
    assert al.loc[al["accepted"], "claim_id"].notna().all()
    langs = dict(zip(docs["doc_id"], docs["lang"]))
    assert al["src_lang"].tolist() == [langs[d] for d in al["src_doc"]]
    n_docs = claims.groupby("claim_id")["doc_id"].nunique()
    counts = run["counts"]
    assert counts["aligned_pairs"] == int(al["accepted"].sum()) and counts["possible_matches"] == int((~al["accepted"]).sum())
    assert counts["shared_claims"] == int((n_docs >= 2).sum()) and counts["unique_claims"] == int((n_docs == 1).sum())
    md = (referenced_run / "summary.md").read_text(encoding="utf-8")
    assert f"| Shared claims | {counts['shared_claims']} |" in md and f"| Aligned pairs | {counts['aligned_pairs']} |" in md
    index = (referenced_run / "report" / "index.html").read_text(encoding="utf-8")
    assert f'data-stat="Shared claims"><div class="stat-value">{counts["shared_claims"]}<' in index
    # the untitled German seed gets its first line as a title, flagged as derived
    de = docs[docs["lang"] == "de"].iloc[0]
    assert de["title_source"] == "derived" and de["title"].startswith("Die Äußerungen von Peking")


def test_report_command_rebuilds_report(referenced_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(referenced_run, copy)
    shutil.rmtree(copy / "report")
    assert cli.main(["report", str(copy)]) == 0
    stamp = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")  # the "generated at" time
    for page in (referenced_run / "report").glob("*.html"):
        rebuilt = copy / "report" / page.name
        assert stamp.sub("", rebuilt.read_text(encoding="utf-8")) == stamp.sub("", page.read_text(encoding="utf-8"))


def test_bad_inputs_are_reported_and_the_rest_processed(tmp_path, seed_input, capsys):
    (seed_input / "empty.txt").write_bytes(b"")
    (seed_input / "binary.html").write_bytes(os.urandom(2048) + b"\x00\x00\x00")
    (seed_input / "copy.txt").write_bytes((seed_input / "004_6ce744fa065e481d.txt").read_bytes())
    out = tmp_path / "out"
    # A missing input path is a usage error (exit 2, SPEC), checked before any work.
    assert cli.main(["ingest", str(seed_input), str(tmp_path / "missing.txt"), "--out", str(out), "--quiet"]) == 2
    assert "missing.txt" in capsys.readouterr().err and not out.exists()
    assert cli.main(["ingest", str(seed_input), "--out", str(out), "--quiet"]) == 1
    errors = tables.read_table(out, "errors")
    failed = {Path(p).name for p in errors["path"]}
    assert {"empty.txt", "binary.html"} <= failed
    assert len(failed & {"copy.txt", "004_6ce744fa065e481d.txt"}) == 1  # the duplicate, reported once
    assert len(tables.read_table(out, "documents")) == 2
    err = capsys.readouterr().err
    assert "empty.txt" in err and "binary.html" in err


def test_hostile_article_text_is_escaped_through_the_whole_pipeline(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "evil.html").write_text(
        "<html><head><title>Ministry &lt;script&gt;alert(1)&lt;/script&gt;</title></head><body>"
        "<p>The ministry said &lt;img src=x onerror=alert(1)&gt; exports rose in 2021.</p>"
        "<p>See javascript:alert(document.cookie) for details.</p><script>alert('real')</script></body></html>",
        encoding="utf-8",
    )
    (src / "b.txt").write_text("The ministry said exports rose in 2020. Nobody commented on javascript URLs.\n")
    out = tmp_path / "out"
    assert cli.main(["run", str(src), "--out", str(out), "--quiet"]) == 0
    sents = tables.read_table(out, "sentences")
    assert sents["text"].str.contains("<img src=x onerror=alert(1)>", regex=False).any()
    assert not sents["text"].str.contains("alert('real')", regex=False).any()
    for page in (out / "report").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<img src=x" not in html
        assert "<script>alert" not in html
        assert 'href="javascript:' not in html.lower()


def test_unloadable_embedder_is_a_configuration_error(tmp_path, capsys, no_network):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("The ministry said exports rose by 5 percent in 2021.\n")
    missing_model = tmp_path / "no-such-model"
    code = cli.main(["run", str(src), "--out", str(tmp_path / "out"), "--quiet", "--embedder", str(missing_model)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--embedder" in err and "no-such-model" in err


def test_parallel_mode_aligns_a_translation_sentence_by_sentence(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    de_lines = (REPO / "input" / "004_6ce744fa065e481d.txt").read_text(encoding="utf-8").splitlines()
    import csv

    with open(REPO / "tests" / "data" / "reference_de.csv", encoding="utf-8") as fh:
        english = {r["source"]: r["target"] for r in csv.DictReader(fh)}
    # An English "translation" of the German seed with its 3rd and 4th sentences merged into one.
    en = [english[line] for line in de_lines]
    en[2:4] = [en[2].rstrip(".") + "; " + en[3][0].lower() + en[3][1:]]
    (src / "de.txt").write_text("\n".join(de_lines) + "\n", encoding="utf-8")
    (src / "en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = cli.main(["run", str(src), "--out", str(out), "--quiet", "--mode", "parallel", "--no-report",
                     "--translations", str(REFERENCES[1])])
    assert code == 0
    aligns = tables.read_table(out, "alignments")
    beads = sorted((tuple(r.src_sent_ids), tuple(r.tgt_sent_ids)) for r in aligns.itertuples())
    # src_doc "de" < tgt_doc "en": German sentence ids -> English sentence ids.
    expected = [((i,), (i,)) for i in range(2)] + [((2, 3), (2,))] + [((i,), (i - 1,)) for i in range(4, 14)]
    assert beads == expected


def _mac_dev_lines(chapter: str, n_zh: int):
    """The first `n_zh` Chinese lines of a MAC-Dev chapter, the English lines their gold beads
    reach, and those beads (line ids)."""
    import ast

    mac = REPO.parent / "shared" / "data" / "mac-dev"
    gold = []
    for line in (mac / f"{chapter}.align").read_text(encoding="utf-8").splitlines():
        a, b = (tuple(ast.literal_eval(x)) for x in line.split(":"))
        if a and max(a) < n_zh:
            gold.append((a, b))
    n_en = max(max(b) for _, b in gold if b) + 1
    zh = (mac / f"{chapter}.zh").read_text(encoding="utf-8").splitlines()[:n_zh]
    en = (mac / f"{chapter}.en").read_text(encoding="utf-8").splitlines()[:n_en]
    return zh, en, {g for g in gold if g[0] and g[1]}


def test_parallel_mode_without_any_translation_pairs_each_chapter_with_its_own(tmp_path):
    """Two MAC-Dev chapters, zh and en each, no MT at all: the direct multilingual vectors carry
    the run.  Chapters of one novel in one language are closer than a chapter and its
    translation, so stories must pair across languages, and the beads must be right."""
    src = tmp_path / "in"
    src.mkdir()
    golds = {}
    for chapter in ("001", "004"):
        zh, en, golds[chapter] = _mac_dev_lines(chapter, 45)
        (src / f"{chapter}-zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
        (src / f"{chapter}-en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", str(src), "--out", str(out), "--quiet", "--mode", "parallel", "--no-report"]) == 0
    story = dict(tables.read_table(out, "stories")[["doc_id", "story_id"]].itertuples(index=False))
    assert story["001-zh"] == story["001-en"] != story["004-zh"] == story["004-en"]
    sentences = tables.read_table(out, "sentences")
    aligns = tables.read_table(out, "alignments")
    for chapter, gold in golds.items():
        part = sentences[sentences["doc_id"].str.startswith(chapter)]
        assert len(part) == sum(1 for _ in (src / f"{chapter}-zh.txt").open()) + sum(
            1 for _ in (src / f"{chapter}-en.txt").open())  # one sentence a line: ids are line ids
        rows = aligns[aligns["src_doc"] == f"{chapter}-en"]
        beads = {(tuple(r.tgt_sent_ids), tuple(r.src_sent_ids)) for r in rows.itertuples()}  # (zh, en)
        assert set(rows["tgt_doc"]) == {f"{chapter}-zh"}
        hits = len(beads & gold)
        f1 = 2 * hits / (len(beads) + len(gold))
        assert f1 >= 0.85, (chapter, f1)
