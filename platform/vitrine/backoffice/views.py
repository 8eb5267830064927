"""The territory team's area: /equipe/ (applications, shops, the category tree, communes, moderation,
order rules, levers: nudges, featuring, announcements, lockdown mode) and /espace/ (the marketplace's
identity and its legal pages).

Pages only: every decision is a service of the app that owns the concept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vitrine.accounts.lockouts import lockout_list
from vitrine.accounts.views_lockouts import sign_in_unlock_answer
from vitrine.audit.selectors import audit_events
from vitrine.backoffice import nudges
from vitrine.backoffice.forms import (
    AssistedShopForm,
    CommuneForm,
    FeaturePositionForm,
    LegalPageForm,
    NudgeForm,
    PickupInstructionsForm,
    ReasonForm,
    ScheduledAnnouncementForm,
    SynonymForm,
)
from vitrine.backoffice.selectors import audit_rows, shop_staff_detail
from vitrine.backoffice.services import (
    announcement_end,
    announcement_schedule,
    sign_in_unlock,
    territory_branding_update,
    territory_lockdown_set,
    territory_pickup_instructions_set,
)
from vitrine.catalog.categories import category_tree_with_usage
from vitrine.catalog.forms import CategoryForm
from vitrine.catalog.models import Category, Product
from vitrine.catalog.selectors import shop_category_choices, shop_readiness
from vitrine.catalog.services import (
    category_create,
    category_delete,
    category_reorder,
    category_update,
    product_set_featured,
    product_unpublish_by_staff,
)
from vitrine.common.forms import errors_to_form, form_apply, form_render
from vitrine.common.text import whole_number
from vitrine.common.throttling import throttle
from vitrine.legal.selectors import KINDS, LegalDocument, legal_page_get, legal_page_list
from vitrine.legal.services import legal_page_reset, legal_page_update
from vitrine.orders import selectors as order_selectors
from vitrine.orders.forms import OrderSettingsForm
from vitrine.orders.settings_services import order_settings_update
from vitrine.search.models import Synonym
from vitrine.search.selectors import synonym_list
from vitrine.search.services import synonym_add, synonym_delete
from vitrine.shops.communes import commune_add
from vitrine.shops.joining import shop_create_assisted
from vitrine.shops.models import Shop
from vitrine.shops.moderation import shop_approve, shop_refuse, shop_resume, shop_set_featured, shop_suspend
from vitrine.shops.opening import territory_zone
from vitrine.shops.permissions import admin_required, staff_required
from vitrine.shops.selectors import (
    commune_list,
    shop_pending_list,
    shop_staff_list,
    shop_status_counts,
)
from vitrine.tenancy.forms import IdentityForm
from vitrine.tenancy.models import DEFAULT_PICKUP_INSTRUCTIONS, Announcement
from vitrine.tenancy.selectors import announcements_for_team, identity_preview_context


@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Applications waiting first, then every shop, filtered by status."""
    status = request.GET.get("statut") or ""
    if status and status not in Shop.Status.values:
        status = ""
    counts = shop_status_counts()
    return render(
        request,
        "backoffice/home.html",
        {
            "pending": shop_pending_list(),
            "shops": shop_staff_list(status=status or None),
            "status": status,
            "statuses": [(value, label, counts[value]) for value, label in Shop.Status.choices],
        },
    )


def _detail(request, shop: Shop, *, reason_forms: dict | None = None, errors: list[str] = (), status: int = 200):
    shop = shop_staff_detail(pk=shop.pk)
    forms = {"refuse": ReasonForm(prefix="refuse"), "suspend": ReasonForm(prefix="suspend")}
    forms.update(reason_forms or {})
    return render(
        request,
        "backoffice/shop_detail.html",
        {
            "shop": shop,
            "readiness": shop_readiness(shop),
            "refuse_form": forms["refuse"],
            "suspend_form": forms["suspend"],
            "action_errors": errors,
        },
        status=status,
    )


@staff_required
def staff_shop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Shop, pk=pk))


def _decide(request, pk: int, *, action, done: str) -> HttpResponse:
    """A staff decision without a reason (approve, resume): the shop page again, with the outcome."""
    shop = get_object_or_404(Shop, pk=pk)
    try:
        action(shop=shop, actor=request.user)
    except ValidationError as exc:
        return _detail(request, shop, errors=exc.messages, status=400)
    messages.success(request, done % {"name": shop.name})
    return redirect("staff_shop_detail", pk=shop.pk)


@staff_required
@require_POST
def staff_shop_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, action=shop_approve, done=_("%(name)s is approved; the merchant was told by email."))


