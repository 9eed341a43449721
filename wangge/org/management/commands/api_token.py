from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.access import SYSTEM
from wangge.org.models import User
from wangge.org.services import api_token_create


class Command(BaseCommand):
    help = "Issue an API bearer token for a user. The key is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'billing sync'")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['username']!r}.")
        token, raw = api_token_create(actor=SYSTEM, user=user, name=options["name"][:64])
        self.stdout.write(raw)
        self.stderr.write(f"Token {token.prefix}… issued to {user.username}; keep it secret.")
