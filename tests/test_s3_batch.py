"""An archive and a store on a real S3 endpoint (moto's server on 127.0.0.1): batch, sql, report, and clear failures.

The archive is uploaded one object per file (as log servers keep jobs); the
batch streams it from S3 and writes its store to S3; `fingerlog sql` reads that
store through pyarrow datasets (no DuckDB extension).  Expected counts come
from the generator's plan, and the S3 store is compared with the store the
same archive gives from local disk.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive_gen import PlannedBuild, generate_archive, write_rules
from fingerlog.cli import main
from fingerlog.store import open_store
from fingerlog.store.schema import TABLES

pytest.importorskip("s3fs")
pytest.importorskip("moto")
from s3_server import S3Server, s3_server

JOBS = 12
#: columns that say when and from where a build was scanned, not what was found.
SCAN_COLUMNS = {"scanned_at", "duration_s", "snapshot_at", "location", "path"}


def cli(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*map(str, args)])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    saved = dict(os.environ)
    with s3_server() as running:
        os.environ.update(running.env())
        os.environ["AWS_MAX_ATTEMPTS"] = "1"  # botocore's own setting: a dead endpoint fails at once
        yield running
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def archive(server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[list[PlannedBuild], Path, Path]:
    """The plan, the rules, and the local store of the archive uploaded to s3://archive/jobs.

    Its manifest.jsonl gives build_status and start_time; both the local and the
    remote batch read it without being told.
    """
    root = tmp_path_factory.mktemp("s3")
    plan = generate_archive(root / "jobs", JOBS, seed=8, corrupt=1)
    (root / "jobs" / "builds.csv").unlink()
    manifest = [{"path": b.path.name, "build_status": b.status, "start_time": f"{b.start.isoformat()}Z"} for b in plan]
    (root / "jobs" / "manifest.jsonl").write_text("".join(json.dumps(row) + "\n" for row in manifest))
    rules = write_rules(root / "rules")
    server.client().create_bucket(Bucket="archive")  # type: ignore[attr-defined]
    server.client().create_bucket(Bucket="stores")  # type: ignore[attr-defined]
    server.upload(root / "jobs", "archive", "jobs")
    code, output = cli("batch", root / "jobs", "--rules", rules, "--out", root / "local", "--jobs", "1")
    assert code == 0, output
    return plan, rules, root / "local"


@pytest.fixture(autouse=True)
def fresh_clients() -> None:
    """Each CLI call below sees the environment of its test, as a new process would (fsspec reuses clients)."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()


def store_rows(con: object) -> dict[str, list[tuple]]:
    tables = {}
    for name, table in TABLES.items():
        columns = ", ".join(c.name for c in table.columns if c.name not in SCAN_COLUMNS)
        tables[name] = sorted(con.execute(f"SELECT {columns} FROM {name}").fetchall(), key=repr)  # type: ignore[attr-defined]
    return tables


def objects(server: S3Server, bucket: str) -> list[str]:
    listing = server.client().list_objects_v2(Bucket=bucket)  # type: ignore[attr-defined]
    return sorted(o["Key"] for o in listing.get("Contents", []))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_batch_from_s3_into_s3_gives_the_local_store(engine: str, server: S3Server, archive, tmp_path: Path) -> None:
    _plan, rules, local = archive
    store = f"s3://stores/{engine}"
    code, output = cli("batch", "s3://archive/jobs", "--rules", rules, "--out", store, "--engine", engine, "--jobs", "2")
    assert code == 0, output
    assert f"{JOBS} builds scanned, 0 skipped, 0 failed" in output
    assert store_rows(open_store(store)) == store_rows(open_store(local))
    client = server.client()
    for key in objects(server, "stores"):  # credentials never reach the store
        body = client.get_object(Bucket="stores", Key=key)["Body"].read()  # type: ignore[attr-defined]
        assert server.secret_key.encode() not in body and server.access_key.encode() not in body
    assert server.secret_key not in output


