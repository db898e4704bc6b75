"""The test suite (docs/testing.md). Helpers live in ``tests.support``; ``conftest.py``
holds only fixtures and hooks. Import helpers as ``from tests.support.cli import CliFn``."""
