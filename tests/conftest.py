"""Shared paths for the oracle tests: the built ciport binary, the corpus and the venv tools."""
import os
import pathlib
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"


def tool(name: str) -> str:
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed; run `make python`")
    return found


@pytest.fixture(scope="session")
def ciport() -> str:
    binary = os.environ.get("CIPORT_BIN", str(REPO / ".build" / "debug" / "ciport"))
    if not os.path.exists(binary):
        pytest.fail(f"{binary} is missing; run `swift build` (make test does)")
    return binary


@pytest.fixture(scope="session")
def corpus() -> pathlib.Path:
    path = pathlib.Path(os.environ.get("CIPORT_CORPUS", REPO.parent / "shared" / "corpus"))
    if not path.is_dir():
        pytest.skip(f"corpus not found at {path} (set CIPORT_CORPUS)")
    return path
