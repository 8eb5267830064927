"""The one place settings read the environment from.

Every integration is switched on by its own variable; with none set, Vitrine
runs on a fresh machine with only Python: an embedded PostgreSQL under var/,
a Celery worker on a file-system transport, files and mail under var/.
"""

from pathlib import Path

import environ

env = environ.Env()

# The project root holds the data folders (themes/, tenants/) and var/.
# An installed package cannot find it from __file__ alone, so it can be set.
ROOT_DIR = Path(env("VITRINE_ROOT", default=str(Path(__file__).resolve().parents[3])))
VAR_DIR = Path(env("VITRINE_VAR_DIR", default=str(ROOT_DIR / "var")))
THEMES_DIR = ROOT_DIR / "themes"
TENANTS_DIR = ROOT_DIR / "tenants"
