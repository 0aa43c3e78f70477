"""Layers import one way (DESIGN.md §7): core ← envs ← agents ← applications.

An AST walk over every module of the four source folders, counting function-local imports
too: an import may only go to the same layer or a lower one, and no import circle may exist
between modules at all (lazy imports do not excuse one).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {
    "simenv": "simenv",
    "simenv.envs": "envs",
    "simenv.agents": "agents",
    "simenv.assets": "assets",
}
LAYERS = ("core", "envs", "agents", "applications")
# modules of the simenv folder that are applications (everything else there is core)
APPLICATIONS = (
    "simenv.cli",
    "simenv.demo",
    "simenv.dataset",
    "simenv.bench",
    "simenv.sweep",
    "simenv.real2sim.pipeline",
    "simenv.real2sim.pseudo_real",
)
# the real2sim package itself re-exports the pipeline and pseudo-real functions
APPLICATION_PACKAGES = ("simenv.real2sim",)


def _modules() -> dict[str, Path]:
    out = {}
    for package, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


MODULES = _modules()


def layer(module: str) -> str:
    if module.startswith("simenv.envs"):
        return "envs"
    if module.startswith("simenv.agents"):
        return "agents"
    if module in APPLICATION_PACKAGES or any(
        module == a or module.startswith(a + ".") for a in APPLICATIONS
    ):
        return "applications"
    return "core"


def _resolve(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules an import statement loads (its package inits included)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        names = [base, *(f"{base}.{a.name}" for a in node.names)]
    found = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(module, node)
        # a package's own submodules (its re-exports) are not an upward dependency
        graph[module] = {t for t in edges if not t.startswith(module + ".")}
    return graph


GRAPH = _graph()


def test_every_import_goes_to_the_same_or_a_lower_layer() -> None:
    upward = sorted(
        f"{m} ({layer(m)}) imports {t} ({layer(t)})"
        for m, targets in GRAPH.items()
        for t in targets
        if LAYERS.index(layer(t)) > LAYERS.index(layer(m))
    )
    assert not upward, "\n".join(upward)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circles() -> None:
    assert _circles(GRAPH) == []


def test_the_check_sees_a_circle_and_an_upward_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _circles(graph) == [["a", "b", "c"]]
    assert layer("simenv.registration") == "core" and layer("simenv.sweep.run") == "applications"
    assert layer("simenv.envs.indoor_nav.env") == "envs"
    assert any("simenv.agents" in t for t in GRAPH["simenv.sweep.run"])  # the walk sees imports
