import logging

from django.core.mail.backends.filebased import EmailBackend

logger = logging.getLogger("vitrine.mail")


class FileAndLogEmailBackend(EmailBackend):
    """Write each email to a file under var/mail and say so in the console log."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        for message in email_messages:
            logger.info("Email to %s: %s (saved in %s)", ", ".join(message.to), message.subject, self.file_path)
        return sent
