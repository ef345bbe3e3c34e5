"""``python -m fingerlog``: the ``fingerlog`` command, for an environment without its script on PATH."""

from fingerlog.cli import main

main()
