"""The one Excel import/export pipeline, used by every kind of record.

An app makes a kind importable by writing an `ImportSpec` in its `imports.py` and calling
`register(MySpec())` there; `CoreConfig.ready` imports every app's `imports` module.

The contract, in one page::

    from wangge.core.imports import Column, ImportSpec, register

    class HouseholdSpec(ImportSpec):
        kind = "households"                    # URL and command-line name
        label = _("家庭客户")                   # shown in the page and the template
        model = Household                      # its default manager must be a ScopedQuerySet
        natural_key = ("phone",)               # column keys that find the existing record
        lookup_fields = None                   # model fields for them, if named differently
        import_action = Action.MANAGE_CRM      # who may import (None: only the system)
        export_action = Action.VIEW_ORG        # who may export what they see
        columns = [
            Column("phone", "联系电话", "phone", required=True, example="13800138000",
                   aliases=("电话", "手机号")),
            Column("site", "所属小区", "ref", help="小区编码"),
            Column("since", "入网时间", "date"),
            ...
        ]

        def prepare(self, user, drafts, ctx): ...       # bulk lookups for a chunk (optional)
        def clean_row(self, user, values, ctx):          # -> (cleaned, [(column key, msg)])
        def save(self, user, cleaned, existing):         # -> (obj, created), via services
        def save_many(self, user, items): ...            # optional bulk path, still audited
        def export_row(self, obj): ...                   # -> {column key: value}

    register(HouseholdSpec())

What the pipeline guarantees a spec (so it need not check again):

* `values` holds parsed, typed values of non-blank cells only: a missing key means the
  cell was blank or the column absent (on update: keep the current value). Text is
  normalised (full-width digits/letters, spaces); phones are "13800138000" or
  "0739-2712345"; dates `datetime.date`; int/decimal/money/percent Decimal or int (percent
  as a 0–1 fraction); bool; choices their value; `ref` columns the text to resolve.
* Required columns are present and non-blank; lengths, ranges and choices are checked.
* `find_existing` (unscoped, one query per chunk) found the record for the natural key;
  a key held by a record the user may not see is refused before `clean_row` runs; one
  they may see but not write (`writable`, default: in `queryset(user)`) passes only if the
  row changes nothing (so people can re-import their own export). `ctx.existing` is the
  record or None.
* A phone cell our export masked (138****8000) is left out of `values` on an update (the
  stored number stays) and is an error on a create.
* A natural key repeated inside one file is an error on the later row.
* Every row is validated before anything is written, and all errors are reported;
  `clean_row` returns messages already translated (gettext) and keyed by column.
* Writes happen in one `transaction.atomic()`; strict mode writes nothing if any row failed;
  a write that raises (`ValidationError`, `WriteError`, a database error) rolls back all.
* `user=None` is the system (command line without `--as`) with full scope.

Entry points: `run_import`, `template_workbook`, `export_workbook`, `error_workbook`
(`pipeline.py`); the page (`wangge/core/views_imports.py`), background jobs (`jobs.py`) and
the commands `wangge template|import|export`.
"""

from wangge.core.imports.spec import (
    Column,
    ImportContext,
    ImportSpec,
    RowDraft,
    WriteError,
    WriteItem,
    all_specs,
    get_spec,
    register,
)

__all__ = [
    "Column",
    "ImportContext",
    "ImportSpec",
    "RowDraft",
    "WriteError",
    "WriteItem",
    "all_specs",
    "get_spec",
    "register",
]
