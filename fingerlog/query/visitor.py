"""Visitor base class: one compiler per target, each a visitor over the same tree."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from fingerlog.query.nodes import NODE_TYPES, Node

T = TypeVar("T")


def _method_name(node_type: type) -> str:
    return "visit_" + re.sub(r"(?<!^)(?=[A-Z])", "_", node_type.__name__).lower()


class Visitor(Generic[T]):
    """Dispatches ``visit(node)`` to ``visit_<node_type>`` (``visit_match_all`` for MatchAll).

    A target that cannot express a node type does not define its method;
    :meth:`unsupported` then decides what happens (raise, by default).
    """

    _dispatch: ClassVar[dict[type, str]] = {t: _method_name(t) for t in NODE_TYPES}

    def visit(self, node: Node) -> T:
        method: Callable[[Any], T] | None = getattr(self, self._dispatch[type(node)], None)
        if method is None:
            return self.unsupported(node)
        return method(node)

    def unsupported(self, node: Node) -> T:
        raise NotImplementedError(f"{type(self).__name__} cannot express {type(node).__name__}")

    @classmethod
    def handled_node_types(cls) -> set[type]:
        """The node types this visitor has a method for (checked by tests)."""
        return {t for t, name in cls._dispatch.items() if hasattr(cls, name)}
