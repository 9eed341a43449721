"""Write a generated county into the database through the organisation services.

Everything goes through `wangge.org.services` as the system (`actor=SYSTEM`), so the demo
data is validated and audited exactly like data entered by hand.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from wangge.core.access import SYSTEM
from wangge.demo.county import DEMO_PASSWORD, County
from wangge.org import services
from wangge.org.models import Department, Grid, Region, ServicePoint, Staff


@transaction.atomic
def load_county(county: County) -> dict[str, int]:
    """Create everything in `county`; returns how many of each kind were written."""
    departments: dict[str, Department] = {
        code: services.department_create(actor=SYSTEM, code=code, name=name)
        for code, name in county.departments
    }
    regions: dict[str, Region] = {
        r.code: services.region_create(actor=SYSTEM, code=r.code, name=r.name, kind=r.kind)
        for r in county.regions
    }
    points: dict[str, ServicePoint] = {
        p.name: services.service_point_create(
            actor=SYSTEM,
            name=p.name,
            region=regions[p.region],
            address=p.address,
            phone=p.phone,
            lon=p.lon,
            lat=p.lat,
        )
        for p in county.service_points
    }
    grids: dict[str, Grid] = {
        g.code: services.grid_create(
            actor=SYSTEM,
            code=g.code,
            name=g.name,
            region=regions[g.region],
            service_point=points[g.service_point],
            boundary=g.boundary,
        )
        for g in county.grids
    }
    staff = _load_staff(county, departments, grids)
    for m in county.memberships:
        services.membership_set(actor=SYSTEM, staff=staff[m.staff], grid=grids[m.grid], role=m.role)
    for t in county.teams:
        team = services.team_create(
            actor=SYSTEM,
            name=t.name,
            kind=t.kind,
            grid=grids[t.grid] if t.grid else None,
            leader=staff[t.leader] if t.leader else None,
            purpose=t.purpose,
        )
        for employee_no, duty in t.members:
            services.team_member_add(actor=SYSTEM, team=team, staff=staff[employee_no], duty=duty)
    return {
        "departments": len(departments),
        "regions": len(regions),
        "service_points": len(points),
        "grids": len(grids),
        "staff": len(staff),
        "teams": len(county.teams),
    }


def _load_staff(
    county: County, departments: dict[str, Department], grids: dict[str, Grid]
) -> dict[str, Staff]:
    # PBKDF2 per user would take most of the run: hash once, share the hash.
    hashed = make_password(DEMO_PASSWORD)
    staff: dict[str, Staff] = {}
    for s in county.staff:
        person = services.staff_create(
            actor=SYSTEM,
            username=s.username,
            password=None,
            name=s.name,
            employee_no=s.employee_no,
            role=s.role,
            phone=s.phone,
            department=departments[s.department],
            agency=s.agency,
            primary_grid=grids[s.primary_grid] if s.primary_grid else None,
        )
        user = person.user
        user.password = hashed
        fields = ["password"]
        if s.is_superuser:
            user.is_superuser = user.is_staff = True
            fields += ["is_superuser", "is_staff"]
        user.save(update_fields=fields)
        staff[s.employee_no] = person
    return staff
