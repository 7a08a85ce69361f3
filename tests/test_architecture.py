"""The library's shape: the layer contracts (import-linter, configured in pyproject.toml) and no
import cycle between any two modules of dynsim."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_layer_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    run = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph.modules or not child.startswith("dynsim"):
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
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
                if len(component) > 1:
                    components.append(sorted(component))
    return components


# The one import against the layers, made inside the function that needs it: the documented
# entry point dynsim.metrics.pairwise (DESIGN.md's library surface) runs the engine, which sits
# above the metrics. pyproject.toml's import-linter contract names the same import.
DOCUMENTED_EXCEPTIONS = {("dynsim.metrics.matrix", "dynsim.pairwise.engine")}


def test_no_import_cycle_anywhere():
    # Every import that runs counts, also those inside functions: a lazy import that closes a
    # cycle is still a cycle in the design. Imports for type checkers only do not run.
    graph = grimp.build_graph("dynsim", exclude_type_checking_imports=True)
    for importer, imported in DOCUMENTED_EXCEPTIONS:
        assert graph.direct_import_exists(importer=importer, imported=imported)
        graph.remove_import(importer=importer, imported=imported)
    assert _cycles(graph) == []
