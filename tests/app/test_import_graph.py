"""Imports run one way: no module of app/ imports (at module level) a module that imports it back."""
from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in APP.rglob("*.py"):
        parts = list(path.relative_to(APP.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _targets(module: str, path: Path, node, modules) -> list[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
    target = ".".join(base + ([node.module] if node.module else [])) if node.level else (node.module or "")
    return [f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target for alias in node.names]


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                graph[name] |= {t for t in _targets(name, path, node, modules) if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_level_import_circle_in_the_app():
    """Is there any set of app modules that import each other in a circle?"""
    assert _cycles(_graph()) == []


def test_the_check_sees_a_circle():
    """Does the cycle finder report a two-module circle (so the test above can fail)?"""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


def test_services_never_import_presentation_code():
    """Do services stay below the blueprints (no import of app.blueprints, app.web or app.formatting)?"""
    graph = _graph()
    upward = {(name, target) for name, targets in graph.items() if name.startswith("app.services")
              for target in targets if target.startswith(("app.blueprints", "app.web", "app.formatting"))}
    assert upward == set()
