"""Archives and stores on object storage (S3 API: AWS, Ceph, MinIO, Swift's S3 layer): checks and clear errors.

A location is a plain path, a ``file://`` URL or an ``s3://bucket/prefix`` URL.
Credentials and region come from the standard AWS chain (environment, config
files) and the endpoint from the standard ``AWS_ENDPOINT_URL`` variable, all
read by botocore itself; ``--s3-endpoint`` sets that variable for this process
and the workers it starts.  Before a batch writes anything, every remote
location is checked, so a wrong endpoint, a missing bucket or a refused key is
one line that never carries a credential, and nothing is half-written.
"""

from __future__ import annotations

import os
import re

from fingerlog.errors import FingerlogError
from fingerlog.extras import require
from fingerlog.sources.remote import is_object_url

_SECRET = re.compile(r"(?i)(aws_secret_access_key|secret|signature|credential|x-amz-[a-z-]+)=[^&\s]+")
_DENIED = ("accessdenied", "access denied", "invalidaccesskeyid", "signaturedoesnotmatch", "forbidden", "expiredtoken")
_UNREACHABLE = ("could not connect", "connect timeout", "name or service not known", "connection refused", "endpoint")


class ObjectStoreError(FingerlogError):
    """A bucket, endpoint or credential problem, said once and clearly."""


def use_endpoint(explicit: str | None) -> None:
    """Make ``--s3-endpoint`` the endpoint of this process and of the workers it starts."""
    if explicit:
        os.environ["AWS_ENDPOINT_URL"] = explicit


def endpoint_url() -> str | None:
    """The S3 endpoint botocore will use: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS's own."""
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def redact(text: str) -> str:
    """``text`` without the credentials of the environment or anything that looks like a request signature."""
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"):
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return _SECRET.sub(lambda m: f"{m[1]}=***", text)


def describe_failure(url: str, exc: BaseException) -> ObjectStoreError:
    """Turn what s3fs/botocore raised into one line a user can act on."""
    text = redact(str(exc) or type(exc).__name__)
    lowered = text.lower()
    if isinstance(exc, PermissionError) or any(word in lowered for word in _DENIED):
        return ObjectStoreError(f"{url}: access denied (check the AWS credentials and the bucket policy)")
    if isinstance(exc, FileNotFoundError):
        return ObjectStoreError(f"{url}: the bucket does not exist")
    if any(word in lowered for word in _UNREACHABLE):
        return ObjectStoreError(f"{url}: cannot reach the S3 endpoint {endpoint_url() or '(AWS default)'}: {text}")
    return ObjectStoreError(f"{url}: {text}")


def check_reachable(url: str) -> None:
    """Fail early and clearly, before anything is written, when a remote location cannot be used."""
    if not is_object_url(url):
        return
    require("s3", "an s3:// location")
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url, skip_instance_cache=True)
        fs.ls(path.split("/", 1)[0], detail=False, refresh=True)
    except Exception as exc:  # noqa: BLE001 - botocore raises many types; all become one line
        raise describe_failure(url, exc) from None

