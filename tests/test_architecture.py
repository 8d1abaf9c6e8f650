"""The rooms of the house: imports flow one way, from the pages down to the core, with no cycle.

Every import statement of the package is read with ``ast`` (those inside functions too: a lazy
import is still an arrow), and each module is reduced to its room: a top-level module
(``privacy``, ``store``…) or a subpackage (``views``, ``exports``…).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from observatory.config import PACKAGE_DIR, PROJECT_DIR

# Lowest first. A room imports rooms of a lower layer only; the core's modules also import one
# another (without a cycle). Adding a room is adding it here, where it belongs.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"config", "formats", "vocabulary", "privacy", "filters", "geo", "store", "auth",
               "demo_spec", "pages", "settings", "logs", "audit", "publication", "__init__"}),
    frozenset({"charts", "indicators", "imports", "teams", "exportfiles"}),
    frozenset({"views", "packages"}),
    frozenset({"demo_fecop"}),
    frozenset({"exports", "demo"}),
    frozenset({"synth"}),
    frozenset({"ui", "cli"}),
    frozenset({"__main__"}),
)
CORE = LAYERS[0]
RANK = {room: rank for rank, rooms in enumerate(LAYERS) for room in rooms}


def _room(module: str) -> str | None:
    """``observatory.views.home`` → ``views``; anything outside the package → None."""
    parts = module.split(".")
    if parts[0] != "observatory":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from observatory import views`` → observatory.views)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module == "observatory":
            found.update(f"observatory.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _modules() -> dict[str, set[str]]:
    """Each module of the package (by its room-qualified path) → what it imports."""
    return {str(path.relative_to(PACKAGE_DIR.parent)): _imports(path)
            for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def _room_of_file(relative: str) -> str:
    parts = Path(relative).with_suffix("").parts  # ("observatory", "views", "home")
    return parts[1] if len(parts) > 1 else "__init__"


def _arrows() -> dict[str, set[str]]:
    """Room → the other rooms it imports."""
    arrows: dict[str, set[str]] = {}
    for relative, imported in _modules().items():
        room = _room_of_file(relative)
        targets = {_room(m) for m in imported} - {None, room}
        arrows.setdefault(room, set()).update(t for t in targets if t is not None)
    return arrows


def test_every_room_has_a_layer() -> None:
    rooms = {_room_of_file(relative) for relative in _modules()}
    assert rooms <= set(RANK), f"rooms missing from LAYERS: {sorted(rooms - set(RANK))}"


def test_imports_flow_down_the_layers() -> None:
    wrong = []
    for room, targets in _arrows().items():
        for target in sorted(targets):
            same_core = room in CORE and target in CORE
            if not same_core and RANK[target] >= RANK[room]:
                wrong.append(f"{room} → {target}")
    assert not wrong, "imports that go up or sideways: " + ", ".join(wrong)


@pytest.mark.parametrize(("rooms", "forbidden"), [
    (CORE, {"views", "exports", "ui", "imports", "indicators", "charts"}),
    ({"imports", "indicators", "charts"}, {"views", "exports", "ui"}),
    ({"views"}, {"exports", "ui", "imports"}),
    ({"packages"}, {"exports", "ui", "imports", "charts"}),
    ({"exports"}, {"ui", "imports"}),
])
def test_lower_rooms_never_reach_up(rooms: frozenset[str], forbidden: set[str]) -> None:
    arrows = _arrows()
    wrong = {room: sorted(arrows.get(room, set()) & forbidden) for room in rooms}
    assert not any(wrong.values()), wrong


def test_no_cycle_between_rooms() -> None:
    arrows = _arrows()
    done: set[str] = set()

    def visit(room: str, path: tuple[str, ...]) -> None:
        if room in path:
            cycle = " → ".join((*path[path.index(room):], room))
            pytest.fail(f"import cycle: {cycle}")
        if room in done:
            return
        for target in sorted(arrows.get(room, ())):
            visit(target, (*path, room))
        done.add(room)

    for room in sorted(arrows):
        visit(room, ())


def test_only_the_ui_imports_streamlit() -> None:
    wrong = sorted(relative for relative, imported in _modules().items()
                   if any(m.split(".")[0] == "streamlit" for m in imported)
                   and _room_of_file(relative) != "ui")
    assert not wrong


def test_pages_never_open_the_store() -> None:
    """Pages are thin: no SQL, no store, no indicator; they lay out a view through the UI."""
    scripts = [PROJECT_DIR / "app.py", PROJECT_DIR / "server.py",
               *sorted((PROJECT_DIR / "pages").glob("*.py"))]
    wrong = {}
    for path in scripts:
        reached = {_room(m) for m in _imports(path)} & {"store", "indicators", "imports"}
        reached |= {m for m in _imports(path) if m.split(".")[0] == "duckdb"}
        if reached:
            wrong[path.name] = sorted(x for x in reached if x)
    assert not wrong


def test_the_checker_sees_a_wrong_arrow(tmp_path: Path) -> None:
    """The parser finds lazy imports inside functions and ``from observatory import x`` forms."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from observatory import views, store\n"
                      "    import observatory.exports.images\n", encoding="utf-8")
    assert {_room(m) for m in _imports(module)} >= {"views", "store", "exports"}


def test_only_the_command_line_prints() -> None:
    """The library logs (observatory.logs); ``print`` is the command line's own output."""
    commands = {"observatory/cli.py", "observatory/exports/cli.py", "observatory/synth.py"}
    wrong = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = str(path.relative_to(PROJECT_DIR))
        calls = [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                 and node.func.id == "print"]
        if calls and relative not in commands:
            wrong.append(relative)
    assert not wrong
