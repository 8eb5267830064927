"""Deleting an account forgets the emails sent to that person, never other people's (issue #10, item 10)."""

from __future__ import annotations

from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.privacy.services import account_delete
from vitrine.testing.factories import UserFactory

SENT = OutboxEmail.Status.SENT


def _sent(to: list[str], body: str) -> OutboxEmail:
    return OutboxEmail.objects.create(to=to, subject="Message", body=body, html=f"<p>{body}</p>", status=SENT)


def test_deletion_keeps_other_peoples_emails_that_mention_the_address(nancy):
    with tenant_context(nancy):
        # given Claire's own email, a shop's email about her, and Paul's message that quotes her address
        claire = UserFactory(email="claire@example.fr", role=User.Role.SHOPPER)
        own = _sent(["claire@example.fr"], "Bonjour Claire, votre commande est prête.")
        to_shop = _sent(["boutique@example.fr", "claire@example.fr"], "Copie : commande de claire@example.fr")
        pauls = _sent(["paul@example.fr"], "Paul, écrivez à claire@example.fr pour le covoiturage.")

        # when Claire deletes her account
        account_delete(user=claire)

        # then her own email's log is gone
        assert not OutboxEmail.objects.filter(pk=own.pk).exists()
        # and the others survive, addressed to the others only, without her address
        pauls.refresh_from_db()
        to_shop.refresh_from_db()
        assert pauls.to == ["paul@example.fr"] and to_shop.to == ["boutique@example.fr"]
        for message in (pauls, to_shop):
            assert "claire@example.fr" not in message.body and "claire@example.fr" not in message.html
            assert "client-supprime@vitrine.invalid" in message.body
        assert pauls.body.startswith("Paul, écrivez à ")
