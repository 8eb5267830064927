"""Structured logs: one JSON object a line, each carrying the territory it happened in.

`LOG_FORMAT=json` (the production default) turns them on; locally the plain format stays. The
territory is the schema the process's database connection is on when the line is written: the
routing sets it for a request, tenant-schemas-celery for a task; `public` is the console or a
platform-wide job. A line that names its territory itself (`extra={"territory": ...}`) keeps it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from django.db import connection

# LogRecord's own attributes: everything else on a record came from `extra=` and is logged too.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "territory"}


def current_schema() -> str:
    """The schema the default connection is on, without opening a connection (empty if none)."""
    try:
        return getattr(connection, "schema_name", "") or ""
    except Exception:  # a log line must never fail for want of a connection
        return ""


class TerritoryFilter(logging.Filter):
    """Put the current territory on every record (`territory`), unless the record has one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "territory"):
            record.territory = current_schema()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, territory, the `extra` fields, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "territory": getattr(record, "territory", None) or current_schema(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)
