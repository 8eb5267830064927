"""A territory's own audit trail: every decision by its team, its merchants and its jobs, one row each.

The trail lives in the territory's schema (the console's own log, tenancy.AuditEntry, is the
public schema's). It is the source the audit page and, later, the dashboards read.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# What each verb means, for the people reading the trail (in their language).
VERB_LABELS = {
    "shop.apply": _("Shop applied"),
    "shop.create_assisted": _("Shop created for a merchant"),
    "shop.approve": _("Shop approved"),
    "shop.refuse": _("Shop refused"),
    "shop.suspend": _("Shop suspended"),
    "shop.resume": _("Shop put back online"),
    "shop.feature": _("Shop featured on the home page"),
    "shop.unfeature": _("Shop no longer featured"),
    "shop.pickup_settings": _("Pickup settings changed"),
    "member.invite": _("Team member invited"),
    "member.remove": _("Team member removed"),
    "commune.add": _("Commune added"),
    "category.create": _("Category created"),
    "category.update": _("Category changed"),
    "category.delete": _("Category deleted"),
    "product.unpublish": _("Product unpublished by the territory team"),
    "order.placed": _("Order paid and placed"),
    "order.accepted": _("Order accepted"),
    "order.ready": _("Order ready for pickup"),
    "order.collected": _("Order collected"),
    "order.refused": _("Order refused"),
    "order.cancelled": _("Order cancelled"),
    "order.not_collected": _("Order not collected, released"),
    "orders.settings": _("Order rules changed"),
    "territory.branding": _("Marketplace identity changed"),
    "territory.announcement": _("Announcement changed"),
    "announcement.schedule": _("Announcement scheduled"),
    "announcement.end": _("Announcement ended"),
    "territory.lockdown_on": _("Lockdown mode switched on"),
    "territory.lockdown_off": _("Lockdown mode switched off"),
    "territory.pickup_instructions": _("Contactless pickup instructions changed"),
    "shop.nudge": _("Shop nudged by email"),
    "product.feature": _("Product featured on the home page"),
    "product.unfeature": _("Product no longer featured"),
    "sign_in.unlock": _("Sign-in unlocked"),
    "legal.update": _("Legal page changed"),
    "legal.reset": _("Legal page back to its default text"),
    "synonym.add": _("Search synonym added"),
    "synonym.delete": _("Search synonym deleted"),
    "report.publish": _("Monthly report published"),
    "report.unpublish": _("Monthly report withdrawn"),
}


class AuditEvent(models.Model):
    """One decision: who (actor), what (verb), on what (object), with a small payload."""

    # SET_NULL and a label kept beside it: the trail outlives the account (GDPR deletion
    # replaces the label too, see privacy.services).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)  # the actor's email, or "system"
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    object_label = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_event_object"),
            models.Index(fields=["verb", "created_at"], name="audit_event_verb_created"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_type}:{self.object_id} by {self.actor_label}"

    @property
    def verb_label(self) -> str:
        return str(VERB_LABELS.get(self.verb, self.verb))
