"""Issue 10.8: the package's import graph has no cycles.

Every import between modules of ``xueji_rules`` counts, including the ones inside functions and
under ``TYPE_CHECKING`` (a lazy import hides a circle; it does not untie it). Importing a name
from a package counts as importing the package's ``__init__``; the implicit import of a parent
package when a submodule is imported does not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import xueji_rules

PACKAGE = Path(xueji_rules.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module name -> the package's modules it imports (anywhere in its text)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    graph[name].add(full if full in modules else base)
        graph[name] &= set(modules)
        graph[name].discard(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        top = stack.pop()
                        on_stack.discard(top)
                        component.append(top)
                        if top == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_detector_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# Facades the issues ask for on Engine (``Engine.audit``, ``Engine.decide_many(jobs=N)``: issue
# 15) call a package above the engine. They import it inside the method, at call time, and
# nothing else below the engine may.
FACADES = {
    ("xueji_rules.engine.engine", "xueji_rules.audit"),
    ("xueji_rules.engine.engine", "xueji_rules.bulk._pairs"),
}

# DESIGN decision 11: nothing below the engine imports these.
ABOVE_ENGINE = ("xueji_rules.audit", "xueji_rules.bulk", "xueji_rules.service", "xueji_rules.spark")
BELOW_ENGINE = (
    "xueji_rules.expr",
    "xueji_rules.calendar",
    "xueji_rules.packs",
    "xueji_rules.records",
)


def _without_facades(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: {t for t in targets if (name, t) not in FACADES} for name, targets in graph.items()
    }


def test_the_package_has_no_import_cycles() -> None:
    graph = import_graph()
    assert "xueji_rules.calendar._files" in graph and "xueji_rules.testing.runner" in graph
    assert cycles(_without_facades(graph)) == []


def test_the_facades_are_the_only_upward_imports_of_the_engine() -> None:
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith(("xueji_rules.engine", *BELOW_ENGINE)):
            upward = {t for t in targets if t.startswith(ABOVE_ENGINE)} - {
                t for n, t in FACADES if n == name
            }
            assert not upward, name
    for name in graph:
        if name.startswith(BELOW_ENGINE):
            assert not {t for t in graph[name] if t.startswith("xueji_rules.records")} or (
                name.startswith("xueji_rules.records")
            ), name


def test_calendar_reads_yaml_through_the_shared_reader_not_the_packs() -> None:
    graph = import_graph()
    for name, targets in graph.items():
        if name.startswith("xueji_rules.calendar"):
            assert not {t for t in targets if t.startswith("xueji_rules.packs")}, name
    assert "xueji_rules._yaml" in graph["xueji_rules.calendar._files"]
