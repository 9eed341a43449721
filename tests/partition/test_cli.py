"""`python -m wangge.territory.partition`: files in, files and a JSON summary out."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from wangge.territory.partition.cli import main

from .helpers import points, square


def write_sites(path: Path, n: int = 120, seed: int = 1) -> list[str]:
    lon, lat = points(n, seed)
    rng = np.random.default_rng(seed)
    ids = [f"S{i:04d}" for i in range(len(lon))]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat", "households", "customers"])
        for i, s in enumerate(ids):
            hh = int(rng.integers(10, 60))
            w.writerow([s, f"{lon[i]:.6f}", f"{lat[i]:.6f}", hh, hh // 2])
    return ids


def read_assignment(path: Path) -> dict[str, int]:
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["id", "grid"]
    return {r[0]: int(r[1]) for r in rows[1:]}


def test_writes_assignment_geojson_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = tmp_path / "sites.csv"
    ids = write_sites(sites)
    outline = tmp_path / "outline.geojson"
    outline.write_text(shapely.to_geojson(square()))
    out, geo = tmp_path / "a.csv", tmp_path / "g.geojson"
    code = main(
        [
            str(sites),
            "--grids",
            "4",
            "--balance",
            "households,customers",
            "--outline",
            str(outline),
            "--out",
            str(out),
            "--geojson",
            str(geo),
        ]
    )
    assert code == 0
    got = read_assignment(out)
    assert list(got) == ids and set(got.values()) == {1, 2, 3, 4}
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= {
        "max_deviation",
        "disconnected",
        "compactness",
        "moved",
        "issues",
        "seconds",
    }
    assert set(summary["max_deviation"]) == {"households", "customers"}
    assert summary["disconnected"] == [] and summary["moved"] == 0
    assert 0 < summary["compactness"]["min"] <= summary["compactness"]["mean"] <= 1
    features = json.loads(geo.read_text())["features"]
    assert [f["properties"]["grid"] for f in features] == [1, 2, 3, 4]
    assert all(f["geometry"]["type"] == "Polygon" for f in features)

    # Re-running from that plan with --initial keeps it.
    code = main(
        [
            str(sites),
            "--grids",
            "4",
            "--balance",
            "households,customers",
            "--outline",
            str(outline),
            "--initial",
            str(out),
            "--out",
            str(tmp_path / "b.csv"),
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["moved"] <= 3


@pytest.mark.parametrize(
    ("edit", "args", "message"),
    [
        (None, ["--grids", "0"], "--grids"),
        (None, ["--grids", "100000"], "--grids"),
        (None, ["--balance", "nope"], "missing column"),
        ("S0003,113.01,28.01,abc,1", [], "not a number"),
        ("S0003,113.01,28.01,-5,1", [], "negative"),
        ("S0000,113.01,28.01,5,1", [], "duplicate site id"),
        (None, ["--compactness", "2"], "--compactness"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    edit: str | None,
    args: list[str],
    message: str,
) -> None:
    sites = tmp_path / "sites.csv"
    write_sites(sites, n=40)
    if edit:
        with sites.open("a") as fh:
            fh.write(edit + "\n")
    base = {"--grids": "3", "--balance": "households"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [str(sites), *[x for kv in base.items() for x in kv], "--out", str(tmp_path / "a.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            str(tmp_path / "none.csv"),
            "--grids",
            "2",
            "--balance",
            "a",
            "--out",
            str(tmp_path / "o.csv"),
        ]
    )
    assert code == 2
    assert "error:" in capsys.readouterr().err


def test_module_entry_point(tmp_path: Path) -> None:
    # One interpreter start (numpy, scipy, shapely: the dearest part of this file): the exit
    # code passes through `sys.exit(main())`; refusals and their exit code 2 are checked
    # in-process above.
    sites = tmp_path / "sites.csv"
    write_sites(sites, n=30)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "wangge.territory.partition",
            str(sites),
            "--grids",
            "3",
            "--balance",
            "households",
            "--out",
            str(tmp_path / "a.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["disconnected"] == []


def test_frontier_writes_one_assignment_per_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = tmp_path / "sites.csv"
    ids = write_sites(sites)
    out, geo = tmp_path / "plan.csv", tmp_path / "grids.geojson"
    argv = [str(sites), "--grids", "3", "--balance", "households,customers", "--out", str(out)]
    code = main([*argv, "--geojson", str(geo), "--frontier", "3"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)["frontier"]
    assert [p["point"] for p in report] == list(range(1, len(report) + 1))
    assert report[0]["setting"] <= 0.5 and 1 <= len(report) <= 3
    settings = [p["setting"] for p in report]
    assert settings == sorted(settings, reverse=True)
    for i, point in enumerate(report, start=1):
        assert set(point["max_deviation"]) == {"households", "customers"}
        assert point["disconnected"] == []
        assert point["dominated"] is False
        assignment = read_assignment(tmp_path / f"plan-{i}.csv")
        assert sorted(assignment) == sorted(ids) and set(assignment.values()) == {1, 2, 3}
        features = json.loads((tmp_path / f"grids-{i}.geojson").read_text())["features"]
        assert len(features) == 3
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--frontier", "0"], "--frontier must be between 1 and 10"),
        (["--frontier", "2", "--balance", "households"], "needs two or more --balance"),
    ],
)
def test_frontier_bad_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    sites = tmp_path / "sites.csv"
    write_sites(sites)
    argv = [str(sites), "--grids", "3", "--balance", "households,customers"]
    assert main([*argv, "--out", str(tmp_path / "a.csv"), *extra]) == 2
    assert message in capsys.readouterr().err
