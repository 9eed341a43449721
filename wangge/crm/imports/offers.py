"""Excel import/export of competitor offers (小区竞争对手信息), one row per offer seen in a site.

The seed's sheet mixes two things on one line: a tariff a competitor offers in a site, and
what we know about that competitor there (since when, how it installs and serves, how it
stands with the property company). Here the offer is the record — keyed by site,
competitor, plan name and the date it was seen — and the intelligence columns update the
site's `CompetitorIntel`, created on the first row that names the pair. Rows of one file
that name the same pair must agree on its intelligence.

Who writes is who surveys the site (`rules.can_survey_site`: the market department, the
grid's field staff; never agents). A site outside the importer's view reads as an unknown
code, so a file cannot probe another grid's sites.

Offers are written in bulk with one audit entry each; the intelligence, a few records per
file, goes through the services. Recording an offer confirms its intelligence (as the
form does): the pair's verification is stamped once per file, not once per offer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower, Replace
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.core.imports import Column, ImportContext, ImportSpec, RowDraft, WriteItem, register
from wangge.core.imports.bulk import BulkWriter
from wangge.core.imports.parsers import match_key
from wangge.core.imports.spec import RowErrors, WriteError, changed, validation_messages
from wangge.core.params import int_param, text_param
from wangge.core.permissions import can
from wangge.crm import selectors, services
from wangge.crm.imports.subscriptions import MAX_MONEY, used_filters, visible
from wangge.crm.models import (
    Competitor,
    CompetitorIntel,
    CompetitorOffer,
    Quality,
    Relationship,
)
from wangge.crm.permissions import Action
from wangge.territory.models import Site

OFFER_FIELDS = services.OFFER_FIELDS
INTEL_FIELDS = services.INTEL_FIELDS
Period = CompetitorOffer.Period
#: How people write a billing period besides its labels (元/月 …).
PERIOD_ALIASES = {
    "月": Period.MONTH, "包月": Period.MONTH, "每月": Period.MONTH, "月付": Period.MONTH,
    "年": Period.YEAR, "包年": Period.YEAR, "每年": Period.YEAR, "年付": Period.YEAR,
    "次": Period.ONCE, "一次性": Period.ONCE, "每次": Period.ONCE,
}  # fmt: skip
#: The list page's query parameters and the selector arguments they become.
PAGE_PARAMS = {"q": "q", "grid": "grid_id", "competitor": "competitor_id", "site": "site_id",
               "stale": "stale"}  # fmt: skip
#: (site id, competitor id): one competitor's intelligence in one site.
Pair = tuple[int, int]


def period_labels() -> list[str]:
    with translation.override("zh-hans"):
        return [str(label) for _value, label in Period.choices]


def period_index() -> dict[str, str]:
    index: dict[str, str] = {match_key(k): str(v) for k, v in PERIOD_ALIASES.items()}
    for value, label in Period.choices:
        index[match_key(value)] = value
        index[match_key(label)] = value
        with translation.override("zh-hans"):
            index[match_key(str(label))] = value
    return index


def competitor_key(text: Any) -> str:
    """Loose: 中国电信, 电信 and ＤＸ spacing aside compare equal; "中国" is the national
    operators' prefix, dropped so the short form people write matches the name."""
    key = match_key(text)
    return key.removeprefix("中国") or key


def competitor_index(competitors: Sequence[Competitor]) -> dict[str, Competitor]:
    index: dict[str, Competitor] = {}
    for attr in ("code", "name", "short_name"):  # a name beats another's short name
        for c in competitors:
            index.setdefault(competitor_key(getattr(c, attr)), c)
    return index


def service_error(row: int, exc: ValidationError | PermissionDenied) -> WriteError:
    """A service's refusal as the pipeline's write error, which rolls the run back."""
    if isinstance(exc, ValidationError):
        return WriteError(row, "；".join(validation_messages(exc)))
    return WriteError(row, str(exc) or _("您没有修改这条记录的权限。"))


