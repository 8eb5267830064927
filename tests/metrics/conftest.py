import pytest

from vitrine.metrics.counting import buffer_discard


@pytest.fixture(autouse=True)
def _empty_buffers():
    """Each test counts from nothing: what other tests' pages left in the buffer is dropped."""
    for schema_name in ("nancy", "limoges"):
        buffer_discard(schema_name=schema_name)
    yield
    for schema_name in ("nancy", "limoges"):
        buffer_discard(schema_name=schema_name)
