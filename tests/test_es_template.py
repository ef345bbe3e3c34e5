"""`fingerlog es-template`: the cluster indexes what the local matcher reads.

The template is checked against the mapping profiles it is generated from;
the pipeline's grok spellings (Elasticsearch grok syntax) are checked
against the local line formats of ``fingerlog.sources`` on real log lines,
by expanding them with the same grok building blocks the sources use.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fingerlog.backends import es_pipeline
from fingerlog.backends.es_pipeline import ES_GROK, FormatTemplates, TagRule, ingest_pipeline
from fingerlog.backends.es_target import ALL_FIELD, EsVersion, Target
from fingerlog.backends.es_template import ANALYZER, MAX_KEYWORD_CHARS, index_template, template_api_path
from fingerlog.cli import main
from fingerlog.cli.es_template import pipeline_from_sources
from fingerlog.mapping import FieldKind, available_mappings, load_mapping
from fingerlog.sources import grok as g
from fingerlog.sources.formats import FORMATS
from fingerlog.sources.job import TAG_DROPS


def _mappings(template: dict) -> dict:
    return template["mappings"] if "mappings" in template else template["template"]["mappings"]


def _settings(template: dict) -> dict:
    return template["settings"] if "settings" in template else template["template"]["settings"]


@pytest.mark.parametrize("profile", available_mappings())
def test_every_profile_field_is_mapped_as_the_profile_says(profile: str) -> None:
    mapping = load_mapping(profile)
    mappings = _mappings(index_template(mapping))
    for name, field in mapping.fields.items():
        spec = mappings["properties"][name]
        assert spec["type"] == field.kind.value
        assert spec.get("copy_to") == (ALL_FIELD if mapping.all_field else None)
        if field.kind is FieldKind.TEXT:
            assert spec["analyzer"] == ANALYZER
            assert spec["position_increment_gap"] == mapping.position_increment_gap
        if field.keyword_subfield:
            assert spec["fields"] == {field.keyword_subfield: {"type": "keyword", "ignore_above": MAX_KEYWORD_CHARS}}
    default_types = {t[next(iter(t))]["mapping"]["type"] for t in mappings["dynamic_templates"]}
    assert default_types == {mapping.default.kind.value}
    assert mappings["date_detection"] is False


@pytest.mark.parametrize("profile", available_mappings())
def test_analyzer_and_catch_all_field_follow_es_1x(profile: str) -> None:
    mapping = load_mapping(profile)
    template = index_template(mapping, pipeline="fingerlog")
    analyzer = _settings(template)["index"]["analysis"]["analyzer"][ANALYZER]
    assert analyzer == {"type": "standard", "stopwords": "_none_", "max_token_length": mapping.max_token_length}
    assert _settings(template)["index"]["default_pipeline"] == "fingerlog"
    all_field = _mappings(template)["properties"].get(ALL_FIELD)
    if not mapping.all_field:  # no _all in ES 1.x: a bare term matched nothing, and still does
        assert all_field is None
        return
    assert all_field == {"type": "text", "analyzer": ANALYZER, "position_increment_gap": mapping.position_increment_gap}


@pytest.mark.parametrize("profile", [p for p in available_mappings() if load_mapping(p).all_field])
def test_a_target_without_a_catch_all_field_gets_no_copy_to_and_no_null_field(profile: str) -> None:
    mapping = load_mapping(profile)
    mappings = _mappings(index_template(mapping, Target(all_field=None)))
    assert None not in mappings["properties"]  # was a property named null (json.dumps writes the key "null")
    assert all("copy_to" not in spec for spec in mappings["properties"].values())


@pytest.mark.parametrize(
    ("version", "path", "top_keys"),
    [
        (EsVersion.ES7, "_template/x", {"index_patterns", "order", "settings", "mappings"}),
        (EsVersion.ES8, "_index_template/x", {"index_patterns", "priority", "template", "_meta"}),
        (EsVersion.OPENSEARCH2, "_index_template/x", {"index_patterns", "priority", "template", "_meta"}),
    ],
)
def test_template_format_per_version(version: EsVersion, path: str, top_keys: set[str]) -> None:
    target = Target(version=version)
    assert set(index_template(load_mapping("keyword"), target)) == top_keys
    assert template_api_path(target, "x") == path


# -- the pipeline -------------------------------------------------------------------


def test_pipeline_knows_every_local_format_with_a_grok() -> None:
    grokked = {name for name, fmt in FORMATS.items() if fmt.grok is not None}
    assert grokked <= set(ES_GROK)
    with pytest.raises(ValueError, match="no Elasticsearch grok"):
        ingest_pipeline([], [FormatTemplates("not-a-format")])


def _python_regex(es_grok: str) -> re.Pattern[str]:
    """An ES grok pattern expanded with the sources' building blocks, as Python reads it."""
    dotall = es_grok.startswith("(?m)")
    pattern = es_grok.removeprefix("(?m)").replace("(?<", "(?P<")

    def expand(match: re.Match[str]) -> str:
        body = getattr(g, match.group(1))
        return f"(?P<{match.group(2)}>{body})" if match.group(2) else f"(?:{body})"

    pattern = re.sub(r"%\{(\w+)(?::(\w+))?\}", expand, pattern)
    return re.compile(pattern, re.ASCII | re.MULTILINE | (re.DOTALL if dotall else 0))


def _captures(regex: re.Pattern[str], text: str) -> dict[str, str] | None:
    match = regex.search(text)
    return None if match is None else {k: v for k, v in match.groupdict().items() if v}


def _lines(path: Path, limit: int = 400) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:  # type: ignore[operator]
        return [line.rstrip("\n") for _, line in zip(range(limit), f)]


