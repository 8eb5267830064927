"""Database settings: DATABASE_URL, or the embedded PostgreSQL on a fresh machine."""

from vitrine.config.env import VAR_DIR, env


def database_settings(url: str) -> dict:
    """Return the DATABASES entry for a URL, on the tenant-aware backend."""
    config = env.db_url_config(url)
    config["ENGINE"] = "vitrine.tenancy.postgresql_backend"
    # Persistent connections: a new connection per request costs about 5x in throughput.
    config["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    config["CONN_HEALTH_CHECKS"] = True
    options = config.setdefault("OPTIONS", {})
    if "host" in options:
        # A Unix-socket URL (the embedded server) names its folder as ?host=...
        config["HOST"] = options.pop("host")
    return config


def databases(url: str) -> dict:
    """DATABASES: "default", and "progress", a second connection to the same database
    on which long tasks record their progress outside their own transaction."""
    default = database_settings(url)
    progress = {**default, "OPTIONS": dict(default["OPTIONS"]), "TEST": {"MIRROR": "default"}}
    return {"default": default, "progress": progress}


# Long tasks record progress on this alias, outside their own transaction. The
# test settings use "default" so in-process tests stay inside their transaction.
PROGRESS_DATABASE = env("VITRINE_PROGRESS_DB", default="progress")


def database_url_or_embedded() -> str:
    """DATABASE_URL when set; otherwise start or join the embedded server under var/."""
    url = env("DATABASE_URL", default="")
    if url:
        return url
    # Only without DATABASE_URL: starting the embedded server needs the pgserver package (extra 'local').
    from vitrine.config.embedded import embedded_database_url

    return embedded_database_url(VAR_DIR / "pgdata")
