"""Fetching builds from a real HTTP server on 127.0.0.1: the three URL forms, the cache,
hostile manifests and flaky servers."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fingerlog.errors import FingerlogError
from fingerlog.remote.download import Selection, fetch_build
from fingerlog.remote.http import HttpCache, HttpFetcher, Limits, RemoteError
from fingerlog.remote.zuul import UnsafeName, build_fields, classify_url, safe_relative_path

UUID = "6f1a2c0d8e9b4f5aa1b2c3d4e5f60718"
CONSOLE = b"2024-05-01 10:00:00.000000 | controller | ERROR: No valid host was found.\n"
CPU_LOG = b"May 01 10:00:01.000 host nova-compute[42]: ERROR nova.compute.manager Instance failed\n"
SYSLOG = b"May  1 10:00:02 host kernel: Out of memory: Killed process 4242 (mysqld)\n"

# A Zuul API build record with the real field names (Zuul >= 10 nests ref/buildset).
RECORD = {
    "uuid": UUID,
    "job_name": "tempest-full",
    "result": "FAILURE",
    "voting": True,
    "start_time": "2024-05-01T09:00:00",
    "end_time": "2024-05-01T10:05:00",
    "nodeset": "ubuntu-jammy",
    "ref": {
        "project": "openstack/nova", "branch": "master", "change": 912345, "patchset": "3",
        "ref": "refs/changes/45/912345/3",
    },
    "buildset": {"uuid": "b" * 32},
    "pipeline": "check",
}


class LogServer:
    """Serves files with ETag revalidation and counts the bodies it sends."""

    def __init__(self, httpserver, files: dict[str, bytes], gzip_encoded: set[str] = frozenset()) -> None:
        self.files = files
        self.gzip_encoded = gzip_encoded
        self.bodies: Counter[str] = Counter()
        self.server = httpserver
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def url(self, path: str = "") -> str:
        return self.server.url_for("/" + path)

    def handle(self, request: Request) -> Response:
        path = request.path.lstrip("/")
        if path not in self.files:
            return Response("not found", status=404)
        body = self.files[path]
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        self.bodies[path] += 1
        headers = {"ETag": etag}
        if path in self.gzip_encoded:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return Response(body, headers=headers)


def manifest(tree: list) -> bytes:
    return json.dumps({"tree": tree, "index_links": False}).encode()


def job_files(log_root: str) -> dict[str, bytes]:
    return {
        f"{log_root}zuul-manifest.json": manifest(
            [
                {"name": "job-output.txt", "mimetype": "text/plain", "size": len(CONSOLE)},
                {
                    "name": "controller",
                    "mimetype": "application/directory",
                    "children": [
                        {
                            "name": "logs",
                            "mimetype": "application/directory",
                            "children": [
                                {"name": "screen-n-cpu.txt.gz", "mimetype": "text/plain", "encoding": "gzip"},
                                {"name": "syslog.txt.gz", "mimetype": "text/plain", "encoding": "gzip"},
                            ],
                        }
                    ],
                },
            ]
        ),
        f"{log_root}job-output.txt": CONSOLE,
        f"{log_root}controller/logs/screen-n-cpu.txt.gz": gzip.compress(CPU_LOG),
        # served as plain text with Content-Encoding: gzip, as log servers often do
        f"{log_root}controller/logs/syslog.txt.gz": SYSLOG,
    }


@pytest.fixture
def fetcher(tmp_path: Path):
    with HttpFetcher(HttpCache(tmp_path / "cache"), limits=Limits(backoff=0.0, retries=2)) as f:
        yield f


@pytest.fixture
def zuul(httpserver):
    root = "logs/45/912345/3/check/tempest-full/6f1a2c0/"
    files = job_files(root)
    server = LogServer(httpserver, files, gzip_encoded={f"{root}controller/logs/syslog.txt.gz"})
    record = dict(RECORD, log_url=server.url(root))
    files[f"zuul/api/tenant/openstack/build/{UUID}"] = json.dumps(record).encode()
    return server, root


def read_job(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def decoded(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.mark.parametrize("form", ["page", "api", "log"])
def test_every_url_form_fetches_the_same_job(zuul, fetcher, tmp_path, form):
    server, root = zuul
    url = {
        "page": server.url(f"zuul/t/openstack/build/{UUID}"),
        "api": server.url(f"zuul/api/tenant/openstack/build/{UUID}"),
        "log": server.url(root),
    }[form]
    report = fetch_build(url, tmp_path / "job", fetcher)
    files = read_job(tmp_path / "job")
    assert report.errors == []
    assert {k: decoded(v) for k, v in files.items() if not k.startswith("zuul-info")} == {
        "job-output.txt": CONSOLE,
        "controller/logs/screen-n-cpu.txt.gz": CPU_LOG,
        "controller/logs/syslog.txt.gz": SYSLOG,
    }
    if form == "log":
        assert "zuul-info/build.json" not in files
        assert report.fields == {"log_url": server.url(root)}
    else:
        assert json.loads(files["zuul-info/build.json"])["uuid"] == UUID
        assert report.fields["build_name"] == "tempest-full"
        assert report.fields["build_status"] == "FAILURE"
        assert report.fields["build_change"] == "912345"
        assert report.fields["build_queue"] == "check"
        assert report.fields["project"] == "openstack/nova"


@pytest.fixture
def own_server():
    """A server of the test's own, so that stopping it leaves the shared one running."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    if server.is_running():
        server.stop()


