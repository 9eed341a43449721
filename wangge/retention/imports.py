"""Payments from billing in Excel: the import kind `payments`.

One row a payment, keyed by billing's reference (缴费流水号), so a file sent again adds
nothing twice. A row names the line paid for by its 业务账号; recording it closes that
subscription's open renewal and arrears tasks (`services.payment_record`). A payment once
recorded is not changed by a later file: a row repeating it unchanged is skipped, one that
differs is an error. Who: the market department (billing's files reach it), `Action.PAYMENTS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core import clock
from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, register
from wangge.core.imports.spec import RowErrors
from wangge.crm.models import Subscription
from wangge.retention import services
from wangge.retention.models import Payment
from wangge.retention.permissions import Action

MAX_MONEY = Decimal("99999999.99")


class PaymentSpec(ImportSpec):
    kind = "payments"
    label = gettext_lazy("缴费记录")
    model = Payment
    natural_key = ("reference",)
    import_action = Action.PAYMENTS
    export_action = Action.PAYMENTS
    search_fields = ("reference",)
    columns = (
        Column("reference", "缴费流水号", required=True, max_length=64, example="JF202600001",
               aliases=("流水号", "缴费编号", "账单流水号")),
        Column("subscription", "业务账号", "ref", required=True, max_length=32,
               example="BB-0001", aliases=("账号", "宽带账号")),
        Column("amount", "缴费金额（元）", "money", required=True, example="68.00",
               aliases=("缴费金额", "金额"), min_value=Decimal("0.01"), max_value=MAX_MONEY),
        Column("paid_on", "缴费日期", "date", required=True, example="2026-03-01"),
    )  # fmt: skip

    def existing_queryset(self) -> QuerySet[Any]:
        return Payment.objects.select_related("subscription")

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        accounts = {d.values["subscription"] for d in drafts if "subscription" in d.values}
        subs = Subscription.objects.filter(account_no__in=accounts)
        ctx.cache["subs"] = {s.account_no: s for s in subs}
        ctx.cache.setdefault("today", clock.today())

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        errors: RowErrors = []
        cleaned = dict(values)
        if "subscription" in values:
            sub = ctx.cache["subs"].get(values["subscription"])
            if sub is None:
                errors.append(("subscription", _("没有这个业务账号")))
            cleaned["subscription"] = sub
        if "paid_on" in values and values["paid_on"] > ctx.cache["today"]:
            errors.append(("paid_on", _("缴费日期不能晚于今天")))
        existing: Payment | None = ctx.existing
        if existing is not None and not errors and self.diff(existing, cleaned):
            errors.append((None, _("这笔缴费已导入，不能修改")))
        return cleaned, errors

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        if existing is not None:
            return existing, False
        payment, _closed = services.payment_record(
            actor=user,
            reference=cleaned["reference"],
            subscription=cleaned["subscription"],
            amount=cleaned["amount"],
            paid_on=cleaned["paid_on"],
        )
        return payment, True

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("subscription")

    def export_row(self, obj: Any) -> dict[str, Any]:
        return {
            "reference": obj.reference,
            "subscription": obj.subscription.account_no,
            "amount": obj.amount,
            "paid_on": obj.paid_on,
        }


register(PaymentSpec())
