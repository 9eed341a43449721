"""`wangge awards PERIOD [--json] [--grant]`: a period's eligible and awarded people and teams.

PERIOD is a month (YYYY-MM) or a quarter (YYYY-Qn); each award is considered on the periods
of its cadence (monthly or quarterly). `--grant` records this period's 成长之星 and 超越团队
(as the system; those already recorded stay). Figures are percentages with two places, cut,
and money decimal strings.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.access import SYSTEM
from wangge.performance import services_awards as svc
from wangge.performance.models import Award, AwardKind
from wangge.performance.periods import parse_period


def _award(a: Award) -> dict[str, Any]:
    return {
        "staff": a.staff.employee_no if a.staff else None,
        "team": a.team.name if a.team else None,
        "name": a.staff.name if a.staff else (a.team.name if a.team else ""),
        "status": a.status,
        "figure": str(a.figure),
        "rank": a.rank,
        "amount": str(a.amount),
    }


def report(period_code: str) -> dict[str, Any]:
    period = parse_period(period_code)
    awards = list(
        Award.objects.filter(period=period.code)
        .select_related("staff", "team")
        .order_by("kind", "rank", "id")
    )

    def given(kind: str, status: str = Award.Status.AWARDED) -> list[dict[str, Any]]:
        return [_award(a) for a in awards if a.kind == kind and a.status == status]

    return {
        "period": period.code,
        "growth_star": {
            "eligible": [
                {"staff": c.obj.employee_no, "name": c.obj.name, "completion": str(c.figure),
                 "actual": c.details["actual"], "target": c.details["target"]}
                for c in svc.growth_stars(period) if c.eligible
            ],
            "awarded": given(AwardKind.GROWTH_STAR),
        },
        "surpass_team": {
            "ranked": [
                {"team": c.obj.name, "rank": c.rank, "figure": str(c.figure),
                 "eligible": c.eligible}
                for c in svc.surpass_teams(period)
            ],
            "awarded": given(AwardKind.SURPASS_TEAM),
        },
        "pioneer_star": {
            "nominated": given(AwardKind.PIONEER_STAR, Award.Status.NOMINATED),
            "awarded": given(AwardKind.PIONEER_STAR),
        },
    }  # fmt: skip


class Command(BaseCommand):
    help = "Awards (成长之星, 超越团队, 创业之星) of a period: eligible and awarded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("period", help="YYYY-MM or YYYY-Qn")
        parser.add_argument("--json", action="store_true", help="Print JSON.")
        parser.add_argument(
            "--grant", action="store_true", help="Record this period's automatic awards."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["grant"]:
            made = svc.awards_grant(actor=SYSTEM, period=period)
            if not options["json"]:
                self.stdout.write(f"granted {len(made)}")
        data = report(period.code)
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['period']}")
        self.stdout.write("成长之星 growth_star:")
        for e in data["growth_star"]["eligible"]:
            self.stdout.write(
                f"  eligible {e['staff']} {e['name']} {e['completion']}% "
                f"({e['actual']}/{e['target']})"
            )
        for a in data["growth_star"]["awarded"]:
            self.stdout.write(f"  awarded  {a['staff']} {a['name']} {a['figure']}% {a['amount']}")
        self.stdout.write("超越团队 surpass_team:")
        for t in data["surpass_team"]["ranked"]:
            mark = "*" if t["eligible"] else " "
            self.stdout.write(f"  {mark} {t['rank']}. {t['team']} {t['figure']}%")
        for a in data["surpass_team"]["awarded"]:
            self.stdout.write(f"  awarded  {a['team']} #{a['rank']} {a['figure']}% {a['amount']}")
        self.stdout.write("创业之星 pioneer_star:")
        for a in data["pioneer_star"]["nominated"]:
            self.stdout.write(f"  nominated {a['staff']} {a['name']} {a['figure']}")
        for a in data["pioneer_star"]["awarded"]:
            self.stdout.write(f"  awarded   {a['staff']} {a['name']} {a['figure']} {a['amount']}")
