"""Lighthouse on a weak phone: the four scores of home, search, storefront and product, per theme.

Lighthouse (npm) is installed under var/lighthouse/ when missing (not committed) and drives
Debian's Chromium (CHROME_PATH), headless and offline, with its mobile preset (a mid-range phone,
slow 4G, simulated throttling). The pages come from gunicorn on production settings (hashed,
compressed static files) and the session's two territories, filled with the demo's shops:
nancy (theme métropole) and limoges (theme terroir, with the Tarn's demo shops).

Goals: accessibility and best practices 100, performance and SEO at least 95. Like every
benchmark it prints figures and never gates on them; it fails only when Lighthouse gives no
score. Under the table, each audit that lost points, per page, to say what to fix.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from benchlib import Gunicorn, collectstatic, database_url, machine_load, print_table, run_committed

from vitrine.config.env import VAR_DIR

pytestmark = pytest.mark.django_db

LIGHTHOUSE_VERSION = "12.8.2"  # the last line that runs on Node 20 (Debian's)
LIGHTHOUSE_DIR = VAR_DIR / "lighthouse"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 95}
# territory -> the demo folder whose shops it gets
TERRITORIES = {"nancy": "nancy", "limoges": "tarn"}


def _lighthouse() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or not Path(CHROME).exists():
        pytest.skip("Lighthouse needs npm (Node.js) and Chromium")
    LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
    (LIGHTHOUSE_DIR / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", f"lighthouse@{LIGHTHOUSE_VERSION}"],
        cwd=LIGHTHOUSE_DIR,
        check=True,
    )
    return binary


def _world() -> dict[str, dict[str, str]]:
    """Seed each territory with its demo shops and their photos' renditions; the paths to measure."""
    # Imported here: the benchmark's Django work runs in run_committed's thread, after setup.
    from django_tenants.utils import tenant_context

    from vitrine.catalog.models import Product, ProductPhoto
    from vitrine.common.images import renditions_make
    from vitrine.devtools.demo_data import demo_territory_seed
    from vitrine.shops.models import ShopPhoto
    from vitrine.tenancy.models import Territory

    paths = {}
    for slug, data_schema in TERRITORIES.items():
        territory = Territory.objects.get(schema_name=slug)
        demo_territory_seed(territory=territory, data_schema=data_schema)
        with tenant_context(territory):
            # The worker makes them in production; none runs here.
            for photo in [*ProductPhoto.objects.filter(renditions={}), *ShopPhoto.objects.filter(renditions={})]:
                renditions_make(photo)
            product = (
                Product.objects.filter(status=Product.Status.PUBLISHED, shop__status="approved", photos__isnull=False)
                .select_related("shop")
                .order_by("shop__name", "id")
                .first()
            )
            assert product is not None, f"{slug}: the demo has no published product with a photo"
            paths[slug] = {
                "home": "/",
                "search": f"/recherche/?q={product.title.split()[0].lower()}",
                "storefront": f"/boutiques/{product.shop.slug}/",
                "product": f"/boutiques/{product.shop.slug}/{product.slug}/",
            }
    return paths


def _run(binary: Path, url: str, report: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": CHROME}
    result = subprocess.run(
        [
            str(binary),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"lighthouse {url}:\n{result.stderr[-3000:]}"
    return json.loads(report.read_text())


def _lost_points(data: dict) -> list[str]:
    """Audits of the four categories that did not pass, with what Lighthouse says of them."""
    lost = []
    for category in CATEGORIES:
        for ref in data["categories"][category]["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 0.9:
                shown = audit.get("displayValue", "")
                lost.append(f"{category}: {ref['id']} ({audit['score']:.2f}{', ' + shown if shown else ''})")
    return lost


def _stylesheets(data: dict) -> tuple[int, int]:
    """(number, bytes transferred) of the stylesheets the page loaded."""
    requests = data["audits"]["network-requests"]["details"]["items"]
    sheets = [r for r in requests if r.get("resourceType") == "Stylesheet"]
    return len(sheets), sum(r.get("transferSize", 0) for r in sheets)


def test_lighthouse_scores(request):
    binary = _lighthouse()
    load_at_start = machine_load()
    url = database_url(request.config)
    paths = run_committed(_world)
    collectstatic("bench_settings", url)
    server = Gunicorn("lighthouse", "bench_settings", url, ready_host="nancy.localhost").start()
    reports = VAR_DIR / "lighthouse" / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    rows, notes = [], []
    try:
        for slug, pages in paths.items():
            for page, path in pages.items():
                address = f"http://{slug}.localhost:{server.port}{path}"
                data = _run(binary, address, reports / f"{slug}-{page}.json")
                scores = {c: data["categories"][c]["score"] for c in CATEGORIES}
                assert all(score is not None for score in scores.values()), (address, scores)
                figures = {c: round(score * 100) for c, score in scores.items()}
                lcp = data["audits"]["largest-contentful-paint"]["numericValue"]
                sheets, sheet_bytes = _stylesheets(data)
                rows.append(
                    [
                        slug,
                        page,
                        *(figures[c] for c in CATEGORIES),
                        f"{lcp / 1000:.1f} s",
                        sheets,
                        f"{sheet_bytes / 1024:.1f} KiB",
                    ]
                )
                missed = [c for c in CATEGORIES if figures[c] < GOALS[c]]
                if missed:
                    notes.append(f"{slug} {page} ({path}) below goal in {', '.join(missed)}:")
                    notes += [f"    {line}" for line in _lost_points(data)]
    finally:
        server.stop()

    print_table(
        "Lighthouse, mobile preset (simulated slow 4G, mid-range phone)",
        ["territory", "page", *CATEGORIES, "LCP", "CSS files", "CSS bytes"],
        rows,
        [
            f"goals: {', '.join(f'{c} {g}' for c, g in GOALS.items())}",
            f"Lighthouse {LIGHTHOUSE_VERSION}, {CHROME}; reports in {reports}",
            f"{load_at_start} at start, {machine_load()} at the end",
            *notes,
        ],
    )
