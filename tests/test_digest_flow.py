"""The weekly-digest flow under a real (temporary) Prefect API: files written and a Markdown artifact published."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.research_fixtures import research_warehouse


@pytest.mark.slow
def test_weekly_digest_flow_publishes_a_markdown_artifact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.testing.utilities import prefect_test_harness

    research_warehouse(tmp_path / "w")
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "w"))
    from oversight.flows.pipeline import weekly_digest

    with prefect_test_harness():
        written = weekly_digest(week="2026-W11", out=str(tmp_path / "digests"))
        with get_client(sync_client=True) as client:
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["weekly-digest"])))
    assert [Path(p).name for p in written] == ["digest-2026-W11.md", "digest-2026-W11.html", "events-2026-W11.csv"]
    assert artifacts and artifacts[0].type == "markdown"
    assert artifacts[0].data == Path(written[0]).read_text(encoding="utf-8")