def test_second_fetch_downloads_nothing_and_offline_works_without_server(own_server, tmp_path):
    root = "logs/job/"
    files = job_files(root)
    server = LogServer(own_server, files, gzip_encoded={f"{root}controller/logs/syslog.txt.gz"})
    files[f"zuul/api/tenant/openstack/build/{UUID}"] = json.dumps(dict(RECORD, log_url=server.url(root))).encode()
    url = server.url(f"zuul/t/openstack/build/{UUID}")
    cache = HttpCache(tmp_path / "cache")
    with HttpFetcher(cache) as fetcher:
        fetch_build(url, tmp_path / "first", fetcher)
    first = sum(server.bodies.values())
    with HttpFetcher(cache) as fetcher:
        report = fetch_build(url, tmp_path / "second", fetcher)
    assert sum(server.bodies.values()) == first, "a second fetch revalidates but downloads no body"
    assert report.downloaded == 0
    server.server.stop()
    with HttpFetcher(cache, offline=True) as fetcher:
        fetch_build(url, tmp_path / "offline", fetcher)
    assert read_job(tmp_path / "offline") == read_job(tmp_path / "first")


def test_directory_index_without_manifest(httpserver, fetcher, tmp_path):
    files = {
        "job/": b'<html><a href="../">Parent</a><a href="?C=M;O=A">sort</a><a href="job-output.txt">job-output.txt</a>'
        b'<a href="logs/">logs/</a><a href="http://elsewhere.example/x.txt">x</a></html>',
        "job/logs/": b'<a href="/job/">up</a><a href="screen-n-cpu.txt.gz">screen-n-cpu.txt.gz</a>',
        "job/job-output.txt": CONSOLE,
        "job/logs/screen-n-cpu.txt.gz": gzip.compress(CPU_LOG),
    }
    server = LogServer(httpserver, files)
    report = fetch_build(server.url("job/"), tmp_path / "job", fetcher)
    assert report.errors == []
    assert sorted(report.written) == ["job-output.txt", "logs/screen-n-cpu.txt.gz"]
    assert decoded((tmp_path / "job/logs/screen-n-cpu.txt.gz").read_bytes()) == CPU_LOG


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "..", "a/../../b", "http://evil.example/x", "//evil.example/x", "%2e%2e/x"],
)
def test_names_escaping_the_log_root_are_refused(name):
    with pytest.raises(UnsafeName):
        safe_relative_path(name)


def test_traversal_in_manifest_is_refused_and_reported(httpserver, fetcher, tmp_path):
    files = {
        "job/zuul-manifest.json": manifest(
            [
                {"name": "job-output.txt"},
                {"name": "../../outside.txt"},
                {"name": "logs", "mimetype": "application/directory", "children": [{"name": "../../../etc/passwd"}]},
            ]
        ),
        "job/job-output.txt": CONSOLE,
        "outside.txt": b"secret",
    }
    server = LogServer(httpserver, files)
    report = fetch_build(server.url("job/"), tmp_path / "out" / "job", fetcher)
    assert report.written == ["job-output.txt"]
    assert sorted(e.path for e in report.errors) == ["../../outside.txt", "logs/../../../etc/passwd"]
    assert all(e.kind == "unsafe-name" for e in report.errors)
    assert not (tmp_path / "out" / "outside.txt").exists()
    assert server.bodies["outside.txt"] == 0


