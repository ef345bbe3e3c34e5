"""What the Elasticsearch translators need to know about the cluster they target.

The DSL compiler, the Kibana URL builder and the index template generator
must agree on the names they use (the catch-all field that replaces ES 1.x's
``_all``) and on which cluster versions they speak to, so those facts live
here, once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

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


class IndexLayout(enum.Enum):
    """How the target index maps fields."""

    #: laid out by ``fingerlog es-template``: profile fields as they are, a catch-all field
    TEMPLATE = "template"
    #: Elasticsearch's default dynamic mapping: every string is ``text`` with a ``keyword``
    #: subfield (``ignore_above: 256``), position gap 100, no catch-all field
    DYNAMIC = "dynamic"


#: the keyword subfield Elasticsearch's (and OpenSearch's) dynamic mapping adds to strings.
DYNAMIC_KEYWORD_SUBFIELD = "keyword"


@dataclass(frozen=True, slots=True)
class Target:
    """One target cluster: its version and how its index names fields."""

    version: EsVersion = EsVersion.ES8
    #: the field standing in for ``_all``; None when the index has none.
    all_field: str | None = ALL_FIELD
    #: when set, every string is text with this keyword subfield, so a whole-value
    #: (keyword) query goes to ``<field>.<keyword_subfield>``.
    keyword_subfield: str | None = None

    @classmethod
    def for_layout(cls, version: EsVersion, layout: IndexLayout) -> Target:
        if layout is IndexLayout.DYNAMIC:
            return cls(version, all_field=None, keyword_subfield=DYNAMIC_KEYWORD_SUBFIELD)
        return cls(version)

    def field_name(self, field: str, *, whole_value: bool = False) -> str:
        """The name a query field has in the target index; ``whole_value`` for keyword semantics."""
        if field == LEGACY_ALL_FIELD and self.all_field is not None:
            return self.all_field
        if whole_value and self.keyword_subfield and not field.endswith("." + self.keyword_subfield):
            return f"{field}.{self.keyword_subfield}"
        return field
