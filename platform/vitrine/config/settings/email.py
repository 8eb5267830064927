"""Email: EMAIL_URL (smtp://, smtp+tls://...) or files under var/mail, logged to the console."""

from vitrine.config.env import VAR_DIR, env

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Vitrine <ne-pas-repondre@vitrine.localhost>")
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "vitrine.common.mail.FileAndLogEmailBackend"
    EMAIL_FILE_PATH = env("VITRINE_MAIL_DIR", default=str(VAR_DIR / "mail"))
