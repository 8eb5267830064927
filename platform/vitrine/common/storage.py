"""Media storage keyed by territory: every file name starts with `<schema>/`."""

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
