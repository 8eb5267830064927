"""Theme packs, design tokens and the colour-contrast rule.

A theme pack is themes/<name>/theme.toml (tokens) plus templates/ and static/.
A territory's tokens are its theme's, then tenants/<schema>/territory.toml's
[tokens], then its branding from the database (primary colour).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.formats import number_format
from django.utils.translation import gettext as _

AA_NORMAL_TEXT = 4.5
TOKEN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SAFE_VALUE_RE = re.compile(r"^[^;{}<>\\]*$")  # tokens go into a stylesheet verbatim
WHITE, BLACK = "#ffffff", "#000000"
HEX_RE = re.compile(r"#[0-9a-fA-F]{6}")


class ThemeNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Theme:
    name: str
    label: str
    description: str
    tokens: dict[str, str] = field(hash=False)
    path: Path = field(hash=False)


@lru_cache(maxsize=64)
def theme_load(name: str) -> Theme:
    """Read a theme pack's theme.toml (cached per process)."""
    if not re.fullmatch(r"[a-z0-9_-]+", name or ""):
        raise ThemeNotFound(name)
    path = settings.THEMES_DIR / name
    try:
        data = tomllib.loads((path / "theme.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ThemeNotFound(name) from None
    return Theme(
        name=name,
        label=data.get("label", name),
        description=data.get("description", ""),
        tokens=_clean_tokens(data.get("tokens", {})),
        path=path,
    )


def theme_names() -> list[str]:
    return sorted(p.parent.name for p in settings.THEMES_DIR.glob("*/theme.toml"))


@lru_cache(maxsize=1024)
def territory_file_load(schema_name: str) -> dict:
    """tenants/<schema>/territory.toml, or {} when the territory has none."""
    path = settings.TENANTS_DIR / schema_name / "territory.toml"
    if not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _clean_tokens(raw: dict) -> dict[str, str]:
    tokens = {}
    for key, value in raw.items():
        value = str(value)
        if TOKEN_NAME_RE.match(key) and SAFE_VALUE_RE.match(value):
            tokens[key] = value
    return tokens


# --- Colour contrast (WCAG 2.1) -------------------------------------------------


def _relative_luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio between two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((_relative_luminance(foreground), _relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on(background: str) -> str:
    """White or black, whichever reads better on the background."""
    return WHITE if contrast_ratio(WHITE, background) >= contrast_ratio(BLACK, background) else BLACK


def primary_color_check(colour: str, *, theme: Theme) -> str | None:
    """Return why a primary colour is refused (WCAG AA), or None when it is fine."""
    if not HEX_RE.fullmatch(colour):
        return _("Enter a colour as #RRGGBB, for example #1d4ed8.")
    background = theme.tokens.get("color_background", WHITE)
    ratio = contrast_ratio(colour, background)
    if ratio < AA_NORMAL_TEXT:
        return _(
            "The colour %(colour)s is too light on this theme's background %(background)s: its contrast is "
            "%(ratio)s:1, and links and buttons need at least 4.5:1 to be readable (WCAG AA). Choose a darker shade."
        ) % {"colour": colour, "background": background, "ratio": number_format(ratio, 1)}
    return None


# --- Tokens to CSS ---------------------------------------------------------------


def territory_tokens(territory) -> dict[str, str]:
    """The territory's design tokens: theme, then its folder, then its branding."""
    tokens = dict(theme_load(territory.theme).tokens)
    tokens.update(_clean_tokens(territory_file_load(territory.schema_name).get("tokens", {})))
    if territory.primary_color:
        tokens["color_primary"] = territory.primary_color.lower()
    primary = tokens.get("color_primary", "")
    if HEX_RE.fullmatch(primary):
        tokens["color_on_primary"] = readable_on(primary)
    header = tokens.get("color_header", primary)
    if HEX_RE.fullmatch(header):
        # Header text: the primary colour where it reads well on the header (a light
        # header), else white or black. Any mix of theme, folder and branding stays AA.
        readable_primary = HEX_RE.fullmatch(primary) and contrast_ratio(primary, header) >= AA_NORMAL_TEXT
        tokens["color_on_header"] = primary if readable_primary else readable_on(header)
    return tokens


def tokens_css(tokens: dict[str, str]) -> str:
    """One stylesheet of CSS custom properties: color_primary -> --color-primary."""
    lines = [f"  --{key.replace('_', '-')}: {value};" for key, value in sorted(tokens.items())]
    return ":root {\n" + "\n".join(lines) + "\n}\n"


# --- The site's one stylesheet ----------------------------------------------------------


BASE_STYLESHEET = "vitrine/base.css"


@dataclass(frozen=True)
class Stylesheet:
    css: str
    version: str  # changes with any of its parts: the URL's ?v=, cached for a year


def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"static file {path} not found (settings.SITE_STYLESHEETS or the theme's)")
    return Path(found).read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def _stylesheet_build(tokens_text: str, sheets: tuple[str, ...]) -> Stylesheet:
    css = "\n".join([tokens_text, *(f"/* {path} */\n{_static_text(path)}" for path in sheets)])
    return Stylesheet(css=css, version=hashlib.sha256(css.encode()).hexdigest()[:12])


def territory_stylesheet(territory, *, tokens: dict[str, str] | None = None) -> Stylesheet:
    """The territory's tokens, the site's shared sheets and its theme's, as one stylesheet.

    One render-blocking file instead of three to five: on a weak phone each extra
    stylesheet is another round trip before the first paint. Built once per process
    and set of tokens (the files are read again each time with DEBUG, for development).
    """
    if settings.DEBUG:
        _stylesheet_build.cache_clear()
    # The cascade the pages had as separate files: base, theme, then the apps' sheets.
    sheets = (BASE_STYLESHEET, f"{static_prefixes(territory)[-1]}/theme.css", *settings.SITE_STYLESHEETS)
    return _stylesheet_build(tokens_css(tokens if tokens is not None else territory_tokens(territory)), sheets)


def static_prefixes(territory) -> list[str]:
    """Static path prefixes to look in for an asset, most specific first."""
    prefixes = []
    if (settings.TENANTS_DIR / territory.schema_name / "static").is_dir():
        prefixes.append(f"tenants/{territory.schema_name}")
    prefixes.append(f"themes/{territory.theme}")
    return prefixes


def template_dirs(*, schema_name: str, theme: str) -> list[Path]:
    """Template folders for a territory, before the apps' own: its folder, then its theme."""
    return [settings.TENANTS_DIR / schema_name / "templates", settings.THEMES_DIR / theme / "templates"]


def territory_logo_url(territory) -> str | None:
    """The logo to show: uploaded branding, else the territory folder's logo.svg, else none."""
    if territory.logo:
        return territory.logo.url
    if (settings.TENANTS_DIR / territory.schema_name / "static" / "logo.svg").is_file():
        return static(f"tenants/{territory.schema_name}/logo.svg")
    return None
