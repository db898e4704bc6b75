"""The package's layers as a tested contract (docs/architecture.md, DESIGN.md §1).

An ast scan of every import statement in ``src/guance_billing_cli`` (module level,
function level and ``TYPE_CHECKING`` blocks alike), so a lazy import cannot hide
an arrow. Two rules: the forbidden arrows below, and no import cycles at all.
``make lint`` runs this file.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "src" / "guance_billing_cli"
PACKAGE = "guance_billing_cli"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` is, or lies inside."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def _imports() -> dict[str, frozenset[tuple[str, str, int]]]:
    """Each module → {(imported name, resolved own module or '', line)}.

    External imports keep their full dotted name with '' as the own module.
    """
    known = _modules()
    graph: dict[str, frozenset[tuple[str, str, int]]] = {}
    for module, path in known.items():
        is_package = path.name == "__init__.py"
        found: set[tuple[str, str, int]] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    drop = node.level - 1 if is_package else node.level
                    base = base[: len(base) - drop] if drop else base
                    prefix = ".".join(base)
                    stem = f"{prefix}.{node.module}" if node.module else prefix
                else:
                    stem = node.module or ""
                targets = [f"{stem}.{alias.name}" for alias in node.names]
            for target in targets:
                if target == PACKAGE or target.startswith(PACKAGE + "."):
                    own = _resolve(target, known)
                    if own is not None and own != module:
                        found.add((target, own, node.lineno))
                elif target:
                    found.add((target, "", node.lineno))
        graph[module] = frozenset(found)
    return graph


def _edges() -> dict[str, set[str]]:
    """The import graph between the package's own modules.

    As grimp counts it: ``from pkg import name`` is an arrow to ``pkg.name`` when
    that is a module, else to ``pkg``; an arrow to ``pkg.sub`` is not also one to
    ``pkg`` (whose ``__init__`` runs first, but imports nothing back at that time
    unless it has its own arrow).
    """
    edges: dict[str, set[str]] = {module: set() for module in _modules()}
    for module, found in _imports().items():
        edges[module].update(own for _target, own, _line in found if own)
    return edges


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components of two or more modules (or a self-loop)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    result.append(sorted(component))
    return result


def _short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".")


def test_no_import_cycles() -> None:
    """No import cycle at all (KNOWN_CYCLES stays empty)."""
    cycles = [[_short(m) for m in component] for component in strongly_connected(_edges())]
    assert sorted(cycles) == sorted(KNOWN_CYCLES), (
        "import cycles changed (each list is one strongly connected set); break a new one "
        f"by moving the shared piece down a layer: {cycles}"
    )


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}, "f": set()}
    assert strongly_connected(edges) == [["a", "b", "c"], ["e"]]


if __name__ == "__main__":  # pragma: no cover - a maintainer's view of the graph
    for component in strongly_connected(_edges()):
        print(sorted(_short(m) for m in component))
    pytest.main([__file__, "-q"])


# -- the forbidden arrows ------------------------------------------------------------

#: (importer prefix, forbidden prefix): the arrows DESIGN.md §1 rules out. A prefix is
#: a module of ours (``cli``, ``store``) or an outside package (``sqlalchemy``).
FORBIDDEN: list[tuple[str, str, str]] = [
    ("cli", "store", "the CLI reaches data only through client/"),
    ("cli", "services", "the CLI reaches business rules only through client/"),
    ("cli", "server", "the CLI reaches the server only through client/"),
    ("api", "services", "a declaration names its service as text, imported when it runs"),
    ("api", "store", "declarations are on every path, the remote one too"),
    ("api", "client", "the client reads the declarations, not the reverse"),
    ("api", "server", "the server reads the declarations, not the reverse"),
    ("api", "sqlalchemy", "declarations are on every path: no SQLAlchemy"),
    ("api", "pydantic", "declarations name schemas only for the type checker"),
    ("schemas", "store", "schemas are shared with the remote path"),
    ("schemas", "sqlalchemy", "the remote path starts without SQLAlchemy"),
    ("schemas", "sqlmodel", "the remote path starts without SQLModel"),
    ("services", "cli", "services know no terminal"),
    ("services", "client.http", "services run under both transports, not through one"),
    ("services", "server", "the server calls services, never the reverse"),
    ("store", "services", "the store holds no business rules"),
    ("store", "cli", "the store knows no terminal"),
    ("store", "server", "the store knows no server"),
    ("store", "client", "the store runs no operation; client/ builds on it, not the reverse"),
    # issue 20: one home per noun. The nouns' pure cores sit below every layer that
    # uses them, and cli/ is split into commands over a toolkit.
    ("schemas", "services", "schemas are below the services that use them"),
    ("schemas", "cli", "schemas know no terminal"),
    ("client", "cli", "the client knows no terminal"),
    ("server", "cli", "the server knows no terminal"),
    ("delivery", "cli", "delivery knows no terminal"),
    ("delivery", "server", "delivery knows no server"),
    *[
        (noun, layer, f"{noun}/ is a pure core that the layers above build on")
        for noun in ("audit", "keys")
        for layer in ("cli", "client", "server", "services", "store")
    ],
    ("cli.toolkit", "cli.commands", "the toolkit serves every command group and knows none"),
    ("cli.toolkit", "cli.shell", "the toolkit serves the shell, not the reverse"),
    ("cli.completion", "cli.commands", "completion walks the tree; groups load by name"),
    ("cli.completion", "cli.shell", "the shell uses completion, not the reverse"),
]

#: Arrows that break a rule today and are not fixed yet: (importer, imported) → why.
#: Empty since issue 20 paid the last debts (``keys rotate`` and the ``store`` commands
#: go through ``client/maintenance.py``); the test fails on any new one.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}

#: Arrows that break a rule by design, not as debt: the ``server`` command group is the
#: server's own face (``server run`` starts it in this process).
ALLOWED: dict[tuple[str, str], str] = {
    ("cli.commands.server", "server.admin"): "server run / migrate start the server here",
    (
        "cli.commands.server",
        "server.jobs.checkpointer",
    ): "server run starts the audit checkpoint job",
    ("cli.commands.server", "server.logs"): "server run sets up the server's logging",
    ("cli.commands.server", "server.jobs.reminders"): "server run starts the reminder timer",
}

#: Import cycles that remain: none since issue 20 (``errors`` imports ``i18n.errors``,
#: never the reverse: ``REASONS`` names error families by name; ``i18n`` reads no config,
#: it is handed the language ``config`` resolves). The test fails on any cycle.
KNOWN_CYCLES: list[list[str]] = []


def _inside(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _arrows() -> set[tuple[str, str]]:
    arrows: set[tuple[str, str]] = set()
    for module, found in _imports().items():
        for target, own, _line in found:
            arrows.add((_short(module), _short(own) if own else target))
    return arrows


def _violations() -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    for importer, imported in sorted(_arrows()):
        for source, forbidden, why in FORBIDDEN:
            if _inside(importer, source) and _inside(imported, forbidden):
                found[(importer, imported)] = why
    return found


#: The package root keeps these modules; everything else lives in its noun's package.
ROOT_MODULES = {"__init__", "__main__", "app", "config", "errors", "paths"}


def test_the_package_root_holds_six_modules() -> None:
    """One home per noun (issue 20): a new module goes into a package, not the root."""
    assert {path.stem for path in ROOT.glob("*.py")} == ROOT_MODULES


def test_forbidden_arrows() -> None:
    new = {
        arrow: why
        for arrow, why in _violations().items()
        if arrow not in KNOWN_VIOLATIONS and arrow not in ALLOWED
    }
    assert new == {}, f"imports that break the layer rules (docs/architecture.md): {new}"


def test_known_violations_are_still_there() -> None:
    """A debt paid is taken off the list, so the list stays true."""
    gone = (set(KNOWN_VIOLATIONS) | set(ALLOWED)) - set(_violations())
    assert gone == set(), f"fixed: remove from KNOWN_VIOLATIONS: {sorted(gone)}"


def test_the_scan_sees_lazy_imports() -> None:
    """The scan counts imports inside functions (the start-up budget makes many lazy)."""
    arrows = _arrows()
    assert ("__main__", "cli.completion.engine") in arrows  # inside main()
    assert ("cli.completion.argv", "cli.completion.tree") in arrows  # inside hoist()


# -- where a client is built -----------------------------------------------------------

#: the one module that builds ``HttpClient`` / ``LocalClient``, typed as the protocol
CLIENT_FACTORY = "client.connect"


def _builds(path: Path) -> list[tuple[str, int]]:
    """The ``HttpClient(...)`` / ``LocalClient(...)`` calls in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ("HttpClient", "LocalClient"):
                found.append((name, node.lineno))
    return found


def test_clients_are_built_in_one_place() -> None:
    """A client built elsewhere would be typed as its class, whose ``__getattr__`` lets
    any call through: ``client/connect.py`` types it as ``BillingClient`` (docs/architecture.md)."""
    elsewhere = {
        _short(module): builds
        for module, path in _modules().items()
        if _short(module) != CLIENT_FACTORY and (builds := _builds(path))
    }
    assert elsewhere == {}, f"build clients with client/connect.py: {elsewhere}"
    assert _builds(_modules()[f"{PACKAGE}.{CLIENT_FACTORY}"])  # the scan sees the factory
