"""The customer search's index on SQLite: every one-, two- and three-character piece of
the searched text, kept by triggers, so a search reads the customers that can match instead
of every visible one.

The search (`selectors._customer_search`) is `icontains` over the name, door address and a
group's contact name, `contains` over the phones and `iexact` over the number. PostgreSQL
serves it from trigram indexes (migration 0012); a trigram needs three characters and SQLite
has none, so here an FTS5 table (`crm_customer_search`, one row per customer, rowid = the
customer's id) holds the pieces ("grams") of each field as words:

* `t<hex>` for every 1-, 2- and 3-gram of the name, address and contact name,
* `p<hex>` for those of the customer's and the contact's phone,
* `c<hex>` for the whole number,

where `<hex>` is SQLite's `hex(upper(piece))`: hex because the pieces hold punctuation and
spaces that a tokenizer would split on, `upper` because SQLite's LIKE (what `icontains` and
`contains` are there) ignores the case of ASCII letters only, as `upper` folds only those.
A search for `q` asks for `q` itself when it is at most three characters long, else for all
of its 3-grams: every customer whose field contains `q` has them all. The index only
narrows: the selector still applies the plain conditions to what it returns, so the result
is exactly the `icontains` one and the scoping (`visible_to`) is untouched.

Triggers on `crm_customer` and `crm_organization` keep the index in step with every write
(services, bulk imports, the demo's raw inserts, deletes): each write removes the
customer's old words and adds the new ones, computed by one SQL expression (`_WORDS`) from
the rows as they are. FTS5 (contentless, `detail=none`: ids only, compressed) forgets a
row only when told its words, so the expression must be the same at insert and at delete:
changing it means a migration that calls `install` again (which rebuilds).

Django's SQLite migrations rebuild a table to alter it (create a copy, drop, rename), which
would drop the triggers of the table and break those of the other (they name both tables).
So the crm app removes the triggers before crm migrations run (`pre_migrate`) and puts them
back, rebuilding the index, after (`post_migrate`; `apps.py`).

A search whose words name more than `DENSE` customers, and an agent's (own accounts only),
go without the index: there the plain conditions are cheaper (`selectors._customer_search`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db import transaction
from django.db.models import BooleanField, F
from django.db.models.expressions import Expression, RawSQL

TABLE = "crm_customer_search"
POSITIONS = "crm_search_position"
#: Characters of a field that are indexed; the fields hold at most 100.
LONGEST = 1000
#: Numbers longer than this are not searched as a number.
CODE_MAX = 32

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _grams(prefix: str, column: str) -> str:
    """SQL: the words of one field's 1-, 2- and 3-grams ('' for NULL or empty)."""
    x = f"upper({column})"
    pieces = " || ' ' || ".join(f"'{prefix}' || hex(substr({x}, n, {k}))" for k in (1, 2, 3))
    return (
        f"coalesce((SELECT group_concat({pieces}, ' ') FROM {POSITIONS} "
        f"WHERE n <= length({column})), '')"
    )


#: SQL: one customer's words, from `c` (crm_customer) and `o` (its survey, or NULLs).
_WORDS = " || ' ' || ".join(
    [
        _grams("t", "c.name"),
        _grams("t", "c.address"),
        _grams("t", "o.contact_name"),
        _grams("p", "c.phone"),
        _grams("p", "o.contact_phone"),
        "CASE WHEN coalesce(c.code, '') = '' THEN '' ELSE 'c' || hex(upper(c.code)) END",
    ]
)

_SOURCE = (
    f"SELECT c.id, {_WORDS} FROM crm_customer c "
    "LEFT JOIN crm_organization o ON o.customer_id = c.id"
)


def _add(where: str) -> str:
    return f"INSERT INTO {TABLE}(rowid, words) {_SOURCE} WHERE {where};"


def _forget(where: str) -> str:
    return (
        f"INSERT INTO {TABLE}({TABLE}, rowid, words) "
        f"SELECT 'delete', * FROM ({_SOURCE} WHERE {where});"
    )


