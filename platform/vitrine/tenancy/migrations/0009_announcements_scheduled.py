"""The one announcement of a territory becomes a row of its scheduled announcements, then its columns go."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone


def announcements_copy(apps, schema_editor):
    Territory = apps.get_model("tenancy", "Territory")
    Announcement = apps.get_model("tenancy", "Announcement")
    now = timezone.now()
    for territory in Territory.objects.exclude(announcement=""):
        zone = ZoneInfo(territory.time_zone or "Europe/Paris")
        ends_at = None
        if territory.announcement_until is not None:
            # Shown through its last day: it ends at the next midnight, in the territory's time.
            ends_at = datetime.combine(territory.announcement_until + timedelta(days=1), time(0), tzinfo=zone)
            if ends_at <= now:
                continue
        Announcement.objects.create(
            territory=territory,
            text=territory.announcement,
            link=territory.announcement_link,
            starts_at=now,
            ends_at=ends_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0008_lockdown_announcements"),
    ]

    operations = [
        migrations.RunPython(announcements_copy, migrations.RunPython.noop),
        migrations.RemoveField(model_name="territory", name="announcement"),
        migrations.RemoveField(model_name="territory", name="announcement_link"),
        migrations.RemoveField(model_name="territory", name="announcement_until"),
    ]
