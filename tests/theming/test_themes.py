"""Themes: packs, lookup order, tokens to CSS, and the WCAG AA contrast rule."""

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django_tenants.utils import tenant_context

from vitrine.config.env import TENANTS_DIR
from vitrine.tenancy.models import Territory
from vitrine.tenancy.routing import routing_invalidate
from vitrine.testing.helpers import host_client
from vitrine.theming.services import (
    contrast_ratio,
    primary_color_check,
    readable_on,
    territory_tokens,
    theme_load,
    theme_names,
    tokens_css,
)


def test_two_visibly_different_theme_packs_ship():
    names = theme_names()
    assert {"metropole", "terroir"} <= set(names)
    metropole, terroir = theme_load("metropole").tokens, theme_load("terroir").tokens
    for token in ("color_primary", "color_background", "font_heading", "radius", "logo_placement"):
        assert metropole[token] != terroir[token], token


@pytest.mark.parametrize(
    ("foreground", "background", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),
        ("#0000ff", "#ffffff", 8.59),
    ],
)
def test_contrast_ratio_follows_wcag(foreground, background, expected):
    assert contrast_ratio(foreground, background) == pytest.approx(expected, abs=0.01)


def test_too_light_primary_colour_is_refused_with_the_ratio_and_the_rule():
    message = primary_color_check("#ffcc00", theme=theme_load("metropole"))
    assert message and "1,5:1" in message and "au moins 4,5:1" in message
    assert primary_color_check("#0b4f8a", theme=theme_load("metropole")) is None
    # the same colour can pass on one background and fail on another
    assert primary_color_check("#767676", theme=theme_load("metropole")) is None
    assert primary_color_check("#767676", theme=theme_load("terroir")) is not None


def test_text_on_primary_is_white_or_black_whichever_reads_better():
    assert readable_on("#0b4f8a") == "#ffffff"
    assert readable_on("#f2a900") == "#000000"


def test_tokens_merge_theme_then_territory_folder_then_branding(db):
    # given nancy's folder (tenants/nancy/territory.toml) overrides the accent, and its branding the primary
    assert (TENANTS_DIR / "nancy" / "territory.toml").is_file()
    nancy = Territory(schema_name="nancy", theme="metropole", primary_color="#7a1f3d")

    tokens = territory_tokens(nancy)

    assert tokens["color_primary"] == "#7a1f3d"  # branding from the database
    assert tokens["color_accent"] == "#c8a24a"  # from tenants/nancy/territory.toml
    assert tokens["font_heading"] == theme_load("metropole").tokens["font_heading"]  # from the theme
    assert tokens["color_on_primary"] == "#ffffff"
    css = tokens_css(tokens)
    assert "--color-primary: #7a1f3d;" in css and "--color-accent: #c8a24a;" in css


def test_token_values_cannot_break_out_of_the_stylesheet(tmp_path, settings):
    from vitrine.theming import services

    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "theme.toml").write_text(
        '[tokens]\ncolor_primary = "#000000"\nradius = "4px;} body{display:none"\n', encoding="utf-8"
    )
    settings.THEMES_DIR = tmp_path
    services.theme_load.cache_clear()
    try:
        assert "radius" not in services.theme_load("evil").tokens
    finally:
        services.theme_load.cache_clear()


def test_theme_css_is_served_per_territory_and_cached_by_version(nancy, limoges):
    nancy_css = host_client("nancy.localhost").get("/theme.css")
    limoges_css = host_client("limoges.localhost").get("/theme.css")

    assert nancy_css["Content-Type"].startswith("text/css")
    assert "--color-primary: #7a1f3d;" in nancy_css.text
    assert "--color-primary: #2f5d34;" in limoges_css.text  # terroir's own primary
    home = host_client("nancy.localhost").get("/").text
    version = home.split("/theme.css?v=")[1].split('"')[0]
    assert "immutable" in host_client("nancy.localhost").get(f"/theme.css?v={version}")["Cache-Control"]


def test_template_lookup_order_territory_then_theme_then_app(nancy, limoges, db):
    # nancy (metropole, no override): the app's hero
    with tenant_context(nancy):
        app_hero = render_to_string("territory/_hero.html", {"territory": nancy})
    # a territory on terroir: the theme's hero
    with tenant_context(limoges):
        theme_hero = render_to_string("territory/_hero.html", {"territory": limoges})
    # the demo's limoges folder overrides it: tenants/limoges/templates wins over any theme
    folder_owner = Territory(schema_name="limoges", theme="terroir", name="Limoges")
    with tenant_context(folder_owner):
        folder_hero = render_to_string("territory/_hero.html", {"territory": folder_owner})

    assert "data-template" not in app_hero
    assert 'data-template="theme-terroir"' in theme_hero or 'data-template="tenant-limoges"' in theme_hero
    assert 'data-template="tenant-limoges"' in folder_hero


