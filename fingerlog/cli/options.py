"""Options shared by several commands, defined without importing what the commands use."""

from __future__ import annotations

import click

#: the endpoint of s3:// locations, for every command that reads or writes one.
S3_ENDPOINT_OPTION = click.option(
    "--s3-endpoint", metavar="URL", default=None,
    help="S3 endpoint for s3:// locations (Ceph, MinIO, Swift's S3 API). Default: $AWS_ENDPOINT_URL, else AWS.",
)  # fmt: skip
