"""Confirming candidates before an event is built: the same rules as checking every rule's requirement on the event.

The scan checks only the conjunctions that hold a key literal found in the
event (one the event satisfies has its key there), and lower-cases the
event only when such a conjunction has other literals.  Whatever the rules and
the text, the rules confirmed must be exactly those whose requirement holds
on the event's bytes: a rule left out would lose its hits.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fingerlog.backends.literals import Requirement, holds, key_literals
from fingerlog.engine.plan import ScanPlan
from fingerlog.engine.scan import Confirmation
from fingerlog.mapping import load_mapping

#: common and rare words, one holding another (a key may be inside a longer word of the text)
WORDS = ["error", "errors", "timed", "out", "network", "messagingtimeout", "filter", "zone", "a"]

conjunctions = st.frozensets(st.sampled_from(WORDS), min_size=1, max_size=3)
requirements = st.frozensets(conjunctions, min_size=1, max_size=3)
texts = st.lists(st.sampled_from([*WORDS, "ERRORS", "Network", "port_filter", "-", "\n"]), max_size=25).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(rules=st.lists(requirements, min_size=1, max_size=6), before=texts, event=texts, after=texts)
def test_confirmed_rules_are_those_whose_requirement_holds_on_the_event(
    rules: list[Requirement], before: str, event: str, after: str
) -> None:
    required = dict(enumerate(rules))
    keyed = frozenset((index, key_literals(requirement)) for index, requirement in required.items())
    literals = ScanPlan([], load_mapping("openstack")).literal_set(keyed)
    data = f"{before}\n{event}\n{after}".encode()
    start = len(before) + 1
    end = start + len(event)
    # the keys the scan finds in the event: occurrences whose last byte lies inside it
    found = {literal for literal, stop in literals.scanner.scan(data) if start <= stop - 1 < end}
    expected = {index for index, requirement in required.items() if holds(requirement, data[start:end].lower())}
    assert Confirmation(literals, required).confirmed(data, start, end, found) == expected
