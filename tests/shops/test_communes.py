"""Communes: each territory's list (CSV files under tenants/), loaded by a service and a command."""

from __future__ import annotations

import csv

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from vitrine.config.env import ROOT_DIR
from vitrine.shops.communes import communes_load
from vitrine.shops.models import Commune

GRAND_NANCY = {
    "Nancy",
    "Vandœuvre-lès-Nancy",
    "Laxou",
    "Villers-lès-Nancy",
    "Maxéville",
    "Malzéville",
    "Essey-lès-Nancy",
    "Saint-Max",
    "Tomblaine",
    "Jarville-la-Malgrange",
    "Heillecourt",
    "Houdemont",
    "Ludres",
    "Fléville-devant-Nancy",
    "Art-sur-Meurthe",
    "Laneuveville-devant-Nancy",
    "Dommartemont",
    "Saulxures-lès-Nancy",
    "Seichamps",
    "Pulnoy",
}


def _rows(schema: str) -> list[dict]:
    with (ROOT_DIR / "tenants" / schema / "communes.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_demo_territories_csv_files_hold_their_real_communes():
    nancy, limoges, tarn = _rows("nancy"), _rows("limoges"), _rows("tarn")

    assert {row["name"] for row in nancy} == GRAND_NANCY
    assert {row["postcode"] for row in nancy if row["name"] == "Nancy"} == {"54000", "54100"}
    assert {row["postcode"] for row in limoges if row["name"] == "Limoges"} == {"87000", "87100", "87280"}
    assert 25 <= len(tarn) <= 40
    assert {("Albi", "81000"), ("Castres", "81100"), ("Cordes-sur-Ciel", "81170")} <= {
        (r["name"], r["postcode"]) for r in tarn
    }
    for rows, department in ((nancy, "54"), (limoges, "87"), (tarn, "81")):
        assert all(row["postcode"].startswith(department) and len(row["postcode"]) == 5 for row in rows)


def test_communes_load_upserts_and_can_run_again(nancy):
    with tenant_context(nancy):
        first = communes_load(rows=_rows("nancy"))
        again = communes_load(rows=_rows("nancy"))

        assert (first.created, first.unchanged) == (21, 0)
        assert (again.created, again.unchanged) == (0, 21)
        assert Commune.objects.count() == 21
        assert Commune.objects.get(name="Vandœuvre-lès-Nancy").slug == "vandoeuvre-les-nancy-54500"
        assert set(Commune.objects.filter(name="Nancy").values_list("slug", flat=True)) == {
            "nancy-54000",
            "nancy-54100",
        }


def test_a_bad_line_loads_nothing_and_says_which_line(nancy):
    rows = [
        {"name": "Laxou", "postcode": "54520"},
        {"name": "", "postcode": "54000"},
        {"name": "Ludres", "postcode": "5471"},
    ]

    with tenant_context(nancy), pytest.raises(ValidationError) as error:
        communes_load(rows=rows)

    assert error.value.messages == [
        "Ligne 3 : Le nom de la commune manque.",
        "Ligne 4 : « 5471 » n'est pas un code postal (5 chiffres).",
    ]
    with tenant_context(nancy):
        assert not Commune.objects.exists()


def test_the_command_loads_a_territory_and_only_that_one(nancy, limoges, capsys):
    call_command(
        "tenant_command", "communes_load", str(ROOT_DIR / "tenants" / "limoges" / "communes.csv"), schema="limoges"
    )

    assert "limoges: 22 commune(s) added" in capsys.readouterr().out
    with tenant_context(limoges):
        assert Commune.objects.filter(name="Limoges").count() == 3
    with tenant_context(nancy):  # cross-territory: nancy's list is untouched
        assert not Commune.objects.exists()


def test_the_command_refuses_a_file_without_the_columns(nancy, tmp_path):
    bad = tmp_path / "communes.csv"
    bad.write_text("commune;cp\nLaxou;54520\n", encoding="utf-8")

    with pytest.raises(CommandError, match="missing column"):
        call_command("tenant_command", "communes_load", str(bad), schema="nancy")