_MONEY: dict[str, Any] = {"min_value": Decimal(0), "max_value": MAX_MONEY}
_COUNT: dict[str, Any] = {"min_value": 0, "max_value": 2_147_483_647}


class CompetitorOfferSpec(ImportSpec):
    kind = "competitor-offers"
    label = gettext_lazy("竞争对手资费")
    model = CompetitorOffer
    natural_key = ("site", "competitor", "plan_name", "seen_on")
    export_action = Action.VIEW
    columns = (
        Column("site", "所属单元", "ref", required=True, max_length=32, example="XQ0001",
               aliases=("小区编码", "单元编码", "网格单元"), help=gettext_lazy("单元（小区）编码")),
        Column("competitor", "竞争对手", "ref", required=True, max_length=64, example="中国电信",
               aliases=("运营商", "竞争对手名称"),
               help=gettext_lazy("名称或简称，如 电信、中国联通、移动")),
        Column("kind", "类别", "choice", choices=CompetitorOffer.Kind.choices, example="宽带",
               aliases=("套餐类别",)),
        Column("plan_name", "套餐名称", required=True, max_length=100, example="天翼宽带 300M",
               aliases=("资费套餐", "套餐")),
        Column("bandwidth_mbps", "带宽（Mbps）", "int", example="300", aliases=("带宽",),
               **_COUNT),
        Column("price", "资费（元）", "money", example="960", aliases=("价格", "资费标准"),
               required_on_create=True, **_MONEY),
        Column("period", "计费周期", max_length=8, example="元/年", aliases=("计费方式",),
               help=gettext_lazy("可选：元/月、元/年、元/次（也可写 月、年、次、包月、包年）")),
        Column("promotion", "促销优惠", max_length=200, example="首年半价",
               aliases=("促销优惠信息", "优惠", "促销")),
        Column("seen_on", "发现日期", "date", required=True, example="2022-10-10",
               aliases=("调查日期", "采集日期")),
        Column("ended_on", "结束日期", "date", aliases=("截止日期",)),
        Column("launched_on", "进入时间", "date", example="2019-05-01",
               aliases=("开通业务时间", "竞争对手开通业务时间", "进入小区时间")),
        Column("customers_estimate", "估计用户数", "int", example="120",
               aliases=("用户数", "竞争对手用户数"), **_COUNT),
        Column("covered_households", "覆盖户数", "int", example="300",
               aliases=("竞争对手覆盖户数",), **_COUNT),
        Column("ports", "端口数", "int", example="64", aliases=("竞争对手端口数",), **_COUNT),
        Column("network", "网络资源", max_length=100, example="光纤入户",
               aliases=("网络资源情况", "竞争对手网络资源")),
        Column("install_quality", "安装质量", "choice", choices=Quality.choices, example="好",
               aliases=("安装维护",)),
        Column("after_sales_quality", "售后服务", "choice", choices=Quality.choices,
               example="一般", aliases=("售后服务信息",)),
        Column("property_relationship", "与物业关系", "choice", choices=Relationship.choices,
               example="密切", aliases=("与社区人员关系", "与社区人员关系信息")),
        Column("note", "备注", example="物业独家合作", aliases=("情报备注",)),
    )  # fmt: skip

    # --- rights and scope ---------------------------------------------------------------

    def can_import(self, user: Any) -> bool:
        """Who gathers intelligence: the market department and the grids' field staff."""
        return can(user, Action.VIEW) and can(user, Action.SURVEY_SITE)

    def writable(self, user: Any, objs: Sequence[Any]) -> set[Any]:
        # Every offer found is let through to `clean_row`, which refuses a site the user
        # may not survey as an unknown code: the pipeline's own refusal would confirm
        # that the site has such an offer.
        return {o.pk for o in objs}

    def filter_queryset(
        self, user: Any, params: Mapping[str, str]
    ) -> tuple[QuerySet[Any], dict[str, str]]:
        """The intelligence list page's filters (`views.intel.IntelListView`): the offers of
        exactly the intelligence that page lists."""
        filters: dict[str, Any] = {
            "q": text_param(params, "q"),
            "grid_id": int_param(params, "grid"),
            "competitor_id": int_param(params, "competitor"),
            "site_id": int_param(params, "site"),
            "stale": params.get("stale") == "1",
        }
        used = used_filters(params, filters, PAGE_PARAMS)
        qs = self.queryset(user)
        if used:
            intel = selectors.intel_list(user=user, **filters).prefetch_related(None)
            qs = qs.filter(intel__in=intel.values("pk"))
        return qs, used

    # --- reading ------------------------------------------------------------------------

    def key_of(self, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        key = super().key_of(values)
        if key is None:
            return None
        site, competitor, plan_name, seen_on = key
        return site, competitor_key(competitor), match_key(plan_name), seen_on

    def find_existing(
        self, user: Any, keys: Sequence[tuple[Any, ...]]
    ) -> dict[tuple[Any, ...], Any]:
        """Offers by (site code, competitor, loose plan name, date seen), unscoped like the
        default; the competitor as written is resolved first (电信 finds 中国电信)."""
        if not keys:
            return {}
        competitors = competitor_index(list(Competitor.objects.all()))
        # The loose name is matched in the database too (spaces and case; `match_key`
        # below has the last word): a site's price history runs to thousands of offers,
        # which a file of a few new ones must not load.
        loose = Lower(Replace("plan_name", Value(" "), Value("")))
        offers = (
            CompetitorOffer.objects.annotate(loose_name=loose)
            .filter(
                intel__site__code__in={k[0] for k in keys},
                seen_on__in={k[3] for k in keys},
                loose_name__in={k[2] for k in keys},
            )
            .select_related("intel__site", "intel__competitor")
        )
        found: dict[tuple[Any, ...], CompetitorOffer] = {}
        for o in offers.order_by("id"):
            key = (o.intel.site.code, o.intel.competitor_id, match_key(o.plan_name), o.seen_on)
            found.setdefault(key, o)
        out = {}
        for site, competitor, plan_name, seen_on in keys:
            c = competitors.get(competitor)
            offer = found.get((site, c.pk, plan_name, seen_on)) if c is not None else None
            if offer is not None:
                out[(site, competitor, plan_name, seen_on)] = offer
        return out

    def prepare(self, user: Any, drafts: Sequence[RowDraft], ctx: ImportContext) -> None:
        if "competitors" not in ctx.cache:
            competitors = list(Competitor.objects.order_by("code"))
            ctx.cache["competitors"] = competitor_index(competitors)
            ctx.cache["competitor_names"] = "、".join(c.name for c in competitors)
            ctx.cache["periods"] = period_index()
            ctx.cache["intel_rows"] = {}  # Pair -> {column: (value, row that gave it)}
            ctx.cache["offer_rows"] = {}  # resolved key -> row
        codes = {d.values["site"] for d in drafts if "site" in d.values}
        sites = visible(Site.objects.all(), user).filter(code__in=codes)
        ctx.cache["sites"] = {s.code: s for s in sites}
        # What we know now of each site's competitors, for the preview of new offers.
        ctx.cache["intel_now"] = {
            (i.site_id, i.competitor_id): i
            for i in CompetitorIntel.objects.filter(site__in=ctx.cache["sites"].values())
        }

    def clean_row(
        self, user: Any, values: dict[str, Any], ctx: ImportContext
    ) -> tuple[dict[str, Any], RowErrors]:
        errors: RowErrors = []
        site: Site | None = ctx.cache["sites"].get(values.get("site"))
        if site is None or not can(user, Action.SURVEY_SITE, site):
            errors.append(("site", _("没有这个单元编码")))
        competitor = None
        if "competitor" in values:
            competitor = ctx.cache["competitors"].get(competitor_key(values["competitor"]))
            if competitor is None:
                errors.append(
                    (
                        "competitor",
                        _("没有这个竞争对手（可填：%(names)s）")
                        % {"names": ctx.cache["competitor_names"]},
                    )
                )
        if site is None or competitor is None or errors:
            return {}, errors
        pair = (site.pk, competitor.pk)
        offer: CompetitorOffer | None = ctx.existing
        cleaned: dict[str, Any] = {k: v for k, v in values.items() if k in OFFER_FIELDS}
        if "period" in values:
            period = ctx.cache["periods"].get(match_key(values["period"]))
            if period is None:
                choices = "、".join(period_labels())
                errors.append(
                    ("period", _("不是可选的值（可选：%(choices)s）") % {"choices": choices})
                )
            cleaned["period"] = period
        if offer is None and "price" not in values:
            errors.append(("price", _("新建时必须填写")))
        errors += self._dates(cleaned, offer, ctx.failed)
        errors += self._once(ctx, pair, values)
        intel_values = {k: values[k] for k in INTEL_FIELDS if k in values}
        errors += self._agrees(ctx, pair, intel_values)
        cleaned["_site"] = site
        cleaned["_competitor"] = competitor
        cleaned["_intel"] = intel_values
        cleaned["_intel_now"] = ctx.cache["intel_now"].get(pair)
        return cleaned, errors

    def _dates(
        self, cleaned: dict[str, Any], offer: CompetitorOffer | None, failed: set[str]
    ) -> RowErrors:
        seen = cleaned.get("seen_on")
        if seen is None or "ended_on" in failed:
            return []
        ended = cleaned.get("ended_on", offer.ended_on if offer else None)
        if ended is None or ended >= seen:
            return []
        return [
            ("ended_on", _("结束日期不能早于发现日期（%(date)s）") % {"date": seen.isoformat()})
        ]

    def _once(self, ctx: ImportContext, pair: Pair, values: Mapping[str, Any]) -> RowErrors:
        """The pipeline catches a key repeated as written; this, one repeated in other
        words (the competitor's code on one row, its name on another)."""
        if "plan_name" not in values or "seen_on" not in values:
            return []  # a key cell did not parse, and says so
        key = (*pair, match_key(values["plan_name"]), values["seen_on"])
        first = ctx.cache["offer_rows"].setdefault(key, ctx.row)
        if first == ctx.row:
            return []
        return [("competitor", _("与第 %(row)s 行重复") % {"row": first})]

    def _agrees(self, ctx: ImportContext, pair: Pair, intel: dict[str, Any]) -> RowErrors:
        """Rows naming one site and competitor must not contradict each other."""
        given: dict[str, tuple[Any, int]] = ctx.cache["intel_rows"].setdefault(pair, {})
        errors: RowErrors = []
        for key, value in intel.items():
            if key in given and given[key][0] != value:
                errors.append((key, _("与第 %(row)s 行填写的不一致") % {"row": given[key][1]}))
        if not errors:
            for key, value in intel.items():
                given.setdefault(key, (value, ctx.row))
        return errors

    def diff(self, obj: Any, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        out = super().diff(obj, {k: v for k, v in cleaned.items() if k in OFFER_FIELDS})
        labels = dict(zip(Period.values, period_labels(), strict=True))  # as the file has them
        out = [
            (k, str(labels.get(a, a)), str(labels.get(b, b))) if k == "period" else (k, a, b)
            for k, a, b in out
        ]
        return out + self._intel_diff(obj.intel, cleaned)

    def diff_on_create(self, cleaned: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
        """A new offer in a site whose intelligence we have may change that too."""
        intel = cleaned.get("_intel_now")
        return self._intel_diff(intel, cleaned) if intel is not None else []

    def _intel_diff(
        self, intel: CompetitorIntel, cleaned: Mapping[str, Any]
    ) -> list[tuple[str, Any, Any]]:
        return [
            (key, getattr(intel, key), value)
            for key, value in cleaned["_intel"].items()
            if changed(intel, {key: value}, [key])
        ]

    # --- writing ------------------------------------------------------------------------

    def _intel(
        self, user: Any, item: WriteItem, done: dict[Pair, CompetitorIntel], stamp: bool
    ) -> CompetitorIntel:
        """The pair's intelligence, recorded or updated (and confirmed) once per run."""
        site, competitor = item.cleaned["_site"], item.cleaned["_competitor"]
        pair = (site.pk, competitor.pk)
        if pair in done:
            return done[pair]
        intel = CompetitorIntel.objects.filter(site=site, competitor=competitor).first()
        data = item.cleaned["_intel"]
        try:
            if intel is None:
                intel = services.competitor_intel_create(
                    actor=user, site=site, competitor=competitor, **data
                )
            else:
                # Attached, so the audit entry's `str(intel)` costs no query.
                intel.site, intel.competitor = site, competitor
                if stamp or changed(intel, data, data):
                    intel = services.competitor_intel_update(
                        actor=user, intel=intel, data=data, verified=True
                    )
        except (ValidationError, PermissionDenied) as exc:
            raise service_error(item.row, exc) from exc
        done[pair] = intel
        return intel

    def save(self, user: Any, cleaned: dict[str, Any], existing: Any) -> tuple[Any, bool]:
        item = WriteItem(0, cleaned, existing, "create" if existing is None else "update")
        intel = self._intel(user, item, {}, stamp=False)
        data = {k: v for k, v in cleaned.items() if k in OFFER_FIELDS}
        if existing is not None:
            existing.intel = intel
            return services.competitor_offer_update(actor=user, offer=existing, data=data), False
        ended = data.pop("ended_on", None)
        offer = services.competitor_offer_create(actor=user, intel=intel, **data)
        if ended is not None:
            offer = services.competitor_offer_update(
                actor=user, offer=offer, data={"ended_on": ended}
            )
        return offer, True

    def save_many(self, user: Any, items: Sequence[WriteItem]) -> None:
        # A pair is confirmed when the file records a new offer for it or changes what we
        # know of it; its intelligence columns are merged over its rows (they agree).
        merged: dict[Pair, dict[str, Any]] = {}
        stamp: set[Pair] = set()
        for item in items:
            pair = (item.cleaned["_site"].pk, item.cleaned["_competitor"].pk)
            merged.setdefault(pair, {}).update(item.cleaned["_intel"])
            if item.existing is None:
                stamp.add(pair)
        done: dict[Pair, CompetitorIntel] = {}
        writer = BulkWriter(CompetitorOffer)
        for item in items:
            pair = (item.cleaned["_site"].pk, item.cleaned["_competitor"].pk)
            item.cleaned["_intel"] = merged[pair]
            intel = self._intel(user, item, done, stamp=pair in stamp)
            if not can(user, Action.SURVEY_SITE, intel.site):  # checked in `clean_row` too
                raise WriteError(item.row, _("您没有修改这条记录的权限。"))
            data = {k: v for k, v in item.cleaned.items() if k in OFFER_FIELDS}
            offer = item.existing
            if offer is None:
                item.obj = writer.create(CompetitorOffer(intel=intel, **data))
            else:
                writer.update(offer, data)
                item.obj = offer
        writer.flush(user)

    # --- exporting ----------------------------------------------------------------------

    def export_queryset(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.select_related("intel__site", "intel__competitor").order_by(
            "intel__site__code", "intel__competitor__code", "-seen_on", "id"
        )

    def export_row(self, obj: Any) -> dict[str, Any]:
        intel = obj.intel
        labels = dict(zip(Period.values, period_labels(), strict=True))
        row = {k: getattr(obj, k) for k in OFFER_FIELDS}
        row.update({k: getattr(intel, k) for k in INTEL_FIELDS})
        row.update(
            site=intel.site.code, competitor=intel.competitor.name, period=labels[obj.period]
        )
        return row


register(CompetitorOfferSpec())
