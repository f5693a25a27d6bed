"""The layering holds: no import cycle inside a package, packages import one way only.

Read from the source with `ast` (every `import`, module-level or inside a function, counts: a lazy
import that closes a circle is still a circle). Packages may import only in the direction
`phenoseq -> leaderboard, baselines -> benchmark -> loaders`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("loaders", "benchmark", "baselines", "leaderboard", "phenoseq")
MAY_IMPORT: dict[str, set[str]] = {
    "loaders": set(),
    "benchmark": {"loaders"},
    "baselines": {"benchmark", "loaders"},
    "leaderboard": {"benchmark", "loaders"},
    "phenoseq": {"leaderboard", "baselines", "benchmark", "loaders"},
}
"""Which other packages a package may import (`phenoseq -> leaderboard, baselines -> benchmark -> loaders`)."""


def module_files() -> dict[str, Path]:
    """Every module of the five packages by dotted name (`pkg/__init__.py` is `pkg`)."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of `known` that the module `name` (file `path`) imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [resolve(a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else resolve(base) for a in node.names]
        else:
            continue
        found.update(t for t in targets if t and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_walk_sees_imports_in_every_form():
    files = module_files()
    graph = import_graph()
    assert len(files) > 60
    assert "loaders.build.pipeline" in graph["loaders.api"]  # a lazy import inside a function
    assert "loaders.recipes.herv_classification.sources" in graph["loaders.recipes.herv_classification.recipe"]  # relative
    assert "loaders.build.ranges" in graph["loaders.recipes.random_regions.recipe"]  # `from loaders.build import ranges`
    assert "loaders.core.errors" in graph["benchmark.models.errors"]  # across packages


def test_the_cycle_finder_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(package):
    graph = import_graph()
    inside = {m: {t for t in ts if t.split(".")[0] == package} for m, ts in graph.items() if m.split(".")[0] == package}
    assert find_cycle(inside) is None, " -> ".join(find_cycle(inside) or [])


def test_packages_import_one_way():
    wrong = sorted(f"{m} imports {t}" for m, ts in import_graph().items() for t in ts
                   if t.split(".")[0] != m.split(".")[0] and t.split(".")[0] not in MAY_IMPORT[m.split(".")[0]])
    assert wrong == []


def test_no_recipe_imports_another_recipe():
    graph = import_graph()
    wrong = sorted(f"{m} imports {t}" for m, ts in graph.items() if m.startswith("loaders.recipes.")
                   for t in ts if t.startswith("loaders.recipes.") and t.split(".")[2] != m.split(".")[2])
    assert wrong == []
