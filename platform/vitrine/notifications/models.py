"""The outbox: an email that must not be lost is first a row, written in the
same transaction as the change that caused it, then delivered by a task."""

from django.db import models


class OutboxEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"  # gave up after MAX_ATTEMPTS

    to = models.JSONField()
    subject = models.CharField(max_length=255)
    body = models.TextField()
    # The territory's branding: sender name and HTML version, fixed when the email is queued, or
    # when it is first delivered for a row queued with branded=False (outbox_emails_send: the
    # checkout leaves the HTML to the worker).
    from_email = models.CharField(max_length=255, blank=True)
    html = models.TextField(blank=True)
    branded = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(auto_now_add=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.subject} -> {', '.join(self.to)} ({self.status})"
