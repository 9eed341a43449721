"""Care rules (客户维系), the contacts that fulfil them and what each customer is due."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.constraints import ConstraintFields
from wangge.core.models import Versioned
from wangge.core.validators import visible_text
from wangge.crm.models import Customer
from wangge.org.models import Grid, Staff
from wangge.retention.scopes import ContactQuerySet, OwnedWorkQuerySet, RuleQuerySet


class ContactKind(models.TextChoices):
    """What counts as a contact: a door visit and a phone call come from the sales app's
    visits or from here; a message (短信/微信) only from here."""

    DOOR = "door", _("上门")
    PHONE = "phone", _("电话")
    MESSAGE = "message", _("短信/微信")


class CareRule(ConstraintFields, Versioned):
    """Which customers are kept in touch with, by which contacts, how often.

    Two ways to say how often: `every` N days since the last contact (gold customers: a door
    visit every 15 days), or `window`: at least M contacts in the first D days after
    activation (the first subscription's start), spread evenly, so the k-th contact is due
    by day ceil(k·D/M) (new group customers: 4 in 28 days, one a week).
    """

    class Mode(models.TextChoices):
        EVERY = "every", _("每 N 天至少联系一次")
        WINDOW = "window", _("开通后 D 天内至少联系 M 次")

    name = models.CharField(_("规则名称"), max_length=64, unique=True, validators=[visible_text])
    is_active = models.BooleanField(_("启用"), default=True)
    # Which customers: each filter left blank means any.
    customer_kind = models.CharField(
        _("客户类型"), max_length=16, choices=Customer.Kind.choices, blank=True
    )
    tier = models.CharField(_("客户等级"), max_length=16, choices=Customer.Tier.choices, blank=True)
    relationship = models.CharField(
        _("客户分类"), max_length=16, choices=Customer.Relationship.choices, blank=True
    )
    activated_within_months = models.PositiveSmallIntegerField(
        _("开通不超过（月）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("只管开通不超过这么多个月的客户；不填为不限。"),
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("不填为全部网格。"),
    )
    # What counts.
    contact_kinds = models.JSONField(_("计入的联系方式"), default=list)
    # How often.
    mode = models.CharField(_("频次方式"), max_length=16, choices=Mode.choices)
    period_days = models.IntegerField(
        _("周期（天）"), help_text=_("每 N 天一次的 N，或开通后 D 天的 D。")
    )
    min_contacts = models.IntegerField(_("至少联系次数"), default=1)
    #: A customer never contacted is due N days after this day or its record, whichever
    #: is later (a new rule does not make every old customer years overdue on its first
    #: night); empty: from the record.
    starts_on = models.DateField(
        _("生效日期"),
        null=True,
        blank=True,
        help_text=_("从未联系的客户从这天（或建档日，取较晚者）起算；不填则从建档起算。"),
    )
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    constraint_fields: ClassVar[dict[str, str]] = {
        "retention_rule_period_positive": "period_days",
        "retention_rule_min_contacts_positive": "min_contacts",
    }
    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("维系规则")
        verbose_name_plural = _("维系规则")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_days__gt=0),
                name="retention_rule_period_positive",
                violation_error_message=_("周期必须是正整数天。"),
            ),
            models.CheckConstraint(
                condition=Q(min_contacts__gt=0),
                name="retention_rule_min_contacts_positive",
                violation_error_message=_("至少联系次数必须是正整数。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        kinds = self.contact_kinds
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= set(ContactKind.values):
            raise ValidationError({"contact_kinds": _("请至少选择一种计入的联系方式。")})


class Contact(models.Model):
    """A contact recorded here (a call, a message; a door visit goes through the sales
    app's visit with its check-in)."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("联系人"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("联系方式"), max_length=16, choices=ContactKind.choices)
    at = models.DateTimeField(_("联系时间"), default=clock.now)
    note = models.CharField(_("情况记录"), max_length=500, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("维系联系")
        verbose_name_plural = _("维系联系")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "at"], name="retention_contact_cust_idx"),
            models.Index(fields=["staff", "at"], name="retention_contact_staff_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.at:%Y-%m-%d}"


class CareDue(models.Model):
    """The engine's answer for one customer under one rule: when the next contact is due
    and by how many days it is late. Written by `care.evaluate` only, replaced per run."""

    # Rewritten every night: each index costs the run a write per row, so the foreign
    # keys lean on the composite indexes below (which lead with them) instead of their own.
    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )  # fmt: skip
    rule = models.ForeignKey(
        CareRule, verbose_name=_("维系规则"), on_delete=models.CASCADE, related_name="dues",
        db_index=False,
    )  # fmt: skip
    owner = models.ForeignKey(
        Staff, verbose_name=_("负责人"), on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )  # fmt: skip
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip
    due_on = models.DateField(_("应联系日期"))
    overdue_days = models.IntegerField(_("逾期天数"), default=0)
    last_contact_on = models.DateField(_("最近联系"), null=True, blank=True)
    as_of = models.DateField(_("计算日期"))

    objects = OwnedWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("维系待办")
        verbose_name_plural = _("维系待办")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "due_on"], name="retention_due_owner_idx"),
            # Covering for the manager's today view: the team's overdue care (the grid's,
            # not their own) is counted from the index alone (a busy grid, 56k rows: 90 → 13 ms).
            models.Index(fields=["grid", "due_on", "owner"], name="retention_due_grid_idx2"),
            models.Index(fields=["due_on"], name="retention_due_on_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["customer", "rule"], name="retention_due_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}/{self.rule_id} {self.due_on}"


class CareCount(models.Model):
    """The care items counted per grid, owner and due date (维系汇总), kept beside them.

    The dashboards' and the rates page's "care kept on time" read these few thousand rows
    instead of every care item (913k at a million customers: the county's care panel took
    half a second). Written by the engine only: a refresh of a few customers (a contact)
    moves their items' counts here in the same transaction, and the full nightly refresh
    counts every item again, which also mends what writes around the engine left behind
    (a customer deleted, its items cascading away). No unique key: two writers may each
    add a row for the same key, and every reader sums.
    """

    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )  # fmt: skip
    owner = models.ForeignKey(
        Staff, verbose_name=_("负责人"), on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )  # fmt: skip
    #: The items' due date; empty for items already overdue when counted. Those stay
    #: overdue on every later day until a refresh counts them again, so one row per grid
    #: and owner holds them (a gold customer never visited is years overdue: one row per
    #: due date would be one per day since).
    due_on = models.DateField(_("应联系日期"), null=True, blank=True)
    n = models.IntegerField(_("数量"), default=0)

    objects = OwnedWorkQuerySet.as_manager()

    class Meta:
        verbose_name = _("维系汇总")
        verbose_name_plural = _("维系汇总")
        indexes = [
            models.Index(fields=["grid", "owner", "due_on"], name="retention_count_grid_idx"),
            models.Index(fields=["owner", "due_on"], name="retention_count_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}/{self.owner_id}/{self.due_on}: {self.n}"
