"""A person's own account, under /compte/."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from vitrine.accounts import views
from vitrine.accounts.forms import TerritoryPasswordResetForm

urlpatterns = [
    path("connexion/", views.TerritoryLoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("inscription/", views.sign_up, name="sign_up"),
    path("inscription/envoyee/", views.sign_up_sent, name="sign_up_sent"),
    path("inscription/<uidb64>/<token>/", views.sign_up_confirm, name="sign_up_confirm"),
    path("", views.account_home, name="account"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("mot-de-passe/modifier/", views.AccountPasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path(
        "mot-de-passe/oublie/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=TerritoryPasswordResetForm,
            success_url=reverse_lazy("password_reset_done"),
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
