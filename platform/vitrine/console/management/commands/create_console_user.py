"""Create (or update the password of) a platform operator for the console."""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from vitrine.accounts.models import User


class Command(BaseCommand):
    help = "Create a console (super-admin) account in the public schema."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", help="prompted for when omitted")

    def handle(self, *args, **options):
        connection.set_schema_to_public()
        password = options["password"] or getpass.getpass("Password: ")
        if len(password) < 8:
            raise CommandError("The password needs at least 8 characters.")
        email = options["email"].strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            User.objects.create_superuser(email=email, password=password)
            self.stdout.write(self.style.SUCCESS(f"Console account {email} created."))
        else:
            user.set_password(password)
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["password", "is_staff", "is_superuser"])
            self.stdout.write(f"Console account {email} already existed; password updated.")