_CUSTOMER_COLUMNS = "id, name, address, phone, code"
_SURVEY_COLUMNS = "customer_id, contact_name, contact_phone"
_BOTH = "c.id IN (OLD.customer_id, NEW.customer_id)"

#: (name, timing and event, body). BEFORE triggers read the rows as they were, AFTER ones
#: as they are: a write's old words go out and its new ones come in.
TRIGGERS = (
    ("crm_search_customer_ai", "AFTER INSERT ON crm_customer", _add("c.id = NEW.id")),
    (
        "crm_search_customer_bu",
        f"BEFORE UPDATE OF {_CUSTOMER_COLUMNS} ON crm_customer",
        _forget("c.id = OLD.id"),
    ),
    (
        "crm_search_customer_au",
        f"AFTER UPDATE OF {_CUSTOMER_COLUMNS} ON crm_customer",
        _add("c.id = NEW.id"),
    ),
    ("crm_search_customer_bd", "BEFORE DELETE ON crm_customer", _forget("c.id = OLD.id")),
    (
        "crm_search_survey_bi",
        "BEFORE INSERT ON crm_organization",
        _forget("c.id = NEW.customer_id"),
    ),
    ("crm_search_survey_ai", "AFTER INSERT ON crm_organization", _add("c.id = NEW.customer_id")),
    (
        "crm_search_survey_bu",
        f"BEFORE UPDATE OF {_SURVEY_COLUMNS} ON crm_organization",
        _forget(_BOTH),
    ),
    ("crm_search_survey_au", f"AFTER UPDATE OF {_SURVEY_COLUMNS} ON crm_organization", _add(_BOTH)),
    (
        "crm_search_survey_bd",
        "BEFORE DELETE ON crm_organization",
        _forget("c.id = OLD.customer_id"),
    ),
    ("crm_search_survey_ad", "AFTER DELETE ON crm_organization", _add("c.id = OLD.customer_id")),
)


def _sqlite(conn: Any) -> bool:
    return conn.vendor == "sqlite"


def installed(conn: Any = default_connection) -> bool:
    """The index exists (crm migration 0013 ran on this SQLite database)."""
    if not _sqlite(conn):
        return False
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        return cursor.fetchone() is not None


def triggers_present(conn: Any = default_connection) -> set[str]:
    """The index's triggers that exist."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {name for (name,) in cursor.fetchall()}
    return present & {name for name, _when, _body in TRIGGERS}


def drop_triggers(conn: Any = default_connection) -> bool:
    """Remove the triggers (before migrations rebuild tables); True if any were there."""
    if not _sqlite(conn):
        return False
    had = bool(triggers_present(conn))
    with conn.cursor() as cursor:
        for name, _when, _body in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    return had


@contextmanager
def set_aside(customer_ids: Iterable[int], conn: Any = default_connection) -> Iterator[None]:
    """Bulk writes of these customers (and their surveys) with the triggers set aside:
    the customers' words go out of the index in one statement before the writes and come
    back, from the rows as written, in one after, instead of a trigger's statements per row
    (100,000 new customers: about 5 s of CPU against 18 s, and an UPDATE of 100,000 no
    longer computes every customer's words twice). The ids may name customers not yet
    inserted (`bulk.reserve_ids`). The block runs in a transaction (a savepoint inside the
    write's): SQLite's one write lock keeps every other writer out while the triggers are
    away, and a rollback brings them back. The block must write no customer outside
    `customer_ids`. Nothing to do where there is no index (PostgreSQL, or before 0013)."""
    if not installed(conn):
        yield
        return
    ids = json.dumps(sorted(set(customer_ids)))
    where = "c.id IN (SELECT value FROM json_each(%s))"
    # A savepoint: a write that fails inside takes the dropped triggers' return with it.
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for name, _when, _body in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(_forget(where).rstrip(";"), [ids])
        yield
        cursor.execute(_add(where).rstrip(";"), [ids])
        for name, when, body in TRIGGERS:
            cursor.execute(f"CREATE TRIGGER {name} {when} BEGIN {body} END")


def rebuild(conn: Any = default_connection) -> None:
    """Every customer's words from the rows as they are (and the triggers, if missing)."""
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        for name, when, body in TRIGGERS:
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {when} BEGIN {body} END")
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('delete-all')")
        cursor.execute(f"INSERT INTO {TABLE}(rowid, words) {_SOURCE}")
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")


def install(conn: Any = default_connection) -> None:
    """Create (or re-create) the index, its triggers and positions, and fill it. SQLite only."""
    if not _sqlite(conn):
        return
    uninstall(conn)
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {POSITIONS} (n INTEGER PRIMARY KEY)")
        cursor.execute(
            f"INSERT INTO {POSITIONS} (n) "
            f"WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < {LONGEST}) "
            "SELECT n FROM p"
        )
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
            "words, content='', detail='none', tokenize='ascii')"
        )
    rebuild(conn)


def uninstall(conn: Any = default_connection) -> None:
    if not _sqlite(conn):
        return
    drop_triggers(conn)
    with conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"DROP TABLE IF EXISTS {POSITIONS}")