REAL_LOGS = [
    ("oslofmt", "os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3/logs/screen-q-svc.txt.gz"),
    ("oslofmt", "os-loganalyze/9916cb3/os_loganalyze/tests/samples/screen-neutron-l3.txt.gz"),
    ("oslofmt", "os-loganalyze/bbef755/os_loganalyze/tests/samples/devstack@c-api.service.log.txt"),
    ("console", "os-loganalyze/job-view/gate-tempest-devstack-vm-neutron-02d68e3/console.html.gz"),
    ("console", "zuul-jobs/roles/htmlify-logs/library/test-fixtures/in/job-output.txt"),
    ("syslog", "os-loganalyze/96cdbbb/os_loganalyze/tests/samples/syslog.txt"),
    ("apacheerror", "loghub/Apache/Apache_2k.log"),
]


@pytest.mark.parametrize(("fmt", "relative"), REAL_LOGS)
def test_es_grok_captures_what_the_local_format_captures(corpus: Path, fmt: str, relative: str) -> None:
    es_regex = _python_regex(ES_GROK[fmt][1])
    local = FORMATS[fmt].grok
    assert local is not None
    lines = _lines(corpus / "logs" / relative)
    matched = 0
    for line in lines:
        expected = _captures(local, line)
        assert _captures(es_regex, line) == expected, line
        matched += expected is not None
    assert matched > len(lines) // 2  # the file really is in this format


def test_pipeline_carries_the_sources_table_and_templates() -> None:
    pipeline = pipeline_from_sources(Target())
    tags_script = next(p["script"] for p in pipeline["processors"] if p.get("script", {}).get("tag") == "fingerlog-tags")
    assert tags_script["params"]["rules"][0] == {"pattern": "console.html", "tags": ["console"]}
    message_script = next(
        p["script"] for p in pipeline["processors"] if p.get("script", {}).get("tag") == "fingerlog-message"
    )
    assert message_script["params"]["formats"]["apachecombined"] == {
        "message": "%{verb} %{request} %{response}",
        "logdate": "%{timestamp}",
    }


def test_drops_come_from_the_sources_tables() -> None:
    """Every line the local sources drop before grouping is dropped by the pipeline too."""
    drops = {p["drop"]["tag"]: p["drop"]["if"] for p in pipeline_from_sources(Target())["processors"] if "drop" in p}
    for tag, pattern in TAG_DROPS.items():
        assert drops[f"fingerlog-drop-{tag}"].endswith(f"=~ /{pattern.decode().replace('/', chr(92) + '/')}/")
    for fmt in FORMATS.values():
        if fmt.grok is not None and fmt.drop is not None:
            tags = ES_GROK[fmt.name][0]
            assert f"ctx.message =~ /{fmt.drop.pattern.decode().replace('/', chr(92) + '/')}/" in \
                drops[f"fingerlog-drop-{'-'.join(tags)}"]
    assert drops["fingerlog-drop-debug"] == "ctx.loglevel == 'DEBUG'"


def test_formats_are_chosen_in_logstash_order() -> None:
    """A file tagged both console and oslofmt is parsed as a console, as logstash's if/else did."""
    pipeline = ingest_pipeline([TagRule("x", ("console",))], [FormatTemplates("oslofmt"), FormatTemplates("console")])
    groks = [p["grok"] for p in pipeline["processors"] if "grok" in p and "if" in p["grok"]]
    assert [gk["tag"] for gk in groks] == ["fingerlog-console", "fingerlog-oslofmt"]
    assert groks[1]["if"] == (
        "(ctx.tags.contains('oslofmt')) && !(ctx.tags.contains('console') || ctx.tags.contains('console.html'))"
    )


@pytest.mark.parametrize(
    ("version", "has_ecs_flag"), [(EsVersion.ES7, False), (EsVersion.ES8, True), (EsVersion.OPENSEARCH2, False)]
)
def test_ecs_flag_only_where_the_processor_knows_it(version: EsVersion, has_ecs_flag: bool) -> None:
    pipeline = pipeline_from_sources(Target(version=version))
    groks = [p["grok"] for p in pipeline["processors"] if "grok" in p and "if" in p["grok"]]
    assert all(("ecs_compatibility" in gk) is has_ecs_flag for gk in groks)


# -- the command ----------------------------------------------------------------------


def test_command_prints_both_bodies_with_their_paths() -> None:
    result = CliRunner().invoke(main, ["es-template", "--mapping", "keyword", "--es-version", "opensearch2", "--name", "fl"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["index_template"]["path"] == "_index_template/fl"
    assert out["ingest_pipeline"]["path"] == "_ingest/pipeline/fl"
    assert out["index_template"]["body"]["_meta"]["mapping_profile"] == "keyword"


@pytest.mark.parametrize(("only", "key"), [("template", "index_patterns"), ("pipeline", "processors")])
def test_command_only_prints_a_body_for_curl(only: str, key: str) -> None:
    result = CliRunner().invoke(main, ["es-template", "--only", only, "--index-pattern", "ci-*"])
    assert result.exit_code == 0, result.output
    assert key in json.loads(result.output)


def test_unknown_mapping_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["es-template", "--mapping", "nope"])
    assert result.exit_code == 2
    assert "unknown mapping" in result.output


def test_scripts_read_only_their_params() -> None:
    """Every ``params.X`` a painless script reads is passed to it."""
    for processor in pipeline_from_sources(Target())["processors"]:
        script = processor.get("script")
        if script:
            assert set(re.findall(r"params\.(\w+)", script["source"])) == set(script["params"])
    assert es_pipeline.FORMAT_FIELD in es_pipeline.SCRATCH_FIELDS
