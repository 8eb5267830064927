"""The super-admin console: sign-in, territories, provisioning jobs, suspension, domains, audit."""

import re
import time

from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from vitrine.accounts.models import User
from vitrine.console.tasks import territory_provision_job_run
from vitrine.tenancy.models import AuditEntry, Domain, ProvisioningJob, Territory
from vitrine.testing.helpers import host_client
from vitrine.testing.two_factor import totp_code

CONSOLE = "console.localhost"
VALID_FORM = {
    "name": "Achetez Toulouse",
    "slug": "toulouse",
    "kind": "metropole",
    "theme": "metropole",
    "primary_color": "#1d4ed8",
    "hero_text": "Les boutiques de Toulouse",
    "contact_email": "contact@toulouse.fr",
    "admin_email": "admin@toulouse.fr",
    "custom_domains": "achetez.toulouse.fr",
}


def test_console_requires_a_signed_in_operator(db):
    # anonymous: sent to sign in
    response = host_client(CONSOLE).get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")

    # signed in without operator rights: refused
    client = host_client(CONSOLE)
    client.force_login(User.objects.create_user(email="someone@example.fr", password="x" * 12))
    assert client.get("/").status_code == 403


def test_operator_signs_in_with_email_password_and_a_code_set_up_on_first_sign_in(db):
    # given an operator without two-factor sign-in yet
    operator = User.objects.create_superuser(email="op@vitrine.fr", password="operator-pass-1")
    client = host_client(CONSOLE)

    # when they sign in with the password: the console is closed until an authenticator is set up
    response = client.post("/connexion/", {"username": "op@vitrine.fr", "password": "operator-pass-1"})
    assert response.status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/securite/")
    setup = client.get(response["Location"])
    assert "<svg" in setup.text and "QR code" in setup.text

    # when they type a wrong code, then the one their app shows
    assert client.post("/securite/", {"code": "000000"}).status_code == 400
    device = TOTPDevice.objects.get(user=operator)
    time.sleep(1.1)  # django-otp throttles guessing: after a wrong code, the next waits a second
    codes_page = client.post("/securite/", {"code": totp_code(device)})

    # then they see their recovery codes once, and the console opens
    assert (
        codes_page.status_code == 200
        and len(re.findall(r"<code>[0-9a-f]{4}-[0-9a-f]{4}</code>", codes_page.text)) == 10
    )
    assert client.get("/").status_code == 200

    # and the next sign-in asks for a code after the password
    client.post("/deconnexion/")
    response = client.post("/connexion/", {"username": "op@vitrine.fr", "password": "operator-pass-1"})
    assert response["Location"].startswith("/connexion/code/")
    assert client.get("/").status_code == 302
    assert client.post("/connexion/code/", {"code": "123456"}).status_code == 400
    # (the app's code was just used to set up: a code works once, so a recovery code opens it now)
    recovery = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4})</code>", codes_page.text)[0]
    assert client.post("/connexion/code/", {"code": recovery, "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200

    # and that recovery code is used up
    client.post("/deconnexion/")
    client.post("/connexion/", {"username": "op@vitrine.fr", "password": "operator-pass-1"})
    assert client.post("/connexion/code/", {"code": recovery}).status_code == 400
    assert client.get("/").status_code == 302


def test_territory_list_shows_status_and_domains_in_fixed_queries(
    console_client, nancy, limoges, django_assert_num_queries
):
    # given an extra domain
    Domain.objects.create(domain="achetez.grandnancy.fr", tenant=nancy, is_primary=False)

    # when the list is shown (session, user, its authenticator, count, territories with health, domains: no N+1)
    with django_assert_num_queries(6):
        response = console_client.get("/")

    # then every territory with its status and domains
    assert response.status_code == 200
    for text in (
        "Achetez Grand Nancy",
        "Limoges en boutiques",
        "nancy.localhost",
        "achetez.grandnancy.fr",
        "limoges.localhost",
    ):
        assert text in response.text


def test_provision_from_the_console_runs_a_job_and_links_to_the_territory(
    console_client, django_capture_on_commit_callbacks
):
    # when the operator submits the form
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = console_client.post("/territoires/nouveau/", VALID_FORM)

    # then a job is queued (the task is sent after commit) and the operator follows it
    job = ProvisioningJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/creations/{job.pk}/"
    assert job.status == ProvisioningJob.Status.QUEUED and len(callbacks) == 1
    waiting = console_client.get(f"/creations/{job.pk}/")
    assert 'hx-trigger="every 1s"' in waiting.text

    # when the worker runs it (here in-process; tests/tenancy/test_celery.py uses a real worker)
    territory_provision_job_run.run(job_id=job.pk)

    # then the territory is ready, the page stops polling and links to it
    job.refresh_from_db()
    assert job.status == ProvisioningJob.Status.SUCCEEDED and job.progress == 100
    territory = Territory.objects.get(schema_name="toulouse")
    assert job.territory == territory
    assert set(territory.domains.values_list("domain", flat=True)) == {"toulouse.localhost", "achetez.toulouse.fr"}
    done = console_client.get(f"/creations/{job.pk}/", HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.text and 'href="http://toulouse.localhost:8000/"' in done.text
    # and the audit log names the operator
    actions = set(AuditEntry.objects.filter(actor_email="operator@vitrine.example.fr").values_list("action", flat=True))
    assert {"territory.provision_requested", "territory.provision"} <= actions


def test_a_job_whose_slug_was_taken_meanwhile_fails_with_the_reason(console_client, nancy):
    # given a job for a slug taken after it was queued
    job = ProvisioningJob.objects.create(
        params={**_request_params(), "slug": "nancy", "name": "Autre"}, requested_by=console_client.operator
    )

    # when it runs
    territory_provision_job_run.run(job_id=job.pk)

    # then it failed, saying why, and the page shows it
    job.refresh_from_db()
    assert job.status == ProvisioningJob.Status.FAILED and "déjà utilisé" in job.error
    assert "déjà utilisé" in console_client.get(f"/creations/{job.pk}/").text


def _request_params() -> dict:
    return {
        "name": VALID_FORM["name"],
        "slug": VALID_FORM["slug"],
        "kind": "city",
        "theme": "metropole",
        "primary_color": "",
        "hero_text": "",
        "contact_email": "c@t.fr",
        "admin_email": "a@t.fr",
        "custom_domains": [],
    }


def test_bad_form_shows_clear_errors_and_queues_nothing(console_client):
    # when the colour is too light and the slug reserved
    response = console_client.post("/territoires/nouveau/", {**VALID_FORM, "primary_color": "#ffff00", "slug": "www"})

    # then the form comes back with the reasons and nothing is queued
    assert response.status_code == 200
    assert "au moins 4,5:1" in response.text and "« www » est réservé" in response.text
    assert not ProvisioningJob.objects.exists()
    assert not Territory.objects.filter(schema_name="www").exists()


def test_suspend_and_resume_are_audited(console_client, nancy):
    # when the operator suspends nancy with a reason
    response = console_client.post("/territoires/nancy/statut/", {"status": "suspended", "reason": "impayé"})

    # then it is suspended, and the audit log says who and why
    assert response.status_code == 302
    nancy.refresh_from_db()
    assert nancy.status == Territory.Status.SUSPENDED
    entry = AuditEntry.objects.get(action="territory.suspend")
    assert (entry.actor, entry.territory, entry.details) == (console_client.operator, nancy, {"reason": "impayé"})

    # when resumed
    console_client.post("/territoires/nancy/statut/", {"status": "active"})
    nancy.refresh_from_db()
    assert nancy.status == Territory.Status.ACTIVE
    assert AuditEntry.objects.filter(action="territory.resume", territory=nancy).exists()


def test_add_custom_domain_and_refuse_a_taken_one(console_client, nancy, limoges):
    # when a custom domain is added as primary
    response = console_client.post(
        "/territoires/nancy/domaines/", {"domain": "Achetez.GrandNancy.fr", "make_primary": "on"}
    )

    # then it is the only primary one
    assert response.status_code == 302
    assert list(nancy.domains.filter(is_primary=True).values_list("domain", flat=True)) == ["achetez.grandnancy.fr"]
    assert AuditEntry.objects.filter(action="domain.add", territory=nancy).exists()

    # when limoges tries to take it, the form says it is used and nothing changes
    response = console_client.post("/territoires/limoges/domaines/", {"domain": "achetez.grandnancy.fr"})
    assert response.status_code == 400 and "déjà utilisé par un autre territoire" in response.text
    assert Domain.objects.get(domain="achetez.grandnancy.fr").tenant == nancy


def test_audit_log_lists_console_actions(console_client, nancy):
    console_client.post("/territoires/nancy/statut/", {"status": "suspended"})

    response = console_client.get("/journal/")

    assert "Territoire suspendu" in response.text and "operator@vitrine.example.fr" in response.text
    assert "territory.suspend" not in response.text


def test_the_audit_log_reads_in_french_without_raw_keys(console_client, nancy):
    # given a territory admin's branding change and a provisioning, as the log records them
    AuditEntry.objects.create(
        actor_email="admin@nancy.example.fr",
        action="territory.branding",
        territory=nancy,
        details={"primary_color": "#7a1f3d", "logo": True},
    )
    AuditEntry.objects.create(
        actor=console_client.operator,
        actor_email=console_client.operator.email,
        action="territory.provision",
        territory=nancy,
        details={"slug": "nancy", "name": "Achetez Grand Nancy", "method": "clone", "domains": ["achetez.nancy.fr"]},
    )

    # when the operator reads the log, on its page and on the territory's
    for path in ("/journal/", "/territoires/nancy/"):
        text = console_client.get(path).content.decode()

        # then each action and each detail is named in French, as the territory's own trail names it
        assert "Identité du site modifiée" in text
        assert "couleur principale : #7a1f3d" in text and "logo : oui" in text
        assert "Territoire créé" in text and "identifiant : nancy" in text
        assert "méthode : copie du modèle" in text and "domaines : achetez.nancy.fr" in text
        for raw in ("territory.branding", "territory.provision", "primary_color", "True", "method:", "slug:"):
            assert raw not in text, (path, raw)


def test_tls_ask_answers_for_known_domains_only(nancy):
    # the proxy asks with its own Host header
    client = host_client("web:8000")
    assert client.get("/internal/tls-ask", {"domain": "nancy.localhost"}).status_code == 200
    assert client.get("/internal/tls-ask", {"domain": "evil.example.com"}).status_code == 404
    assert connection.schema_name == "public"


def test_deleting_an_operator_keeps_the_audit_trail(console_client, nancy):
    # given an operator who acted
    from vitrine.console.services import console_user_delete

    console_client.post("/territoires/nancy/statut/", {"status": "suspended"})
    operator = console_client.operator

    # when the account is deleted (tenant-only tables point at users too: no cascade into them)
    console_user_delete(user=operator)

    # then it is gone, and the audit line still says who it was
    assert not User.objects.filter(pk=operator.pk).exists()
    entry = AuditEntry.objects.get(action="territory.suspend")
    assert entry.actor is None and entry.actor_email == "operator@vitrine.example.fr"
