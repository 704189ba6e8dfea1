"""The layering rules of docs/architecture.md, read from the source's import statements:
no import cycle between the packages of `shared/` (each top-level module counts as its own
package), domain code never imports `functions/`, and the domain raises domain errors
instead of importing the HTTP edge."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "shared"

# Packages that are edges (they speak HTTP/CLI/processes): the domain must not import them.
EDGES = {"shared.http", "shared.api", "shared.cli", "shared.local", "shared.hosted"}
# Domain packages: they raise shared.errors types, mapped to HTTP at the edges.
DOMAIN = {
    "shared.sessions",
    "shared.tenancy",
    "shared.checks",
    "shared.workflows",
    "shared.documents",
    "shared.faces",
    "shared.aml",
    "shared.poa",
    "shared.nfc",
    "shared.contact",
    "shared.blocklist",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """The package a module belongs to: `shared.X` for `shared/X/...` or `shared/X.py`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else module


def imports(path: Path) -> list[str]:
    """Absolute names this file imports (relative imports resolved)."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            else:
                out.append(node.module or "")
    return out


def package_graph() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> the modules that import it."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in SHARED.rglob("*.py"):
        src = unit_of(_module_name(path))
        if src == "shared":
            continue
        for name in imports(path):
            dst = unit_of(name)
            if name.startswith("shared.") and dst != src:
                graph[src][dst].append(_module_name(path))
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_packages() -> None:
    graph = package_graph()
    problems = []
    for comp in cycles(graph):
        edges = [
            f"  {a} -> {b} ({', '.join(sorted(set(graph[a][b]))[:3])})"
            for a in comp
            for b in graph[a]
            if b in comp
        ]
        problems.append(" <-> ".join(comp) + "\n" + "\n".join(edges))
    assert not problems, "package import cycles:\n" + "\n".join(problems)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": ["a.x"]}, "b": {"c": ["b.y"]}, "c": {"a": ["c.z"]}, "d": {"a": ["d"]}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_domain_never_imports_functions_or_edges() -> None:
    bad = []
    for path in SHARED.rglob("*.py"):
        module = _module_name(path)
        src = unit_of(module)
        for name in imports(path):
            if name == "functions" or name.startswith("functions."):
                bad.append(f"{module} imports {name}")
            elif src in DOMAIN and unit_of(name) in EDGES:
                bad.append(f"{module} imports the edge {name}")
    assert not bad, "\n".join(bad)


def documented_layers() -> list[set[str]]:
    """The layer table of docs/architecture.md, lowest layer first."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Layers", 1)[1]
    layers = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "`shared." in cells[1]:
            layers.append({p.strip("` ") for p in cells[1].split(",")})
    return layers


def test_every_package_has_a_documented_layer() -> None:
    units = {unit_of(_module_name(p)) for p in SHARED.rglob("*.py")} - {"shared"}
    documented = set().union(*documented_layers())
    assert units - documented == set(), "packages missing from docs/architecture.md"
    assert documented - units == set(), "docs/architecture.md names packages that do not exist"


def test_packages_import_only_their_layer_or_lower() -> None:
    rank = {pkg: i for i, layer in enumerate(documented_layers()) for pkg in layer}
    graph = package_graph()
    upward = [
        f"{src} ({', '.join(sorted(set(mods))[:2])}) imports {dst}, a higher layer"
        for src, targets in graph.items()
        for dst, mods in targets.items()
        if dst in rank and src in rank and rank[dst] > rank[src]
    ]
    assert not upward, "\n".join(upward)
