"""The HTML report: pages built from a test store, numbers checked against the store, and a
real headless Chromium opening it from disk."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import require
from fingerlog.cli import main
from fingerlog.records import LogLine
from fingerlog.report.html import render_site
from fingerlog.report.html.site import page_name
from fingerlog.store.rules import RuleRow
from fingerlog.store.views import open_store
from fingerlog.store.writer import write_build_scan
from store_helpers import build_scan

RULES = [
    RuleRow("oom", 'message:"invoked oom-killer"', title="OOM killer", bug="https://bugs.example/1"),
    RuleRow("dns", 'message:"Temporary failure in name resolution"', title="DNS failure"),
    RuleRow("never", 'message:"nothing"', title="Dormant rule"),
]
SCANS = [
    build_scan("b1", hits={"oom": 2}, build_status="FAILURE", build_name="tempest-full", log_url="https://logs/b1/",
               when="2024-05-01T10:00:00Z"),
    build_scan("b2", hits={"oom": 1, "dns": 1}, build_status="FAILURE", build_name="tempest-full", when="2024-05-02T10:00:00Z"),
    build_scan("b3", hits={"dns": 1}, build_status="SUCCESS", build_name="nova-tox", when="2024-05-02T11:00:00Z"),
    replace(
        build_scan("b4", build_status="FAILURE", build_name="grenade", log_url="https://logs/b4/",
                   when="2024-05-03T09:00:00Z"),
        first_errors=(LogLine("job-output.txt", 42, "ERROR: <stack.sh> failed"),),
    ),
    build_scan("b5/odd key", build_status="TIMED_OUT", build_name="grenade", when="2024-05-03T10:00:00Z"),
    build_scan("b6", build_status="SUCCESS", build_name="nova-tox", when="2024-05-03T11:00:00Z"),
]  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Path:
    for scan in SCANS:
        write_build_scan(tmp_path / "store", scan, rules=RULES)
    return tmp_path / "store"


@pytest.fixture
def site(store: Path, tmp_path: Path) -> Path:
    render_site(open_store(store, days=7), tmp_path / "site")
    return tmp_path / "site"


class Dom(HTMLParser):
    """Element ids -> text, links, script/stylesheet sources: enough to check a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.links: list[str] = []
        self.assets: list[str] = []
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if tag in ("script", "link", "img"):
            self.assets.append(attrs.get("src") or attrs.get("href") or "")
        if "id" in attrs:
            self._open.append(attrs["id"])
            self.ids[attrs["id"]] = ""

    def handle_data(self, data):
        for element in self._open:
            self.ids[element] += data

    def handle_endtag(self, tag):
        if self._open and tag in ("span", "dd", "table", "h2"):
            self._open.pop()


def test_overview_numbers_equal_the_store(site: Path, store: Path):
    con = open_store(store, days=7)
    failed, classified = con.execute(
        "SELECT count(*) FILTER (WHERE failed), count(*) FILTER (WHERE failed AND cardinality(rule_hits) > 0) FROM builds"
    ).fetchone()
    dom = Dom((site / "index.html").read_text())
    assert (failed, classified) == (4, 2)
    assert dom.ids["failed-builds"] == "4"
    assert dom.ids["classified-builds"] == "2"
    assert dom.ids["classification-rate"] == "50%"


def test_every_link_and_asset_is_local_and_exists(site: Path):
    for page in site.rglob("*.html"):
        dom = Dom(page.read_text())
        for target in dom.assets + [link for link in dom.links if not link.startswith("https://")]:
            assert not target.startswith(("http:", "//")), f"{page}: {target} would need the network"
            assert (page.parent / target).resolve().is_file(), f"{page.relative_to(site)} links to missing {target}"


def test_rule_page_counts_builds_per_day_by_result(site: Path):
    html = (site / "rules" / "dns.html").read_text()
    bars = re.findall(r'data-day="([\d-]+)" data-series="([^"]+)" data-value="(\d+)"', html)
    assert sorted(bars) == [("2024-05-02", "failed builds", "1"), ("2024-05-02", "successful builds", "1")]
    dom = Dom(html)
    assert dom.ids["rule-hits"] == "2"
    assert dom.ids["rule-builds"] == "2"
    assert "too broad" in html, "half of dns's hits are in a successful build"


def test_uncategorized_lists_failed_builds_without_fingerprint_newest_first(site: Path):
    html = (site / "uncategorized.html").read_text()
    rows = re.findall(r"<tr><td>([^<]*)</td><td>(?:<a [^>]*>)?([^<]*)", html)
    assert [job for _, job in rows] == ["grenade", "grenade"]
    assert rows[0][0] > rows[1][0]
    assert "https://logs/b4/" in html
    assert "job-output.txt:42: ERROR: &lt;stack.sh&gt; failed" in html, "the first error lines, escaped"


def test_build_pages_show_matched_fingerprints_with_examples(site: Path):
    html = (site / "builds" / "b2.html").read_text()
    assert "oom" in html and "dns" in html
    assert "job-output.txt:" in html
    assert (site / "builds" / page_name("b5/odd key")).is_file()
    assert "/" not in page_name("b5/odd key")


def test_html_option_of_report_command(store: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["report", str(store), "--html", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "index.html").is_file()


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_headless_chromium_renders_the_report_without_errors(site: Path, tmp_path: Path):
    browser = chromium()
    require(browser is not None, "Chromium is not installed (apt-get install chromium)")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
        "--virtual-time-budget=2000",
    ]  # fmt: skip
    page = (site / "rules" / "oom.html").as_uri()
    dump = subprocess.run([browser, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120, check=False)
    assert dump.returncode == 0, dump.stderr[-2000:]
    assert 'class="chart"' in dump.stdout and "data-series=\"failed builds\"" in dump.stdout
    console = [line for line in dump.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    assert 'data-sortable="ready"' in dump.stdout, "the local sortable-table script ran"
    uncategorized = (site / "uncategorized.html").as_uri()
    index = subprocess.run(
        [browser, *flags, "--dump-dom", uncategorized], capture_output=True, text=True, timeout=120, check=False
    )
    assert "grenade" in index.stdout and 'id="uncategorized"' in index.stdout
    shot = tmp_path / "overview.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1000,900", (site / "index.html").as_uri()],
                   capture_output=True, timeout=120, check=False)  # fmt: skip
    assert shot.is_file() and shot.stat().st_size > 5000, "a screenshot of the overview was saved"
