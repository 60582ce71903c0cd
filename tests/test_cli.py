"""Smoke tests of the CLI wiring: every command answers --help, bad input gets a clear error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from oversight.flows.cli import app

runner = CliRunner()


def _command_paths() -> list[list[str]]:
    root = get_command(app)
    paths: list[list[str]] = []
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        for sub in getattr(cmd, "commands", {}):
            paths.append([name, sub])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_command_has_help(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_the_documented_commands_exist() -> None:
    names = {p[0] for p in _command_paths()}
    assert {"run", "poll", "process", "tag", "extract", "feeds"} <= names


def test_missing_inputs_are_named(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", "--html-dir", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "nope" in result.output
    result = runner.invoke(app, ["feeds", "import", str(tmp_path / "missing.opml")])
    assert result.exit_code == 1 and "missing.opml" in result.output


def test_a_command_reads_its_settings_from_the_environment_once(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from oversight.flows import cli_common

    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    built: list[object] = []

    def counted(**overrides: object) -> object:
        built.append(real(**overrides))
        return built[-1]

    real = cli_common.load_settings
    monkeypatch.setattr(cli_common, "load_settings", counted)
    result = CliRunner().invoke(app, ["worker", "tag", "--max-idle", "0.2"])  # runs, then logs its summary
    assert result.exit_code == 0, result.output
    assert "oversight worker tag:" in result.output
    assert len(built) == 1
    assert (tmp_path / "home" / "runs.jsonl").exists()  # the run log went where that one reading said


# The CLI, and the flows module that prefect.yaml's entrypoints, `oversight serve` and a worker's flow runs load.
@pytest.mark.parametrize("module", ["oversight.flows.cli", "oversight.flows.pipeline"])
def test_importing_changes_no_environment_and_makes_no_folder(module: str, tmp_path: Path) -> None:
    probe = (f"import os; before = dict(os.environ); import {module}; "
             "print(dict(os.environ) == before, os.path.exists('.oversight'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "OVERSIGHT_"))}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "False"]
