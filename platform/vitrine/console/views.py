"""The super-admin console, on the public host. Thin: forms in, services do the work."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from vitrine.accounts.lockouts import lockout_list
from vitrine.accounts.views_lockouts import sign_in_unlock_answer
from vitrine.common.forms import form_apply, form_render
from vitrine.common.tasks import task_send_on_commit
from vitrine.console.forms import DomainAddForm, TerritoryProvisionForm
from vitrine.console.health import territory_dashboard_figures
from vitrine.console.lifecycle import (
    export_file_path,
    grace_days,
    territory_archive,
    territory_deletable_at,
    territory_delete,
    territory_export_request,
    territory_unarchive,
)
from vitrine.console.permissions import operator_required
from vitrine.console.selectors import (
    audit_actions,
    audit_actors,
    audit_list,
    audit_rows,
    health_sort_clean,
    territory_health_list,
    territory_list,
)
from vitrine.console.services import (
    console_sign_in_unlock,
    console_territory_identity_update,
    provisioning_images_stash,
)
from vitrine.console.tasks import territory_export_run, territory_provision_job_run
from vitrine.tenancy.forms import IdentityForm
from vitrine.tenancy.models import ProvisioningJob, Territory, TerritoryExport
from vitrine.tenancy.selectors import identity_preview_context, territory_base_url
from vitrine.tenancy.services import console_log_record, domain_add, territory_set_status
from vitrine.theming.services import theme_load

HEALTH_COLUMNS = [
    ("nom", gettext_lazy("Territory")),
    ("boutiques", gettext_lazy("Shops")),
    ("actives", gettext_lazy("Active shops")),
    ("commandes", gettext_lazy("Orders, last 7 days")),
    ("emails", gettext_lazy("Emails waiting")),
    ("activite", gettext_lazy("Last activity")),
]


# The same sorts as the column headers, for the form (a phone shows no header row).
SORT_CHOICES = [
    ("nom", gettext_lazy("Name, A to Z")),
    ("-nom", gettext_lazy("Name, Z to A")),
    ("-boutiques", gettext_lazy("Most shops")),
    ("boutiques", gettext_lazy("Fewest shops")),
    ("-actives", gettext_lazy("Most active shops")),
    ("actives", gettext_lazy("Fewest active shops")),
    ("-commandes", gettext_lazy("Most orders this week")),
    ("commandes", gettext_lazy("Fewest orders this week")),
    ("-emails", gettext_lazy("Most emails waiting")),
    ("-activite", gettext_lazy("Latest activity")),
    ("activite", gettext_lazy("Oldest activity")),
]


def territory_url(territory: Territory) -> str:
    """The territory's home page address."""
    base = territory_base_url(territory)
    return f"{base}/" if base else ""


HEALTH_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100


def _query(request: HttpRequest, **changes: str) -> str:
    """This page's query string with some parameters changed (those set to "" dropped)."""
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return params.urlencode()


