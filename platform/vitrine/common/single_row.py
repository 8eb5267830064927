"""A territory's one row of settings (pk 1): written under a lock, made on the first change."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

Row = TypeVar("Row", bound=models.Model)


def single_row_write(model: type[Row], *, values: dict[str, Any], actor: Any) -> Row:
    """Set `values` on the model's one row (locked; created with them the first time), with who and when.

    Call it inside the caller's transaction, after the values are checked.
    """
    row = model.objects.select_for_update().filter(pk=1).first()  # type: ignore[attr-defined]
    created = row is None
    row = row or model(pk=1)
    for name, value in {**values, "updated_at": timezone.now(), "updated_by": actor}.items():
        setattr(row, name, value)
    if created:
        row.save(force_insert=True)
    else:
        row.save(update_fields=[*values, "updated_at", "updated_by"])
    return row
