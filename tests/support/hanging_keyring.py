"""A keyring backend that never answers, like a locked Secret Service: for tests that
run the CLI in a real process (PYTHON_KEYRING_BACKEND=hanging_keyring.HangingKeyring).
Each call appends a line to the file named by HANGING_KEYRING_LOG."""

from __future__ import annotations

import os
import time

from keyring.backend import KeyringBackend


def _hang(call: str) -> None:
    with open(os.environ["HANGING_KEYRING_LOG"], "a") as log:
        log.write(call + "\n")
    time.sleep(60)


class HangingKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        _hang("get_password")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        _hang("set_password")

    def delete_password(self, service: str, username: str) -> None:
        _hang("delete_password")
