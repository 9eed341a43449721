"""`wangge template|import|export`: the pipeline from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.imports.sheets import read, xlsx
from tests.territory_world import Territory
from wangge.core.models import ExportLog
from wangge.territory.models import Site

pytestmark = pytest.mark.django_db

HEADER = ["编码", "小区名称", "经度", "纬度", "总户数", "物业联系电话"]


def _file(tmp_path: Path, rows: list[list[object]]) -> Path:
    path = tmp_path / "estates.xlsx"
    path.write_bytes(xlsx([HEADER, *rows]))
    return path


def _run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


def test_template_command_writes_the_template_with_its_example(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    _text, code = _run("template", "estates", str(out))
    rows = read(out.read_bytes())
    assert code == 0 and rows[0][:2] == ("编码", "小区名称") and rows[1][1] == "东湖花园"


def test_import_json_has_the_documented_shape_and_is_a_dry_run_by_default(
    territory: Territory, tmp_path: Path
) -> None:
    path = _file(tmp_path, [["N1", "新", 111.705, 27.205, 10, "138-0013-8000"],
                            ["N2", "坏", 111.705, 27.205, 10, "12345"]])  # fmt: skip
    text, code = _run("import", "estates", str(path), "--json")
    data = json.loads(text)
    assert {"rows", "created", "updated", "rejected", "errors"} <= set(data)
    assert (data["rows"], data["created"], data["updated"], data["rejected"]) == (2, 1, 0, 1)
    assert data["errors"] == [
        {"row": 3, "column": "物业联系电话", "message": data["errors"][0]["message"]}
    ]
    assert code == 1
    assert not Site.objects.filter(code="N1").exists()


def test_import_commit_strict_and_errors_file(territory: Territory, tmp_path: Path) -> None:
    path = _file(
        tmp_path, [["N1", "新", 111.705, 27.205, 10, None], ["N2", None, 111.7, 27.2, 1, None]]
    )
    errors = tmp_path / "errors.xlsx"
    _text, code = _run(
        "import", "estates", str(path), "--commit", "--strict", "--errors", str(errors)
    )
    assert code == 1 and not Site.objects.filter(code="N1").exists()
    assert read(errors.read_bytes())[0][-1] == "错误"
    _text, code = _run("import", "estates", str(path), "--commit")
    assert code == 1 and Site.objects.filter(code="N1").exists()  # the valid row went in
    ok = _file(tmp_path, [["N1", "新", 111.705, 27.205, 10, None]])
    text, code = _run("import", "estates", str(ok), "--commit", "--json")
    assert code == 0 and json.loads(text)["rejected"] == 0


def test_import_as_a_user_applies_their_scope(territory: Territory, tmp_path: Path) -> None:
    path = _file(tmp_path, [["N1", "东边", 111.73, 27.205, 10, None]])  # grid B
    text, code = _run("import", "estates", str(path), "--commit", "--json", "--as", "manager_a")
    assert code == 1 and "不在您负责" in json.loads(text)["errors"][0]["message"]
    _text, code = _run("import", "estates", str(path), "--commit", "--as", "manager_b")
    assert code == 0 and Site.objects.get(code="N1").grid == territory.world.grid_b


@pytest.mark.parametrize(
    "args",
    [
        ("import", "nonsense", "x.xlsx"),
        ("import", "estates", "/no/such/file.xlsx"),
        ("import", "estates", "x.xlsx", "--as", "nobody"),
        ("import", "staff", "x.xlsx", "--as", "manager_a"),
        ("export", "estates", "x.xlsx", "--filter", "novalue"),
    ],
)
def test_usage_errors_exit_with_2(world: object, args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(xlsx([HEADER]))
    args = tuple(str(tmp_path / a) if a == "x.xlsx" else a for a in args)
    assert _run(*args)[1] == 2


def test_export_command_is_scoped_and_logged(territory: Territory, tmp_path: Path) -> None:
    out = tmp_path / "e.xlsx"
    _text, code = _run("export", "estates", str(out), "--as", "manager_a", "--filter", "q=A")
    assert code == 0 and len(read(out.read_bytes())) == 1 + len(territory.sites_a)
    log = ExportLog.objects.get()
    assert log.user is not None
    assert (log.user.username, log.filters, log.rows) == ("manager_a", {"q": "A"}, 4)
    _run("export", "estates", str(out))
    assert ExportLog.objects.filter(user=None, user_repr="system", rows=8).exists()
