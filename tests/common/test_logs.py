"""Structured logs: one JSON object a line, carrying the territory the line was written in."""

import io
import json
import logging

from django.db import connection
from django_tenants.utils import tenant_context

from vitrine.common.logs import JsonFormatter, TerritoryFilter


def json_logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TerritoryFilter())
    logger = logging.getLogger("vitrine.tests.logs")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_each_line_names_the_territory_it_was_written_in(nancy, limoges):
    logger, stream = json_logger()

    # when lines are written in Nancy, in Limoges, on the console, and with an exception
    with tenant_context(nancy):
        logger.info("commande %s acceptée", "K7P2QX", extra={"order": 12})
    with tenant_context(limoges):
        logger.warning("boîte d'envoi en retard")
    connection.set_schema_to_public()
    try:
        raise ValueError("illisible")
    except ValueError:
        logger.exception("import refusé", extra={"territory": "tarn"})

    # then each is one JSON object with its territory, the extra fields, and the traceback
    first, second, third = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["territory"] == "nancy" and first["message"] == "commande K7P2QX acceptée" and first["order"] == 12
    assert (first["level"], first["logger"]) == ("INFO", "vitrine.tests.logs")
    assert second["territory"] == "limoges" and second["message"] == "boîte d'envoi en retard"
    assert third["territory"] == "tarn"  # a line that names its territory keeps it
    assert "ValueError: illisible" in third["exception"]
