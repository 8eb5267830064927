"""Search test helpers: a shopper's client on a territory's host."""

import pytest

from vitrine.testing.helpers import host_client


@pytest.fixture
def shopper():
    """`shopper(territory)`: an anonymous client on that territory's host."""
    return lambda territory: host_client(f"{territory.schema_name}.localhost")
