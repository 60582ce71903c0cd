"""The digest HTML in a real headless browser (Debian's chromium): it renders, charts have size, a screenshot is kept.

Setup installs the browser when missing: apt-get install -y chromium
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from oversight.warehouse import db
from oversight.warehouse.digest import write_digest
from tests.research_fixtures import research_warehouse

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
# Appended to a copy of the page only: the digest itself carries no script.
PROBE = """<script>
const box = e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
const sizes = [...document.querySelectorAll('svg.chart')].map(s => ({label: s.getAttribute('aria-label'), ...box(s)}));
const trend = document.querySelector('svg[aria-label^="Stories per technology"]');
const labels = trend ? [...trend.querySelectorAll('text.label')].map(t => ({text: t.textContent, ...box(t)})) : [];
const out = document.createElement('pre'); out.id = 'probe';
out.textContent = JSON.stringify({sizes, labels, trend: trend ? box(trend) : null,
                                  sections: document.querySelectorAll('section h2').length,
                                  tables: document.querySelectorAll('table').length,
                                  summary: (document.querySelector('p.summary') || {}).textContent || ''});
document.body.appendChild(out);
</script>"""

pytestmark = pytest.mark.browser


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed: apt-get install -y chromium")
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def check_in_browser(page: Path, work: Path, shot: Path) -> dict[str, Any]:
    """Render the digest page in headless Chromium: the probe's measurements, and a full-page screenshot at `shot`."""
    probe = work / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium(work / "profile1", "--virtual-time-budget=2000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    report: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    assert report["sections"] == 8 and report["tables"] >= 3 and report["summary"].startswith("This week")
    assert len(report["sizes"]) == 3
    for chart in report["sizes"]:
        assert chart["w"] > 100 and chart["h"] > 50, chart
    # every line of the trend chart is labelled inside the chart, and no two labels overlap
    trend, labels = report["trend"], report["labels"]
    assert labels
    for label in labels:
        assert trend["x"] <= label["x"] and label["x"] + label["w"] <= trend["x"] + trend["w"] + 1, label
        assert trend["y"] <= label["y"] and label["y"] + label["h"] <= trend["y"] + trend["h"] + 1, label
    for a, b in zip(sorted(labels, key=lambda t: t["y"]), sorted(labels, key=lambda t: t["y"])[1:], strict=False):
        assert a["y"] + a["h"] <= b["y"] + 1, (a, b)

    shot.parent.mkdir(parents=True, exist_ok=True)
    shot.unlink(missing_ok=True)
    _chromium(work / "profile2", "--window-size=1100,3400", f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return report


def test_digest_renders_with_sized_charts_labels_and_a_screenshot(tmp_path: Path) -> None:
    warehouse = research_warehouse(tmp_path / "w")
    with db.reader(warehouse) as con:
        page = write_digest(con, "2026-W11", tmp_path / "digest")[1]
    report = check_in_browser(page, tmp_path, ARTIFACTS / "digest-2026-W11.png")
    assert sorted(label["text"] for label in report["labels"]) == [
        "drones (1)", "face_recognition (1)", "license_plate_readers (1)"]