@operator_required
@require_GET
def territory_list_view(request: HttpRequest) -> HttpResponse:
    """Every territory's health at a glance: searched, sorted, paginated; read from the health rows only."""
    search = request.GET.get("q", "")[:100]
    sort = health_sort_clean(request.GET.get("tri", "nom"))
    status = request.GET.get("statut", "")
    status = status if status in Territory.Status.values else ""
    page = Paginator(territory_health_list(search=search, sort=sort, status=status), HEALTH_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(t, territory_url(t), getattr(t, "health", None)) for t in page.object_list]
    computed = [health.computed_at for _t, _url, health in rows if health is not None]
    columns = []
    for key, label in HEALTH_COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        # A figure is first sorted biggest first; the name from A to Z. A second click turns it round.
        first = key if key == "nom" else f"-{key}"
        target = (key if descending else f"-{key}") if current else first
        columns.append(
            {
                "label": label,
                "url": "?" + _query(request, tri=target, page=""),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    context = {
        "rows": rows,
        "page": page,
        "search": search,
        "columns": columns,
        "computed_oldest": min(computed) if computed else None,
        "computed_newest": max(computed) if computed else None,
        "previous_query": _query(request, page=str(page.previous_page_number())) if page.has_previous() else "",
        "next_query": _query(request, page=str(page.next_page_number())) if page.has_next() else "",
        "sort": sort,
        "sort_choices": SORT_CHOICES,
        "status": status,
        "status_choices": Territory.Status.choices,
    }
    return render(request, "console/territory_list.html", context)


@operator_required
def territory_provision_view(request: HttpRequest) -> HttpResponse:
    form = TerritoryProvisionForm(
        request.POST or None, request.FILES or None, initial={"theme": "metropole", "kind": "city"}
    )
    if request.method == "POST" and form.is_valid():
        params = form.territory_request().__dict__
        params["images"] = provisioning_images_stash(images=form.images())
        with transaction.atomic():
            job = ProvisioningJob.objects.create(params=params, requested_by=request.user)
            console_log_record(
                actor=request.user,
                action="territory.provision_requested",
                details={"slug": params["slug"], "job": job.pk},
            )
            # With the broker down the job stays queued, visible on its page, instead of hanging here.
            task_send_on_commit(territory_provision_job_run, job_id=job.pk)
        return redirect("console_job", job_id=job.pk)
    context = {"form": form, "preview": identity_preview_context()}
    return render(request, "console/territory_provision.html", context)


@operator_required
@require_GET
def job_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ProvisioningJob.objects.select_related("territory"), pk=job_id)
    context = {"job": job, "territory_url": territory_url(job.territory) if job.territory else ""}
    template = "console/_job_progress.html" if request.headers.get("HX-Request") else "console/job.html"
    return render(request, template, context)


@operator_required
def territory_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    territory = get_object_or_404(territory_list().select_related("health"), schema_name=slug)
    return render(request, "console/territory_detail.html", _detail_context(territory, DomainAddForm()))


def _detail_context(territory: Territory, domain_form: DomainAddForm) -> dict:
    return {
        "territory": territory,
        "health": getattr(territory, "health", None),
        "figures": territory_dashboard_figures(territory),
        "url": territory_url(territory),
        "theme_label": theme_load(territory.theme).label,
        "domain_form": domain_form,
        "rows": audit_rows(audit_list(territory=territory, limit=50)),
        "exports": territory.exports.all()[:10],
        "deletable_at": territory_deletable_at(territory),
        "deletable": _deletable(territory),
        "grace_days": grace_days(),
    }


def _deletable(territory: Territory) -> bool:
    deletable_at = territory_deletable_at(territory)
    return deletable_at is not None and timezone.now() >= deletable_at


@operator_required
def territory_identity_view(request: HttpRequest, slug: str) -> HttpResponse:
    """An operator sets a territory's identity: the same fields and checks as its team's own page."""
    territory = get_object_or_404(territory_list(), schema_name=slug)
    form = IdentityForm(
        request.POST or None, request.FILES or None, initial=IdentityForm.initial_for(territory), territory=territory
    )
    saved = form_apply(
        request,
        form,
        lambda: console_territory_identity_update(territory=territory, actor=request.user, change=form.change()),
        done=_("The identity of %(name)s is saved.") % {"name": territory.name},
        then=reverse("console_territory_identity", kwargs={"slug": slug}),
    )
    context = {"territory": territory, "form": form, "preview": identity_preview_context(territory, absolute=True)}
    if saved:
        return saved
    response = form_render(request, "console/territory_identity.html", context, form)
    # The preview shows the territory's images from its own host (uploads answer only there).
    response._csp_update = {"img-src": [territory_base_url(territory)]}  # type: ignore[attr-defined]  # django-csp's
    return response


@operator_required
@require_POST
def territory_status_view(request: HttpRequest, slug: str) -> HttpResponse:
    territory = get_object_or_404(Territory, schema_name=slug)
    status = request.POST.get("status", "")
    try:
        territory_set_status(
            territory=territory, status=status, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if territory.status == Territory.Status.SUSPENDED:
            messages.success(
                request, _("%(name)s is suspended: its pages now say it is closed for now.") % {"name": territory.name}
            )
        else:
            messages.success(request, _("%(name)s is open again.") % {"name": territory.name})
    return redirect("console_territory", slug=slug)


@operator_required
@require_POST
def domain_add_view(request: HttpRequest, slug: str) -> HttpResponse:
    territory = get_object_or_404(territory_list(), schema_name=slug)
    form = DomainAddForm(request.POST)
    if form.is_valid():
        try:
            domain_add(
                territory=territory,
                domain=form.cleaned_data["domain"],
                actor=request.user,
                make_primary=form.cleaned_data["make_primary"],
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("domain", exc.messages):
                form.add_error("domain", message)
        else:
            messages.success(
                request,
                _("The domain %(domain)s now leads to %(name)s.")
                % {"domain": form.cleaned_data["domain"], "name": territory.name},
            )
            return redirect("console_territory", slug=slug)
    return render(request, "console/territory_detail.html", _detail_context(territory, form), status=400)


@operator_required
@require_GET
def audit_view(request: HttpRequest) -> HttpResponse:
    """The console's log, in the operator's language, filtered by operator, territory and action."""
    filters = {
        "actor_email": request.GET.get("operateur", "")[:254],
        "territory_search": request.GET.get("territoire", "")[:100],
        "action": request.GET.get("action", "")[:60],
    }
    page = Paginator(audit_list(limit=None, **filters), AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rows": audit_rows(page.object_list),
        "page": page,
        "filters": filters,
        "filtered": any(filters.values()),
        "actors": audit_actors(),
        "actions": audit_actions(),
        "previous_query": _query(request, page=str(page.previous_page_number())) if page.has_previous() else "",
        "next_query": _query(request, page=str(page.next_page_number())) if page.has_next() else "",
    }
    return render(request, "console/audit.html", context)


@operator_required
@require_GET
def sign_ins_view(request: HttpRequest) -> HttpResponse:
    """Console sign-ins locked now (too many wrong passwords), each with its unlock button."""
    return render(request, "console/sign_ins.html", {"lockouts": lockout_list()})


@operator_required
@require_POST
def sign_in_unlock_view(request: HttpRequest) -> HttpResponse:
    return sign_in_unlock_answer(request, unlock=console_sign_in_unlock, back="console_sign_ins")


# --- A territory's life cycle (vitrine.console.lifecycle) ------------------------------------


@operator_required
@require_POST
def territory_export_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Queue an export of the territory into one archive; its page shows the progress."""
    territory = get_object_or_404(Territory, schema_name=slug)
    with transaction.atomic():
        export = territory_export_request(territory=territory, actor=request.user)
        task_send_on_commit(territory_export_run, export_id=export.pk)
    return redirect("console_export", export_id=export.pk)


@operator_required
@require_GET
def export_view(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_object_or_404(TerritoryExport.objects.select_related("territory"), pk=export_id)
    context = {"export": export, "available": export_file_path(export) is not None}
    template = "console/_export_progress.html" if request.headers.get("HX-Request") else "console/export.html"
    return render(request, template, context)


@operator_required
@require_GET
def export_download_view(request: HttpRequest, export_id: int) -> HttpResponse:
    """The archive itself, to an operator only (it holds the territory's personal data)."""
    export = get_object_or_404(TerritoryExport, pk=export_id)
    path = export_file_path(export)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="application/gzip")


@operator_required
@require_POST
def territory_archive_view(request: HttpRequest, slug: str) -> HttpResponse:
    territory = get_object_or_404(Territory, schema_name=slug)
    try:
        with transaction.atomic():
            export = territory_archive(
                territory=territory, actor=request.user, reason=request.POST.get("reason", "")[:200]
            )
            task_send_on_commit(territory_export_run, export_id=export.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _(
                "%(name)s is archived: its pages still read, nothing can be written. Its export is being made; "
                "it can be deleted for good in %(days)s days."
            )
            % {"name": territory.name, "days": grace_days()},
        )
    return redirect("console_territory", slug=slug)


@operator_required
@require_POST
def territory_unarchive_view(request: HttpRequest, slug: str) -> HttpResponse:
    territory = get_object_or_404(Territory, schema_name=slug)
    try:
        territory_unarchive(territory=territory, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is open again.") % {"name": territory.name})
    return redirect("console_territory", slug=slug)


@operator_required
def territory_delete_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Delete an archived territory for good, the identifier typed again (after the grace period)."""
    territory = get_object_or_404(Territory, schema_name=slug)
    error = ""
    if request.method == "POST":
        try:
            territory_delete(
                territory=territory,
                actor=request.user,
                confirmation=request.POST.get("confirmation", "")[:100],
                keep_exports=request.POST.get("delete_exports") != "on",
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("%(name)s is deleted for good, with all its data.") % {"name": territory.name})
            return redirect("console_home")
    context = {
        "territory": territory,
        "deletable_at": territory_deletable_at(territory),
        "deletable": _deletable(territory),
        "exports": territory.exports.filter(status=TerritoryExport.Status.SUCCEEDED),
        "error": error,
    }
    return render(request, "console/territory_delete.html", context, status=400 if error else 200)
