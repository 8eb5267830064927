"""A territory's legal and trust pages, as its team edited them (none: the default text is shown)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 120
BODY_MAX = 30_000  # a long accessibility statement is about 8,000 characters


class LegalPage(models.Model):
    """One page the territory team rewrote; deleting the row brings the default text back."""

    class Kind(models.TextChoices):
        MENTIONS = "mentions", _("Legal notice")
        CGU = "cgu", _("Terms of use")
        CONFIDENTIALITE = "confidentialite", _("Privacy notice")
        ACCESSIBILITE = "accessibilite", _("Accessibility statement")

    kind = models.CharField(_("page"), max_length=20, choices=Kind.choices, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    # The text as the team typed it (headings, paragraphs, lists, links), turned into safe HTML
    # when shown (legal.text): what they edit is what they wrote, never HTML.
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # SET_NULL: the page outlives the account of whoever last edited it.
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.title
