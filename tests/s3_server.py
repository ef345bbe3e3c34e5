"""A real S3 endpoint on 127.0.0.1 for the tests: moto's server, with credentials checked.

The server runs in a thread of the test process and answers over HTTP, so
fingerlog (and its worker processes) reach it like any S3 endpoint: through
``AWS_ENDPOINT_URL`` and the standard credential variables.  Access keys are
checked (moto's IAM authentication), so a wrong key is refused as AWS would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
from moto import settings
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
_ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


@dataclass(frozen=True)
class S3Server:
    """A running endpoint and a key pair it accepts."""

    endpoint: str
    access_key: str
    secret_key: str

    def env(self) -> dict[str, str]:
        """The environment a client of this server needs (the standard AWS variables)."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_DEFAULT_REGION": REGION}  # fmt: skip

    def client(self) -> object:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key)  # fmt: skip

    def upload(self, directory: Path, bucket: str, prefix: str) -> int:
        """Copy every file below ``directory`` to ``s3://bucket/prefix/...``; returns how many."""
        client = self.client()
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        for path in files:
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(directory).as_posix()}")  # type: ignore[attr-defined]
        return len(files)


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start moto's server on a free port of 127.0.0.1, create a user, then require its key."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    previous = settings.INITIAL_NO_AUTH_ACTION_COUNT
    try:
        iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION,
                           aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")  # fmt: skip  # noqa: S106 - moto's throwaway user
        iam.create_user(UserName="fingerlog")
        iam.put_user_policy(UserName="fingerlog", PolicyName="all", PolicyDocument=_ALLOW_ALL)
        key = iam.create_access_key(UserName="fingerlog")["AccessKey"]
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # from now on every request must be signed by a known key
        yield S3Server(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = previous
        server.stop()
