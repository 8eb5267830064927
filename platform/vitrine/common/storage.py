"""Media storage keyed by territory: every file name starts with `<schema>/`."""

import secrets

from django.core.files.storage import FileSystemStorage
from django.db import connection
from django_tenants.utils import get_public_schema_name
from storages.backends.s3 import S3Storage


class TenantPathMixin:
    """Prefix new file names with the current territory's schema.

    The public schema (the console) names its paths itself, e.g. a territory's
    logo under `<schema>/branding/`.
    """

    def save(self, name, content, max_length=None):
        schema_name = connection.schema_name
        if name and schema_name != get_public_schema_name() and not name.startswith(f"{schema_name}/"):
            name = f"{schema_name}/{name}"
        return super().save(name, content, max_length=max_length)


class TenantFileSystemStorage(TenantPathMixin, FileSystemStorage):
    pass


class TenantS3Storage(TenantPathMixin, S3Storage):
    pass


def upload_name(stem: str, extension: str) -> str:
    """A file name nobody can guess: `<random token>/<stem>.<extension>`.

    A draft product's or a pending shop's photo is stored before anyone may see it, and media
    answer to whoever has the address: named after the slug alone, it could be guessed.
    """
    return f"{secrets.token_urlsafe(16)}/{stem}.{extension}"
