"""The report in a real browser: headless Chromium renders the pages from disk (file://).

Chromium is required (Debian packages `chromium` and `chromium-driver`; `.ci/run` installs them):
without it these tests fail rather than skip.  `--dump-dom` gives the DOM after the scripts ran;
for clicks, keys and screenshots the tests drive Chromium over the DevTools protocol on a pipe
(`--remote-debugging-pipe`: JSON messages on fds 3/4, no extra package), dispatching real mouse
and key events at page coordinates.  A handful of browser launches in all, about a second each.
"""

from __future__ import annotations

import base64
import fcntl
import io
import json
import os
import shutil
import subprocess
import time
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


class Browser:
    """Headless Chromium driven over the DevTools protocol (`--remote-debugging-pipe`)."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 900):
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        # above 4, so that placing them on the fds 3 and 4 the browser reads cannot clobber one
        child_in, child_out = fcntl.fcntl(r1, fcntl.F_DUPFD, 10), fcntl.fcntl(w2, fcntl.F_DUPFD, 10)
        os.close(r1)
        os.close(w2)

        def on_fds_3_and_4() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.proc = subprocess.Popen(
            [chromium(), *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(child_in, child_out, 3, 4), preexec_fn=on_fds_3_and_4,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(child_in)
        os.close(child_out)
        self.w, self.r = os.fdopen(w1, "wb", buffering=0), os.fdopen(r2, "rb", buffering=0)
        self.buf, self.n, self.events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _read(self) -> dict:
        while b"\0" not in self.buf:
            chunk = self.r.read(1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method: str, session: bool = False, **params):
        self.n += 1
        msg = {"id": self.n, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.w.write(json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.n:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + 60
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.monotonic() < deadline, f"{url} did not load"
            self.events.append(self._read())

    def js_until(self, expression: str, expected, timeout: float = 5.0):
        """The value of `expression` once it equals `expected` (or the last value after `timeout`):
        key and click handlers run asynchronously to the DevTools call that sent the event."""
        deadline = time.monotonic() + timeout
        value = self.js(expression)
        while value != expected and time.monotonic() < deadline:
            time.sleep(0.05)
            value = self.js(expression)
        return value

    def js(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def center(self, selector: str, dx: float = 0.5, dy: float = 0.5) -> tuple[float, float]:
        """Viewport coordinates of a point of the element (fractions of its box), scrolled into view."""
        return tuple(self.js(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
            f" const b = e.getBoundingClientRect(); return [b.x + b.width * {dx}, b.y + b.height * {dy}]; }})()"))

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y, button="left", clickCount=1)

    def key(self, key: str) -> None:
        text = {"Escape": ""}.get(key, key)
        self.call("Input.dispatchKeyEvent", session=True, type="keyDown", key=key, text=text,
                  windowsVirtualKeyCode=27 if key == "Escape" else ord(key.upper()[0]))
        self.call("Input.dispatchKeyEvent", session=True, type="keyUp", key=key)

    def type(self, text: str) -> None:
        self.call("Input.insertText", session=True, text=text)

    def screenshot(self) -> np.ndarray:
        png = base64.b64decode(self.call("Page.captureScreenshot", session=True, format="png")["data"])
        return (matplotlib.image.imread(io.BytesIO(png))[..., :3] * 255).round().astype(np.uint8)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    fx.write_tables(out)
    write_report(out, min_score=fx.MIN_SCORE)
    return out / "report"


@pytest.fixture()
def browser(tmp_path):
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def page_name(a: str, b: str) -> str:
    return pair_page_names([fx.ZH, fx.DE, fx.EN])[(a, b)]


def assert_not_pwned(dom: BeautifulSoup) -> None:
    assert dom.title.get_text() != fx.PWN_TITLE
    assert dom.body.get("data-pwned") is None and dom.find(id="pwned") is None
    # our own script ran (it marks <html class="js">): the CSP allowed it and blocked nothing of ours
    assert "js" in dom.html.get("class", [])


def visible_rows(b: Browser) -> list[str]:
    return b.js("[...document.querySelectorAll('tr.row')].filter(r => r.offsetParent !== null).map(r => r.id)")


def test_detector_sees_executed_payloads(tmp_path):
    """Control: the same payloads, unescaped, do run in this browser and leave the traces we look for."""
    page = tmp_path / "unsafe.html"
    page.write_text(f"<!DOCTYPE html><title>safe</title><body><p>{fx.HOSTILE_SCRIPT}{fx.HOSTILE_IMG}"
                    f"{fx.HOSTILE_SVG}</p></body>", encoding="utf-8")
    dom = dump_dom(tmp_path, page.as_uri())
    assert dom.title.get_text() == fx.PWN_TITLE
    assert dom.body.get("data-pwned") == "1" and dom.find(id="pwned") is not None


def test_index_and_every_page_inert_in_browser(report, tmp_path):
    for page in sorted(report.glob("*.html")):
        dom = dump_dom(tmp_path, page.as_uri())
        assert_not_pwned(dom)
        assert len(dom.find_all("script")) == 1 and dom.find("img") is None
        assert not [a for a in dom.find_all("a", href=True) if a["href"].lower().startswith("javascript")]
    index = dump_dom(tmp_path, (report / "index.html").as_uri())
    assert index.title.get_text() == "Coverage comparison · 3 documents"
    links = index.select("a.story-link")
    assert len(links) == 1 and (report / links[0]["href"]).is_file()
    assert fx.HOSTILE_TITLE in index.select("tr.doc-row")[2].get_text()  # shown as text


def test_story_page_preset_by_url(report, tmp_path):
    # ?min=0.2 reveals the possible match at 0.22 and keeps the one at 0.14 hidden
    dom = dump_dom(tmp_path, (report / "story-0.html").as_uri() + "?min=0.2")
    assert_not_pwned(dom)
    band = dom.select("tr.possible-row")
    assert sorted("below" in r["class"] for r in band) == [False, True]
    assert dom.find(id="n-possible").get_text() == "1" and dom.find(id="min-score-value").get_text() == "0.20"
    dom = dump_dom(tmp_path, (report / "story-0.html").as_uri() + "?min=0.8")
    rows = dom.select("tr.row")
    below = [r for r in rows if "below" in r.get("class", [])]
    assert below and all(float(r["data-score"]) < 0.8 for r in below)
    shared = [r for r in rows if "shared" in r["class"]]
    assert dom.find(id="n-shared").get_text() == str(len(shared) - len(below))


def test_story_page_clicks_keys_and_filters(report, browser):
    b = browser
    b.open((report / "story-0.html").as_uri())
    rows = b.js("[...document.querySelectorAll('tr.row')].map(r => r.id)")
    assert len(rows) == 13

    # mini-map: a click in the empty part of a band (no article cell there) goes to its row, and
    # the row is not hidden under the sticky page header and table head
    b.click(*b.center(".minimap a.mm-band:nth-of-type(5) .mm-hit", dx=0.98))
    assert b.js("location.hash") == f"#{rows[4]}"
    top = b.js(f"document.getElementById('{rows[4]}').getBoundingClientRect().top")
    covered = b.js("document.querySelector('header.top').getBoundingClientRect().bottom"
                   " + document.querySelector('table.aligned thead').getBoundingClientRect().height")
    assert top >= covered - 1, (top, covered)

    # keyboard: j/k move from there, c jumps to the next conflict
    current = "document.querySelector('tr.row.current') && document.querySelector('tr.row.current').id"
    assert b.js_until(current, rows[4]) == rows[4]
    b.key("j")
    assert b.js_until(current, rows[5]) == rows[5]
    b.key("k")
    assert b.js_until(current, rows[4]) == rows[4]
    b.key("k")
    assert b.js_until(current, rows[3]) == rows[3]
    b.key("c")
    assert b.js("document.querySelector('tr.row.current').classList.contains('has-conflict')") is True

    # conflicts only: a real click on the checkbox
    b.click(*b.center("#f-conflicts"))
    shown = visible_rows(b)
    assert len(shown) == 1 and b.js(f"document.getElementById('{shown[0]}').classList.contains('has-conflict')")
    assert b.js("document.getElementById('n-rows').textContent") == "1"
    b.click(*b.center("#f-conflicts"))
    assert len(visible_rows(b)) == 13

    # search: "/" focuses the box; typing filters the rows to those that mention the word
    b.js("window.scrollTo(0, 0)")
    b.key("/")
    assert b.js("document.activeElement.id") == "f-q"
    b.type("Xinjiang")
    shown = visible_rows(b)
    assert 0 < len(shown) < 13
    assert all("xinjiang" in b.js(f"document.getElementById('{r}').textContent.toLowerCase()") for r in shown)
    b.key("Escape")
    assert len(visible_rows(b)) == 13

    # one article vs the rest: only the rows where D3 has a unit
    b.js("const s = document.getElementById('f-doc'); s.value = 'D3'; s.dispatchEvent(new Event('change'))")
    shown = visible_rows(b)
    assert shown and all("D3" in b.js(f"document.getElementById('{r}').dataset.docs").split() for r in shown)
    assert len(shown) == b.js("[...document.querySelectorAll('tr.row')].filter(r => r.dataset.docs.includes('D3')).length")

    # the threshold slider: lowering it reveals a possible match, raising it greys rows out
    b.js("const r = document.getElementById('min-score'); r.value = '0.2'; r.dispatchEvent(new Event('input'))")
    assert b.js("document.getElementById('n-possible').textContent") == "1"
    assert b.js("[...document.querySelectorAll('tr.possible-row')].filter(r => r.offsetParent).length") == 1

    # print: controls and maps hidden, every row printed whatever the filters
    b.call("Emulation.setEmulatedMedia", session=True, media="print")
    assert b.js("getComputedStyle(document.querySelector('.controls')).display") == "none"
    assert b.js("getComputedStyle(document.querySelector('.minimap')).display") == "none"
    assert len(visible_rows(b)) == 13


def test_pair_heatmap_click_anywhere_in_a_cell(report, browser):
    b = browser
    b.open((report / page_name(fx.ZH, fx.DE)).as_uri())
    svg = ".heatmap svg"
    b.center(svg)
    # a cell no alignment marks: ZH §9 (row) x DE §0 (column), clicked near its corner
    left, top, cell = (float(b.js(f"document.querySelector('{svg}').dataset.{k}")) for k in ("left", "top", "cell"))
    box = b.js(f"(() => {{ const r = document.querySelector('{svg}').getBoundingClientRect(); return [r.x, r.y, r.width]; }})()")
    vb_w = b.js(f"document.querySelector('{svg}').viewBox.baseVal.width")
    scale = box[2] / vb_w
    x, y = box[0] + (left + 0.15 * cell) * scale, box[1] + (top + (9 + 0.85) * cell) * scale
    b.click(x, y)
    row = b.js("location.hash").lstrip("#")
    assert row and b.js(f"document.getElementById('{row}').querySelector('td.cell .sid').textContent") == "§9"
    # a marked cell (an accepted pair) is a link to the row holding both sides
    b.click(*b.center(".hm-marks a rect", dx=0.9, dy=0.9))
    row = b.js("location.hash").lstrip("#")
    cells = b.js(f"document.getElementById('{row}').querySelectorAll('td.cell').length")
    assert cells == 2


def test_screenshots_show_the_aligned_rows(report, browser):
    b = browser
    b.open((report / "story-0.html").as_uri())
    b.js("document.querySelector('table.aligned').scrollIntoView()")
    image = b.screenshot()
    assert image.shape[:2] == (900, 1280)
    non_white = (image < 245).any(axis=2).mean()
    assert non_white > 0.08, f"screenshot is almost blank ({non_white:.1%} non-white)"
    assert len(np.unique(image.reshape(-1, 3)[::7], axis=0)) > 50
    # shared rows are tinted teal and the conflict row red: both colours are on screen
    r, g, bl = (image[..., i].astype(int) for i in range(3))
    assert ((bl - r > 8) & (g - r > 8)).mean() > 0.01  # the light teal of shared cells
    b.js("document.querySelector('tr.has-conflict').scrollIntoView({block: 'center'})")
    image = b.screenshot()
    r, g, bl = (image[..., i].astype(int) for i in range(3))
    assert ((r > 150) & (r - g > 80)).mean() > 0.0002  # the red conflict mark
    # the article text is drawn in the columns (dark glyph pixels inside the first cell)
    x0, y0 = b.js("(() => { const c = document.querySelector('tr.has-conflict td.cell').getBoundingClientRect();"
                  " return [Math.round(c.x), Math.round(c.y)]; })()")
    patch = image[y0 + 4:y0 + 40, x0 + 8:x0 + 300]
    assert (patch.max(axis=2) < 100).mean() > 0.02
