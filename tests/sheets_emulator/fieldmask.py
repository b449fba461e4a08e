"""Partial responses: the `fields` parameter ("sheets.properties,sheets(data/rowData)", "files(id,name)")."""
from __future__ import annotations

import re


def parse_fields(text: str) -> dict:
    """Parse a field mask into a tree {name: subtree or None (= everything below)}."""
    tree, _ = _parse_list(text.replace(" ", ""), 0)
    return tree


def _parse_list(text: str, pos: int) -> tuple[dict, int]:
    """Parse comma-separated paths until ')' or the end."""
    tree: dict = {}
    while pos < len(text) and text[pos] != ")":
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        path = [seg for seg in re.split(r"[./]", text[start:pos]) if seg]
        sub = None
        if pos < len(text) and text[pos] == "(":
            sub, pos = _parse_list(text, pos + 1)
            pos += 1
        if path:
            _merge(tree, path, sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return tree, pos


def _merge(tree: dict, path: list[str], sub: dict | None) -> None:
    """Add one path (with an optional sub-mask) to the tree."""
    node = tree
    for seg in path[:-1]:
        if seg in node and node[seg] is None:
            return
        node = node.setdefault(seg, {})
    last = path[-1]
    if sub is None or node.get(last, {}) is None:
        node[last] = None
    else:
        existing = node.setdefault(last, {})
        for key, value in sub.items():
            _merge(existing, [key], value)


def apply_mask(obj: object, tree: dict | None) -> object:
    """Keep only the masked parts of a JSON value; lists apply the mask to each item."""
    if tree is None or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [apply_mask(item, tree) for item in obj]
    if isinstance(obj, dict):
        return {k: apply_mask(v, tree[k]) for k, v in obj.items() if k in tree}
    return obj


def wants(tree: dict | None, *path: str) -> bool:
    """True if the mask asks for anything at or below this path."""
    node = tree
    for seg in path:
        if node is None or "*" in node:
            return True
        if seg not in node:
            return False
        node = node[seg]
    return True
