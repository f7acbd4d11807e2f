"""Apps depend downwards only (docs/architecture.md, "Layers"). An import from a lower
layer into a higher one, or between two feature apps without a declared edge, fails here.
Tests, migrations and the project's own modules (urls, api, settings, testing) are the top
and may import anything."""

import ast
from pathlib import Path

import pytest

LINLI = Path(__file__).resolve().parents[2]

# Lowest first. Apps in one layer may import each other only where noted.
LAYERS = [
    {"core", "notify"},                         # errors, history, events, jobs, audit, PII; the outbox
    {"accounts", "places"},                     # who and where
    {"triage"},                                 # text models the feature apps ask; knows no feature app
    {"cases", "open311", "deliberation", "lists", "activities", "points", "services", "mediation",
     "mobilize", "stats"},                      # the capabilities
    {"awards"},                                 # reads the record of several capabilities, opens their votes
    {"demo"},                                   # builds the demo city through every app's services
]
# Feature apps talk through domain events (linli.core.events); these edges are the exceptions.
FEATURE_EDGES = {
    ("open311", "cases"),  # Open311 is an adapter over the case services
}
# Edges that exist today and are being removed; each must disappear, never grow.
KNOWN_UPWARD: set[tuple[str, str]] = set()


def layer_of(app: str) -> int | None:
    for i, apps in enumerate(LAYERS):
        if app in apps:
            return i
    return None


def imports_by_app() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(LINLI.rglob("*.py")):
        rel = path.relative_to(LINLI)
        if len(rel.parts) < 2 or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        app = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "linli" and len(parts) > 1 and parts[1] != app:
                    found.setdefault((app, parts[1]), []).append(f"{rel}:{node.lineno}")
    return found


def test_every_app_has_a_layer():
    apps = {p.name for p in LINLI.iterdir() if (p / "apps.py").exists()}
    assert {app for app in apps if layer_of(app) is None} == set()


def test_imports_run_downwards_only():
    wrong = []
    for (app, target), where in imports_by_app().items():
        if (app, target) in KNOWN_UPWARD or (app, target) in FEATURE_EDGES:
            continue
        low, high = layer_of(app), layer_of(target)
        if low is None or high is None:
            continue  # project modules (linli.api, linli.testing …) are the top
        feature_layer = layer_of("cases")
        if high > low or (high == low == feature_layer):
            wrong.append(f"{app} → {target}: {', '.join(where)}")
    assert wrong == []


@pytest.mark.parametrize("edge", sorted(KNOWN_UPWARD))
def test_known_upward_edges_still_exist(edge):
    """When an edge is removed, remove it from KNOWN_UPWARD too, so it cannot come back."""
    assert edge in imports_by_app()
