"""File storage: S3 (django-storages) when AWS_STORAGE_BUCKET_NAME is set, var/media otherwise.

Either way a file's name starts with its territory's schema: `<schema>/...`.
"""

from vitrine.config.env import VAR_DIR, env

MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Without a bucket, the app decides who gets a file (its territory's host, not suspended) and the
# proxy sends it: with this prefix set, /media/ answers an X-Accel-Redirect to <prefix><name>
# (infra/Caddyfile: "/", infra/nginx.conf: "/_protected_media/"). Empty: Django sends the file.
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX", default="")
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
    AWS_QUERYSTRING_AUTH = env.bool("AWS_QUERYSTRING_AUTH", default=False)
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    _media_backend = "vitrine.common.storage.TenantS3Storage"
else:
    _media_backend = "vitrine.common.storage.TenantFileSystemStorage"
STORAGES = {
    "default": {"BACKEND": _media_backend},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# A territory's life cycle (vitrine.console.lifecycle): export archives are kept here, outside
# the media (media answer over HTTP), and survive the territory's deletion.
VITRINE_EXPORTS_DIR = env("VITRINE_EXPORTS_DIR", default=str(VAR_DIR / "exports"))
# An archived territory can be deleted for good from the console this many days after archiving.
VITRINE_ARCHIVE_GRACE_DAYS = env.int("VITRINE_ARCHIVE_GRACE_DAYS", default=30)
# pg_dump for the archive's schema.sql: this path, else the one on PATH, else the embedded server's.
VITRINE_PG_DUMP = env("VITRINE_PG_DUMP", default="")
