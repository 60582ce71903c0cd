"""What the README and docs/RESEARCHERS.md tell researchers to run works on the bundled sample, as written.

The sample is landed once for the module by the real `oversight run --sample` (a loopback server, the whole
pipeline). Every SQL example then runs through `oversight query`'s read-only path and must return rows, must
read only the views that count a syndicated story once, and the README's Python block runs as printed under
pandas 3 with warnings turned into errors.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight.schemas.settings import LakeLocation, load_settings
from oversight.warehouse.readonly import run_query

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
RESEARCHERS = ROOT / "docs" / "RESEARCHERS.md"
# Tables where a syndicated story is several rows: counting from them counts a wire story once per outlet.
PER_COPY_TABLES = re.compile(r"\b(?:FROM|JOIN)\s+(?:events|mentions|articles)\b", re.I)
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("docs") / ".oversight"
    env = {**os.environ, "OVERSIGHT_HOME": str(home), "OVERSIGHT_SAMPLE_PORT": str(_free_port()),
           "OVERSIGHT_BUS": "embedded"}
    done = subprocess.run([sys.executable, "-m", "oversight.flows", "run", "--sample"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    yield home


@pytest.fixture(scope="module")
def lake(sample_home: Path) -> LakeLocation:
    return load_settings(home=sample_home).lake


def sql_statements(path: Path) -> list[str]:
    """Every statement of every ```sql block of a Markdown file."""
    blocks = re.findall(r"```sql\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    statements = []
    for block in blocks:
        text = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("--"))
        statements += [s.strip() for s in text.split(";") if s.strip()]
    return statements


def researcher_questions() -> list[tuple[str, str]]:
    """(question, SQL) of each numbered question of docs/RESEARCHERS.md."""
    text = RESEARCHERS.read_text(encoding="utf-8")
    found = re.findall(r"^### \d+\. (.+?)\n(.*?)(?=^### |^## )", text, re.S | re.M)
    return [(q, re.search(r"```sql\n(.*?)```", body, re.S).group(1)) for q, body in found]  # type: ignore[union-attr]


def _readme_examples() -> list[str]:
    # The `ATTACH ... USE lake` line is how to attach from the DuckDB CLI, not a question.
    return [s for s in sql_statements(README) if not s.upper().startswith(("ATTACH", "USE"))]


def test_the_researchers_page_has_ten_questions_each_with_sql() -> None:
    questions = researcher_questions()
    assert len(questions) == 10
    assert all(sql.strip() for _, sql in questions)


@pytest.mark.parametrize("question,sql", researcher_questions(), ids=[q for q, _ in researcher_questions()])
def test_each_question_answers_on_the_sample(lake: LakeLocation, question: str, sql: str) -> None:
    assert not PER_COPY_TABLES.search(sql), f"{question}: counts syndicated copies; use the story views"
    result = run_query(lake, sql)
    assert result.num_rows > 0, question


@pytest.mark.parametrize("sql", _readme_examples())
def test_readme_example_queries_run_on_the_sample(lake: LakeLocation, sql: str) -> None:
    assert not PER_COPY_TABLES.search(sql), "counts syndicated copies; use the story views"
    assert run_query(lake, sql).num_rows > 0


def test_readme_has_the_example_queries() -> None:
    assert len(_readme_examples()) >= 7


def test_a_question_on_the_raw_events_table_is_caught() -> None:
    assert PER_COPY_TABLES.search("SELECT count(*) FROM events WHERE technology = 'drones'")
    assert PER_COPY_TABLES.search("SELECT 1 FROM story_events e JOIN articles a USING (article_id)")
    assert not PER_COPY_TABLES.search("SELECT count(*) FROM story_events")


def test_readme_python_example_runs_without_warnings(sample_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pandas", minversion="3")
    block = re.search(r"```python\n(from oversight.warehouse import connect.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block
    monkeypatch.chdir(sample_home.parent)  # the example opens ".oversight"
    scope: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(block.group(1), scope)  # noqa: S102 - the README's own example, run as a reader would
    frame = scope["frame"]
    assert len(frame) == 10 and str(frame["first_seen"].dtype).startswith("datetime64")  # type: ignore[arg-type]


def test_sample_evidence_is_one_sentence_without_the_headline(lake: LakeLocation) -> None:
    rows = run_query(lake, "SELECT a.title, a.text, e.evidence, e.evidence_start, e.evidence_end FROM events e "
                           "JOIN articles a USING (article_id)").to_pylist()
    texts = run_query(lake, "SELECT title, text FROM articles WHERE status = 'ok'").to_pylist()
    assert len(rows) >= 30 and len(texts) == 37
    assert [t["title"] for t in texts if t["text"].split("\n", 1)[0].strip() == t["title"]] == []
    for row in rows:
        tagged = f"{row['title']}\n\n{row['text']}"  # what the tagger read (offsets are into it)
        assert tagged[row["evidence_start"]:row["evidence_end"]] == row["evidence"]
        assert "\n" not in row["evidence"] and not row["evidence"].startswith(row["title"]), row["evidence"]


@pytest.mark.browser
def test_the_sample_digest_in_a_browser_matches_the_readme(lake: LakeLocation, tmp_path: Path) -> None:
    """The digest the README shows (docs/digest-sample-2026-W41.png is this test's screenshot, copied)."""
    from oversight.warehouse import db
    from oversight.warehouse.digest import write_digest
    from tests.test_digest_browser import ARTIFACTS, check_in_browser

    with db.snapshot_reader(lake) as con:
        md, page, _ = write_digest(con, "2026-W41", tmp_path / "digest")
    report = check_in_browser(page, tmp_path, ARTIFACTS / "digest-sample-2026-W41.png")
    assert report["summary"].startswith("This week oversight read 5 stories from 1 outlet, with 5 events")
    assert "## Pending decisions" in md.read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    assert "docs/digest-sample-2026-W41.png" in readme and (ROOT / "docs" / "digest-sample-2026-W41.png").is_file()
