"""Password-reset links lead to the territory's own address, whatever Host the request carried (issue #10, item 6)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django_tenants.utils import tenant_context

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.tenancy.selectors import territory_base_url
from vitrine.tenancy.services import domain_add
from vitrine.testing.factories import UserFactory
from vitrine.testing.helpers import host_client

LINK = re.compile(r"https?://\S+/compte/mot-de-passe/(?P<uid>[^/]+)/(?P<token>[^/]+)/")


def _asked(host: str, email: str):
    return host_client(host).post("/compte/mot-de-passe/oublie/", {"email": email})


def _reset_emails(territory) -> list[OutboxEmail]:
    with tenant_context(territory):
        return list(OutboxEmail.objects.filter(subject__contains="nouveau mot de passe"))


@pytest.mark.parametrize("host", ["nancy.localhost:31337", "NANCY.localhost:1", "nancy.localhost."])
def test_a_spoofed_host_or_port_still_emails_a_link_on_the_real_address(nancy, host):
    # given Claire's account on nancy
    with tenant_context(nancy):
        claire = UserFactory(email="claire@example.fr")

    # when someone asks for her reset link with an odd Host header
    response = _asked(host, "claire@example.fr")

    # then the page says the same as always, and her email links to nancy's real address with a valid token
    assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe/envoye/"
    (email,) = _reset_emails(nancy)
    assert email.to == ["claire@example.fr"]
    link = LINK.search(email.body)
    assert link and link.group(0).startswith(territory_base_url(nancy) + "/compte/mot-de-passe/"), email.body
    assert "31337" not in email.body and ":1/" not in email.body and "localhost./" not in email.body
    assert "Bonjour" in email.body and "Achetez Grand Nancy" in email.subject
    with tenant_context(nancy):
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(link.group("uid"))))
        assert user == claire and default_token_generator.check_token(user, link.group("token"))


def test_the_link_uses_the_primary_custom_domain(nancy, django_capture_on_commit_callbacks):
    # given nancy's primary address is now its own domain
    with django_capture_on_commit_callbacks(execute=True):
        domain_add(territory=nancy, domain="achetez.grandnancy.fr", actor=None, make_primary=True)
    with tenant_context(nancy):
        UserFactory(email="claire@example.fr")

    # when the reset is asked on the old subdomain
    _asked("nancy.localhost", "claire@example.fr")

    # then the link is on the primary domain
    (email,) = _reset_emails(nancy)
    assert "://achetez.grandnancy.fr" in email.body and "nancy.localhost" not in email.body


def test_an_unknown_address_gets_the_same_answer_and_no_email(nancy, limoges):
    # given Claire has an account on limoges only
    with tenant_context(limoges):
        UserFactory(email="claire@example.fr")

    # when her reset is asked on nancy
    response = _asked("nancy.localhost", "claire@example.fr")

    # then the same answer, and no email in either territory
    assert response.status_code == 302 and response["Location"] == "/compte/mot-de-passe/envoye/"
    assert _reset_emails(nancy) == [] and _reset_emails(limoges) == []
