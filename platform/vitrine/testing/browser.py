"""Helpers for browser tests (Playwright pages)."""

from __future__ import annotations

import re
import secrets


def unique_slug(prefix: str = "e2e") -> str:
    return f"{prefix}{secrets.randbelow(10**8):08d}"


def label_of(page, field_name: str) -> str:
    """The visible text of the <label> of a Django form field (id_<name>), whatever the language."""
    return page.locator(f"label[for='id_{field_name}']").inner_text().strip()


def by_label(page, field_name: str):
    """The form control a user finds by its label (fails if the label is not tied to the control)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label_of(page, field_name))}\s*$"))
