"""Read stripe-python's form-encoded parameters (`a[b][c]=`, `expand[0]=`, `a[0][b]=`) into nested values."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class FormError(ValueError):
    """A parameter name that is not of Stripe's `name[key][0]` form."""


def form_parse(text: str) -> dict[str, Any]:
    """Parse an `application/x-www-form-urlencoded` body or query string into nested dicts and lists.

    Keys made only of indices (`expand[0]`, `line_items[1][quantity]`) become lists, in index
    order; an empty index (`expand[]`) appends. Values stay strings, as Stripe receives them.
    """
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        match = _KEY.match(key)
        if match is None:
            raise FormError(key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for index, part in enumerate(parts[:-1]):
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
            if parts[index + 1] == "":
                parts[index + 1] = str(len(node))
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    values = {key: _listify(value) for key, value in node.items()}
    if values and all(key.isdigit() for key in values):
        return [values[key] for key in sorted(values, key=int)]
    return values
