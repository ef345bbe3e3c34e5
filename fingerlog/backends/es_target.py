"""What the Elasticsearch translators need to know about the cluster they target.

The DSL compiler, the Kibana URL builder and the index template generator
must agree on the names they use (the catch-all field that replaces ES 1.x's
``_all``) and on which cluster versions they speak to, so those facts live
here, once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from fingerlog.errors import UsageError

#: The field the index template fills with ``copy_to`` from every field, so a
#: bare term (ES 1.x's ``_all``) has somewhere to go: Elasticsearch 6+ dropped
#: ``_all`` and reserves names starting with ``_``.
ALL_FIELD = "all_fields"

#: ES 1.x's query_string field of bare terms, which the tree keeps as is.
LEGACY_ALL_FIELD = "_all"


class EsVersion(enum.Enum):
    """A cluster family the translations are written for."""

    ES7 = "7"
    ES8 = "8"
    OPENSEARCH2 = "opensearch2"


@dataclass(frozen=True, slots=True)
class Target:
    """One target cluster: its version and the field standing in for ``_all``."""

    version: EsVersion = EsVersion.ES8
    all_field: str = ALL_FIELD

    def field_name(self, field: str) -> str:
        """The name a query field has in the target index."""
        return self.all_field if field == LEGACY_ALL_FIELD else field


def parse_version(text: str) -> EsVersion:
    """``--es-version`` value to an :class:`EsVersion`, with a usage error naming the choices."""
    try:
        return EsVersion(text.lower())
    except ValueError:
        choices = ", ".join(v.value for v in EsVersion)
        raise UsageError(f"unknown Elasticsearch version {text!r}; choose one of: {choices}") from None
