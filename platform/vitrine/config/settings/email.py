"""Email: EMAIL_URL (smtp://, smtp+tls://...) or files under var/mail, logged to the console."""

from vitrine.config.env import VAR_DIR, env

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Vitrine <ne-pas-repondre@vitrine.localhost>")
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "vitrine.common.mail.FileAndLogEmailBackend"
    EMAIL_FILE_PATH = env("VITRINE_MAIL_DIR", default=str(VAR_DIR / "mail"))

# Outbox retries when the mail server refuses: after 2, 4, 8 ... times this many seconds.
VITRINE_OUTBOX_RETRY_SECONDS = env.float("VITRINE_OUTBOX_RETRY_SECONDS", default=15.0)
# A mail server that accepts the connection and then hangs must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
