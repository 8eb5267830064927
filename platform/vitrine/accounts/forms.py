"""Forms of a person's own account: they parse what people type; services decide."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _

from vitrine.accounts import services
from vitrine.accounts.models import User


class SignInForm(AuthenticationForm):
    """Sign-in by email, whatever capitals the phone's keyboard added (addresses are kept in lower case)."""

    # Django's message puts the login field's name in a sentence ("Saisissez un %(username)s"):
    # in French that read "un adresse électronique". Ours names it, with its own article.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter a correct email address and password. The password is case-sensitive."),
    }

    def clean_username(self) -> str:
        return (self.cleaned_data.get("username") or "").strip().lower()


class SignUpForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shops hand over your orders under this name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    privacy = forms.BooleanField(
        label=_("I have read how this marketplace uses my personal data (privacy policy)."),
        error_messages={"required": _("Tick this box to create your account.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = password_validators_help_text_html()

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            # The validators compare the password with the name and the address.
            someone = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                validate_password(password, user=someone)
            except ValidationError as error:
                self.add_error("password", error)
        return data


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shops hand over your orders under this name."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class PasswordConfirmForm(forms.Form):
    """The account's password again, before something that cannot be undone."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("This is not your password."), code="wrong_password")
        return password


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class LockoutForm(forms.Form):
    """Which locked sign-in to lift: the account name and the address, as the list of locks shows them."""

    username = forms.CharField(max_length=254, required=False)
    ip_address = forms.GenericIPAddressField(required=False)


class TerritoryPasswordResetForm(PasswordResetForm):
    """Django's form, whose email goes through the outbox with a link on the territory's own address.

    Django's builds the link from the request's Host header (any port): a forged one would
    send people a genuine token on someone else's site.
    """

    def save(self, *args, **kwargs) -> None:
        services.user_password_reset_send(
            email=self.cleaned_data["email"],
            territory=connection.tenant,  # type: ignore[attr-defined]  # django-tenants' connection
        )


class SignUpConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("The password you chose"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
