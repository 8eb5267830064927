"""django-tenants' backend, minus the redundant `SET search_path`.

Stock django-tenants forgets the search path on every `set_tenant()`, so each
request pays a `SET search_path` on its first query even when the persistent
connection already points at that territory. Here a switch to the schema the
connection is already on keeps what was set (and the content-type cache, which
is per schema); a real switch, a new connection, or a rollback (a `SET` is
transactional) still re-issues it.
"""

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    def set_tenant(self, tenant, include_public=True):
        if (
            self.search_path_set_schemas is not None
            and self.schema_name == tenant.schema_name
            and self.include_public_schema == include_public
        ):
            self.tenant = tenant
            return
        super().set_tenant(tenant, include_public)
