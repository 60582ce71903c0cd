"""Prefect's temporary API on its own (not only through `oversight run`): a real API process that a command owns,
points Prefect at while it runs, and stops when the command ends."""

from __future__ import annotations

import os

import pytest

from oversight.flows.prefect_api import TemporaryApi, healthy


@pytest.mark.slow
def test_the_api_answers_for_its_command_and_is_gone_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with TemporaryApi() as api:
        url = api.api_url
        assert url is not None and url.startswith("http://127.0.0.1:")
        api.wait_ready()
        assert healthy(url)
        assert os.environ["PREFECT_API_URL"] == url and PREFECT_API_URL.value() == url  # Prefect reads it too
        with api.flow_settings():
            assert PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value() is None  # no heartbeats against a temporary API
        process = api._server.process  # type: ignore[union-attr]
    assert "PREFECT_API_URL" not in os.environ and PREFECT_API_URL.value() is None
    assert process.wait(timeout=60) is not None  # stopped with the command, not left running
    assert not healthy(url)


def test_with_a_configured_server_nothing_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # a team's server: not ours to start
    with TemporaryApi() as api:
        assert api.api_url is None
        api.wait_ready()  # returns at once: there is nothing of ours to wait for
        with api.flow_settings():
            pass
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:9/api"  # left as the user set it
