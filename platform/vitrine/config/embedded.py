"""The embedded PostgreSQL used when no DATABASE_URL is set.

The `pgserver` wheel ships PostgreSQL 16 binaries (without contrib extensions),
so a fresh machine needs no database server. The server is shared by every
process that asks for it (web, worker, tests) and is found again by its data
folder; run as root, pgserver starts it under a dedicated system user.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "vitrine"


def embedded_database_url(data_dir: Path, *, keep_running: bool = False) -> str:
    """Start (or join) the embedded server and return a URL for the project database."""
    import pgserver  # imported here: only the fresh-machine path needs it

    # pgserver logs every pg_ctl call, even from its exit hook after logging has shut down.
    logging.getLogger("pgserver").setLevel(logging.WARNING)

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # "stop" shuts the server down when the last process using it exits.
    server = pgserver.get_server(data_dir, cleanup_mode=None if keep_running else "stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 (a constant)
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        logger.info("Created database %s in the embedded PostgreSQL at %s", DATABASE_NAME, data_dir)
    # pgserver listens on a Unix socket only; its URI names the socket folder.
    return server.get_uri(DATABASE_NAME)
