"""What shops' services tell people: links into the territory, its shops' owners, a merchant's account."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.urls import reverse

from vitrine.accounts.models import User
from vitrine.accounts.services import user_invite
from vitrine.notifications.services import outbox_email_send
from vitrine.shops.models import (
    Shop,
    ShopMember,
)
from vitrine.tenancy.selectors import territory_page_url


def territory_link(name: str, **kwargs) -> str:
    """Link to a page of the current territory, for emails (its primary domain, remembered: no query when warm)."""
    territory = getattr(connection, "tenant", None)
    if territory is None or not hasattr(territory, "domains"):  # no territory (a fake tenant in a unit test)
        return reverse(name, urlconf=settings.ROOT_URLCONF, kwargs=kwargs or None)
    return territory_page_url(territory, name, **kwargs)


def shop_owner_emails(shop: Shop) -> list[str]:
    return list(shop.members.filter(role=ShopMember.Role.OWNER).values_list("user__email", flat=True))


def merchant_account_ensure(*, email: str, user: User | None, template: str, context: dict) -> User:
    """The merchant account for `email`: a new one, invited to choose a password; or the existing
    account (a shopper becomes a merchant), told by the email `template` (with the merchant area's link)."""
    if user is None:
        user = User.objects.create_user(email=email, role=User.Role.MERCHANT)
        user_invite(user=user, territory=connection.tenant)  # type: ignore[attr-defined]  # django-tenants' connection
        return user
    if user.role == User.Role.SHOPPER:
        user.role = User.Role.MERCHANT
        user.save(update_fields=["role"])
    outbox_email_send(to=[user.email], template=template, context={**context, "url": territory_link("merchant_home")})
    return user


def shop_owners_tell(shop: Shop, template: str, **context) -> None:
    owners = shop_owner_emails(shop)
    if owners:
        outbox_email_send(
            to=owners, template=template, context={"shop": shop, "url": territory_link("merchant_home"), **context}
        )
