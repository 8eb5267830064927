"""Catalogue test helpers: images, merchants' clients, shops with products."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from vitrine.testing.factories import ShopFactory, UserFactory
from vitrine.testing.helpers import client_on


def png_bytes(width: int = 800, height: int = 600, colour: str = "#7a1f3d") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "photo.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


@pytest.fixture(name="png_upload")
def png_upload_fixture():
    """`png_upload("x.png", width=..., height=...)`: a real PNG upload."""
    return png_upload


@pytest.fixture(name="client_for")
def client_for_fixture():
    """`client_for(territory, user)`: a signed-in client on that territory's host."""
    return client_for


client_for = client_on  # a client on the territory's host, signed in as user (a session of that territory)


@pytest.fixture
def media(settings, tmp_path):
    """Media files under a temporary folder (the storage still prefixes the schema)."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def nancy_shop(nancy):
    with tenant_context(nancy):
        return ShopFactory(name="Bijouterie Stanislas")


@pytest.fixture
def nancy_merchant(nancy, nancy_shop):
    """The owner of nancy_shop, signed in on nancy's host."""
    return client_for(nancy, nancy_shop.owner_user)


@pytest.fixture
def other_user(nancy):
    with tenant_context(nancy):
        return UserFactory()