def test_cached_templates_do_not_leak_between_territories(db):
    # given the same template rendered for two territories on different themes, in turn
    metro = Territory(schema_name="metz", theme="metropole", name="Metz")
    rural = Territory(schema_name="aveyron", theme="terroir", name="Aveyron")
    renders = []
    for territory in (metro, rural, metro, rural):
        with tenant_context(territory):
            renders.append(render_to_string("territory/_hero.html", {"territory": territory}))

    # then each keeps its own version (the cached loader is keyed by territory and theme)
    assert "theme-terroir" not in renders[0] and "theme-terroir" not in renders[2]
    assert "theme-terroir" in renders[1] and "theme-terroir" in renders[3]


def test_territories_without_templates_of_their_own_share_their_themes_compiled_templates(db):
    """The template cache grows with the themes (and the few territories with their own folder), not with
    the number of territories: a worker serving a thousand territories keeps a handful of copies."""
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    many = [Territory(schema_name=f"t{n:04d}", theme="metropole", name=f"T{n}") for n in range(50)]
    renders = set()
    for territory in many:
        with tenant_context(territory):
            renders.add(render_to_string("territory/_hero.html", {"territory": territory}))
    one_theme = len(loader.get_template_cache)
    # limoges has its own templates folder: its own copies, still kept apart
    with tenant_context(Territory(schema_name="limoges", theme="metropole", name="Limoges")):
        own = render_to_string("territory/_hero.html", {"territory": many[0]})

    assert len(renders) == 50  # each territory's own name in the same template
    assert one_theme <= 3  # the hero and what it includes, once for all fifty
    assert len(loader.get_template_cache) > one_theme
    assert 'data-template="tenant-limoges"' in own


def test_home_pages_show_each_territory_in_its_theme(nancy, limoges):
    nancy_home = host_client("nancy.localhost").get("/").text
    limoges_home = host_client("limoges.localhost").get("/").text

    assert 'class="theme-metropole"' in nancy_home and 'class="theme-terroir"' in limoges_home
    # each theme's sheet comes inside the territory's one stylesheet
    assert "/* themes/metropole/theme.css */" in host_client("nancy.localhost").get("/theme.css").text
    assert "/* themes/terroir/theme.css */" in host_client("limoges.localhost").get("/theme.css").text
    assert "/static/tenants/nancy/logo.svg" in nancy_home  # the territory folder's logo


def test_every_page_has_a_favicon_and_the_social_image_address_is_absolute(nancy, limoges, tmp_path, settings):
    from vitrine.testing.helpers import image_upload

    settings.MEDIA_ROOT = str(tmp_path)
    # given limoges without branding images, and nancy with a favicon and a social preview image
    nancy.favicon.save("favicon.png", image_upload("favicon.png"), save=False)
    nancy.social_image.save("social.jpg", image_upload("social.jpg", 1200, 630, image_format="JPEG"), save=False)
    nancy.save(update_fields=["favicon", "social_image"])
    routing_invalidate()

    # when their home pages are shown
    plain = host_client("limoges.localhost").get("/")
    branded = host_client("nancy.localhost").get("/")

    # then limoges has Vitrine's favicon and no social image; nancy its own, the social one as a full address
    assert '<link rel="icon" href="/static/vitrine/favicon.png">' in plain.text
    assert plain.context["territory_social_image_url"] == ""
    assert '<link rel="icon" href="/media/nancy/branding/favicon.png">' in branded.text
    assert branded.context["territory_favicon_url"] == "/media/nancy/branding/favicon.png"
    assert branded.context["territory_social_image_url"] == "http://nancy.localhost/media/nancy/branding/social.jpg"


@pytest.mark.parametrize("header", ["#767676", "#777777", "#12324a", "#fbf7ef", "#ffcc00", "#7a1f3d"])
def test_any_header_colour_gets_a_readable_text_and_passes_the_check(header):
    from vitrine.theming.services import header_color_check, header_text_color

    # the header's text is the primary where it reads, else white or black: always AA
    text = header_text_color(header=header, primary="#2f5d34")
    assert contrast_ratio(text, header) >= 4.5
    assert header_color_check(header, primary="#2f5d34") is None


def test_an_accent_too_close_to_the_background_is_refused_with_the_ratio():
    from vitrine.theming.services import accent_color_check

    message = accent_color_check("#fffff0", theme=theme_load("metropole"))
    assert "#fffff0" in message and "#ffffff" in message and "3:1" in message
    assert accent_color_check("#b5541c", theme=theme_load("metropole")) is None
    assert accent_color_check("blue", theme=theme_load("metropole")) is not None
