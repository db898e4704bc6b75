"""Hatch build hook: compile the gettext catalogs (.po -> .mo) into the package.

The compiled ``.mo`` files are build artefacts (not in git); the installed tool
reads them with the standard library's ``gettext``, so Babel is needed only here.
Runs for wheels and editable installs (``make .venv/.installed``, ``.ci/run``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

LOCALE = Path("src/guance_billing_cli/locale")


def compile_catalogs(root: Path) -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((root / LOCALE).glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo)
    return written


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        compile_catalogs(Path(self.root))
        build_data["artifacts"].append(f"/{LOCALE}/*/LC_MESSAGES/*.mo")
