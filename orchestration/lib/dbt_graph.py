"""Walking the dbt manifest's node graph (child_map / parent_map)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def walk(start: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    """Every node reachable from `start` along `edges`, `start` itself excluded."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        for nxt in edges.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
