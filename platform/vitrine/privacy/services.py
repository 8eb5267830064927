"""A person's data across the marketplace (GDPR): deleting an account, with what it touches in every app.

Deletion spans accounts, shops, orders and notifications: it lives above them all, so none of
them imports another to find out whether an account may go.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from vitrine.accounts.models import User
from vitrine.accounts.services import AccountError
from vitrine.audit.models import AuditEvent
from vitrine.notifications.models import OutboxEmail
from vitrine.orders import selectors as order_selectors
from vitrine.orders.models import Cart, Order, OrderEvent
from vitrine.shops.models import ShopMember


class AccountDeletionRefused(AccountError):
    """The account cannot be deleted now; `orders` lists what is in progress, if that is why."""

    def __init__(self, message: str, *, code: str, orders: list | None = None):
        super().__init__(message, code=code)
        self.orders = orders or []


def deleted_customer_name() -> str:
    """The name an order keeps once its customer deleted their account (in the territory's language)."""
    with override(settings.LANGUAGE_CODE):
        return _("Deleted customer")


def _deleted_account_label() -> str:
    with override(settings.LANGUAGE_CODE):
        return _("Deleted account")


# An address that no mail server accepts (RFC 2606 reserves .invalid): an anonymised
# order keeps a valid-looking email field, and nothing is ever delivered to it.
DELETED_EMAIL = "client-supprime@vitrine.invalid"


def account_delete_check(*, user: User, lock: bool = False) -> None:
    """Raise AccountDeletionRefused if the account cannot be deleted now (lock: inside account_delete)."""
    if ShopMember.objects.filter(user=user, role=ShopMember.Role.OWNER).exists():
        raise AccountDeletionRefused(
            _(
                "Your account owns a shop on this marketplace: it cannot be deleted here, or the shop would "
                "have no one to run it. Contact the territory team to hand the shop over or close it."
            ),
            code="shop_owner",
        )
    if (
        user.role == User.Role.TERRITORY_ADMIN
        and not User.objects.filter(role=User.Role.TERRITORY_ADMIN, is_active=True).exclude(pk=user.pk).exists()
    ):
        raise AccountDeletionRefused(
            _(
                "You are the only administrator of this marketplace: it cannot be left without one. "
                "Contact the platform team."
            ),
            code="last_admin",
        )
    orders = order_selectors.orders_in_progress(user=user)
    if lock:  # no order of theirs moves on while the account goes
        orders = orders.select_for_update(of=("self",))
    in_progress = list(orders)
    if in_progress:
        raise AccountDeletionRefused(
            _("You have orders in progress: cancel them or collect them first, then delete your account."),
            code="orders_in_progress",
            orders=in_progress,
        )


def _email_log_forget(*, email: str) -> None:
    """Drop the delivery log of the emails sent to the person alone; take their address out of the others.

    The others belong to other people (a shop's new-order email carries the customer's contact
    details; anyone may type an address in a message): they stay, without the address. Emails
    still on their way are delivered as they are.
    """
    sent = OutboxEmail.objects.exclude(status=OutboxEmail.Status.PENDING)
    sent.filter(to=[email]).delete()
    for message in sent.filter(Q(to__contains=[email]) | Q(body__contains=email) | Q(html__contains=email)):
        message.to = [address for address in message.to if address != email]
        message.body = message.body.replace(email, DELETED_EMAIL)
        message.html = message.html.replace(email, DELETED_EMAIL)
        message.save(update_fields=["to", "body", "html"])


@transaction.atomic
def account_delete(*, user: User) -> int:
    """Delete a person's account (GDPR): their cart goes, their orders stay with the shops, anonymised.

    Refused while an order is in progress (cancel or collect it first), for a shop owner
    (a shop is never left without one) and for the territory's last administrator.
    Returns how many orders were anonymised.
    """
    # The account's row locked first: a checkout of this account waits (its order
    # references the row), and two deletions of one account run one after the other.
    locked = User.objects.select_for_update().filter(pk=user.pk).first()
    if locked is None:
        return 0
    user = locked
    account_delete_check(user=user, lock=True)
    name = deleted_customer_name()
    orders = Order.objects.filter(customer=user)
    OrderEvent.objects.filter(order__in=orders, actor=user).update(actor=None, actor_label=name)
    # Anything else the person did (as a shop employee, say) stays, without their name.
    OrderEvent.objects.filter(actor=user).update(actor=None, actor_label=_deleted_account_label())
    # updated_at: the dashboard's summary (backoffice.summary) reads the orders saved since it last looked.
    anonymised = orders.update(
        customer=None, customer_name=name, email=DELETED_EMAIL, phone="", updated_at=timezone.now()
    )
    Cart.objects.filter(user=user).delete()
    _email_log_forget(email=user.email)
    # The territory's audit trail keeps the decisions, not the person: their name goes from
    # the rows they made and from the rows that name them (an invitation, say).
    label = _deleted_account_label()
    AuditEvent.objects.filter(actor=user).update(actor=None, actor_label=label)
    for event in AuditEvent.objects.filter(payload__email=user.email):
        event.payload = {**event.payload, "email": label}
        event.save(update_fields=["payload"])
    user.delete()
    return anonymised
