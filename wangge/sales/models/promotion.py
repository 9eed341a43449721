"""Promotion material (宣传品) put up in sites, its inspections, and the leads it brings."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.core import clock
from wangge.org.models import Grid, Staff
from wangge.sales.models.scopes import GridTeamQuerySet
from wangge.territory.models import Site


def new_token() -> str:
    """The unguessable part of a piece's public lead-form address (its QR code)."""
    return secrets.token_urlsafe(12)


class PromoPiece(models.Model):
    """A poster, building sticker (楼栋贴), notice board (公示牌) or flyer batch at a site."""

    class Kind(models.TextChoices):
        POSTER = "poster", _("海报")
        STICKER = "sticker", _("楼栋贴")
        NOTICE_BOARD = "notice_board", _("公示牌")
        FLYER = "flyer", _("宣传单")

    class State(models.TextChoices):
        UP = "up", _("在位")
        DAMAGED = "damaged", _("破损")
        MISSING = "missing", _("缺失")
        REMOVED = "removed", _("已撤除")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("小区/楼宇"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT)
    building = models.CharField(_("楼栋/位置"), max_length=64, blank=True)
    title = models.CharField(_("内容"), max_length=100, blank=True)
    put_up_on = models.DateField(_("张贴日期"), default=clock.today)
    put_up_by = models.ForeignKey(
        Staff, verbose_name=_("张贴人"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.UP)
    photo = models.BinaryField(_("照片"), null=True, blank=True)
    photo_type = models.CharField(_("照片格式"), max_length=32, blank=True)
    token = models.CharField(_("二维码标识"), max_length=32, unique=True, default=new_token)
    last_inspected_on = models.DateField(_("最近巡查"), null=True, blank=True)

    objects = GridTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣传品")
        verbose_name_plural = _("宣传品")
        ordering = ["-put_up_on", "-id"]
        indexes = [models.Index(fields=["grid", "state"], name="sales_piece_grid_idx")]

    def __str__(self) -> str:
        where = f"{self.site.name} {self.building}".strip()
        return f"{self.get_kind_display()} · {where}"


class PromoInspection(models.Model):
    """One look at a piece (巡查): still there, damaged, replaced or gone."""

    class Finding(models.TextChoices):
        PRESENT = "present", _("完好")
        DAMAGED = "damaged", _("破损")
        REPLACED = "replaced", _("已更换")
        MISSING = "missing", _("缺失")

    piece = models.ForeignKey(
        PromoPiece, verbose_name=_("宣传品"), on_delete=models.CASCADE, related_name="inspections"
    )
    on = models.DateField(_("巡查日期"), default=clock.today)
    by = models.ForeignKey(Staff, verbose_name=_("巡查人"), on_delete=models.PROTECT)
    finding = models.CharField(_("巡查结果"), max_length=16, choices=Finding.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    photo = models.BinaryField(_("照片"), null=True, blank=True)
    photo_type = models.CharField(_("照片格式"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("宣传品巡查")
        verbose_name_plural = _("宣传品巡查")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.piece} {self.on} {self.get_finding_display()}"
