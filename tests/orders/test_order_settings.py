"""The territory's order rules (/equipe/commandes/reglages/): release delay and reminder, used by the expiry task."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import tenant_context
from orders_helpers import client_on, order_row, shop_open_every_day

from vitrine.accounts.models import User
from vitrine.notifications.models import OutboxEmail
from vitrine.orders.lifecycle import orders_expire_due
from vitrine.orders.models import Order, OrderSettings
from vitrine.orders.selectors import order_settings
from vitrine.orders.settings_services import order_settings_update
from vitrine.orders.tasks import orders_expire
from vitrine.testing.factories import UserFactory

URL = "/equipe/commandes/reglages/"


def rules(days: str, reminder: str, unpaid: str = "30") -> dict[str, str]:
    """The order rules form, as posted."""
    return {"not_collected_after_days": days, "reminder_days_before": reminder, "unpaid_release_minutes": unpaid}


def ended_days_ago(shop, days: float, status: str = "ready", name: str = "Client"):
    return order_row(shop, name=name, status=status, pickup=timezone.now() - timedelta(days=days, minutes=30))


def test_staff_set_the_delay_and_the_expiry_task_uses_it(nancy):
    # given orders whose pickup ended 4 and 6 days ago (the default delay, 3 days, would release both)
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
        shop = shop_open_every_day()
        four, six = ended_days_ago(shop, 4), ended_days_ago(shop, 6, status="accepted")
    # when the territory's team sets 5 days (reminder 2 days before), and 45 minutes to pay online
    response = client_on(nancy, staff).post(URL, rules("5", "2", unpaid="45"), follow=True)
    assert "Règles des commandes enregistrées" in response.content.decode()
    # and the expiry task runs in the territory
    with tenant_context(nancy):
        orders_expire.run()
        # then only the 6-day-old order is released; the 4-day-old one is reminded (5 - 2 = 3 days after)
        assert Order.objects.get(pk=six.pk).status == "not_collected"
        four.refresh_from_db()
        assert four.status == "ready" and four.reminder_sent_at is not None
        assert OrderSettings.objects.get().updated_by == staff
        assert OrderSettings.objects.get().unpaid_release_minutes == 45


def test_no_reminder_when_set_to_zero(nancy):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_ADMIN)
        shop = shop_open_every_day()
        order = ended_days_ago(shop, 2.5, name="Sans Rappel")
        order_settings_update(
            actor=staff, not_collected_after_days=3, reminder_days_before=0, unpaid_release_minutes=30
        )
        orders_expire.run()
        order.refresh_from_db()
        assert order.status == "ready" and order.reminder_sent_at is None
        assert not OutboxEmail.objects.filter(subject__startswith="Rappel").exists()


@pytest.mark.parametrize(
    "data,message",
    [
        (rules("0", "0"), "entre 1 et 30"),
        (rules("31", "1"), "entre 1 et 30"),
        (rules("trois", "1"), "entre 1 et 30"),
        (rules("3", "4"), "Le rappel part avant la remise en rayon"),
        (rules("3", "-1"), "0 pour aucun rappel"),
        (rules("3", "1", unpaid="4"), "entre 5 et 1440"),
        (rules("3", "1", unpaid="1441"), "entre 5 et 1440"),
        (rules("3", "1", unpaid=""), "entre 5 et 1440"),
    ],
)
def test_bad_rules_get_a_french_message_and_change_nothing(nancy, data, message):
    with tenant_context(nancy):
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    response = client_on(nancy, staff).post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    with tenant_context(nancy):
        assert not OrderSettings.objects.exists()
        assert order_settings().not_collected_after_days == 3


def test_only_the_territory_team_sets_the_rules(nancy):
    with tenant_context(nancy):
        shop = shop_open_every_day()
        staff = UserFactory(role=User.Role.TERRITORY_STAFF)
    merchant = client_on(nancy, shop.owner_user)
    assert merchant.get(URL).status_code == 403
    assert merchant.post(URL, rules("9", "1")).status_code == 403
    with tenant_context(nancy):
        assert not OrderSettings.objects.exists()
        with pytest.raises(PermissionDenied):
            order_settings_update(
                actor=shop.owner_user, not_collected_after_days=9, reminder_days_before=1, unpaid_release_minutes=30
            )
    page = client_on(nancy, staff).get(URL).content.decode()
    assert 'value="3"' in page and "Commandes" in page
    assert 'name="unpaid_release_minutes" value="30"' in page and "non payée en ligne" in page


def test_a_territory_rule_stays_in_its_territory(nancy, limoges):
    # cross-territory: Nancy's delay is not Limoges'
    with tenant_context(nancy):
        order_settings_update(
            actor=UserFactory(role=User.Role.TERRITORY_ADMIN),
            not_collected_after_days=10,
            reminder_days_before=1,
            unpaid_release_minutes=90,
        )
    with tenant_context(limoges):
        assert order_settings().not_collected_after_days == 3
        staff = UserFactory(role=User.Role.TERRITORY_ADMIN)
    page = client_on(limoges, staff).get(URL).content.decode()
    assert 'value="3"' in page and 'value="30"' in page and 'value="90"' not in page


def test_an_order_already_past_the_delay_is_released_without_a_reminder(nancy):
    # given ready orders whose pickup ended 2.5 days ago (due for a reminder) and 6 days ago (a missed run,
    # or a delay just shortened: already past the release)
    with tenant_context(nancy):
        shop = shop_open_every_day()
        due = ended_days_ago(shop, 2.5, name="A Rappeler")
        past = ended_days_ago(shop, 6, name="Trop Tard")
        # when the expiry task runs (3 days, reminder 1 day before)
        reminded, expired = orders_expire_due()
        # then the first is reminded, the second only released: no "released soon" for an order released now
        assert (reminded, expired) == (1, 1)
        due.refresh_from_db()
        past.refresh_from_db()
        assert due.status == "ready" and due.reminder_sent_at is not None
        assert past.status == "not_collected" and past.reminder_sent_at is None
        reminders = list(OutboxEmail.objects.filter(subject__startswith="Rappel").values_list("body", flat=True))
        assert len(reminders) == 1 and due.pickup_code in reminders[0]


def test_reminders_read_the_territory_rules_once_however_many_go(nancy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def settings_reads(n: int) -> int:
        with tenant_context(nancy):
            shop = shop_open_every_day()
            for i in range(n):
                ended_days_ago(shop, 2.5, name=f"Client {i}")
            with CaptureQueriesContext(connection) as context:
                assert orders_expire_due() == (n, 0)
            return sum('FROM "orders_ordersettings"' in q["sql"] for q in context.captured_queries)

    # the run reads it once for its three selections (reminders, not collected, unpaid); the emails do not
    assert settings_reads(1) == settings_reads(3) == 1
