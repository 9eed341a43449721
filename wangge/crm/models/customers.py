"""Customers (households and organisations), their contacts and notes."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.core.models import Versioned
from wangge.core.validators import visible_text
from wangge.crm.models.base import Verified
from wangge.crm.models.catalogue import Competitor
from wangge.crm.models.scopes import CustomerChildQuerySet, CustomerQuerySet


def customer_code(pk: int) -> str:
    """The number we issue a customer who came without one."""
    return f"KH{pk:08d}"


phone_validator = RegexValidator(r"^[0-9+\- ]*$", _("电话只能包含数字、空格、+ 和 -。"))


class Customer(Versioned, Verified):
    """A household or an organisation (集团客户) at a site, with its named owner (名单制).

    The seed's classes (网络覆盖/存量/潜在/意向/新增/重点客户) are two facts, not one list:
    `relationship`, where the customer stands with us (a customer is in exactly one), and
    `tier`, its importance (重点/金牌, the care level later rules read; gold: visit every
    half month), so a key customer can be existing or still a prospect. Subscribers (ours
    today, counted in penetration and in `Site.customers`) are those whose relationship is
    existing or new, whatever their tier.

    For a group customer `name` repeats the organisation's 集团单位名称, kept equal by the
    services, so lists and search need no join.
    """

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("个人/家庭客户")
        GROUP = "group", _("集团客户")

    class Relationship(models.TextChoices):
        COVERED = "covered", _("网络覆盖")
        EXISTING = "existing", _("存量")
        POTENTIAL = "potential", _("潜在")
        INTENDED = "intended", _("意向")
        NEW = "new", _("新增")

    class Tier(models.TextChoices):
        STANDARD = "standard", _("普通")
        KEY = "key", _("重点客户")
        GOLD = "gold", _("金牌客户")

    #: The relationships of customers who are ours today (they count toward penetration).
    SUBSCRIBER_RELATIONSHIPS = (Relationship.EXISTING, Relationship.NEW)
    #: Those we are winning (the site and grid panels' prospects).
    PROSPECT_RELATIONSHIPS = (Relationship.POTENTIAL, Relationship.INTENDED)
    #: The old single classification's extra class (重点): importance, not a relationship.
    LEGACY_KEY_STATUS = "key"

    kind = models.CharField(_("客户类型"), max_length=16, choices=Kind.choices)
    # The operator's customer number (from its billing system), or ours: KH + the id,
    # issued on the first save. Empty (NULL) only between the insert and that update.
    code = models.CharField(
        _("客户编号"), max_length=32, unique=True, null=True, blank=True, default=None
    )
    name = models.CharField(_("客户名称"), max_length=100, validators=[visible_text])
    site = models.ForeignKey(
        "territory.Site",
        verbose_name=_("网格单元"),
        on_delete=models.PROTECT,
        # Not "customers": Site already has a field of that name (its headcount).
        related_name="crm_customers",
    )
    address = models.CharField(
        _("门牌地址"), max_length=100, blank=True, help_text=_("楼栋、单元、房号等。")
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    relationship = models.CharField(_("客户分类"), max_length=16, choices=Relationship.choices)
    tier = models.CharField(
        _("客户等级"), max_length=16, choices=Tier.choices, default=Tier.STANDARD
    )
    owner = models.ForeignKey(
        "org.Staff",
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    current_provider = models.ForeignKey(
        Competitor,
        verbose_name=_("当前运营商"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("非我方客户当前使用的运营商（已知时填写）。"),
    )
    created_at = models.DateTimeField(_("建档时间"), default=clock.now)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["name", "id"]
        indexes = [
            # The list's default order, with what the scope tests (site, owner): a grid
            # team's list walks it testing each row's site without reading the row (a typed
            # page 50 read ~25,000 rows for its 2,500 at 1M customers: 77 → ~7 ms, SQLite).
            models.Index(fields=["name", "id", "site", "owner"], name="crm_customer_name_cover"),
            # An agent's (or `?mine`) list in its order: on PostgreSQL it walked the name
            # index filtering the owner (29,000 rows for 50).
            models.Index(fields=["owner", "name", "id"], name="crm_customer_owner_name_idx"),
            # Each filter of the list followed by its order, so a filtered page is read in
            # order and stops at its last row instead of sorting every match.
            models.Index(fields=["relationship", "name", "id"], name="crm_customer_rel_name_idx"),
            models.Index(fields=["tier", "name", "id"], name="crm_customer_tier_name_idx"),
            models.Index(fields=["kind", "name", "id"], name="crm_customer_kind_name_idx"),
            # Each site's subscriber count (`services.site_counts_refresh`), from the index.
            models.Index(fields=["site", "relationship"], name="crm_customer_site_rel_idx"),
            # A grid team's list by importance (`?tier=key`), read site by site.
            models.Index(fields=["site", "tier"], name="crm_customer_site_tier_idx"),
            # Its other half, the named owner's own (an account marketer's `?tier=key` read
            # every customer they own to test its tier).
            models.Index(fields=["owner", "tier"], name="crm_customer_owner_tier_idx"),
            models.Index(fields=["verified_at"], name="crm_customer_verified_idx"),
            models.Index(fields=["owner", "verified_at"], name="crm_customer_owner_ver_idx"),
            # A grid team member's own customers outside their grids (the today view's
            # renewal and arrears counts), found in the index without reading the rows.
            models.Index(fields=["owner", "site"], name="crm_customer_owner_site_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="crm_customer_name_not_blank",
                violation_error_message=_("客户名称不能为空。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.code == "":
            self.code = None  # a blank form field, not a number
        super().save(*args, **kwargs)
        if self.code is None:
            self.code = customer_code(self.pk)
            type(self)._default_manager.filter(pk=self.pk).update(code=self.code)

    @property
    def is_subscriber(self) -> bool:
        return self.relationship in self.SUBSCRIBER_RELATIONSHIPS

    @property
    def legacy_status(self) -> str:
        """The old single classification, for clients written before the split: the
        relationship (重点 is no longer a class; `tier` says it)."""
        return self.relationship

    @classmethod
    def from_legacy_status(cls, status: str, *, creating: bool) -> dict[str, str]:
        """The facts an old classification stands for: 重点 (`key`) is importance, and a new
        customer given only that is a prospect; any other class is the relationship."""
        if status == cls.LEGACY_KEY_STATUS:
            facts = {"tier": cls.Tier.KEY.value}
            return (
                {**facts, "relationship": cls.Relationship.POTENTIAL.value} if creating else facts
            )
        return {"relationship": status}


class Organization(Versioned, Verified):
    """The seed's survey of a group customer (集团客户信息收集核心要素), one per customer.

    The field names follow the survey form word for word; the form lists 联系电话 twice,
    so the key person's phone is labelled 业务核心人物联系电话 to tell the two apart.
    """

    customer = models.OneToOneField(
        Customer,
        verbose_name=_("客户"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="organization",
    )
    name = models.CharField(_("集团单位名称"), max_length=100, validators=[visible_text])
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(
        _("联系电话"), max_length=20, blank=True, validators=[phone_validator]
    )
    computers = models.PositiveIntegerField(_("单位现有电脑数"), null=True, blank=True)
    current_network = models.CharField(_("单位现用网络"), max_length=200, blank=True)
    quality_requirement = models.CharField(_("网络质量要求"), max_length=200, blank=True)
    quality_feedback = models.TextField(_("使用网络质量及诉求"), blank=True)
    development_wishes = models.TextField(_("发展希望"), blank=True)
    key_person_name = models.CharField(_("业务核心人物姓名"), max_length=32, blank=True)
    key_person_phone = models.CharField(
        _("业务核心人物联系电话"), max_length=20, blank=True, validators=[phone_validator]
    )

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("集团客户")
        verbose_name_plural = _("集团客户")
        ordering = ["name", "customer_id"]
        indexes = [models.Index(fields=["verified_at"], name="crm_org_verified_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""),
                name="crm_org_name_not_blank",
                violation_error_message=_("集团单位名称不能为空。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person to talk to about a customer: the householder, an organisation's IT staff."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=32, validators=[visible_text])
    title = models.CharField(_("职务/关系"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[phone_validator])
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["customer_id", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class Note(models.Model):
    """A dated remark on a customer. Notes are only added, never edited, like a logbook."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        "org.Staff",
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Copied so the note still says who wrote it after the account is removed.
    author_name = models.CharField(_("记录人姓名"), max_length=32, blank=True)
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("记录时间"), default=clock.now)

    objects = CustomerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("备注")
        verbose_name_plural = _("备注")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at"], name="crm_note_customer_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="crm_note_text_not_blank",
                violation_error_message=_("备注内容不能为空。"),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]
