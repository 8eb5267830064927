"""Provisioning: one service for the command, the console and the demo.

Messages are asserted in French, the language every page speaks by default.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django_tenants.utils import schema_exists, tenant_context

from vitrine.accounts.models import User
from vitrine.console.services import territory_provision
from vitrine.notifications.models import OutboxEmail
from vitrine.tenancy.models import AuditEntry, Domain, Territory
from vitrine.tenancy.schemas import TEMPLATE_SCHEMA, template_schema_ensure
from vitrine.testing.territories import territory_request

pytestmark = pytest.mark.embedded  # also run on the embedded PostgreSQL in CI (make test-embedded)


def _counts() -> tuple[int, int, int, int]:
    """Territories, domains, audit lines and database schemas."""
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace")
        schemas = cursor.fetchone()[0]
    return Territory.objects.count(), Domain.objects.count(), AuditEntry.objects.count(), schemas


def _schema_tables(schema: str) -> set[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = %s",
            [schema],
        )
        return set(cursor.fetchall())


def _schema_constraints(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = %s::regnamespace",
            [schema],
        )
        return {(table.split(".")[-1], definition.replace(f"{schema}.", "")) for table, definition in cursor.fetchall()}


def _schema_indexes(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = %s", [schema])
        return {row[0].replace(f"{schema}.", "") for row in cursor.fetchall()}


def _schema_rows(schema: str) -> dict[str, int]:
    """Rows per table, with the applied migrations by name."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
            counts[table] = cursor.fetchone()[0]
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        counts["applied"] = cursor.fetchall()
    return counts


def _schema_sequences(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def test_provision_creates_schema_domains_branding_and_invited_admin(db, django_capture_on_commit_callbacks):
    # given a valid request
    request = territory_request(
        "metz",
        name="Metz Commerces",
        kind="city",
        primary_color="#1d4ed8",
        hero_text="Bonjour Metz",
        custom_domains=["achetez.metz.example.fr"],
    )

    # when it is provisioned
    with django_capture_on_commit_callbacks(execute=True):
        result = territory_provision(request=request)

    # then everything exists, cloned from the template
    territory = result.territory
    assert result.created and result.method == "clone"
    assert schema_exists("metz")
    assert (territory.name, territory.kind, territory.primary_color, territory.hero_text) == (
        "Metz Commerces",
        "city",
        "#1d4ed8",
        "Bonjour Metz",
    )
    domains = {d.domain: d.is_primary for d in territory.domains.all()}
    assert domains == {"metz.localhost": True, "achetez.metz.example.fr": False}
    with tenant_context(territory):
        admin = User.objects.get()
        assert admin.email == "admin@metz.example.fr" and admin.role == User.Role.TERRITORY_ADMIN
        assert not admin.has_usable_password()
        invitation = OutboxEmail.objects.get()
    # and the admin is emailed a set-password link on the territory's own host
    assert invitation.to == ["admin@metz.example.fr"]
    assert "http://metz.localhost:8000/compte/mot-de-passe/" in invitation.body
    assert AuditEntry.objects.filter(action="territory.provision", territory=territory).exists()


def test_provisioning_twice_with_the_same_request_changes_nothing(db):
    # given a provisioned territory
    first = territory_provision(request=territory_request("reims"))
    before = _counts()

    # when the same request runs again
    again = territory_provision(request=territory_request("reims"))

    # then it returns the same territory and creates nothing
    assert again.territory.pk == first.territory.pk
    assert not again.created and again.method == "existing"
    assert _counts() == before
    with tenant_context(first.territory):
        assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"slug": "Nancy-2"}, "slug", "lettres minuscules ou chiffres"),
        ({"slug": "1abc"}, "slug", "commencer par une lettre"),
        ({"slug": "x"}, "slug", "de 2 à 40"),
        ({"slug": "public"}, "slug", "est réservé"),
        ({"slug": "www"}, "slug", "est réservé"),
        ({"slug": "console"}, "slug", "est réservé"),
        ({"slug": "admin"}, "slug", "est réservé"),
        ({"slug": "pgdata"}, "slug", "est réservé"),
        ({"slug": "nancy"}, "slug", "déjà utilisé par le territoire Achetez Grand Nancy"),
        ({"name": "  "}, "name", "Donnez un nom"),
        ({"admin_email": "not-an-email"}, "admin_email", "adresse électronique valide"),
        ({"kind": "planet"}, "kind", "Métropole, Ville, Département, Autre"),
        ({"theme": "nope"}, "theme", "aucun thème nommé « nope »"),
        ({"primary_color": "blue"}, "primary_color", "au format #RRGGBB"),
        ({"primary_color": "#ffee00"}, "primary_color", "contraste est de 1,2:1"),
        ({"custom_domains": ["bad..domain"]}, "custom_domains", "n'est pas un nom de domaine valide"),
        ({"custom_domains": ["nancy.localhost"]}, "custom_domains", "déjà utilisé par un autre territoire"),
        ({"custom_domains": ["console.localhost"]}, "custom_domains", "réservé à la plateforme"),
    ],
)
def test_bad_requests_are_refused_with_a_clear_message_and_create_nothing(db, overrides, field, fragment):
    # given the state before
    before = _counts()
    request = territory_request(overrides.pop("slug", "lille"), **overrides)

    # when provisioning is asked with one bad input
    with pytest.raises(ValidationError) as error:
        territory_provision(request=request)

    # then the field is named with a readable reason, and nothing was created
    messages = error.value.message_dict[field]
    assert any(fragment.lower() in message.lower() for message in messages), messages
    assert _counts() == before


