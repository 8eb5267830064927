"""A person's own account, under /compte/."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from vitrine.accounts import views, views_two_factor
from vitrine.common.throttling import email_key, throttle

# The same two-factor pages serve the console (config/urls_public.py).
views_two_factor_urls = [
    path("connexion/code/", views_two_factor.two_factor_verify, name="two_factor_verify"),
    path("securite/", views_two_factor.two_factor_setup, name="two_factor_setup"),
    path("securite/codes/", views_two_factor.two_factor_codes_renew, name="two_factor_codes_renew"),
    path("securite/desactiver/", views_two_factor.two_factor_disable, name="two_factor_disable"),
]

urlpatterns = [
    # Wrong passwords lock an account per client address (django-axes); this caps one address's tries.
    path("connexion/", throttle("sign_in")(views.TerritoryLoginView.as_view()), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    *views_two_factor_urls,
    path("inscription/", views.sign_up, name="sign_up"),
    path("", views.account_home, name="account"),
    path("mot-de-passe/modifier/", views.AccountPasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "mot-de-passe/oublie/",
        throttle("password_reset")(
            throttle("password_reset_email", key=email_key("email"))(
                auth_views.PasswordResetView.as_view(
                    template_name="accounts/password_reset.html",
                    email_template_name="accounts/email/password_reset.txt",
                    success_url=reverse_lazy("password_reset_done"),
                )
            )
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_set.html", success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/choisi/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_set_done.html"),
        name="password_reset_complete",
    ),
]
