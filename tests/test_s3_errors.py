"""What a user reads when object storage fails: one actionable line, never a credential."""

from __future__ import annotations

import pytest

from fingerlog.engine.archive import list_builds
from fingerlog.remote.objectstore import describe_failure, redact
from fingerlog.sources.remote import is_object_url

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105 - AWS's documented example key
KEY_ID = "AKIAIOSFODNN7EXAMPLE"


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://rgw.example.org:7480")


@pytest.mark.parametrize(
    ("raised", "line"),
    [
        (PermissionError("Forbidden"), "s3://b/p: access denied (check the AWS credentials and the bucket policy)"),
        (OSError(f"An error occurred (InvalidAccessKeyId) for {KEY_ID}"),
         "s3://b/p: access denied (check the AWS credentials and the bucket policy)"),
        (OSError("An error occurred (SignatureDoesNotMatch) when calling ListObjectsV2"),
         "s3://b/p: access denied (check the AWS credentials and the bucket policy)"),
        (FileNotFoundError("The specified bucket does not exist"), "s3://b/p: the bucket does not exist"),
        (OSError('Could not connect to the endpoint URL: "http://rgw.example.org:7480/b"'),
         ('s3://b/p: cannot reach the S3 endpoint http://rgw.example.org:7480: Could not connect to the endpoint URL: '
          '"http://rgw.example.org:7480/b"')),
        (OSError(f"SlowDown: reduce your request rate (key {KEY_ID})"), "s3://b/p: SlowDown: reduce your request rate (key ***)"),
    ],
)  # fmt: skip
def test_failures_become_one_line_without_credentials(raised: BaseException, line: str) -> None:
    message = str(describe_failure("s3://b/p", raised))
    assert message == line
    assert SECRET not in message and KEY_ID not in message


@pytest.mark.parametrize(
    "text",
    [
        f"https://b.s3.amazonaws.com/k?X-Amz-Signature=abc123&X-Amz-Credential={KEY_ID}/20240501",
        f"aws_secret_access_key={SECRET}",
        f"the secret is {SECRET} and the key {KEY_ID}",
    ],
)
def test_redact_removes_keys_and_signatures(text: str) -> None:
    cleaned = redact(text)
    assert SECRET not in cleaned and KEY_ID not in cleaned and "abc123" not in cleaned


@pytest.mark.parametrize(
    ("location", "remote"),
    [("s3://bucket/prefix", True), ("S3A://bucket/p", True), ("/data/archive", False), ("file:///data/archive", False),
     ("https://zuul.opendev.org/t/openstack/build/1", False), ("archive/s3://x", False)],
)  # fmt: skip
def test_which_locations_are_object_storage(location: str, remote: bool) -> None:
    assert is_object_url(location) is remote


def test_an_empty_remote_prefix_is_an_error_naming_it(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    monkeypatch.setattr(fsspec.core, "url_to_fs", lambda url, **kw: (MemoryFileSystem(), url.split("://", 1)[1]))
    with pytest.raises(Exception, match=r"s3://bucket/nothing: no object under this prefix"):
        list(list_builds("s3://bucket/nothing"))


def test_a_remote_prefix_lists_the_builds_a_local_directory_does(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    files = ["a/zuul-info/inventory.yaml", "a/job-output.txt", "b/logs/syslog.txt", "group/c/job-output.txt",
             "group/c/logs/x.txt", "d.tar.gz", "e.jsonl", "readme.txt"]  # fmt: skip
    memory = MemoryFileSystem()
    for name in files:
        memory.pipe(f"/bucket/jobs/{name}", b"x")
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.setattr(fsspec.core, "url_to_fs", lambda url, **kw: (memory, "/" + url.split("://", 1)[1]))
    remote = [str(b).removeprefix("s3:///bucket/jobs/") for b in list_builds("s3://bucket/jobs")]
    local = [str(b).removeprefix(f"{tmp_path}/") for b in list_builds(tmp_path)]
    assert remote == local == ["a", "b", "d.tar.gz", "e.jsonl", "group/c"]


def test_a_prefix_of_job_archives_only_is_a_directory_of_jobs(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    memory = MemoryFileSystem()
    for name in ("one.tar.gz", "two.zip", "notes.txt"):
        memory.pipe(f"/bucket/packed/{name}", b"x")
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.setattr(fsspec.core, "url_to_fs", lambda url, **kw: (memory, "/" + url.split("://", 1)[1]))
    remote = [str(b).removeprefix("s3:///bucket/packed/") for b in list_builds("s3://bucket/packed")]
    local = [str(b).removeprefix(f"{tmp_path}/") for b in list_builds(tmp_path)]
    assert remote == local == ["one.tar.gz", "two.zip"]
