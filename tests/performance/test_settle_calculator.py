"""The commission calculator's properties: the cap is never exceeded, totals are the exact
sum of lines, a rerun gives identical figures, a cut is shared within the cap."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.performance import commission as c

money = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
rates = st.decimals(min_value=0, max_value=Decimal("0.5"), places=4)
shares = st.decimals(min_value=0, max_value=Decimal("0.5"), places=2)
caps = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.30"), places=2)


@st.composite
def policies(draw: st.DrawFn, pid: int = 1) -> c.Policy:
    kind = draw(st.sampled_from([c.RATE, c.FIXED]))
    value = draw(rates if kind == c.RATE else money)
    tiers = tuple(
        c.Tier(min_units=n, value=draw(rates if kind == c.RATE else money))
        for n in draw(st.lists(st.integers(1, 5), max_size=2, unique=True))
    )
    return c.Policy(
        id=pid,
        business_line=draw(st.sampled_from(["broadband", "hd"])),
        kind=kind,
        value=value,
        splits={c.SELLER: draw(shares), c.MANAGER: draw(shares), c.TECHNICIAN: draw(shares)},
        tiers=tiers,
        min_amount=draw(st.none() | money),
    )


@st.composite
def sales(draw: st.DrawFn) -> list[c.Sale]:
    n = draw(st.integers(0, 12))
    return [
        c.Sale(
            ref=f"S{i:03d}",
            business_line=draw(st.sampled_from(["broadband", "hd"])),
            amount=draw(money),
            seller=draw(st.sampled_from([1, 2, 3])),
            manager=draw(st.none() | st.just(9)),
            technician=draw(st.none() | st.just(7)),
        )
        for i in range(n)
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(policies(), min_size=1, max_size=3), sales(), caps)
def test_a_capped_sale_never_pays_more_than_the_cap_totals_add_up_and_a_rerun_is_identical(
    pols: list[c.Policy], batch: list[c.Sale], cap: Decimal
) -> None:
    """Three properties of one drawn month (drawing it is the test's cost)."""
    pols = [c.Policy(**{**p.__dict__, "id": i}) for i, p in enumerate(pols, 1)]
    result = c.Calculator(pols, cap=cap).run(batch)
    per_sale: dict[str, Decimal] = {}
    for line in result.lines:
        per_sale[line.sale] = per_sale.get(line.sale, Decimal(0)) + line.amount
        assert line.amount == line.amount.quantize(c.FEN)
        assert line.amount >= 0
    for sale in batch:
        if sale.business_line in c.CAPPED_LINES:
            assert per_sale.get(sale.ref, Decimal(0)) <= sale.amount * cap
    # A re-run, policies and sales in another order, gives identical lines.
    again = c.Calculator(list(reversed(pols)), cap=cap).run(list(reversed(batch)))
    assert result.lines == again.lines
    totals = result.totals()
    for staff, total in totals.items():
        assert total == sum((ln.amount for ln in result.lines if ln.staff == staff), Decimal(0))
    assert result.total == sum(totals.values(), Decimal(0))


@given(
    st.dictionaries(st.sampled_from(c.PAYEES), money, min_size=1),
    st.decimals(min_value=0, max_value=Decimal("9999.99"), places=2),
)
def test_a_shared_cut_adds_up_to_the_limit_and_never_more(
    wanted: dict[str, Decimal], limit: Decimal
) -> None:
    out = c.share_cut(wanted, limit)
    assert set(out) == set(wanted)
    assert all(v >= 0 for v in out.values())
    if sum(wanted.values()) > 0:
        assert sum(out.values()) == limit
    else:
        assert sum(out.values()) == 0


@given(policies(), caps)
def test_a_policy_within_the_cap_by_max_payout_is_never_cut(p: c.Policy, cap: Decimal) -> None:
    """What `max_payout` promises at save time holds at calculation (up to rounding, which
    the cut takes care of): a sale of at least the policy's minimum pays ≤ reach × amount."""
    p = c.Policy(**{**p.__dict__, "business_line": "broadband"})
    reach = c.max_payout(p).rate
    sale = c.Sale(
        ref="S",
        business_line="broadband",
        amount=Decimal("100.00"),
        seller=1,
        manager=2,
        technician=3,
    )
    if reach is None or not p.matches(sale):
        return
    paid = sum((ln.amount for ln in c.Calculator([p], cap=Decimal(1)).pay(sale, p, 1)), Decimal(0))
    assert paid <= sale.amount * reach + Decimal("0.03")  # three payees, half a fen each


def test_the_cut_is_proportional_with_the_remainder_fen_to_the_seller() -> None:
    p = c.Policy(
        id=1,
        business_line="broadband",
        kind=c.FIXED,
        value=Decimal("30"),
        splits={
            c.SELLER: Decimal("0.5"),
            c.MANAGER: Decimal("0.25"),
            c.TECHNICIAN: Decimal("0.25"),
        },
    )
    sale = c.Sale(
        ref="S1",
        business_line="broadband",
        amount=Decimal("100.01"),
        seller=1,
        manager=2,
        technician=3,
    )
    lines = c.Calculator([p]).run([sale]).lines
    got = {ln.payee: ln.amount for ln in lines}
    # 17% of 100.01 = 17.0017 → 17.00 at most; 8.50 / 4.25 / 4.25.
    assert got == {
        c.SELLER: Decimal("8.50"),
        c.MANAGER: Decimal("4.25"),
        c.TECHNICIAN: Decimal("4.25"),
    }
    assert all(ln.capped for ln in lines)
    sale = c.Sale(
        ref="S2",
        business_line="broadband",
        amount=Decimal("0.07"),
        seller=1,
        manager=2,
        technician=3,
    )
    got = {ln.payee: ln.amount for ln in c.Calculator([p]).run([sale]).lines}
    assert got == {
        c.SELLER: Decimal("0.01"),
        c.MANAGER: Decimal("0.00"),
        c.TECHNICIAN: Decimal("0.00"),
    }


def test_tiers_most_specific_policy_and_dates() -> None:
    import datetime as dt

    general = c.Policy(
        id=1,
        business_line="hd",
        kind=c.RATE,
        value=Decimal("0.10"),
        splits={c.SELLER: Decimal(1)},
        tiers=(c.Tier(min_units=2, value=Decimal("0.20")),),
    )
    agents = c.Policy(
        id=2,
        business_line="hd",
        kind=c.FIXED,
        value=Decimal("5"),
        splits={c.SELLER: Decimal(1)},
        channel="agent",
        end=dt.date(2026, 1, 15),
    )
    day = dt.date(2026, 1, 10)
    batch = [
        c.Sale(ref="A", business_line="hd", amount=Decimal("100"), seller=1, day=day),
        c.Sale(ref="B", business_line="hd", amount=Decimal("50"), seller=1, day=day),
        c.Sale(
            ref="C", business_line="hd", amount=Decimal("80"), seller=2, channel="agent", day=day
        ),
        c.Sale(
            ref="D",
            business_line="hd",
            amount=Decimal("80"),
            seller=3,
            channel="agent",
            day=dt.date(2026, 1, 20),
        ),
    ]
    got = {ln.sale: ln.amount for ln in c.Calculator([general, agents]).run(batch).lines}
    # seller 1 sold two units: the tier pays 20% on both; the agent's sale is fixed; after
    # the agents' version ended, the general policy pays.
    assert got == {
        "A": Decimal("20.00"),
        "B": Decimal("10.00"),
        "C": Decimal("5.00"),
        "D": Decimal("8.00"),
    }


def test_max_payout_explains_the_reach() -> None:
    p = c.Policy(
        id=1,
        business_line="broadband",
        kind=c.RATE,
        value=Decimal("0.12"),
        splits={c.SELLER: Decimal("0.8"), c.MANAGER: Decimal("0.2")},
        tiers=(c.Tier(10, Decimal("0.20")),),
    )
    assert c.max_payout(p).rate == Decimal("0.20")
    assert not c.within_cap(p, Decimal("0.17"))
    fixed = c.Policy(
        id=2,
        business_line="broadband",
        kind=c.FIXED,
        value=Decimal("20"),
        splits={c.SELLER: Decimal(1)},
    )
    assert c.max_payout(fixed).rate is None
    assert c.within_cap(
        c.Policy(**{**fixed.__dict__, "min_amount": Decimal("120")}), Decimal("0.17")
    )


def test_clawbacks_take_back_what_was_paid() -> None:
    back = c.Clawback(
        ref="OLD",
        business_line="broadband",
        amount=Decimal("100"),
        staff=1,
        payee=c.SELLER,
        paid=Decimal("12.00"),
    )
    result = c.Calculator([]).run([], [back])
    assert [(ln.amount, ln.clawback) for ln in result.lines] == [(Decimal("-12.00"), True)]


@st.composite
def keyed_policies(draw: st.DrawFn, pid: int) -> c.Policy:
    """Policies over few keys, dates and minimums, so several match one sale."""
    start = draw(st.none() | st.dates(dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    return c.Policy(
        id=pid,
        business_line=draw(st.sampled_from(["broadband", "hd"])),
        kind=c.RATE,
        value=Decimal("0.10"),
        splits={c.SELLER: Decimal(1)},
        product_id=draw(st.none() | st.sampled_from([1, 2])),
        channel=draw(st.none() | st.sampled_from(["staff", "agent"])),
        role=draw(st.none() | st.sampled_from(["sales", "account"])),
        min_amount=draw(st.none() | st.sampled_from([Decimal(50), Decimal(100)])),
        start=start,
        end=draw(st.none() | st.dates(start or dt.date(2026, 1, 1), dt.date(2026, 2, 28))),
    )


def _every_sale(pols: list[c.Policy]) -> list[c.Sale]:
    """A sale of every key, amount (below, at and above the minimums) and day (none, the
    month's edges, and each policy's first and last day with the days either side)."""
    days: set[dt.date | None] = {None, dt.date(2025, 12, 25), dt.date(2026, 3, 5)}
    for p in pols:
        for edge in (p.start, p.end):
            if edge is not None:
                days |= {edge - dt.timedelta(days=1), edge, edge + dt.timedelta(days=1)}
    keys = itertools.product(
        ["broadband", "hd"],
        [Decimal(30), Decimal(50), Decimal(100)],
        [None, 1, 2],
        ["staff", "agent"],
        [None, "sales", "account"],
        sorted(days, key=lambda d: (d is not None, d)),
    )
    return [
        c.Sale(
            ref=f"S{i:05d}",
            business_line=line,
            amount=amount,
            seller=1,
            product_id=product,
            channel=channel,
            seller_role=role,
            day=day,
        )
        for i, (line, amount, product, channel, role, day) in enumerate(keys)
    ]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_calculators_choice_per_key_is_choose(data: st.DataObject) -> None:
    """The calculator decides the candidates once per key (the speed of a million sales);
    what it picks is what `choose` picks over every policy, sale by sale: for every sale of
    a grid of keys, amounts and days, not a few drawn ones (drawing them was the cost)."""
    pols = [data.draw(keyed_policies(pid)) for pid in range(1, data.draw(st.integers(1, 6)) + 1)]
    calc = c.Calculator(pols)
    every = _every_sale(pols)
    paid = {ln.sale: ln.policy_id for ln in calc.run(every).lines}  # one seller's line each
    for sale in every:
        chosen = c.choose(pols, sale)
        assert calc.policy_for(sale) == chosen
        assert paid.get(sale.ref) == (chosen.id if chosen else None)