def test_sql_over_an_s3_store_counts_exactly_the_planted_hits(server: S3Server, archive) -> None:
    plan, rules, _ = archive
    code, output = cli("batch", "s3://archive/jobs", "--rules", rules, "--out", "s3://stores/sql", "--jobs", "1")
    assert code == 0, output
    code, output = cli("sql", "s3://stores/sql", "SELECT rule_id, count(*) AS n FROM hits GROUP BY 1", "--format", "json")
    assert code == 0, output
    expected: Counter = Counter()
    for build in plan:
        expected.update(build.hits)
    assert {row["rule_id"]: row["n"] for row in json.loads(output)} == dict(expected)
    code, output = cli("sql", "s3://stores/sql", "SELECT build_key, build_status FROM builds", "--format", "json")
    assert code == 0, output
    # the statuses of the manifest.jsonl
    assert {(r["build_key"], r["build_status"]) for r in json.loads(output)} == {(b.uuid, b.status) for b in plan}


def test_a_second_batch_into_an_s3_store_skips_every_build(server: S3Server, archive) -> None:
    _, rules, _ = archive
    args = ["batch", "s3://archive/jobs", "--rules", rules, "--out", "s3://stores/resume", "--jobs", "1"]
    assert cli(*args)[0] == 0
    before = objects(server, "stores")
    code, output = cli(*args)
    assert code == 0, output
    assert f"0 builds scanned, {JOBS} skipped, 0 failed" in output
    assert objects(server, "stores") == before


