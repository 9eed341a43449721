from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wangge.core.imports.pipeline import template_workbook
from wangge.core.management.commands._importing import spec_for


class Command(BaseCommand):
    help = "Write the Excel import template of KIND (headers and an example row) to OUT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind")
        parser.add_argument("out", type=Path)

    def handle(self, *args: Any, kind: str, out: Path, **options: Any) -> None:
        spec = spec_for(kind)
        out.write_bytes(template_workbook(spec))
        self.stdout.write(str(out))
