"""`fetch-builds` against a fake Zuul builds API of three pages, interrupted and resumed."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from fingerlog.cli import main
from fingerlog.remote.builds import COMPLETE_MARKER, MANIFEST_NAME, BuildQuery, fetch_builds
from fingerlog.remote.http import HttpCache, HttpFetcher, Limits

PAGE_SIZE = 2


class FakeZuul:
    """A builds API (skip/limit paging, newest first) and a log server for each build."""

    def __init__(self, httpserver, count: int) -> None:
        self.server = httpserver
        self.bodies: Counter[str] = Counter()
        self.pages: list[int] = []
        self.builds = [
            {
                "uuid": f"{i:032x}",
                "job_name": "tempest-full",
                "result": "FAILURE" if i % 2 else "SUCCESS",
                "voting": True,
                "start_time": f"2024-05-{10 - i:02d}T08:00:00",
                "ref": {"project": "openstack/nova", "branch": "master", "change": 1000 + i, "patchset": "1"},
                "pipeline": "check",
                "log_url": httpserver.url_for(f"/logs/{i}/"),
            }
            for i in range(count)
        ]
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/api/tenant/openstack/builds":
            query = parse_qs(request.query_string.decode())
            skip, limit = int(query["skip"][0]), int(query["limit"][0])
            self.pages.append(skip)
            return Response(json.dumps(self.builds[skip : skip + limit]), content_type="application/json")
        if m := re.fullmatch(r"/logs/(\d+)/(.*)", path):
            number, name = int(m[1]), m[2]
            if name == "zuul-manifest.json":
                return Response(json.dumps({"tree": [{"name": "job-output.txt"}]}))
            if name == "job-output.txt":
                self.bodies[path] += 1
                return Response(f"2024-05-01 10:00:00.000000 | build {number} ERROR\n")
        return Response("not found", status=404)


@pytest.fixture
def fetcher(tmp_path: Path):
    with HttpFetcher(HttpCache(tmp_path / "cache"), limits=Limits(backoff=0.0)) as f:
        yield f


def manifest(archive: Path) -> list[dict]:
    return [json.loads(line) for line in (archive / MANIFEST_NAME).read_text().splitlines()]


def test_pages_through_the_api_and_writes_the_manifest(httpserver, fetcher, tmp_path):
    zuul = FakeZuul(httpserver, count=5)
    query = BuildQuery(httpserver.url_for("/"), "openstack", page_size=PAGE_SIZE)
    report = fetch_builds(query, tmp_path / "archive", fetcher)
    assert zuul.pages == [0, 2, 4], "three pages of two"
    assert len(report.fetched) == 5
    rows = {row["path"]: row for row in manifest(tmp_path / "archive")}
    assert set(rows) == {b["uuid"] for b in zuul.builds}
    first = rows[f"{1:032x}"]
    assert first["build_status"] == "FAILURE"
    assert first["build_change"] == "1001"
    assert first["build_name"] == "tempest-full"
    assert first["project"] == "openstack/nova"
    assert (tmp_path / "archive" / f"{1:032x}" / "zuul-info" / "build.json").is_file()


def test_since_and_limit_stop_the_paging(httpserver, fetcher, tmp_path):
    FakeZuul(httpserver, count=5)
    from datetime import datetime

    since = BuildQuery(httpserver.url_for("/"), "openstack", page_size=PAGE_SIZE, since=datetime(2024, 5, 8, tzinfo=UTC))
    assert len(fetch_builds(since, tmp_path / "a", fetcher).fetched) == 3  # started May 10, 9 and 8
    limited = BuildQuery(httpserver.url_for("/"), "openstack", page_size=PAGE_SIZE, limit=1)
    assert len(fetch_builds(limited, tmp_path / "b", fetcher).fetched) == 1


def test_interrupted_run_resumes_without_fetching_twice(httpserver, fetcher, tmp_path):
    zuul = FakeZuul(httpserver, count=5)
    query = BuildQuery(httpserver.url_for("/"), "openstack", page_size=PAGE_SIZE)
    archive = tmp_path / "archive"

    def stop_after_three(uuid: str, state: str) -> None:
        if len(list(archive.glob(f"*/{COMPLETE_MARKER}"))) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_builds(query, archive, fetcher, on_build=stop_after_three)
    assert len(manifest(archive)) == 3, "the manifest lists exactly the completed builds"
    report = fetch_builds(query, archive, fetcher)
    assert len(report.already) == 3 and len(report.fetched) == 2
    assert set(zuul.bodies.values()) == {1}, "no build file was downloaded twice"
    assert len(manifest(archive)) == 5


def test_cli_fetch_builds(httpserver, tmp_path):
    FakeZuul(httpserver, count=3)
    result = CliRunner().invoke(
        main,
        ["fetch-builds", "--zuul", httpserver.url_for("/"), "--tenant", "openstack", "--result", "FAILURE",
         "--out", str(tmp_path / "archive"), "--cache-dir", str(tmp_path / "cache")],
    )
    assert result.exit_code == 0, result.output
    assert "3 builds fetched" in result.output
    bad = CliRunner().invoke(
        main,
        ["fetch-builds", "--zuul", "http://x", "--tenant", "t", "--since", "yesterday", "--out", str(tmp_path / "b")],
    )
    assert bad.exit_code == 2
    assert "--since" in bad.output and "Traceback" not in bad.output


def test_fetched_archive_batches_into_a_store_with_the_build_fields(httpserver, fetcher, tmp_path):
    zuul = FakeZuul(httpserver, count=5)
    archive = tmp_path / "archive"
    fetch_builds(BuildQuery(httpserver.url_for("/"), "openstack", page_size=PAGE_SIZE), archive, fetcher)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "build-error.yaml").write_text("query: 'message:\"ERROR\" AND tags:\"job-output.txt\"'\n")
    result = CliRunner().invoke(
        main, ["batch", str(archive), "--rules", str(rules), "--out", str(tmp_path / "store"), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    sql = "SELECT build_uuid, build_status, build_change, build_queue, hit_count FROM builds ORDER BY build_uuid"
    query = CliRunner().invoke(main, ["sql", str(tmp_path / "store"), "--format", "json", sql])
    assert query.exit_code == 0, query.output
    rows = json.loads(query.stdout)
    assert [(r["build_uuid"], r["build_status"], r["build_change"], r["build_queue"], r["hit_count"]) for r in rows] == [
        (b["uuid"], b["result"], str(b["ref"]["change"]), "check", 1) for b in zuul.builds
    ]
