"""`fingerlog scan URL` gives the hits `fingerlog scan DIR` gives for the same job, for the
three URL forms, over a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Request, Response

from fingerlog.cli import main

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo" / "tempest-full-2c4f9e1"
UUID = "2c4f9e1a7b3d4c5e8f9a0b1c2d3e4f50"
#: served as gzip bytes / as plain text with Content-Encoding: gzip (both under a .gz name)
GZIP_BYTES = "controller/logs/screen-n-cpu.txt"
GZIP_ENCODED = "controller/logs/screen-q-svc.txt"


@pytest.fixture
def job(tmp_path: Path) -> Path:
    """The demo job with two logs compressed, as log servers keep them."""
    job = tmp_path / "job"
    shutil.copytree(DEMO, job)
    for name in (GZIP_BYTES, GZIP_ENCODED):
        plain = job / name
        (job / f"{name}.gz").write_bytes(gzip.compress(plain.read_bytes()))
        plain.unlink()
    return job


def manifest_tree(directory: Path) -> list[dict]:
    entries = []
    for path in sorted(directory.iterdir()):
        if path.is_dir():
            entries.append({"name": path.name, "mimetype": "application/directory", "children": manifest_tree(path)})
        else:
            entries.append({"name": path.name, "mimetype": "text/plain", "size": path.stat().st_size})
    return entries


class JobServer:
    """Serves a job directory under /logs/, its manifest (or not), and a Zuul API build record."""

    def __init__(self, httpserver, job: Path, *, manifest: bool) -> None:
        self.job, self.manifest, self.server = job, manifest, httpserver
        self.bodies: Counter[str] = Counter()
        self.record = {"uuid": UUID, "job_name": "tempest-full", "result": "FAILURE", "voting": True,
                       "pipeline": "check", "ref": {"project": "openstack/nova", "change": 912345, "patchset": "3"},
                       "log_url": httpserver.url_for("/logs/")}  # fmt: skip
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == f"/zuul/api/tenant/openstack/build/{UUID}":
            return Response(json.dumps(self.record), content_type="application/json")
        if not path.startswith("/logs/"):
            return Response("not found", status=404)
        name = path[len("/logs/") :]
        if name == "zuul-manifest.json":
            if not self.manifest:
                return Response("not found", status=404)
            return Response(json.dumps({"tree": manifest_tree(self.job)}))
        target = self.job / name
        if name == "" or target.is_dir():
            links = "".join(f'<a href="{p.name}{"/" if p.is_dir() else ""}">{p.name}</a>' for p in sorted(target.iterdir()))
            return Response(f'<html><a href="../">Parent</a>{links}</html>', content_type="text/html")
        if not target.is_file():
            return Response("not found", status=404)
        body = target.read_bytes()
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        self.bodies[name] += 1
        if name == f"{GZIP_ENCODED}.gz":
            return Response(body, headers={"Content-Encoding": "gzip", "ETag": etag}, content_type="text/plain")
        return Response(body, headers={"ETag": etag})


def scan_json(*args: str) -> dict:
    result = CliRunner().invoke(main, ["scan", *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def hits(report: dict) -> set[tuple[str, str]]:
    return {(hit["rule_id"], hit["event_id"]) for hit in report["hits"]}


@pytest.mark.parametrize("form,manifest", [("page", True), ("api", True), ("log", True), ("log", False)])
def test_scan_url_equals_scan_of_the_directory(httpserver, job, tmp_path, form, manifest):
    server = JobServer(httpserver, job, manifest=manifest)
    url = {
        "page": httpserver.url_for(f"/zuul/t/openstack/build/{UUID}"),
        "api": httpserver.url_for(f"/zuul/api/tenant/openstack/build/{UUID}"),
        "log": httpserver.url_for("/logs/"),
    }[form]
    local = scan_json(str(job))
    remote = scan_json(url, "--cache-dir", str(tmp_path / "cache"))
    assert hits(local), "the demo job has known failures"
    assert hits(remote) == hits(local)
    assert server.bodies[f"{GZIP_ENCODED}.gz"] == 1


def test_second_scan_downloads_nothing_and_offline_needs_no_server(httpserver, job, tmp_path):
    server = JobServer(httpserver, job, manifest=True)
    url = httpserver.url_for(f"/zuul/t/openstack/build/{UUID}")
    first = scan_json(url, "--cache-dir", str(tmp_path / "cache"))
    downloaded = sum(server.bodies.values())
    second = scan_json(url, "--cache-dir", str(tmp_path / "cache"))
    assert sum(server.bodies.values()) == downloaded
    httpserver.clear()  # the server now answers nothing but errors
    offline = scan_json(url, "--cache-dir", str(tmp_path / "cache"), "--offline")
    assert hits(first) == hits(second) == hits(offline)


def test_unreachable_build_url_is_one_clear_error(tmp_path):
    url = "http://127.0.0.1:9/t/x/build/abcdef012345"
    result = CliRunner().invoke(main, ["scan", url, "--cache-dir", str(tmp_path), "--timeout", "2"])
    assert result.exit_code == 1
    assert "127.0.0.1:9" in result.output and "Traceback" not in result.output