# --- searching -----------------------------------------------------------------------------


def _word(prefix: str, piece: str) -> str:
    return prefix + piece.encode("utf-8", "surrogatepass").hex().upper()


def query(q: str, *, phones: bool) -> str:
    """The FTS5 query for the customers whose fields can contain `q` (phones only if
    `phones`; the number if `q` is one): a superset of the search's matches."""
    folded = q.translate(_ASCII_UPPER)
    pieces = (
        [folded]
        if len(folded) <= 3
        else list(dict.fromkeys(folded[i : i + 3] for i in range(len(folded) - 2)))
    )
    kinds = ("t", "p") if phones else ("t",)
    alternatives = ["(" + " AND ".join(_word(k, p) for p in pieces) + ")" for k in kinds]
    if len(folded) <= CODE_MAX:
        alternatives.append(_word("c", folded))
    return " OR ".join(alternatives)


#: A search whose words name more customers than this (a digit, 栋) is left to the plain
#: conditions: looking that many candidates up one by one costs more than reading the visible
#: rows (measured at 200k customers: 27,000 candidates 105 ms against 150 ms plain, 200,000
#: candidates 300 ms against 100 ms).
DENSE = 40_000


def candidates(q: str, *, phones: bool, conn: Any = default_connection) -> RawSQL | None:
    """`pk__in=` this: the ids of the customers that can match `q` (see `query`); None
    where there is no index (PostgreSQL) or it names more than `DENSE` customers."""
    if not _sqlite(conn):
        return None
    match = query(q, phones=phones)
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s)",
            [match, DENSE + 1],
        )
        if cursor.fetchone()[0] > DENSE:
            return None
    return RawSQL(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match])


# --- PostgreSQL: searches shorter than a trigram -------------------------------------------

#: Searches this short have no trigram: PostgreSQL asks the 1- and 2-character pieces'
#: indexes instead (crm migration 0018, `crm_short_grams`).
SHORT = 2


class GramsHave(Expression):
    """`crm_short_grams(<columns>) @> ARRAY[<piece>]`, the expression of one of crm 0018's
    indexes (the columns upper-cased and joined by a space where it says so), so that
    PostgreSQL answers it from that index. PostgreSQL only."""

    output_field = BooleanField()

    def __init__(self, columns: list[str], piece: str, *, upper: bool) -> None:
        super().__init__()
        self.columns: list[Any] = [F(c) for c in columns]
        self.piece = piece
        self.upper = upper

    def get_source_expressions(self) -> list[Any]:
        return self.columns

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.columns = list(exprs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        parts, params = [], []
        for column in self.columns:
            sql, p = compiler.compile(column)
            parts.append(f"UPPER({sql})" if self.upper else sql)
            params.extend(p)
        piece = "UPPER(%s)" if self.upper else "%s"
        text = " || ' ' || ".join(parts)
        return f"crm_short_grams({text}) @> ARRAY[{piece}]::text[]", [*params, self.piece]


def short(q: str, conn: Any = default_connection) -> bool:
    """`q` is searched through the short pieces' indexes (PostgreSQL, one or two characters)."""
    return conn.vendor == "postgresql" and 0 < len(q) <= SHORT