def test_missing_file_is_recorded_and_the_rest_fetched(httpserver, fetcher, tmp_path):
    files = {
        "job/zuul-manifest.json": manifest([{"name": "gone.txt"}, {"name": "job-output.txt"}]),
        "job/job-output.txt": CONSOLE,
    }
    server = LogServer(httpserver, files)
    report = fetch_build(server.url("job/"), tmp_path / "job", fetcher)
    assert report.written == ["job-output.txt"]
    assert [(e.path, e.kind) for e in report.errors] == [("gone.txt", "http-404")]


def test_server_error_twice_then_success_is_retried(httpserver, fetcher):
    calls = Counter()

    def flaky(request: Request) -> Response:
        calls["n"] += 1
        return Response("busy", status=500) if calls["n"] <= 2 else Response(CONSOLE)

    httpserver.expect_request("/flaky.txt").respond_with_handler(flaky)
    fetched = fetcher.fetch(httpserver.url_for("/flaky.txt"))
    assert fetched.path.read_bytes() == CONSOLE
    assert calls["n"] == 3


def test_connection_dropped_mid_file_is_retried_then_recorded(httpserver, fetcher, tmp_path):
    calls = Counter()

    def dropping(request: Request) -> Response:
        calls["n"] += 1

        def half():
            yield CONSOLE[:10]
            raise ConnectionResetError("dropped")

        return Response(half(), headers={"Content-Length": str(len(CONSOLE))})

    httpserver.expect_request("/drop.txt").respond_with_handler(dropping)
    with pytest.raises(RemoteError) as info:
        fetcher.fetch(httpserver.url_for("/drop.txt"))
    assert calls["n"] == 3, "one try and two retries"
    assert "drop.txt" in str(info.value)
    assert not any(p.name.startswith(".part-") for p in (tmp_path / "cache").rglob("*")), "no partial file left"


def test_size_caps_hold_against_a_lying_server(httpserver, fetcher, tmp_path):
    big = b"x" * 100_000
    files = {
        "job/zuul-manifest.json": manifest([{"name": "big.txt", "size": 10}, {"name": "job-output.txt", "size": 10}]),
        "job/big.txt": big,
        "job/job-output.txt": CONSOLE,
    }
    server = LogServer(httpserver, files)
    report = fetch_build(server.url("job/"), tmp_path / "job", fetcher, selection=Selection(max_file_bytes=1000))
    assert report.written == ["job-output.txt"]
    assert [path for path, _ in report.skipped] == ["big.txt"]
    assert not (tmp_path / "job" / "big.txt").exists()


def test_include_and_exclude_globs(zuul, fetcher, tmp_path):
    server, root = zuul
    report = fetch_build(
        server.url(root), tmp_path / "job", fetcher, selection=Selection(include=("controller/*",), exclude=("*syslog*",))
    )
    assert report.written == ["controller/logs/screen-n-cpu.txt.gz"]
    assert sorted(p for p, _ in report.skipped) == ["controller/logs/syslog.txt.gz", "job-output.txt"]


@pytest.mark.parametrize("url", ["ftp://host/x", "not a url", "http://"])
def test_malformed_urls_are_a_clear_error(url):
    with pytest.raises(FingerlogError):
        classify_url(url)


def test_unreachable_host_is_one_clear_error(tmp_path):
    with (
        HttpFetcher(HttpCache(tmp_path), limits=Limits(retries=1, backoff=0.0, timeout=2)) as fetcher,
        pytest.raises(RemoteError, match=r"127\.0\.0\.1:9"),
    ):
        fetcher.fetch("http://127.0.0.1:9/nothing")


def test_build_fields_from_old_flat_record():
    fields = build_fields(
        {"uuid": "abcdef0123456789", "job_name": "j", "result": "SUCCESS", "project": "p", "branch": "stable/x",
         "pipeline": "gate", "change": 1, "patchset": 2, "voting": False, "log_url": "https://l/"}
    )
    assert fields == {
        "build_uuid": "abcdef0123456789", "build_short_uuid": "abcdef0", "build_name": "j", "build_status": "SUCCESS",
        "project": "p", "build_branch": "stable/x", "build_queue": "gate", "build_change": "1",
        "build_patchset": "2", "log_url": "https://l/", "voting": "0",
    }
