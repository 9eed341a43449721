"""The commission calculator (佣金计算): pure Python, no Django, so it is property-tested.

A policy pays a rate of the sale amount or a fixed sum per unit, optionally at a higher
level once the seller's month volume under the policy reaches a tier, and splits what it pays
between payees (the seller, the grid's manager, the installing technician).

The cap (seed §三.3): on a capped business line (broadband), what a sale pays summed over
all its payees never exceeds `cap × amount`. The policy check at save time (`max_payout`)
keeps most sales clear of it; at calculation a sale that would still go over (a fixed sum on
a cheap sale, the rounding of several payees' lines) is cut to the largest fen amount within
the cap, shared in proportion to what each payee would have had, the remainder fen to the
seller (or the first payee), and every line of the sale is marked capped.

Money rounds once per line, half up to the fen; a statement's total is the exact sum of its
lines (nothing is rounded again).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import NamedTuple, cast

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
DEFAULT_CAP = Decimal("0.17")
#: Business lines the cap applies to (the seed caps broadband).
CAPPED_LINES = frozenset({"broadband"})

SELLER, MANAGER, TECHNICIAN = "seller", "manager", "technician"
PAYEES = (SELLER, MANAGER, TECHNICIAN)

RATE, FIXED = "rate", "fixed"


def fen(value: Decimal) -> Decimal:
    """Round once, half up, to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def cap_limit(amount: Decimal, cap: Decimal) -> Decimal:
    """The most a capped sale may pay, in whole fen, never above `cap × amount`."""
    return (amount * cap).quantize(FEN, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Tier:
    """From `min_units` sales in the month under the policy, every unit pays `value`."""

    min_units: int
    value: Decimal


@dataclass(frozen=True)
class Policy:
    id: int
    business_line: str
    kind: str  # RATE (of the amount) or FIXED (sum per unit)
    value: Decimal
    #: payee → share of what the policy pays (the shares add up to at most 1).
    splits: Mapping[str, Decimal]
    product_id: int | None = None
    channel: str | None = None
    role: str | None = None  # the seller's role
    tiers: tuple[Tier, ...] = ()
    #: A sale below it is not paid by this policy (required for a capped fixed sum).
    min_amount: Decimal | None = None
    #: The version's effective dates (inclusive; None: open).
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def specificity(self) -> int:
        return sum(x is not None for x in (self.product_id, self.channel, self.role))

    def matches(self, sale: Sale) -> bool:
        return (
            self.business_line == sale.business_line
            and self.product_id in (None, sale.product_id)
            and self.channel in (None, sale.channel)
            and self.role in (None, sale.seller_role)
            and (self.min_amount is None or sale.amount >= self.min_amount)
            and (sale.day is None or self.start is None or self.start <= sale.day)
            and (sale.day is None or self.end is None or sale.day <= self.end)
        )

    def value_at(self, units: int) -> Decimal:
        value = self.value
        for tier in sorted(self.tiers, key=lambda t: t.min_units):
            if units >= tier.min_units:
                value = tier.value
        return value


@dataclass(frozen=True)
class Payout:
    """The most a policy could pay on one sale: a rate of the amount (None if unbounded)."""

    rate: Decimal | None
    fixed: Decimal | None


def max_payout(policy: Policy) -> Payout:
    """What the policy could pay at most on one sale, over all payees and tiers.

    A rate policy reaches its highest rate times the payees' shares; a fixed sum reaches
    the sum times the shares, which as a rate of the amount is bounded only by the policy's
    `min_amount` (without one, a cheap enough sale goes past any cap: rate None).
    """
    top = max([policy.value, *(t.value for t in policy.tiers)])
    shares = sum(policy.splits.values(), Decimal(0))
    if policy.kind == RATE:
        return Payout(rate=top * shares, fixed=None)
    fixed = top * shares
    if policy.min_amount and policy.min_amount > 0:
        return Payout(rate=fixed / policy.min_amount, fixed=fixed)
    return Payout(rate=None if fixed > 0 else Decimal(0), fixed=fixed)


def within_cap(policy: Policy, cap: Decimal) -> bool:
    if policy.business_line not in CAPPED_LINES:
        return True
    reach = max_payout(policy).rate
    return reach is not None and reach <= cap


def check_splits(splits: Mapping[str, Decimal]) -> list[str]:
    """Problems with a split: unknown payees, negative shares, shares above 1 in all."""
    errors = []
    unknown = set(splits) - set(PAYEES)
    if unknown:
        errors.append(f"unknown payees: {sorted(unknown)}")
    if any(v < 0 for v in splits.values()):
        errors.append("negative share")
    if sum(splits.values(), Decimal(0)) > 1:
        errors.append("shares above 1")
    return errors


class Sale(NamedTuple):
    """One sale as the calculator reads it (a tuple: a month holds a million of them)."""

    ref: str
    business_line: str
    amount: Decimal
    seller: int | None
    product_id: int | None = None
    channel: str = "staff"
    seller_role: str | None = None
    manager: int | None = None
    technician: int | None = None
    day: dt.date | None = None
    #: The sales record's id, when it is one: its statement lines link to it.
    sale_id: int | None = None

    def payee(self, who: str) -> int | None:
        staff = self[_PAYEE_FIELD[who]]
        return staff if isinstance(staff, int) else None


#: Where each payee's staff id sits in a `Sale`.
_PAYEE_FIELD = {SELLER: 3, MANAGER: 7, TECHNICIAN: 8}


class Clawback(NamedTuple):
    """A sale paid in an earlier month whose account was cancelled within the period: each
    payee gives back exactly what their line paid."""

    ref: str
    business_line: str
    amount: Decimal
    staff: int
    payee: str
    paid: Decimal


class Line(NamedTuple):
    staff: int
    sale: str
    business_line: str
    base: Decimal  # the sale amount
    payee: str
    policy_id: int | None
    rate: Decimal | None  # rate of the amount, or None for a fixed sum
    amount: Decimal  # the commission, to the fen
    capped: bool = False
    clawback: bool = False
    sale_id: int | None = None


@dataclass
class Result:
    lines: list[Line] = field(default_factory=list)

    def totals(self) -> dict[int, Decimal]:
        out: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for line in self.lines:
            out[line.staff] += line.amount
        return dict(sorted(out.items()))

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def capped_lines(self) -> int:
        return sum(line.capped for line in self.lines)


def choose(policies: Sequence[Policy], sale: Sale) -> Policy | None:
    """The most specific policy that matches (then the lowest id, for a stable choice)."""
    best: Policy | None = None
    for p in policies:
        if p.matches(sale) and (
            best is None or (p.specificity, -p.id) > (best.specificity, -best.id)
        ):
            best = p
    return best


def share_cut(wanted: Mapping[str, Decimal], limit: Decimal) -> dict[str, Decimal]:
    """Share `limit` (whole fen) between payees in proportion to what they wanted, rounded
    down to the fen, the remainder fen to the seller (or the first payee): the shares add
    up to exactly `limit`, never more."""
    total = sum(wanted.values(), Decimal(0))
    if total <= 0 or limit <= 0:
        return dict.fromkeys(wanted, ZERO)
    out = {k: (limit * v / total).quantize(FEN, rounding=ROUND_DOWN) for k, v in wanted.items()}
    rest = limit - sum(out.values(), ZERO)
    first = SELLER if SELLER in out else next(iter(out))
    out[first] += rest
    return out


class Calculator:
    """Settles one month: `policies` in force, the sales, claw-backs of earlier months."""

    def __init__(self, policies: Iterable[Policy], cap: Decimal = DEFAULT_CAP) -> None:
        self.policies = sorted(policies, key=lambda p: p.id)
        by_line: dict[str, list[Policy]] = defaultdict(list)
        for p in self.policies:
            by_line[p.business_line].append(p)
        self.by_line = dict(by_line)
        self.cap = cap
        #: policy id → (payee, where the payee sits in a Sale, share), shares above 0 only.
        self.shares = {
            p.id: tuple(
                (who, _PAYEE_FIELD[who], p.splits[who]) for who in PAYEES if p.splits.get(who)
            )
            for p in self.policies
        }
        self._candidates: dict[tuple[str, int | None, str, str | None], tuple[Policy, ...]] = {}
        self._values: dict[tuple[int, int], Decimal] = {}

    def candidates(self, sale: Sale) -> tuple[Policy, ...]:
        """The policies whose keys (business line, product, channel, role) match `sale`,
        most specific first, then by id: `choose` decided once per key instead of once per
        sale (a month holds a million sales and a handful of keys)."""
        key = (sale.business_line, sale.product_id, sale.channel, sale.seller_role)
        found = self._candidates.get(key)
        if found is None:
            found = tuple(
                sorted(
                    (
                        p
                        for p in self.by_line.get(sale.business_line, ())
                        if p.product_id in (None, sale.product_id)
                        and p.channel in (None, sale.channel)
                        and p.role in (None, sale.seller_role)
                    ),
                    key=lambda p: (-p.specificity, p.id),
                )
            )
            self._candidates[key] = found
        return found

    def policy_for(self, sale: Sale) -> Policy | None:
        """What `choose` picks: the first candidate whose minimum amount and dates match."""
        day, amount = sale.day, sale.amount
        for p in self.candidates(sale):
            if (
                (p.min_amount is None or amount >= p.min_amount)
                and (day is None or p.start is None or p.start <= day)
                and (day is None or p.end is None or day <= p.end)
            ):
                return p
        return None

    def run(self, sales: Iterable[Sale], clawbacks: Iterable[Clawback] = ()) -> Result:
        sales = sorted(sales, key=itemgetter(0))  # by reference
        chosen: list[tuple[Sale, Policy]] = []
        units: dict[tuple[int, int | None], int] = defaultdict(int)
        # `policy_for` inlined: this loop runs once per sale of the month (a million).
        known, candidates, choice = self._candidates, self.candidates, chosen.append
        for sale in sales:
            found = known.get((sale[1], sale[4], sale[5], sale[6]))
            if found is None:
                found = candidates(sale)
            amount, day = sale[2], sale[9]
            for p in found:
                if (
                    (p.min_amount is None or amount >= p.min_amount)
                    and (day is None or p.start is None or p.start <= day)
                    and (day is None or p.end is None or day <= p.end)
                ):
                    choice((sale, p))
                    units[(p.id, sale[3])] += 1
                    break
        result = Result()
        extend, pay = result.lines.extend, self.pay
        for sale, policy in chosen:
            extend(pay(sale, policy, units[(policy.id, sale[3])]))
        for c in sorted(clawbacks, key=lambda c: (c.ref, c.payee, c.staff)):
            result.lines.append(
                Line(
                    c.staff,
                    c.ref,
                    c.business_line,
                    c.amount,
                    c.payee,
                    None,
                    None,
                    -c.paid,
                    clawback=True,
                )
            )
        return result

    def value(self, policy: Policy, units: int) -> Decimal:
        """The policy's rate or sum at `units` units (remembered: `value_at` sorts tiers)."""
        if not policy.tiers:
            return policy.value
        key = (policy.id, units)
        found = self._values.get(key)
        if found is None:
            found = self._values[key] = policy.value_at(units)
        return found

    def pay(self, sale: Sale, policy: Policy, units: int) -> list[Line]:
        value = self.value(policy, units) if policy.tiers else policy.value
        amount = sale[2]
        if policy.kind == RATE:
            gross, rate = amount * value, value
        else:
            gross, rate = value, None
        # The payee fields hold staff ids (int | None); the index hides it from the checker.
        wanted: list[tuple[str, int, Decimal, Decimal]] = [
            (who, staff, share, (gross * share).quantize(FEN, rounding=ROUND_HALF_UP))
            for who, at, share in self.shares[policy.id]
            if (staff := cast(int | None, sale[at])) is not None
        ]
        if not wanted:
            return []
        capped = False
        if sale[1] in CAPPED_LINES:
            limit = cap_limit(amount, self.cap)
            if sum([w[3] for w in wanted], ZERO) > limit:
                cut = share_cut({w[0]: gross * w[2] for w in wanted}, limit)
                wanted = [(who, staff, share, cut[who]) for who, staff, share, _a in wanted]
                capped = True
        ref, line, pid, sid, new = sale[0], sale[1], policy.id, sale[10], tuple.__new__
        # tuple.__new__ straight: Line(...) goes through a Python-level __new__ per line.
        return [
            new(Line, (staff, ref, line, amount, who, pid, rate, paid, capped, False, sid))
            for who, staff, _share, paid in wanted
        ]
