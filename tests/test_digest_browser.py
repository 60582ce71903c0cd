"""The digest HTML in a real headless browser (Debian's chromium): it renders, charts have size, a screenshot is kept.

Setup installs the browser when missing: apt-get install -y chromium
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.research_fixtures import research_warehouse
from warehouse import db
from warehouse.digest import write_digest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
# Appended to a copy of the page only: the digest itself carries no script.
PROBE = """<script>
const sizes = [...document.querySelectorAll('svg.chart')].map(s => {
  const r = s.getBoundingClientRect(); return {label: s.getAttribute('aria-label'), w: r.width, h: r.height};
});
const out = document.createElement('pre'); out.id = 'probe';
out.textContent = JSON.stringify({sizes, sections: document.querySelectorAll('section h2').length,
                                  tables: document.querySelectorAll('table').length});
document.body.appendChild(out);
</script>"""

pytestmark = pytest.mark.browser


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("chromium is not installed: apt-get install -y chromium")
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def test_digest_renders_with_sized_charts_and_a_screenshot(tmp_path: Path) -> None:
    warehouse = research_warehouse(tmp_path / "w")
    with db.reader(warehouse) as con:
        page = write_digest(con, "2026-W11", tmp_path / "digest")[1]
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")

    dom = _chromium(tmp_path / "profile1", "--virtual-time-budget=2000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, dom.stderr[-2000:]
    report = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert report["sections"] == 7 and report["tables"] >= 4
    assert len(report["sizes"]) == 3
    for chart in report["sizes"]:
        assert chart["w"] > 100 and chart["h"] > 50, chart

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "digest-2026-W11.png"
    shot.unlink(missing_ok=True)
    _chromium(tmp_path / "profile2", "--window-size=1100,2600", f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
