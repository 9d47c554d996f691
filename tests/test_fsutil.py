"""Atomic writes and the output lock (issue 6: runs never leave half-written outputs)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time

import pytest

from align.fsutil import OutputLocked, atomic_open, atomic_write_text, output_lock


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "t.csv"
    atomic_write_text(target, "old\n")
    atomic_write_text(target, "new\n" * 1000)
    assert target.read_text() == "new\n" * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "t.csv"
    atomic_write_text(target, "complete\n")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def _hold_lock(out_dir: str, ready, release) -> None:
    with output_lock(out_dir):
        ready.set()
        release.wait(30)


def test_second_run_on_same_folder_fails_at_once(tmp_path):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(OutputLocked, match="in use by another align run"):
            with output_lock(tmp_path):
                pass
    finally:
        release.set()
        holder.join(30)
    # Released by the first run: the folder is usable again.
    with output_lock(tmp_path):
        pass


def test_lock_of_killed_process_is_released(tmp_path):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    assert ready.wait(30)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    with output_lock(tmp_path):
        pass


def test_cli_reports_locked_output_with_exit_2(tmp_path, seed_input):
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    out = tmp_path / "out"
    holder = ctx.Process(target=_hold_lock, args=(str(out), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        proc = subprocess.run([sys.executable, "-m", "align", "ingest", str(seed_input), "--out", str(out)],
                              capture_output=True, text=True, timeout=120)
    finally:
        release.set()
        holder.join(30)
    assert proc.returncode == 2
    assert "in use by another align run" in proc.stderr
    assert not (out / "documents.csv").exists()


def test_killed_ingest_leaves_previous_outputs_complete(tmp_path, seed_input):
    """Kill `align ingest` at several moments; every table present is a complete one."""
    import pandas as pd

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "align", "ingest", str(seed_input), "--out", str(out), "--quiet"]
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    expected = {name: (out / name).read_bytes() for name in ("documents.csv", "sentences.csv")}
    for delay in (0.2, 0.6, 1.0, 1.5, 2.5):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        for name, content in expected.items():
            # Same input -> a complete file is byte-identical to the first run's.
            assert (out / name).read_bytes() == content
        assert len(pd.read_parquet(out / "sentences.parquet")) == len(pd.read_csv(out / "sentences.csv"))
    # The next run sweeps temp files a killed run left behind.
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    assert not [p for p in out.rglob("*.tmp")]