def test_a_failure_midway_leaves_no_schema_no_row_and_no_domain(db, monkeypatch):
    # given a failure after the schema was created (the admin cannot be made)
    before = _counts()

    def explode(**kwargs):
        raise RuntimeError("mail template broken")

    monkeypatch.setattr("vitrine.console.services.user_invite", explode)

    # when provisioning runs
    with pytest.raises(RuntimeError):
        territory_provision(request=territory_request("brest"))

    # then everything was rolled back, schema included (DDL is transactional in PostgreSQL)
    assert _counts() == before
    assert not schema_exists("brest")


def test_clone_falls_back_to_migrations_without_a_template_and_both_give_the_same_schema(db):
    # given one territory made from the template
    cloned = territory_provision(request=territory_request("angers"))
    # and the template gone
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{TEMPLATE_SCHEMA}" CASCADE')

    # when another is provisioned
    migrated = territory_provision(request=territory_request("tours"))

    # then it was made by migrations, and both schemas have the same tables, columns and constraints
    assert cloned.method == "clone" and migrated.method == "migrations"
    assert {(t, c, d) for t, c, d in _schema_tables("angers")} == _schema_tables("tours")
    assert _schema_constraints("angers") == _schema_constraints("tours")
    assert _schema_indexes("angers") == _schema_indexes("tours")  # same names: later migrations find them
    assert _schema_sequences("angers") == _schema_sequences("tours")
    # and the same rows where migrations write some (applied migrations, content types, seeded data)
    assert _schema_rows("angers") == _schema_rows("tours")
    # and migrate_schemas puts the template back
    assert template_schema_ensure() is True
    assert schema_exists(TEMPLATE_SCHEMA)


def test_cloned_schema_works_for_writes(db):
    # given a cloned territory
    territory = territory_provision(request=territory_request("caen")).territory

    # when rows are written there (sequences and constraints must be its own)
    with tenant_context(territory):
        User.objects.create_user(email="one@caen.fr")
        User.objects.create_user(email="two@caen.fr")
        with pytest.raises(IntegrityError):
            User.objects.create_user(email="one@caen.fr")


def test_management_command_provisions_and_reports_errors(db, capsys):
    # when the command provisions a territory
    call_command("provision_territory", "dijon", name="Dijon Boutiques", admin_email="a@dijon.fr", kind="city")

    # then it exists
    assert Territory.objects.filter(schema_name="dijon", name="Dijon Boutiques").exists()
    assert "Provisioned Dijon Boutiques (dijon) by clone" in capsys.readouterr().out

    # when it runs again, it says so and changes nothing
    call_command("provision_territory", "dijon", name="Dijon Boutiques", admin_email="a@dijon.fr", kind="city")
    assert "already exists; nothing changed" in capsys.readouterr().out

    # when the input is bad, the error names the field
    with pytest.raises(CommandError, match="primary_color"):
        call_command("provision_territory", "nimes", name="Nîmes", admin_email="a@nimes.fr", primary_color="#ffff00")
    assert not Territory.objects.filter(schema_name="nimes").exists()
    assert mail.outbox == []
