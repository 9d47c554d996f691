"""Hardening (issue 12): no hang, no leak, no traceback, outputs people can share.

Each test is a case a hostile user tried on main; every failure must be one line naming the
file and the fix, with the SPEC exit code, and leave no partial output behind.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from align import cli
from align.fsutil import display_text, output_lock
from align.ingest import discover_inputs, ingest_bytes, ingest_paths
from align.match import units
from align.output import tables
from align.segment import segment_document, split_sentences
from align.translate import packages as models
from align.translate.cache import TranslationCache, default_cache_path
from align.translate.imports import load_imported_translations
from align.types import InputError

REPO = Path(__file__).resolve().parent.parent
DE_SEED = REPO / "input" / "004_6ce744fa065e481d.txt"
REFERENCE_DE = REPO / "tests" / "data" / "reference_de.csv"
GERMAN = "Die Äußerungen von Peking kommen, nachdem Ottawa angekündigt hatte, alle Aktivitäten einzustellen."
ENGLISH = "The ministry said exports rose by five percent in 2021 after the new rules."


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail (instead of hanging CI) when the block runs longer than `seconds`."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: super-linear behaviour")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def _one_line_error(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert "Traceback" not in text
    errors = [ln for ln in lines if ln.startswith("error")]
    assert errors, text
    return errors[-1]


# ------------------------------------------------------------------------------ 1. no hang


def test_trailing_frame_regex_on_1000_spaces_finishes():
    # main: 200 spaces 6 s, 400 spaces 89 s, 1,000 spaces never ended (catastrophic backtracking)
    with time_limit(20):
        for ch in (" ", "\xa0", "\u3000", "\t"):
            text = "The report said" + ch * 1000 + "end"
            assert units.strip_frame(text).startswith("The report said")
            units.split_clauses("x" + ch * 1000 + "x")
            units.split_clauses(ch * 1000 + "it said")


def test_many_unclosed_colon_quotes_segment_in_linear_time():
    with time_limit(20):  # main searched the rest of the paragraph once per `:“` (quadratic)
        spans = split_sentences("Er sagte。" + ":“" * 200_000)
    assert spans[0] == (0, 9) or spans[0][0] == 0


def test_trailing_frame_still_strips_reporting_frames():
    assert units.strip_frame("Exports rose by five percent last year, the ministry said.") == \
        "Exports rose by five percent last year"
    assert units.strip_frame("Exports rose by five percent last year, Reuters reported") == \
        "Exports rose by five percent last year"
    # A pronoun inside a word is not a subject ("submit said" is not "subm" + "it said").
    text = "The engineers found the code far too slow to submit said"
    assert units.strip_frame(text) == text


_RUN_CHARS = st.sampled_from([" ", "\xa0", "\u3000", "\t", "\n", ",", ".", ";", ":", "!", "?", "a", "A",
                              "Ab ", "1", "1. ", '"', "”", "’", "“", "-", "- ", ">", "*", "#", "<",
                              "&nbsp;", "中", "。", "，", "said ", "it ", ", ", ". ", "A.", "[", "_"])
_WRAPPERS = st.sampled_from(["{}", "The report said {} end", "x{}x", "Word{} it said.",
                             "{}The statement said", "According to {}, foo bar baz qux", "He said that{}",
                             "- {}\n", "> {}"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_RUN_CHARS, st.integers(2000, 6000), _WRAPPERS, st.sampled_from(["x.txt", "x.md", "x.html"]))
def test_long_runs_of_any_character_class_finish(chunk, n, wrapper, name):
    text = wrapper.replace("{}", chunk * (n // len(chunk)))
    with time_limit(30):
        units.strip_frame(text)
        units.split_clauses(text)
        for lang in ("zh", "de", "en", "fr"):
            units.split_original(text, lang)
        split_sentences(text)
        try:
            doc = ingest_bytes(text.encode("utf-8"), name)
        except InputError:
            return
        segment_document(doc)


# ------------------------------------------------------------------------------ 2. no leak


def test_symlinks_never_leave_the_input_folder(tmp_path):
    (tmp_path / "secret.txt").write_text("Geheimer Text über das Passwort hier. Zweiter Satz.", "utf-8")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GERMAN, "utf-8")
    (src / "leak.txt").symlink_to("../secret.txt")
    (src / "passwd.txt").symlink_to("/etc/passwd")
    (src / "dangling.txt").symlink_to("nowhere.txt")
    (src / "loop1.txt").symlink_to("loop2.txt")
    (src / "loop2.txt").symlink_to("loop1.txt")
    (src / "inner.txt").symlink_to("a.txt")  # inside the tree: fine (and the same file)
    paths, failures = discover_inputs([src])
    assert paths == [src / "a.txt"]
    why = {Path(f.path).name: f.error for f in failures}
    assert set(why) == {"leak.txt", "passwd.txt", "dangling.txt", "loop1.txt", "loop2.txt"}
    assert "outside the input folder" in why["leak.txt"] and "outside" in why["passwd.txt"]
    assert "broken symbolic link" in why["dangling.txt"] and "loop" in why["loop1.txt"]

    out = tmp_path / "out"
    assert cli.main(["ingest", str(src), "--out", str(out), "--quiet"]) == 1
    sents = tables.read_table(out, "sentences")
    assert not sents["text"].str.contains("Geheimer|root:", regex=True).any()
    assert len(tables.read_table(out, "errors")) == 5


def test_folder_tree_1200_levels_deep(tmp_path):
    deep = tmp_path / "in"
    levels = [deep]
    for _ in range(1200):  # iteratively: Path.mkdir(parents=True) itself recurses too deep
        levels.append(levels[-1] / "d")
    for level in levels:
        os.mkdir(level)
    (levels[-1] / "bottom.txt").write_text(GERMAN, "utf-8")
    (deep / "top.txt").write_text(ENGLISH, "utf-8")
    try:
        found, failures = discover_inputs([deep])
        assert [p.name for p in found] == ["bottom.txt", "top.txt"] and failures == []
        out = tmp_path / "out"
        assert cli.main(["ingest", str(deep), "--out", str(out), "--quiet"]) == 0
        assert len(tables.read_table(out, "documents")) == 2
    finally:  # bottom up (shutil.rmtree recurses)
        (levels[-1] / "bottom.txt").unlink()
        for level in reversed(levels):
            with contextlib.suppress(OSError):
                os.unlink(level / "top.txt")
            os.rmdir(level)


def test_out_inside_the_input_folder_is_never_ingested(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GERMAN, "utf-8")
    (src / "b.md").write_text("# Titel\n\n" + ENGLISH, "utf-8")
    out = src / "out"
    for _ in range(2):
        assert cli.main(["ingest", str(src), "--out", str(out), "--quiet"]) == 0
        (out / "index.html").write_text(f"<p>{ENGLISH} Our own output.</p>", "utf-8")
        assert sorted(tables.read_table(out, "documents")["doc_id"]) == ["a", "b"]


# ------------------------------------------------------------------ 3. exit codes, one line


@pytest.mark.parametrize("case", ["missing", "empty_folder", "unsupported_only", "out_is_file", "out_under_file"])
def test_usage_errors_exit_2_at_once(tmp_path, capsys, case):
    src = tmp_path / "in"
    src.mkdir()
    out = tmp_path / "out"
    inputs = [str(src)]
    if case == "missing":
        (src / "a.txt").write_text(GERMAN, "utf-8")
        inputs.append(str(tmp_path / "missing.txt"))
    elif case == "unsupported_only":
        (src / "paper.pdf").write_bytes(b"%PDF-1.4")
        (src / "notes.json").write_text("{}")
    elif case in ("out_is_file", "out_under_file"):
        (src / "a.txt").write_text(GERMAN, "utf-8")
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" if case == "out_is_file" else tmp_path / "file" / "sub"
    for command in (["ingest"], ["run", "--no-report"]):
        code = cli.main([command[0], *inputs, "--out", str(out), "--quiet", *command[1:]])
        line = _one_line_error(capsys.readouterr().err)
        assert code == 2, line
        assert {"missing": "missing.txt", "empty_folder": "no article found",
                "unsupported_only": "no article found", "out_is_file": "is a file",
                "out_under_file": "cannot write"}[case] in line
    if case != "out_is_file":
        assert not out.exists()


def test_bad_cli_options_fail_before_any_work(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(ENGLISH, "utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", str(src), "--out", str(out), "--compute-type", "int3"]) == 2
    assert "int3" in _one_line_error(capsys.readouterr().err)
    assert cli.main(["run", str(src), "--out", str(out), "--embedder", "no-such-embedder-xyz"]) == 2
    assert "no-such-embedder-xyz" in _one_line_error(capsys.readouterr().err)
    assert not out.exists()  # nothing ran


def test_full_output_disk_is_one_line_exit_2_and_no_temp_files(tmp_path):
    """A file-size limit makes the table writes fail like a full disk would."""
    src = tmp_path / "in"
    src.mkdir()
    for i in range(30):
        (src / f"a{i}.txt").write_text(f"{GERMAN} Nummer {i}. " * 20, "utf-8")
    out = tmp_path / "out"
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))\n"
        "from align import cli\n"
        f"sys.exit(cli.main(['ingest', {str(src)!r}, '--out', {str(out)!r}, '--quiet']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2, proc.stderr
    line = _one_line_error(proc.stderr)
    assert str(out) in line and "too large" in line.lower()
    assert _no_temp_files(out)


def test_sigterm_exits_cleanly_without_temp_files(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(200):
        (src / f"a{i}.txt").write_text(f"{GERMAN} Satz Nummer {i} hier. " * 30, "utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "align", "ingest", str(src), "--out", str(out), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 120
    while not (out / ".align.lock").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode in (0, 128 + signal.SIGTERM), stderr
    assert "Traceback" not in stderr
    if proc.returncode:
        assert len(stderr.strip().splitlines()) == 1 and "terminated" in stderr
    assert _no_temp_files(out)


def test_corrupt_caches_are_rebuilt_with_a_warning(tmp_path, caplog):
    bad = tmp_path / "translations.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with TranslationCache(bad) as cache:
        cache.put_many("k", {"Hallo": "Hello"})
        assert cache.get_many("k", ["Hallo"]) == {"Hallo": "Hello"}
    assert "rebuilding it empty" in caplog.text
    wrong = tmp_path / "wrong.sqlite"
    with sqlite3.connect(wrong) as conn:
        conn.execute("CREATE TABLE translations (x)")
    with TranslationCache(wrong) as cache:
        assert cache.get_many("k", ["Hallo"]) == {}
        cache.put_many("k", {"Hallo": "Hello"})
    with TranslationCache(wrong) as cache:  # rebuilt for good, not once per run
        assert cache.get_many("k", ["Hallo"]) == {"Hallo": "Hello"}


def test_embedding_cache_with_nan_short_or_corrupt_vectors_recomputes(tmp_path):
    from align.embed import Embedder

    texts = ["Exports rose in 2021.", "The ministry denied the report.", "Rain is expected."]
    emb = Embedder(cache_dir=tmp_path)
    fresh = emb.encode(texts)
    path = emb.cache_path
    emb.close()
    with sqlite3.connect(path) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM vec ORDER BY key")]
        conn.execute("UPDATE vec SET data = ? WHERE key = ?", (np.full(emb.dim, np.nan, np.float32).tobytes(), keys[0]))
        conn.execute("UPDATE vec SET data = ? WHERE key = ?", (b"\x00\x01\x02", keys[1]))
        conn.execute("UPDATE vec SET data = ? WHERE key = ?", ("text, not bytes", keys[2]))
    again = Embedder(cache_dir=tmp_path)
    vecs = again.encode(texts)
    assert np.isfinite(vecs).all() and np.allclose(vecs, fresh, atol=1e-5)
    assert again.n_computed == 3
    again.close()
    path.write_bytes(b"garbage" * 1000)
    third = Embedder(cache_dir=tmp_path)
    assert np.allclose(third.encode(texts), fresh, atol=1e-5)
    third.close()


# ----------------------------------------------------------------------- broken packages


def _install_tiny_de(tiny_argos_packages) -> Path:
    [info] = models.install(str(tiny_argos_packages["de"]))
    return info.path


@pytest.mark.parametrize("damage", ["model.bin", "sentencepiece.model", "metadata_list", "metadata_languages"])
def test_broken_package_fails_only_the_runs_that_need_it(tmp_path, capsys, tiny_argos_packages, damage):
    pkg = _install_tiny_de(tiny_argos_packages)
    if damage == "model.bin":
        (pkg / "model" / "model.bin").write_bytes(os.urandom(4096))
    elif damage == "sentencepiece.model":
        (pkg / "sentencepiece.model").write_bytes(b"not a sentencepiece model")
    elif damage == "metadata_list":
        (pkg / "metadata.json").write_text("[]")
    else:
        meta = json.loads((pkg / "metadata.json").read_text())
        (pkg / "metadata.json").write_text(json.dumps({**meta, "languages": 5}))

    assert cli.main(["models", "list"]) == 0
    listing = capsys.readouterr()
    assert "broken" in listing.out and "Traceback" not in listing.err

    english = tmp_path / "en"
    english.mkdir()
    (english / "a.txt").write_text(ENGLISH, "utf-8")
    assert cli.main(["ingest", str(english), "--out", str(tmp_path / "o1"), "--quiet"]) == 0
    if damage == "model.bin":  # a whole English-only run needs no package: unaffected
        assert cli.main(["run", str(english), "--out", str(tmp_path / "o1"), "--quiet", "--no-report"]) == 0
    german = tmp_path / "de"
    german.mkdir()
    (german / "a.txt").write_text(DE_SEED.read_text("utf-8"), "utf-8")
    code = cli.main(["run", str(german), "--out", str(tmp_path / "o2"), "--quiet", "--no-report"])
    err = capsys.readouterr().err
    assert code == 2
    line = _one_line_error(err)
    assert str(pkg) in line and "broken" in line and "align models install de-en" in line


def test_package_version_markup_and_escape_codes_are_printed_inert(capsys, tiny_argos_packages):
    pkg = _install_tiny_de(tiny_argos_packages)
    meta = json.loads((pkg / "metadata.json").read_text())
    (pkg / "metadata.json").write_text(json.dumps({**meta, "package_version": "[/]\x1b[31mred"}))
    assert cli.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[31m" not in out and "[/]" in out


def test_package_folder_with_a_special_file_is_refused(tmp_path, tiny_argos_packages):
    with zipfile.ZipFile(tiny_argos_packages["de"]) as zf:
        zf.extractall(tmp_path / "x")
    src = tmp_path / "x" / "translate-de_en-0_0_1"
    os.mkfifo(src / "model" / "zero.bin")  # as unreadable-forever as /dev/zero, without root
    with time_limit(30), pytest.raises(models.ModelError, match="not a regular file"):
        models.install(str(src))
    assert models.list_packages() == []


def test_language_code_with_a_newline_is_refused():
    with pytest.raises(models.ModelError, match="not a language code"):
        models._check_metadata_bytes(json.dumps({"from_code": "de\n", "to_code": "en"}).encode(), "x")
    with pytest.raises(models.ModelError):
        models.install("de-en\n")


# ----------------------------------------------------------- 4. terminal and markup injection


def test_hostile_file_names_cannot_break_the_terminal_or_the_tables(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "markup[").mkdir()  # the path in/markup[/]x.txt holds Rich's closing tag "[/]"
    names = ["markup[/]x.txt", "esc\x1b[31mred.txt", "cr\rname.txt", "bidi\u202etxt.exe.txt", "nl\nname.txt"]
    for i, name in enumerate(names):
        (src / name).write_text(f"{GERMAN} Dokument {i}.", "utf-8")
    (src / "markup[" / "]\x1b[2J.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert cli.main(["ingest", str(src), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "\x1b[" not in captured.out + captured.err and "Traceback" not in captured.err
    assert "align summary" in captured.out  # the summary is not lost
    docs = tables.read_table(out, "documents")
    paths = " ".join(docs["path"])
    assert "\r" not in paths and "\x1b" not in paths and "\u202e" not in paths and "\n" not in paths
    assert "\\u202e" in paths and "\\x1b" in paths and "\\r" in paths
    with open(out / "documents.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(names)
    assert len(pd.read_csv(out / "documents.csv")) == len(names)


def test_display_text_shows_invisible_characters():
    assert display_text("a\u202eb\x1b[0m\r\u2028\ufeff") == "a\\u202eb\\x1b[0m\\r\\u2028\\ufeff"
    assert display_text(os.fsdecode(b"caf\xe9.txt")) == "caf\\xe9.txt"


# ------------------------------------------------------------ 5. spreadsheets and sharing


def test_formula_cells_are_prefixed_in_csv_only_and_round_trip(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("=HYPERLINK(\"http://x\") is what the ministry said today.\n\n"
                               "+49 callers reported the outage to the ministry.\n\n"
                               "-5 degrees were measured in Berlin this morning.\n\n"
                               "@user wrote that the minister resigned yesterday.", "utf-8")
    out = tmp_path / "out"
    assert cli.main(["ingest", str(src), "--out", str(out), "--quiet"]) == 0
    exact = tables.read_table(out, "sentences")
    assert [t[0] for t in exact["text"]] == ["=", "+", "-", "@"]
    with open(out / "sentences.csv", encoding="utf-8", newline="") as fh:
        cells = [r["text"] for r in csv.DictReader(fh)]
    assert [c[:2] for c in cells] == ["'=", "'+", "'-", "'@"]
    (out / "sentences.parquet").unlink()  # the CSV alone reads back exactly
    assert tables.read_table(out, "sentences")["text"].tolist() == exact["text"].tolist()
    # ... and sentences.csv is a translations file whose prefix is undone as well
    rows = pd.read_csv(out / "sentences.csv", dtype=str, keep_default_na=False)
    rows["text_en"] = rows["text"]
    rows.to_csv(tmp_path / "export.csv", index=False)
    imported = load_imported_translations([tmp_path / "export.csv"])
    assert imported.lookup(exact["text"][0], "en") == (exact["text"][0], "import:export.csv")


def test_outputs_follow_the_umask_and_keep_a_users_chmod(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GERMAN, "utf-8")
    out = tmp_path / "out"
    old = os.umask(0o027)
    try:
        assert cli.main(["ingest", str(src), "--out", str(out), "--quiet"]) == 0
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir() if not p.name.startswith(".")}
        assert set(modes.values()) == {0o640}, modes
        (out / "documents.csv").chmod(0o644)
        assert cli.main(["ingest", str(src), "--out", str(out), "--quiet"]) == 0
        assert stat.S_IMODE((out / "documents.csv").stat().st_mode) == 0o644
    finally:
        os.umask(old)


# --------------------------------------------------------------- 6. consistency of a folder


def _ingested(tmp_path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GERMAN, "utf-8")
    (src / "b.txt").write_text(ENGLISH, "utf-8")
    out = tmp_path / "out"
    assert cli.main(["ingest", str(src), "--out", str(out), "--quiet"]) == 0
    return out


def test_report_checks_run_json_and_the_lock(tmp_path, capsys):
    out = _ingested(tmp_path)
    assert (out / "run.json").is_file()  # written last by every command
    assert cli.main(["report", str(out)]) == 0
    assert "run.json" not in capsys.readouterr().err
    # no run.json: a clear warning, the report is still drawn
    (out / "run.json").unlink()
    assert cli.main(["report", str(out)]) == 0
    assert "run.json is missing" in capsys.readouterr().err
    # run.json older than a table: an interrupted run, refused
    (out / "run.json").write_text("{}")
    past = time.time() - 60
    os.utime(out / "run.json", (past, past))
    assert cli.main(["report", str(out)]) == 2
    line = _one_line_error(capsys.readouterr().err)
    assert "interrupted" in line and "run.json" in line
    os.utime(out / "run.json")  # newer than every table: a complete run
    assert cli.main(["report", str(out)]) == 0
    capsys.readouterr()
    with output_lock(out):  # another run holds the folder
        assert cli.main(["report", str(out)]) == 2
    assert "in use by another align run" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["garbage_parquet", "wrong_columns", "garbage_both"])
def test_report_on_damaged_tables_names_the_file(tmp_path, capsys, damage):
    out = _ingested(tmp_path)
    if damage == "garbage_parquet":
        (out / "sentences.parquet").write_bytes(b"PAR1 not really" * 10)
    elif damage == "wrong_columns":
        pd.DataFrame({"x": [1]}).to_parquet(out / "documents.parquet")
    else:
        (out / "sentences.parquet").unlink()
        (out / "sentences.csv").write_bytes(b"\xff\xfe\x00garbage\n\"unclosed")
    (out / "run.json").write_text("{}")
    code = cli.main(["report", str(out)])
    line = _one_line_error(capsys.readouterr().err)
    assert code == 2
    assert ("sentences" if damage != "wrong_columns" else "documents") in line and "rerun" in line


def test_report_on_missing_folder_or_a_file(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "nope")]) == 2
    assert "no such folder" in _one_line_error(capsys.readouterr().err)
    (tmp_path / "file").write_text("x")
    assert cli.main(["report", str(tmp_path / "file")]) == 2
    assert "not a folder" in _one_line_error(capsys.readouterr().err)


# --------------------------------------------------------------------- 8. silent loss


def test_markdown_lists_nested_500_deep_keep_every_item():
    for indent, marker in ((2, "- "), (4, "* "), (3, "1. ")):
        md = "\n".join(" " * (indent * i) + f"{marker}Punkt{i} steht hier" for i in range(500))
        doc = ingest_bytes(md.encode(), "deep.md")
        assert all(f"Punkt{i} steht" in doc.text for i in range(500))


def test_separators_and_controls_from_entities_and_yaml_are_normalised():
    md = ("---\ntitle: \"Titel\\u2028mit\\x1b[31m Trenner\\ufeff\"\nauthor: \"A\\u2029B\"\n---\n"
          "<p>Eins&#x2028;zwei&#xFEFF; drei&#27;[1m vier&#x85; fünf&#11;sechs.</p>")
    doc = ingest_bytes(md.encode(), "x.md")
    assert doc.title == "Titel mit[31m Trenner" and doc.author == "A B"
    sents = segment_document(doc)
    for s in sents:
        assert s.text == s.text.strip() and len(s.text.splitlines()) == 1
        assert not any(ch in s.text for ch in "\u2028\u2029\ufeff\x1b\x85\x0b")


def test_translations_covering_13_of_14_name_the_missing_sentence(tmp_path, capsys, tiny_argos_packages):
    _install_tiny_de(tiny_argos_packages)
    with open(REFERENCE_DE, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    skipped = rows.pop(5)
    partial = tmp_path / "partial.csv"
    with open(partial, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["source", "target", "lang"])
        writer.writeheader()
        writer.writerows(rows)
    src = tmp_path / "in"
    src.mkdir()
    (src / "de.txt").write_text(DE_SEED.read_text("utf-8"), "utf-8")
    out = tmp_path / "out"
    cache = default_cache_path()  # a damaged cache is rebuilt with a warning, not a traceback
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"not sqlite" * 50)
    code = cli.main(["run", str(src), "--out", str(out), "--no-report", "--translations", str(partial)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "warning translation cache" in err and "rebuilding it empty" in err
    warning = [ln for ln in err.splitlines() if "--translations cover" in ln]
    assert warning and "cover 13 of 14" in warning[0] and skipped["source"][:30] in warning[0]


# ------------------------------------------------------------------------------- fuzzing

_NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.text(_NAME_CHARS, min_size=1, max_size=40), st.sampled_from([".txt", ".md", ".html"]))
def test_fuzz_file_names_end_in_documents_or_errors(tmp_path_factory, stem, suffix):
    src = tmp_path_factory.mktemp("names")
    name = (stem + suffix)[-200:]
    if name in (".", "..") or len(name.encode("utf-8", "surrogateescape")) > 250:
        return
    try:
        (src / name).write_text(GERMAN, "utf-8")
    except OSError:
        return
    docs, failures = ingest_paths([src])
    assert len(docs) + len(failures) == (0 if name.startswith(".") else 1)
    frame = tables.documents_frame(docs, [])
    for path in frame["path"]:
        assert display_text(path) == path  # nothing invisible left
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    assert len(pd.read_csv(io.StringIO(buf.getvalue()), dtype=str)) == len(docs)


_YAML_VALUES = st.one_of(st.text(max_size=30), st.integers(), st.lists(st.text(max_size=8), max_size=3),
                         st.none(), st.booleans(), st.sampled_from(["\\u2028", "\\x1b[2J", "\\ufeff", "[/]"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["title", "author", "date", "tags", "source", "x"]), _YAML_VALUES,
                       max_size=5), st.booleans())
def test_fuzz_front_matter(fields, quoted):
    lines = []
    for key, value in fields.items():
        dumped = json.dumps(value, ensure_ascii=False) if quoted or not isinstance(value, str) else value
        lines.append(f"{key}: {dumped}")
    data = ("---\n" + "\n".join(lines) + "\n---\n\n" + GERMAN).encode("utf-8", "surrogatepass")
    with time_limit(30):
        try:
            doc = ingest_bytes(data, "x.md")
        except InputError as err:  # raw control bytes: "binary file", a clear failure
            assert err.failure.stage == "decode" and "binary" in err.failure.error
            return
    for value in (doc.title, doc.author, doc.date):
        assert not any(ch in value for ch in "\n\r\u2028\u2029\x1b\ufeff\x85"), value
    assert GERMAN in doc.text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=20)), max_size=5),
       st.sampled_from([",", "\t"]), st.booleans())
def test_fuzz_translation_files_load_or_fail_with_a_line(tmp_path_factory, rows, delimiter, sentences_form):
    path = tmp_path_factory.mktemp("tr") / ("t.tsv" if delimiter == "\t" else "t.csv")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["text", "text_en", "lang"] if sentences_form else ["source", "target", "lang"])
    for source, target in rows:
        writer.writerow([source, target, "de"])
    path.write_text(buf.getvalue(), "utf-8")
    try:
        imported = load_imported_translations([path])
    except ValueError as exc:
        assert str(path) in str(exc)
        return
    for source, target in rows:
        if source.strip() and target.strip() and not source.startswith("'"):
            found = imported.lookup(source, "de")
            assert found is not None


def test_debug_adds_the_traceback(tmp_path, capsys):
    missing = str(tmp_path / "missing.txt")
    for argv in (["--debug", "ingest", missing, "--out", str(tmp_path / "o")],
                 ["ingest", missing, "--out", str(tmp_path / "o"), "--debug"]):
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback" in err and "ConfigError" in err and "missing.txt" in err.splitlines()[-1]
    assert cli.main(["ingest", missing, "--out", str(tmp_path / "o")]) == 2
    assert "Traceback" not in capsys.readouterr().err
