"""Excel import/export of customers: households (家庭客户) and organisations (集团客户).

The natural key is the customer number 客户编号. A sheet need not have one: a row without
it creates a customer, who gets our number (KH + id). Field sheets are re-sent, though, so
a row without a number that names a customer already at that site (same name and door
address; for an organisation the same 集团单位名称) is refused, naming the number to use.

Rights follow the forms': whoever may create customers may import; an existing customer
is updated only by those who may edit it (`rules.can_edit_customer`); the site a row
names must be one the user sees (for field staff: in their grids) and the owner a person
they see. Unchanged sites and owners are not checked again, as in `services.customer_update`.

Data copied from elsewhere has not been checked on the ground, so imported customers are
unverified unless the sheet gives 最近核实日期; a verification date only ever moves forward.

Writes are bulk (`bulk_create`, one UPDATE per changed row, one audit entry per record) for
the same reason as the site import: the services' per-row queries take minutes for 100,000
rows. `save` (one row) still goes through the services.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock
from wangge.core.access import is_person, scope_for
from wangge.core.audit import snapshot
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, WriteItem, register
from wangge.core.imports.bulk import (
    Blueprint,
    bulk_audit,
    bulk_audit_created,
    bulk_insert,
    bulk_update_changed,
)
from wangge.core.imports.parsers import match_key
from wangge.core.imports.spec import RowErrors
from wangge.core.models import AuditEntry
from wangge.core.params import choice_param, int_param, text_param
from wangge.core.permissions import can
from wangge.core.services import audited_update
from wangge.crm import display, search, selectors, services
from wangge.crm.models import (
    Competitor,
    Customer,
    Organization,
)
from wangge.crm.permissions import Action
from wangge.org.models import Staff
from wangge.territory.models import Site

#: The seed's words for the classes (网络覆盖客户 …), accepted beside ours. Ours come last
#: so that exports and previews, which read the pairs as a dict, write our labels. The
#: seed's 重点客户 is importance, not a relationship: it reads as 客户等级 重点客户
#: (`Customer.from_legacy_status`; a new customer so classed is a prospect).
RELATIONSHIP_CHOICES = (
    (Customer.Relationship.COVERED.value, "网络覆盖客户"),
    (Customer.Relationship.EXISTING.value, "存量客户"),
    (Customer.Relationship.POTENTIAL.value, "潜在客户"),
    (Customer.Relationship.INTENDED.value, "意向客户"),
    (Customer.Relationship.NEW.value, "新增客户"),
    (Customer.LEGACY_KEY_STATUS, "重点客户"),
    (Customer.LEGACY_KEY_STATUS, "重点"),
    *Customer.Relationship.choices,
)
#: Our own numbers: one the sheet brings that we do not have was mistyped or deleted, and
#: creating it would take the number a later customer is issued.
OUR_CODE = re.compile(r"KH\d{8}")
#: Customer fields a row may set, and those of them that are foreign keys.
CUSTOMER_KEYS = (
    "name", "site", "address", "phone", "relationship", "tier", "owner", "current_provider",
)  # fmt: skip
REF_KEYS = frozenset({"site", "owner", "current_provider"})
#: Columns both kinds need before a customer can be created.
REQUIRED_ON_CREATE = ("name", "site", "relationship", "owner")
#: The customer list page's query-string filters, and the selector argument each feeds.
LIST_PARAMS = {"q": "q", "grid": "grid_id", "relationship": "relationship", "tier": "tier",
               "product": "product_id", "stale": "stale", "mine": "owner_id"}  # fmt: skip


def _code_column() -> Column:
    return Column(
        "code", "客户编号", max_length=32, aliases=("客户号", "客户编码"),
        help=gettext_lazy(
            "已有客户填写以更新；新客户可留空（系统编号 KH+8 位数字），或填运营商自己的编号"
        ),
    )  # fmt: skip


def _site_column() -> Column:
    return Column(
        "site", "所属单元", "ref", max_length=32, example="XQ0001",
        aliases=("小区编码", "单元编码", "网格单元编码", "楼宇编码", "商铺编码"),
        required_on_create=True, help=gettext_lazy("小区、楼宇或商铺的编码"),
    )  # fmt: skip


def _common_columns() -> tuple[Column, ...]:
    """The customer's own columns after the kind's: class, tier, owner, provider, check."""
    return (
        Column("relationship", "客户分类", "choice", choices=RELATIONSHIP_CHOICES,
               example="潜在客户", aliases=("客户类别",), required_on_create=True),
        Column("tier", "客户等级", "choice", choices=Customer.Tier.choices, example="普通",
               aliases=("等级", "重要程度"), help=gettext_lazy("不填为普通")),
        Column("owner", "负责人", "ref", max_length=32, example="SD0101",
               aliases=("负责人工号", "客户经理", "营销员"),
               required_on_create=True, help=gettext_lazy("人员工号，或不重名的姓名")),
        Column("current_provider", "当前运营商", "ref", max_length=64, example="中国电信",
               aliases=("运营商", "现用运营商"),
               help=gettext_lazy("非我方客户现用的运营商，如 中国电信 或 电信")),
        Column("verified_on", "最近核实日期", "date", example="2025-10-10",
               aliases=("核实日期", "核实时间"),
               help=gettext_lazy("现场核实过才填：记为那天由导入人核实；不填则为未核实")),
    )  # fmt: skip


def _verified_day(at: dt.datetime | None) -> dt.date | None:
    return clock.local_date(at) if at is not None else None


def _later(at: dt.datetime | None, day: dt.date) -> bool:
    """Whether a verification on `day` is more recent than the one at `at`."""
    return at is None or clock.local_date(at) < day


def _ref_code(key: str, obj: Any) -> str:
    """How a related record is written in the sheet (and shown in the preview's changes)."""
    if obj is None:
        return ""
    if key == "owner":
        return str(obj.employee_no)
    if key == "current_provider":
        return str(obj.name)
    return str(obj.code)


class CustomerSpec(ImportSpec):
    """What households and organisations share: key, scope, references, bulk writes."""

    model = Customer
    customer_kind: ClassVar[str]
    natural_key = ("code",)
    import_action = Action.VIEW  # and `Action.CREATE_CUSTOMER`: see `can_import`
    export_action = Action.VIEW
    chunk_size = 2000
    #: Survey columns (the organisation's own fields); none for households.
    survey_keys: ClassVar[tuple[str, ...]] = ()
    #: A duplicate without a number: same site, same name and (households) same address.
    duplicate_message: ClassVar[Any]

    # --- rights and scope ---------------------------------------------------------------

    def can_import(self, user: Any) -> bool:
        return can(user, Action.VIEW) and can(user, Action.IMPORT_CUSTOMERS)

    def base_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.filter(kind=self.customer_kind)

    def existing_queryset(self) -> QuerySet[Customer]:
        # Numbers are unique across kinds: a household's number is found from the
        # organisation sheet too, and refused there.
        return Customer.objects.select_related("site", "owner", "current_provider")

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        return {o.pk for o in objs if can(user, Action.EDIT_CUSTOMER, o)}

    def phone_visible(self, user: Any, obj: Any) -> bool:
        """The pages' rule (`selectors.phone_shown`): the named owner sees their own
        customers' numbers, agents included; others need the phone right."""
        is_owner = is_person(user) and obj.owner.user_id == user.pk
        return is_owner or super().phone_visible(user, obj)

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("site", "owner", "current_provider")

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The customer list page's filters (`selectors.customer_list`), kind fixed."""
        filters, used = self._list_filters(user, params)
        qs = self._customer_list(user, filters)
        return (qs.none() if self._other_kind(params, used) else qs), used

    def _other_kind(self, params: Mapping[str, str], used: dict[str, str]) -> bool:
        """The list page filtered to the other kind shows none of this kind."""
        kind = choice_param(params, "kind", Customer.Kind)
        if kind in ("", self.customer_kind):
            return False
        used["kind"] = kind
        return True

    def _list_filters(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """`CustomerListView`'s reading of the query string, as selector arguments."""
        filters: dict[str, Any] = {
            "q": text_param(params, "q"),
            "grid_id": int_param(params, "grid"),
            "relationship": choice_param(params, "relationship", Customer.Relationship),
            "tier": choice_param(params, "tier", Customer.Tier),
            "product_id": int_param(params, "product"),
            "stale": params.get("stale") == "1",
            "owner_id": None,
        }
        if params.get("mine") == "1":
            filters["owner_id"] = scope_for(user).staff_id or -1
        used = {name: str(params[name]) for name, arg in LIST_PARAMS.items() if filters[arg]}
        if filters["q"]:
            used["q"] = filters["q"]  # as applied: trimmed
        return filters, used

    def _customer_list(self, user: Any, filters: Mapping[str, Any]) -> QuerySet[Customer]:
        """The list's selector (`SYSTEM`, the command line, sees everything)."""
        return selectors.customer_list(user=user, kind=self.customer_kind, **filters)

    # --- reading ------------------------------------------------------------------------

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        """Sites, owners and possible duplicates of the chunk, a query each."""
        cache = ctx.cache
        if "competitors" not in cache:
            cache["competitors"] = {}
            for c in Competitor.objects.all():
                for name in (c.code, c.name, c.short_name):
                    cache["competitors"].setdefault(match_key(name), c)
            cache["owners"] = {}
            cache["sites"] = {}
            cache["twins_seen"] = {}
            cache["today"] = clock.today()
        # Sites by code, memoised for the run as owners are (a sheet's rows name the same
        # few thousand sites chunk after chunk); None for a code the user cannot use.
        known: dict[str, Site | None] = cache["sites"]
        codes = {d.values["site"] for d in drafts if "site" in d.values} - known.keys()
        if codes:
            sites = Site.objects.filter(code__in=codes).visible_to(user)
            known.update(dict.fromkeys(codes))
            known.update((s.code, s) for s in sites.only("id", "code", "grid_id"))
        self._prepare_owners(
            user, {d.values["owner"] for d in drafts if "owner" in d.values}, cache
        )
        self._prepare_twins(drafts, cache)

    def _prepare_owners(self, user: Any, tokens: set[str], cache: dict[str, Any]) -> None:
        """Owners by 工号 or by name among the staff the user sees; memoised for the run."""
        memo: dict[str, tuple[Staff | None, str]] = cache["owners"]
        tokens = {t for t in tokens if t not in memo}
        if not tokens:
            return
        qs = Staff.objects.filter(
            Q(employee_no__in=tokens | {t.upper() for t in tokens}) | Q(name__in=tokens)
        )
        qs = qs.visible_to(user)
        by_no: dict[str, Staff] = {}
        by_name: dict[str, list[Staff]] = {}
        for s in qs.only("id", "employee_no", "name", "user_id"):
            by_no[s.employee_no.upper()] = s
            by_name.setdefault(s.name, []).append(s)
        for token in tokens:
            found = by_no.get(token.upper())
            named = by_name.get(token, [])
            if found is not None:
                memo[token] = (found, "")
            elif len(named) == 1:
                memo[token] = (named[0], "")
            elif named:
                memo[token] = (None, _("有 %(n)s 位人员叫这个名字，请填工号") % {"n": len(named)})
            else:
                memo[token] = (None, _("没有这个人员，或不是您可见的人员（请填工号或姓名）"))

    def twin_key(self, site_id: int, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """What makes two customers without a number the same: site and name."""
        return (site_id, match_key(values["name"]))

    def _prepare_twins(self, drafts: Sequence[RowDraft], cache: dict[str, Any]) -> None:
        """Customers already at the chunk's sites under the names of its rows without a
        number: one query, compared loosely (spaces, full-width letters) in Python."""
        sites, names = set(), set()
        for d in drafts:
            site = cache["sites"].get(d.values.get("site"))
            if d.existing is None and "code" not in d.values and site and "name" in d.values:
                sites.add(site.pk)
                names.add(d.values["name"])
        twins: dict[tuple[Any, ...], str] = {}
        if sites:
            rows = Customer.objects.filter(
                kind=self.customer_kind, site_id__in=sites, name__in=names
            ).values_list("code", "site_id", "name", "address")
            for code, site_id, name, address in rows:
                key = self.twin_key(site_id, {"name": name, "address": address})
                twins.setdefault(key, code)
        cache["twins"] = twins

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        customer: Customer | None = ctx.existing
        if customer is not None and customer.kind != self.customer_kind:
            return {}, [("code", self.other_kind_message())]
        errors: RowErrors = []
        cleaned = {k: v for k, v in values.items() if k not in REF_KEYS}
        if cleaned.get("relationship") == Customer.LEGACY_KEY_STATUS:
            facts = Customer.from_legacy_status(cleaned.pop("relationship"), creating=not customer)
            # A 客户等级 the row states itself wins over the class's 重点.
            cleaned.update(
                {k: v for k, v in facts.items() if k == "relationship" or k not in values}
            )
        if customer is None and OUR_CODE.fullmatch(values.get("code", "")):
            errors.append(("code", self.not_found_message()))
        errors += self._references(values, customer, ctx, cleaned)
        day = values.get("verified_on")
        if day is not None and day > ctx.cache["today"]:
            errors.append(("verified_on", _("核实日期不能晚于今天")))
        if customer is None:
            errors += [
                (k, _("新建时必须填写"))
                for k in REQUIRED_ON_CREATE
                if k not in values and k not in ctx.failed
            ]
            if not errors and not ctx.failed and "code" not in values:
                errors += self._twin(cleaned, ctx)
        return cleaned, errors

    def _references(
        self,
        values: Mapping[str, Any],
        customer: Customer | None,
        ctx: ImportContext,
        cleaned: dict[str, Any],
    ) -> RowErrors:
        """Site, owner and provider from their codes. The current site and owner stay
        acceptable even where the user could not choose them (a named owner's customer in
        another grid; an owner from outside the user's grids)."""
        errors: RowErrors = []
        if "site" in values:
            code = values["site"]
            if customer is not None and code == customer.site.code:
                cleaned["site"] = customer.site
            elif (site := ctx.cache["sites"].get(code)) is not None:
                cleaned["site"] = site
            else:
                errors.append(("site", _("没有这个网格单元编码，或它不在您的网格内")))
        if "owner" in values:
            token = values["owner"]
            current = customer.owner if customer is not None else None
            if current is not None and token in (current.employee_no, current.name):
                cleaned["owner"] = current
            else:
                staff, message = ctx.cache["owners"][token]
                if staff is None:
                    errors.append(("owner", message))
                cleaned["owner"] = staff
        if "current_provider" in values:
            provider = ctx.cache["competitors"].get(match_key(values["current_provider"]))
            if provider is None:
                errors.append(("current_provider", _("没有这个运营商（可填 中国电信、电信 等）")))
            cleaned["current_provider"] = provider
        return errors

    def _twin(self, cleaned: Mapping[str, Any], ctx: ImportContext) -> RowErrors:
        key = self.twin_key(cleaned["site"].pk, cleaned)
        code = ctx.cache["twins"].get(key)
        if code is not None:
            return [("name", str(self.duplicate_message) % {"code": code})]
        first = ctx.cache["twins_seen"].setdefault(key, ctx.row)
        if first != ctx.row:
            return [("name", _("与第 %(row)s 行是同一客户，请合并为一行") % {"row": first})]
        return []

    def other_kind_message(self) -> str:
        raise NotImplementedError

    def not_found_message(self) -> str:
        """For a number nobody holds and for another grid's alike (the pipeline says it
        for numbers the user cannot see): the answer does not tell that it exists."""
        return _("没有这个客户编号（KH 开头的编号由系统发放）；新客户请留空")

    # --- comparing ----------------------------------------------------------------------

    def changes(
        self, customer: Customer, cleaned: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What an update changes: (customer fields, survey fields), as model values.
        Verification is a change only when the sheet's date is later than the record's."""
        mine: dict[str, Any] = {}
        for key in CUSTOMER_KEYS:
            if key not in cleaned:
                continue
            new = cleaned[key]
            old = getattr(customer, f"{key}_id") if key in REF_KEYS else getattr(customer, key)
            if old != (getattr(new, "pk", None) if key in REF_KEYS else new):
                mine[key] = new
        day = cleaned.get("verified_on")
        if day is not None and _later(customer.verified_at, day):
            mine.update(services.verification_stamp(None, day))
        return mine, self.survey_changes(customer, cleaned)

    def survey_changes(self, customer: Customer, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        """Households have no survey."""
        return {}

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        mine, survey = self.changes(obj, cleaned)
        # Only a survey change reads the survey: for a household that would be a query.
        org = getattr(obj, "organization", None) if survey else None
        out: list[tuple[str, Any, Any]] = []
        for key, new in mine.items():
            if key in REF_KEYS:
                out.append((key, _ref_code(key, getattr(obj, key)), _ref_code(key, new)))
            elif key not in services.VERIFY_FIELDS:
                out.append((key, getattr(obj, key), new))
        for key, new in survey.items():
            if key not in services.VERIFY_FIELDS and key not in mine:
                out.append((key, getattr(org, key, None), new))
        if "verified_at" in mine or "verified_at" in survey:
            record = obj if "verified_at" in mine else org
            before = _verified_day(getattr(record, "verified_at", None))
            out.append(("verified_on", before, cleaned["verified_on"]))
        return out

    # --- writing ------------------------------------------------------------------------

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        """One row through the services (the pipeline's bulk path is `save_many`)."""
        day = cleaned.get("verified_on")
        if existing is None:
            fields = {k: cleaned[k] for k in (*CUSTOMER_KEYS, *self.survey_keys) if k in cleaned}
            customer = self.create_one(user, code=cleaned.get("code"), **fields)
            mine = survey = {"verified_at": day} if day else {}
        else:
            mine, survey = self.changes(existing, cleaned)
            customer = existing
            data = {k: v for k, v in mine.items() if k in CUSTOMER_KEYS}
            if data:
                customer = services.customer_update(actor=user, customer=existing, data=data)
            data = {k: v for k, v in survey.items() if k in self.survey_keys and k != "name"}
            if data:  # the name followed the customer's through `customer_update`
                org = Organization.objects.get(customer=customer)
                services.organization_update(actor=user, organization=org, data=data)
        if day is not None:
            stamp = services.verification_stamp(services.staff_of(user), day)
            records = [customer] if "verified_at" in mine else []
            if "verified_at" in survey:
                records += Organization.objects.filter(customer=customer)
            for record in records:
                audited_update(actor=user, instance=record, data=stamp, fields=tuple(stamp))
        return customer, existing is None

    def create_one(self, user: Any, **fields: Any) -> Customer:
        raise NotImplementedError

    def save_many(self, user: Any, items: Sequence[WriteItem]) -> None:
        verifier = services.staff_of(user)
        creates = [i for i in items if i.existing is None]
        updates = [i for i in items if i.existing is not None]
        now = clock.now()  # once, not a default per instance
        blueprint = Blueprint(Customer)
        new = [self._new(blueprint, i.cleaned, verifier, now) for i in creates]
        services.customers_number(new)  # ids and KH numbers before the insert
        for item, customer in zip(creates, new, strict=True):
            item.obj = customer
        written = [c.pk for c in new] + [i.existing.pk for i in updates]
        sites = {c.site_id for c in new} | {i.existing.site_id for i in updates}  # before moves
        # SQLite's search index: the batch's words in two statements, not triggers per row.
        with search.set_aside(written):
            bulk_insert(Customer, new)
            created_surveys = self.create_surveys(creates)
            self._update_many(user, updates, verifier)
        services.customers_announce(new)  # on commit: a refused import announces nothing
        bulk_audit_created(actor=user, instances=[*new, *created_surveys])
        services.site_counts_refresh(site_ids=sites | {i.existing.site_id for i in updates})

    def _new(
        self, blueprint: Blueprint, cleaned: Mapping[str, Any], verifier: Staff | None, now: Any
    ) -> Customer:
        day = cleaned.get("verified_on")
        customer = blueprint.build(
            created_at=now,
            kind=self.customer_kind,
            code=cleaned.get("code") or None,
            name=cleaned["name"],
            site=cleaned["site"],
            address=cleaned.get("address", ""),
            phone=cleaned.get("phone", ""),
            relationship=cleaned["relationship"],
            tier=cleaned.get("tier", Customer.Tier.STANDARD),
            owner=cleaned["owner"],
            current_provider=cleaned.get("current_provider"),
            **(services.verification_stamp(verifier, day) if day else {}),
        )
        assert isinstance(customer, Customer)
        return customer

    def create_surveys(self, creates: Sequence[WriteItem]) -> list[Any]:
        """The survey rows of new group customers (households have none)."""
        return []

    def _update_many(self, user: Any, items: Sequence[WriteItem], verifier: Staff | None) -> None:
        customers: list[tuple[Any, set[str]]] = []
        surveys: list[tuple[Any, set[str]]] = []
        audits = []
        new_surveys = []
        for item in items:
            customer = item.obj = item.existing
            mine, survey = self.changes(customer, item.cleaned)
            if mine:
                if "verified_at" in mine:
                    mine.update(services.verification_stamp(verifier, item.cleaned["verified_on"]))
                before = snapshot(customer)
                for name, value in mine.items():
                    setattr(customer, name, value)
                customers.append((customer, set(mine)))
                audits.append((customer, before, snapshot(customer)))
            if not survey:
                continue
            if "verified_at" in survey:
                survey.update(services.verification_stamp(verifier, item.cleaned["verified_on"]))
            org = getattr(customer, "organization", None)
            if org is None:  # a group customer whose survey was never started
                fields = {k: v for k, v in survey.items() if k != "name"}  # the customer's
                new_surveys.append(services.organization_new(customer, **fields))
                continue
            before = snapshot(org)
            for name, value in survey.items():
                setattr(org, name, value)
            surveys.append((org, set(survey)))
            audits.append((org, before, snapshot(org)))
        bulk_update_changed(Customer, customers)
        bulk_update_changed(Organization, surveys)
        Organization.objects.bulk_create(new_surveys, batch_size=1000)
        bulk_audit(actor=user, action=AuditEntry.Action.UPDATE, changes=audits)
        bulk_audit(
            actor=user,
            action=AuditEntry.Action.CREATE,
            changes=((o, None, snapshot(o)) for o in new_surveys),
        )

    # --- exporting ----------------------------------------------------------------------

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "code": obj.code,
            "name": obj.name,
            "site": obj.site.code,
            "address": obj.address,
            "phone": display.customer_phone(obj),  # the pages' and the API's rule
            "relationship": obj.relationship,
            "tier": obj.tier,
            "owner": obj.owner.employee_no,
            "current_provider": _ref_code("current_provider", obj.current_provider),
            "verified_on": _verified_day(obj.verified_at),
        }


# --- households -------------------------------------------------------------------------------


class HouseholdSpec(CustomerSpec):
    kind = "households"

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The customer's own columns and only the related ones `export_row` and
        `phone_visible` read (codes and names, not the sites' and staff's every column)."""
        own = [f.name for f in Customer._meta.concrete_fields]
        related = ("site__code", "owner__employee_no", "owner__user_id", "current_provider__name")
        return super().export_queryset(qs.select_related(None)).only(*own, *related)

    label = gettext_lazy("家庭客户")
    customer_kind = Customer.Kind.HOUSEHOLD
    duplicate_message = gettext_lazy(
        "该单元已有同名同地址的客户（客户编号 %(code)s），要更新请填写客户编号"
    )
    columns = (
        _code_column(),
        Column("name", "客户名称", max_length=100, example="张伟",
               aliases=("户主姓名", "姓名", "客户姓名"), required_on_create=True),
        _site_column(),
        Column("address", "门牌地址", max_length=100, example="3栋2单元501",
               aliases=("楼栋单元房号", "地址", "门牌号")),
        Column("phone", "联系电话", "phone", example="13800138000",
               aliases=("电话", "手机", "手机号", "手机号码")),
        *_common_columns(),
    )  # fmt: skip

    def twin_key(self, site_id: int, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """A household is also told apart by its door address."""
        return (site_id, match_key(values["name"]), match_key(values.get("address", "")))

    def other_kind_message(self) -> str:
        return _("这个客户编号是集团客户的，请用集团客户表导入")

    def create_one(self, user: Any, **fields: Any) -> Customer:
        return services.customer_create(actor=user, verified=False, **fields)


# --- organisations ----------------------------------------------------------------------------

#: Survey columns in the seed's order (集团客户信息收集核心要素), its words as headers.
SURVEY_COLUMNS = (
    Column("contact_name", "联系人", max_length=32, example="王主任"),
    Column("contact_phone", "联系电话", "phone", example="0739-2712345",
           aliases=("联系人电话",)),
    Column("computers", "单位现有电脑数", "int", example="120", aliases=("电脑数",),
           min_value=0, max_value=2_147_483_647),
    Column("current_network", "单位现用网络", max_length=200, example="中国电信 100M 专线"),
    Column("quality_requirement", "网络质量要求", max_length=200, example="视频会议不卡顿"),
    Column("quality_feedback", "使用网络质量及诉求", max_length=2000, example="高峰期网速慢"),
    Column("development_wishes", "发展希望", max_length=2000, example="扩容到千兆"),
    Column("key_person_name", "业务核心人物姓名", max_length=32, example="李校长",
           aliases=("核心人物姓名",)),
    # The survey form repeats 联系电话 after the key person's name: that one is theirs.
    Column("key_person_phone", "业务核心人物联系电话", "phone", example="13900139000",
           aliases=("核心人物联系电话", "业务核心人物电话"), second_of="contact_phone"),
)  # fmt: skip


class OrganizationSpec(CustomerSpec):
    kind = "organizations"
    label = gettext_lazy("集团客户")
    customer_kind = Customer.Kind.GROUP
    survey_keys = ("name", *(c.key for c in SURVEY_COLUMNS))
    duplicate_message = gettext_lazy(
        "该单元已有同名的集团客户（客户编号 %(code)s），要更新请填写客户编号"
    )
    columns = (
        _code_column(),
        Column("name", "集团单位名称", max_length=100, example="两市塘第一中学",
               aliases=("单位名称", "集团名称", "客户名称"), required_on_create=True),
        *SURVEY_COLUMNS,
        Column("address", "单位地址", max_length=100, example="两市塘街道东湖路 8 号",
               aliases=("门牌地址", "地址", "详细地址")),
        _site_column(),
        *_common_columns(),
    )  # fmt: skip

    def existing_queryset(self) -> QuerySet[Customer]:
        return super().existing_queryset().select_related("organization")

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return super().export_queryset(qs).select_related("organization")

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The organisation list page's filters (q, grid, stale: `organization_list`);
        class, tier, product and "mine" narrow further, as on the customer list."""
        filters, used = self._list_filters(user, params)
        q, stale = filters.pop("q"), filters.pop("stale")
        customers = self._customer_list(user, {**filters, "q": "", "stale": False})
        orgs = selectors.organization_list(user=user, q=q, grid_id=filters["grid_id"], stale=stale)
        qs = customers.filter(pk__in=orgs.values("customer_id"))
        return (qs.none() if self._other_kind(params, used) else qs), used

    def other_kind_message(self) -> str:
        return _("这个客户编号是家庭客户的，请用家庭客户表导入")

    def create_one(self, user: Any, **fields: Any) -> Customer:
        org = services.organization_create(actor=user, verified=False, **fields)
        return org.customer

    def survey_changes(self, customer: Customer, cleaned: Mapping[str, Any]) -> dict[str, Any]:
        org = getattr(customer, "organization", None)
        out = {
            k: cleaned[k]
            for k in self.survey_keys[1:]
            if k in cleaned and (org is None or getattr(org, k) != cleaned[k])
        }
        # The survey's 集团单位名称 is the customer's name (`services.organization_new`).
        name = cleaned.get("name", customer.name)
        if org is None:  # a group customer whose survey was never started: start it
            out["name"] = name
        elif "name" in cleaned:
            out.update(services.organization_renamed(org, name))
        day = cleaned.get("verified_on")
        if day is not None and _later(getattr(org, "verified_at", None), day):
            out.update(services.verification_stamp(None, day))
        return out

    def create_surveys(self, creates: Sequence[WriteItem]) -> list[Any]:
        """Verified with their customer (the same sheet, the same date)."""
        surveys = []
        for item in creates:
            customer = item.obj
            fields = {k: item.cleaned[k] for k in self.survey_keys[1:] if k in item.cleaned}
            surveys.append(
                services.organization_new(
                    customer,
                    verified_at=customer.verified_at,
                    verified_by=customer.verified_by,
                    **fields,
                )
            )
        Organization.objects.bulk_create(surveys, batch_size=1000)
        return surveys

    def export_row(self, obj: Any) -> dict[str, Any]:
        row = super().export_row(obj)
        org = getattr(obj, "organization", None)
        for column in SURVEY_COLUMNS:
            row[column.key] = getattr(org, column.key, None)
        # Both records are confirmed by this date: the older verification of the two.
        days = [_verified_day(obj.verified_at), _verified_day(getattr(org, "verified_at", None))]
        row["verified_on"] = None if None in days else min(d for d in days if d)
        return row


register(HouseholdSpec())
register(OrganizationSpec())
