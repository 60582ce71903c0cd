"""One installed package: `oversight`, with the repository's four folders as its subpackages."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("flows", "extractors", "schemas", "warehouse")


def _sources() -> list[Path]:
    return sorted(p for folder in (*FOLDERS, "tests", "bench") for p in (ROOT / folder).rglob("*.py")
                  if ".venv" not in p.parts)


# Python source inside strings: `python -c` programs, hints printed for users.
IMPORT_IN_TEXT = re.compile(rf"\bfrom ({'|'.join(FOLDERS)})(\.\w+)* import\b|\bimport ({'|'.join(FOLDERS)})\.\w")


def test_code_imports_the_folders_only_through_the_oversight_package() -> None:
    # From the repository root `import flows` also works, and would load a second copy of every module.
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and IMPORT_IN_TEXT.search(node.value):
                names = [node.value[:80]]
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno}: {name}" for name in names
                          if name.split(".")[0] in FOLDERS or IMPORT_IN_TEXT.search(name)]
    for path in (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))):
        offenders += [f"{path.name}: {m[0]}" for m in IMPORT_IN_TEXT.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_package_imports_from_outside_the_checkout(tmp_path: Path) -> None:
    probe = ("import importlib.util, oversight.flows.cli, oversight.warehouse.db as db; "
             "print(importlib.util.find_spec('flows') is None, len(db.sql('catalog_columns')) > 0)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True", "True"]  # no top-level `flows`; packaged SQL found


def test_the_wheel_holds_one_top_level_package_with_every_file(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("oversight-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"oversight", wheel.name.split("-py3")[0] + ".dist-info"}
    expected = {f"oversight/{p.relative_to(source).as_posix()}" for folder in FOLDERS
                for p in (source / folder).rglob("*") if p.is_file()}
    assert sorted(expected - names) == []
    entry_points = zipfile.ZipFile(wheel).read(wheel.name.split("-py3")[0] + ".dist-info/entry_points.txt")
    assert "oversight = oversight.flows.cli:main" in entry_points.decode()
