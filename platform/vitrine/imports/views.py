"""The merchant's import and export pages (/pro/import/): thin, over the services."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vitrine.common.throttling import throttle
from vitrine.imports.forms import ImportUploadForm
from vitrine.imports.models import CatalogImport
from vitrine.imports.selectors import (
    TEMPLATE_ROWS,
    catalog_export_rows,
    catalog_import_for_shop,
    catalog_import_recent,
    category_choices_for_import,
)
from vitrine.imports.services import catalog_import_confirm, catalog_import_start
from vitrine.imports.spreadsheets import csv_write, xlsx_write
from vitrine.shops.permissions import merchant_required

ERRORS_SHOWN = 500
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(rows: list[list], *, extension: str, filename: str, sheet_title: str) -> HttpResponse:
    content = csv_write(rows) if extension == "csv" else xlsx_write(rows, sheet_title=sheet_title)
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@merchant_required
@throttle("catalog_import", key="user")
def import_home(request: HttpRequest) -> HttpResponse:
    """Upload a catalogue; download the template or the shop's catalogue."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            catalog_import = catalog_import_start(
                shop=request.shop, upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("file", exc.messages):
                form.add_error("file", message)
        else:
            return redirect("imports:detail", pk=catalog_import.pk)
    return render(
        request,
        "imports/home.html",
        {
            "form": form,
            "imports": catalog_import_recent(shop=request.shop),
            "categories": category_choices_for_import(),
        },
        status=400 if form.errors else 200,
    )


@merchant_required
def template_download(request: HttpRequest, extension: str) -> HttpResponse:
    return _download(TEMPLATE_ROWS, extension=extension, filename="modele-catalogue", sheet_title="Catalogue")


@merchant_required
def export_download(request: HttpRequest, extension: str) -> HttpResponse:
    """The shop's catalogue in the import format: edit it and import it back."""
    return _download(
        catalog_export_rows(shop=request.shop),
        extension=extension,
        sheet_title=request.shop.name,
        filename=f"catalogue-{request.shop.slug}-{timezone.localdate():%Y-%m-%d}",
    )


def _own_import(request: HttpRequest, pk: int) -> CatalogImport:
    catalog_import = catalog_import_for_shop(shop=request.shop, pk=pk)
    if catalog_import is None:  # another shop's import, or none: the same answer
        raise Http404
    return catalog_import


@merchant_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Where an import stands: progress, every row's errors, or the summary and the confirm button."""
    catalog_import = _own_import(request, pk)
    return render(
        request,
        "imports/detail.html",
        {
            "catalog_import": catalog_import,
            "errors_shown": catalog_import.errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(catalog_import.errors) - ERRORS_SHOWN),
        },
    )


@merchant_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar alone, polled every second by htmx; reloads the page once finished."""
    catalog_import = _own_import(request, pk)
    response = render(request, "imports/_progress.html", {"catalog_import": catalog_import})
    if not catalog_import.is_running and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@merchant_required
@require_POST
@throttle("catalog_import", key="user")
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    catalog_import = _own_import(request, pk)
    try:
        catalog_import_confirm(catalog_import=catalog_import, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=catalog_import.pk)


@merchant_required
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Every error of an import, as a spreadsheet to work through."""
    catalog_import = _own_import(request, pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Row"), _("Column"), _("Error")])
    for error in catalog_import.errors:
        writer.writerow([error["row"] or "", error["column"], error["message"]])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="erreurs-import-{catalog_import.pk}.csv"'
    return response