def test_reports_over_an_s3_store_are_the_local_stores_and_a_refused_key_is_one_line(
    server: S3Server, archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan, rules, _ = archive
    options = ["--rules", rules, "--jobs", "1", "--field", "build_status=FAILURE"]
    assert cli("batch", "s3://archive/jobs", *options, "--out", "s3://stores/report")[0] == 0
    assert cli("batch", plan[0].path.parent, *options, "--out", tmp_path / "local")[0] == 0
    reports = {}
    for store in ("s3://stores/report", tmp_path / "local"):
        code, output = cli("report", store, "--format", "json", "--days", "30")
        assert code == 0, output
        reports[str(store)] = json.loads(output)["reports"]
    remote, local = reports.values()
    for rows in (*remote.values(), *local.values()):  # where the logs were read differs, by design
        for row in rows:
            row.pop("location", None)
    assert remote == local
    assert remote["classification-rate"][0]["classified_builds"] > 0
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    code, output = cli("sql", "s3://stores/report", "SELECT count(*) FROM hits")
    assert code == 1
    assert output == "fingerlog: error: s3://stores/report: access denied (check the AWS credentials and the bucket policy)\n"


def test_a_query_for_one_day_opens_only_that_days_parts(server: S3Server, archive, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyarrow.fs import FSSpecHandler

    plan, rules, _ = archive
    code, output = cli("batch", "s3://archive/jobs", "--rules", rules, "--out", "s3://stores/days", "--jobs", "1")
    assert code == 0, output
    con = open_store("s3://stores/days")  # reads every builds part once, by design
    opened: list[str] = []
    for method in ("open_input_file", "open_input_stream"):
        original = getattr(FSSpecHandler, method)
        monkeypatch.setattr(FSSpecHandler, method, lambda self, path, _o=original: opened.append(path) or _o(self, path))
    day = plan[0].start.date().isoformat()
    [(hits,)] = con.execute(f"SELECT count(*) FROM hits WHERE day = '{day}'").fetchall()
    assert hits == sum(sum(b.hits.values()) for b in plan if b.start.date().isoformat() == day) > 0
    assert opened and all(f"/hits/day={day}/" in path for path in opened), opened
    days_with_hits = {b.start.date() for b in plan if b.hits}
    assert len(days_with_hits) > 1  # so other days' parts existed and were skipped


@pytest.mark.parametrize(
    ("case", "args", "env", "says"),
    [
        ("wrong key", ["--out", "s3://stores/denied"], {"AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG"}, "access denied"),
        ("wrong secret", ["--out", "s3://stores/denied"], {"AWS_SECRET_ACCESS_KEY": "not-the-secret"}, "access denied"),
        ("missing bucket", ["--out", "s3://no-such-bucket/store"], {}, "the bucket does not exist"),
        ("wrong endpoint", ["--out", "s3://stores/x", "--s3-endpoint", "http://127.0.0.1:9"], {}, "cannot reach the S3 endpoint"),
    ],
)
def test_a_bad_location_is_one_clear_line_and_nothing_is_written(
    case: str, args: list[str], env: dict[str, str], says: str, server: S3Server, archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, rules, _ = archive
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)  # --s3-endpoint changes it for the process
    before = objects(server, "stores")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, output = cli("batch", "s3://archive/jobs", "--rules", rules, *args)
    assert code == 1, output
    assert output.count("\n") == 1 and says in output, output
    assert server.secret_key not in output and "Traceback" not in output
    assert objects(server, "stores") == before


def test_tar_and_zip_job_archives_in_s3_are_streamed_like_local_ones(server: S3Server, archive, tmp_path: Path) -> None:
    import shutil

    plan, rules, _ = archive
    packed = tmp_path / "packed"
    packed.mkdir()
    for build, fmt in zip(plan[:3], ("gztar", "zip", "tar")):
        shutil.make_archive(str(packed / build.path.name), fmt, root_dir=build.path.parent, base_dir=build.path.name)
    server.upload(packed, "archive", "packed")
    options = ["--rules", rules, "--jobs", "1", "--field", "build_status=FAILURE"]
    assert cli("batch", "s3://archive/packed", *options, "--out", "s3://stores/packed")[0] == 0
    code, output = cli("batch", packed, *options, "--out", tmp_path / "local")
    assert code == 0 and "3 builds scanned, 0 skipped, 0 failed" in output, output
    remote, local = store_rows(open_store("s3://stores/packed")), store_rows(open_store(tmp_path / "local"))
    assert remote == local
    assert len(remote["hits"]) == sum(sum(b.hits.values()) for b in plan[:3])


def test_reading_commands_take_the_endpoint_from_s3_endpoint(
    server: S3Server, archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, rules, _ = archive
    assert cli("batch", "s3://archive/jobs", "--rules", rules, "--out", "s3://stores/endpoint", "--jobs", "1")[0] == 0
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # --s3-endpoint sets it for the process: the test puts it back
    query = "SELECT count(*) AS n FROM builds"
    code, output = cli("sql", "s3://stores/endpoint", query, "--format", "json", "--s3-endpoint", server.endpoint)
    assert code == 0, output
    assert json.loads(output) == [{"n": JOBS}]
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    code, output = cli("report", "s3://stores/endpoint", "--s3-endpoint", "http://127.0.0.1:9")
    assert code == 1 and output.count("\n") == 1 and "cannot reach the S3 endpoint" in output, output


def test_compacting_an_s3_store_keeps_its_answers_and_a_later_batch_still_resumes(server: S3Server, archive) -> None:
    _, rules, local = archive
    store = "s3://stores/compact"
    args = ["batch", "s3://archive/jobs", "--rules", rules, "--out", store, "--jobs", "1"]
    assert cli(*args)[0] == 0
    parts = [key for key in objects(server, "stores")
             if key.startswith(("compact/hits/", "compact/builds/", "compact/errors/")) and "/failed-" not in key]
    code, output = cli("compact", store)
    assert code == 0, output
    assert f"{len(parts)} files read" in output
    keys = [key for key in objects(server, "stores") if key.startswith("compact/")]
    assert not [key for key in keys if key.startswith(("compact/hits/", "compact/builds/"))]
    assert [key for key in keys if key.startswith("compact/merged/builds/")]
    assert store_rows(open_store(store)) == store_rows(open_store(local))
    code, output = cli(*args)
    assert code == 0, output
    assert f"0 builds scanned, {JOBS} skipped, 0 failed" in output


def test_scan_reads_one_job_in_s3_in_place_with_the_answers_of_its_local_copy(server: S3Server, archive) -> None:
    plan, rules, _ = archive
    build = next(b for b in plan if b.hits)
    local = json.loads(CliRunner().invoke(main, ["scan", str(build.path), "--rules", str(rules), "--format", "json"]).stdout)
    remote = CliRunner().invoke(main, ["scan", f"s3://archive/jobs/{build.path.name}", "--rules", str(rules), "--format", "json"])
    assert remote.exit_code == 0, remote.output
    found = json.loads(remote.stdout)

    def answers(report: dict) -> list[tuple[str, str]]:
        return sorted((hit["rule_id"], hit["event_id"]) for hit in report["hits"])

    assert answers(found) == answers(local)
    assert len(answers(found)) == sum(build.hits.values())


def test_scan_of_a_missing_bucket_is_one_clear_line(server: S3Server, archive) -> None:
    _, rules, _ = archive
    result = CliRunner().invoke(main, ["scan", "s3://no-such-bucket/job", "--rules", str(rules)])
    assert result.exit_code == 1
    assert result.output.startswith("fingerlog: error: ") and "no-such-bucket" in result.output
    assert "Traceback" not in result.output
