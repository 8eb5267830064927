"""Factories for tests (and for other deployments' tests): build the world in one call."""
import factory

from vitrine.accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A territory account (created in whatever schema is current)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.fr")
    full_name = factory.Faker("name", locale="fr_FR")
    role = User.Role.SHOPPER
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