def _with_reason(request, pk: int, *, action, prefix: str, done: str) -> HttpResponse:
    shop = get_object_or_404(Shop, pk=pk)
    form = ReasonForm(request.POST, prefix=prefix)
    form.is_valid()
    try:
        action(shop=shop, actor=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        errors_to_form(form, exc)
        # a refused transition is not about the reason: say it above the forms
        return _detail(request, shop, reason_forms={prefix: form}, errors=form.non_field_errors(), status=400)
    messages.success(request, done % {"name": shop.name})
    return redirect("staff_shop_detail", pk=shop.pk)


def _reason_view(action, *, prefix: str, done: str):
    """A staff decision on a shop that takes a reason sent to the merchant (refuse, suspend)."""

    @staff_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _with_reason(request, pk, action=action, prefix=prefix, done=str(done))

    return view


staff_shop_refuse = _reason_view(
    shop_refuse, prefix="refuse", done=gettext_lazy("%(name)s is refused; the merchant received your reason by email.")
)
staff_shop_suspend = _reason_view(
    shop_suspend,
    prefix="suspend",
    done=gettext_lazy("%(name)s is suspended; the merchant received your reason by email."),
)


@staff_required
@require_POST
def staff_shop_resume(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, action=shop_resume, done=_("%(name)s is online again."))


@staff_required
@require_POST
def staff_shop_feature(request: HttpRequest, pk: int) -> HttpResponse:
    shop = get_object_or_404(Shop, pk=pk)
    featured = request.POST.get("featured") == "1"
    position = whole_number(request.POST.get("position"))
    try:
        shop_set_featured(shop=shop, actor=request.user, featured=featured, position=position)
    except ValidationError as exc:
        return _detail(request, shop, errors=exc.messages, status=400)
    messages.success(
        request,
        _("%(name)s is featured on the home page.") % {"name": shop.name}
        if featured
        else _("%(name)s is no longer featured on the home page.") % {"name": shop.name},
    )
    if request.POST.get("next") == "featured":
        return redirect("staff_featured")
    return redirect("staff_shop_detail", pk=shop.pk)


@staff_required
def staff_shop_create(request: HttpRequest) -> HttpResponse:
    """Assisted onboarding: staff create a shop for a merchant, who is invited by email."""
    form = AssistedShopForm(request.POST or None, category_choices=shop_category_choices())
    if request.method == "POST" and form.is_valid():
        try:
            shop = shop_create_assisted(
                application=form.application(), owner_email=form.cleaned_data["owner_email"], actor=request.user
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("%(name)s is created and online; its owner received an email.") % {"name": shop.name}
            )
            return redirect("staff_shop_detail", pk=shop.pk)
    return render(request, "backoffice/shop_create.html", {"form": form}, status=400 if form.errors else 200)


# --- Category tree --------------------------------------------------------------------------


def _parent_of(form) -> Category | None:
    return form.cleaned_data.get("parent")


@staff_required
def staff_categories(request: HttpRequest) -> HttpResponse:
    """The category tree: add, rename, move, reorder, delete (unused ones only)."""
    form = CategoryForm(request.POST or None)
    added = form_apply(
        request,
        form,
        lambda: category_create(name=form.cleaned_data["name"], parent=_parent_of(form), actor=request.user),
        done=lambda category: _("The category %(name)s is added.") % {"name": category.name},
        then="staff_categories",
    )
    context = {"form": form, "tree": category_tree_with_usage().roots}
    return added or form_render(request, "backoffice/categories.html", context, form)


@staff_required
def staff_category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    form = CategoryForm(
        request.POST or None, exclude=category, initial={"name": category.name, "parent": category.parent_id}
    )
    saved = form_apply(
        request,
        form,
        lambda: category_update(
            category=category, name=form.cleaned_data["name"], parent=_parent_of(form), actor=request.user
        ),
        done=lambda saved: _("The category %(name)s is saved.") % {"name": saved.name},
        then="staff_categories",
    )
    return saved or form_render(request, "backoffice/category_edit.html", {"form": form, "category": category}, form)


@staff_required
@require_POST
def staff_category_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    category_reorder(
        category=get_object_or_404(Category, pk=pk), direction=request.POST.get("direction", ""), actor=request.user
    )
    return redirect(reverse("staff_categories") + f"#categorie-{pk}")


@staff_required
@require_POST
def staff_category_delete(request: HttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    try:
        category_delete(category=category, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The category %(name)s is deleted.") % {"name": category.name})
    return redirect("staff_categories")


# --- Communes ----------------------------------------------------------------------------------


@staff_required
def staff_communes(request: HttpRequest) -> HttpResponse:
    form = CommuneForm(request.POST or None)
    added = form_apply(
        request,
        form,
        lambda: commune_add(name=form.cleaned_data["name"], postcode=form.cleaned_data["postcode"], actor=request.user),
        done=lambda commune: _("%(commune)s is added.") % {"commune": commune},
        then="staff_communes",
    )
    return added or form_render(request, "backoffice/communes.html", {"form": form, "communes": commune_list()}, form)


# --- Search synonyms ---------------------------------------------------------------------------


@staff_required
def staff_synonyms(request: HttpRequest) -> HttpResponse:
    """Words shoppers type that also find other words ("cadeau" → "idées cadeaux"): add, list, delete."""
    form = SynonymForm(request.POST or None)
    added = form_apply(
        request,
        form,
        lambda: synonym_add(
            word=form.cleaned_data["word"], expansion=form.cleaned_data["expansion"], actor=request.user
        ),
        done=lambda synonym: (
            _("“%(word)s” now also finds “%(expansion)s”.") % {"word": synonym.word, "expansion": synonym.expansion}
        ),
        then="staff_synonyms",
    )
    context = {"form": form, "synonyms": synonym_list()}
    return added or form_render(request, "backoffice/synonyms.html", context, form)


@staff_required
@require_POST
def staff_synonym_delete(request: HttpRequest, pk: int) -> HttpResponse:
    synonym = get_object_or_404(Synonym, pk=pk)
    synonym_delete(synonym=synonym, actor=request.user)
    messages.success(
        request,
        _("“%(word)s” no longer finds “%(expansion)s”.") % {"word": synonym.word, "expansion": synonym.expansion},
    )
    return redirect("staff_synonyms")


# --- Moderation -----------------------------------------------------------------------------


@staff_required
def staff_product_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a product offline with a reason the merchant sees."""
    product = get_object_or_404(Product.objects.select_related("shop"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        form.is_valid()
        try:
            product_unpublish_by_staff(product=product, actor=request.user, reason=form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("“%(title)s” is offline; the merchant received your reason.") % {"title": product.title}
            )
            return redirect("staff_shop_detail", pk=product.shop_id)
    return form_render(request, "backoffice/product_unpublish.html", {"form": form, "product": product}, form)


# --- Order rules ---------------------------------------------------------------------


@staff_required
def staff_orders_settings(request: HttpRequest) -> HttpResponse:
    """Set the delays: before an order not collected is released (1–30 days), the reminder, and an unpaid order's release."""
    current = order_selectors.order_settings()
    initial = {
        "not_collected_after_days": current.not_collected_after_days,
        "reminder_days_before": current.reminder_days_before,
        "unpaid_release_minutes": current.unpaid_release_minutes,
    }
    form = OrderSettingsForm(request.POST or None, initial=initial)
    saved = form_apply(
        request,
        form,
        lambda: order_settings_update(actor=request.user, **form.cleaned_data),
        done=_("Order rules saved: the next check of orders not collected uses them."),
        then="staff_orders_settings",
    )
    return saved or form_render(request, "backoffice/order_settings.html", {"form": form, "settings": current}, form)


# --- The marketplace's identity (/espace/) ----------------------------------------------


@admin_required
def branding(request: HttpRequest) -> HttpResponse:
    """Territory admins change their marketplace's identity: name, colours, texts and images."""
    territory = request.tenant
    form = IdentityForm(
        request.POST or None, request.FILES or None, initial=IdentityForm.initial_for(territory), territory=territory
    )
    saved = form_apply(
        request,
        form,
        lambda: territory_branding_update(territory=territory, actor=request.user, change=form.change()),
        done=_("Your marketplace's look is saved."),
        then="branding",
    )
    context = {"form": form, "preview": identity_preview_context(territory)}
    return saved or form_render(request, "backoffice/branding.html", context, form)


# --- The legal pages (/espace/textes-legaux/) ---------------------------------------------------


@admin_required
def legal_pages(request: HttpRequest) -> HttpResponse:
    """The territory's legal pages: default text or rewritten, and what is left to fill in."""
    return render(request, "backoffice/legal_pages.html", {"documents": legal_page_list(territory=request.tenant)})


@admin_required
def legal_page_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """Admins rewrite a legal page; "Preview" shows the typed text as visitors will read it, saving nothing."""
    if kind not in KINDS:
        raise Http404
    territory = request.tenant
    document = legal_page_get(kind=kind, territory=territory)
    initial = {"title": document.title, "body": document.body, "accessibility": territory.accessibility}
    form = LegalPageForm(request.POST or None, initial=initial, kind=kind)
    context = {"form": form, "document": document, "preview": None, "missing": document.to_complete}
    if request.method == "POST" and request.POST.get("action") == "preview":
        if form.is_valid():
            data = form.cleaned_data
            context["preview"] = LegalDocument(kind=kind, title=data["title"], body=data["body"], is_default=False)
            context["missing"] = context["preview"].to_complete
        return form_render(request, "backoffice/legal_page_edit.html", context, form)
    saved = form_apply(
        request,
        form,
        lambda: legal_page_update(
            territory=territory,
            actor=request.user,
            kind=kind,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            accessibility=form.cleaned_data.get("accessibility"),
        ),
        done=_("The page is saved: visitors read it now."),
        then=reverse("legal_page_edit", args=[kind]),
    )
    return saved or form_render(request, "backoffice/legal_page_edit.html", context, form)


@admin_required
@require_POST
def legal_page_reset_view(request: HttpRequest, kind: str) -> HttpResponse:
    """Bring back the page's default text (the territory's facts filled in)."""
    if kind not in KINDS:
        raise Http404
    legal_page_reset(actor=request.user, kind=kind)
    messages.success(request, _("The default text is back on the page."))
    return redirect("legal_page_edit", kind)


# --- The territory's audit trail -------------------------------------------------------------

AUDIT_PER_PAGE = 50
AUDIT_KINDS = {"shop", "order", "product", "category", "commune", "territory", "synonym"}


@staff_required
def staff_audit(request: HttpRequest) -> HttpResponse:
    """Every decision made in the territory, newest first: who, what, on what (filtered by kind)."""
    kind = request.GET.get("objet", "")
    kind = kind if kind in AUDIT_KINDS else ""
    page = Paginator(audit_events(object_type=kind), AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "backoffice/audit.html", {"page": page, "rows": audit_rows(page), "kind": kind})


# --- Locked sign-ins ------------------------------------------------------------------------


@admin_required
def staff_sign_ins(request: HttpRequest) -> HttpResponse:
    """Sign-ins locked now in the territory (too many wrong passwords), each with its unlock button."""
    return render(request, "backoffice/sign_ins.html", {"lockouts": lockout_list()})


@admin_required
@require_POST
def staff_sign_in_unlock(request: HttpRequest) -> HttpResponse:
    return sign_in_unlock_answer(request, unlock=sign_in_unlock, back="staff_sign_ins")


# --- Levers (issue #12): lockdown mode, nudges, scheduled announcements, featuring -------------


@staff_required
def staff_lockdown(request: HttpRequest) -> HttpResponse:
    """Lockdown mode: its state, the switch (behind a confirmation) and the pickup instructions."""
    territory = request.tenant
    form = PickupInstructionsForm(request.POST or None, initial={"pickup_instructions": territory.pickup_instructions})
    saved = form_apply(
        request,
        form,
        lambda: territory_pickup_instructions_set(
            territory=territory, actor=request.user, text=form.cleaned_data["pickup_instructions"]
        ),
        done=_("The contactless pickup instructions are saved."),
        then="staff_lockdown",
    )
    context = {"form": form, "default_instructions": DEFAULT_PICKUP_INSTRUCTIONS}
    return saved or form_render(request, "backoffice/lockdown.html", context, form)


@staff_required
def staff_lockdown_switch(request: HttpRequest) -> HttpResponse:
    """GET: what switching on (or off) changes, and a confirmation; POST: switch."""
    territory = request.tenant
    turn_on = not territory.lockdown
    if request.method == "POST":
        if request.POST.get("on") != ("1" if turn_on else "0"):  # a stale page: the state moved meanwhile
            messages.error(request, _("Lockdown mode was changed meanwhile: check its state."))
            return redirect("staff_lockdown")
        try:
            territory_lockdown_set(territory=territory, actor=request.user, on=turn_on)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("staff_lockdown")
        messages.success(
            request,
            _("Lockdown mode is on: every page says so and puts Click & Collect first.")
            if turn_on
            else _("Lockdown mode is off: the site is back to normal."),
        )
        return redirect("staff_lockdown")
    return render(request, "backoffice/lockdown_confirm.html", {"turn_on": turn_on})


def _nudge_filters(request: HttpRequest) -> tuple[str, int]:
    reason = request.GET.get("raison") or nudges.REASON_STALE
    if reason not in nudges.REASONS:
        reason = nudges.REASON_STALE
    days = whole_number(request.GET.get("jours")) or 30
    if days not in nudges.DAYS_CHOICES:
        days = 30
    return reason, days


@staff_required
@throttle("shop_nudge", key="user_or_ip")
def staff_nudges(request: HttpRequest) -> HttpResponse:
    """Inactive shops, the email to them (previewed for one shop), and its sending (capped per shop)."""
    reason, days = _nudge_filters(request)
    rows = nudges.nudge_candidates(reason=reason, days=days)
    territory = request.tenant
    initial = {"subject": str(nudges.DEFAULT_SUBJECT), "body": str(nudges.DEFAULT_BODY)}
    form = NudgeForm(request.POST or None, initial=initial)
    chosen = {int(pk) for pk in request.POST.getlist("shops") if pk.isdigit()}
    preview = None
    if request.method == "POST" and form.is_valid():
        subject, body = form.cleaned_data["subject"], form.cleaned_data["body"]
        if request.POST.get("action") == "send":
            try:
                outcome = nudges.nudge_send(
                    actor=request.user,
                    shop_ids=sorted(chosen),
                    reason=reason,
                    days=days,
                    subject=subject,
                    body=body,
                    territory_name=territory.name,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "%(sent)s shop(s) emailed, %(skipped)s skipped (emailed less than %(cap)s days ago, or no owner)."
                    )
                    % {"sent": len(outcome.sent), "skipped": len(outcome.skipped), "cap": nudges.NUDGE_CAP_DAYS},
                )
                return redirect(f"{reverse('staff_nudges')}?raison={reason}&jours={days}")
        else:
            try:
                nudges.nudge_text_check(subject=subject, body=body)
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                preview_pk = whole_number(request.POST.get("apercu"))
                row = (
                    next((r for r in rows if r.shop.pk == preview_pk), None)
                    or next((r for r in rows if r.shop.pk in chosen), None)
                    or (rows[0] if rows else None)
                )
                if row is not None:
                    preview_subject, preview_body = nudges.nudge_render(
                        subject=subject, body=body, row=row, reason=reason, days=days, territory_name=territory.name
                    )
                    preview = {"shop": row.shop, "subject": preview_subject, "body": preview_body}
    context = {
        "form": form,
        "rows": rows,
        "reason": reason,
        "days": days,
        "reasons": list(nudges.REASONS.items()),
        "days_choices": nudges.DAYS_CHOICES,
        "cap_days": nudges.NUDGE_CAP_DAYS,
        "chosen": chosen,
        "preview": preview,
    }
    return form_render(request, "backoffice/nudges.html", context, form)


def _local_datetime(value):
    """A naive date and time typed in the form, in the territory's zone (the request's current one)."""
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, territory_zone())


@staff_required
def staff_announcements(request: HttpRequest) -> HttpResponse:
    """Every announcement (current, scheduled, past) and a form to schedule another."""
    territory = request.tenant
    with timezone.override(territory_zone()):
        form = ScheduledAnnouncementForm(request.POST or None)
        saved = form_apply(
            request,
            form,
            lambda: announcement_schedule(
                territory=territory,
                actor=request.user,
                text=form.cleaned_data["text"],
                link=form.cleaned_data["link"],
                starts_at=_local_datetime(form.cleaned_data["starts_at"]),
                ends_at=_local_datetime(form.cleaned_data["ends_at"]),
            ),
            done=_("The announcement is scheduled."),
            then="staff_announcements",
        )
        if saved:
            return saved
        context = {"form": form, "states": announcements_for_team(territory), "zone": territory_zone()}
        return form_render(request, "backoffice/announcements.html", context, form)


@staff_required
@require_POST
def staff_announcement_end(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        announcement_end(territory=request.tenant, actor=request.user, pk=pk)
    except Announcement.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The announcement is ended."))
    return redirect("staff_announcements")


@staff_required
def staff_featured(request: HttpRequest) -> HttpResponse:
    """What the home page features, in the team's order: shops and products."""
    return render(
        request,
        "backoffice/featured.html",
        {
            "shops": Shop.objects.filter(is_featured=True).order_by("featured_position", "name"),
            "products": Product.objects.filter(featured_position__isnull=False)
            .select_related("shop")
            .order_by("featured_position", "id"),
        },
    )


@staff_required
@require_POST
def staff_product_feature(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    form = FeaturePositionForm(request.POST)
    back = redirect("staff_featured") if request.POST.get("next") == "featured" else None
    back = back or redirect("staff_shop_detail", pk=product.shop_id)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back
    position = form.cleaned_data["position"]
    try:
        product_set_featured(product=product, actor=request.user, position=position)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(title)s is featured on the home page.") % {"title": product.title}
            if position is not None
            else _("%(title)s is no longer featured on the home page.") % {"title": product.title},
        )
    return back
