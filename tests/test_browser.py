"""The report in a real browser: headless Chromium renders the pages from disk (file://).

Chromium is required (Debian packages `chromium` and `chromium-driver`; `.ci/run` installs them):
without it these tests fail rather than skip. Four browser launches in all, about a second each.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from bs4 import BeautifulSoup

from align.output.report import pair_page_names, write_report
from tests import report_fixture as fx

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
]


def chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        pytest.fail("headless Chromium is required for the report browser tests but was not found: "
                    "install it with `apt-get install -y chromium chromium-driver` (as .ci/run does)")
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    proc = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def dump_dom(tmp_path: Path, url: str) -> BeautifulSoup:
    """The DOM after the page loaded and its scripts ran."""
    return BeautifulSoup(run_chromium(tmp_path, "--dump-dom", url).stdout, "html.parser")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    fx.write_tables(out)
    write_report(out)
    return out / "report"


def page_name(a: str, b: str) -> str:
    return pair_page_names([fx.ZH, fx.DE, fx.EN])[(a, b)]


def assert_not_pwned(dom: BeautifulSoup) -> None:
    assert dom.title.get_text() != fx.PWN_TITLE
    assert dom.body.get("data-pwned") is None and dom.find(id="pwned") is None
    # our own script ran (it marks <html class="js">): the CSP allowed it and blocked nothing of ours
    assert "js" in dom.html.get("class", [])


def test_detector_sees_executed_payloads(tmp_path):
    """Control: the same payloads, unescaped, do run in this browser and leave the traces we look for."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!DOCTYPE html><title>safe</title><body><p>{fx.HOSTILE_SCRIPT}{fx.HOSTILE_IMG}"
                    f"{fx.HOSTILE_SVG}</p></body>", encoding="utf-8")
    dom = dump_dom(tmp_path, page.as_uri())
    assert dom.title.get_text() == fx.PWN_TITLE
    assert dom.body.get("data-pwned") == "1" and dom.find(id="pwned") is not None


def test_index_in_browser(report, tmp_path):
    dom = dump_dom(tmp_path, (report / "index.html").as_uri())
    assert_not_pwned(dom)
    assert dom.title.get_text() == "Coverage comparison · 3 documents"
    rows = dom.select("tr.doc-row")
    assert len(rows) == 3
    assert fx.HOSTILE_TITLE in rows[2].select_one(".title-cell").get_text()  # shown as text
    links = dom.select("table.grid a.pair-link")
    assert len(links) == 6 and all((report / a["href"]).is_file() for a in links)
    assert not [a for a in dom.find_all("a", href=True) if a["href"].lower().startswith("javascript")]
    for a in dom.select("#unique a.sid"):  # "show in context" links land on a sentence
        name, anchor = a["href"].split("#")
        assert BeautifulSoup((report / name).read_text(encoding="utf-8"), "html.parser").find(id=anchor)


def test_hostile_pair_page_in_browser_with_score_filter(report, tmp_path):
    # ?min=0.8 presets the score filter: the inline JS hides what scores lower
    dom = dump_dom(tmp_path, (report / page_name(fx.ZH, fx.EN)).as_uri() + "?min=0.8")
    assert_not_pwned(dom)
    assert len(dom.select("#col-a .sent")) == 12 and len(dom.select("#col-b .sent")) == 7
    assert len(dom.find_all("script")) == 1 and dom.find("img") is None
    assert fx.HOSTILE_SCRIPT in dom.find(id="b-s2").get_text()
    assert fx.HOSTILE_JS_URL in dom.find(id="b-s4").get_text()
    assert not [a for a in dom.find_all("a", href=True) if not a["href"].startswith(("#", "index.html"))]
    ids = {t["id"] for t in dom.find_all(id=True)}
    assert all(a["href"][1:] in ids for a in dom.find_all("a", href=True) if a["href"].startswith("#"))

    rows = dom.select("tr.align-row")
    hidden = {r["id"] for r in rows if "below" in r.get("class", [])}
    assert hidden == {r["id"] for r in rows if float(r["data-score"]) < 0.8} and 0 < len(hidden) < len(rows)
    assert dom.find(id="min-score-value").get_text() == "0.80"
    assert dom.find(id="min-score-count").get_text() == str(len(rows) - len(hidden))
    # zh §5 is aligned only at 0.74: below the threshold it reads as "only here"
    assert "below" in dom.find(id="a-s5")["class"] and "below" not in dom.find(id="a-s8")["class"]


def test_screenshot_is_not_blank(report, tmp_path):
    shot = tmp_path / "pair.png"
    run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                 (report / page_name(fx.ZH, fx.DE)).as_uri())
    image = matplotlib.image.imread(shot)
    assert image.shape[:2] == (2000, 1280)
    rgb = (image[..., :3] * 255).round().astype(np.uint8)
    non_white = (rgb < 245).any(axis=2).mean()
    colours = np.unique(rgb.reshape(-1, 3)[:: 7], axis=0)
    assert non_white > 0.05, f"screenshot is almost blank ({non_white:.1%} non-white)"
    assert len(colours) > 50, f"screenshot has only {len(colours)} colours"
    # the score highlights are drawn: some pixels are clearly blue-green (YlGnBu), not grey
    saturation = rgb.max(axis=2).astype(int) - rgb.min(axis=2)
    assert (saturation > 60).mean() > 0.002
