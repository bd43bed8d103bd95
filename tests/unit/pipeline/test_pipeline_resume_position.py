"""``bus.earliest_resume_position``: where to read a stream again so that nothing still
waiting is skipped (MarketData's fan-out and the gateway's outbox resume from it)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from deltastream import bus

_ids = st.tuples(st.integers(0, 2**44), st.integers(0, 3)).map(lambda p: f"{p[0]}-{p[1]}")


def test_without_waiting_entries_the_bound_itself() -> None:
    assert bus.earliest_resume_position("1700-3", []) == "1700-3"


def test_just_before_the_earliest_waiting_entry() -> None:
    assert bus.earliest_resume_position("1700-3", ["1650-2", "1690-0"]) == "1650-1"


def test_before_sequence_zero_is_the_previous_millisecond_last_sequence() -> None:
    assert bus.earliest_resume_position("1700-3", ["1650-0"]) == f"1649-{2**64 - 1}"


def test_unknown_when_the_bound_or_a_waiting_id_is_unknown() -> None:
    assert bus.earliest_resume_position("", ["1650-0"]) == ""
    assert bus.earliest_resume_position("1700-3", ["1650-0", ""]) == ""


@given(_ids, st.lists(_ids.filter(lambda text: text != "0-0"), max_size=6))
def test_reading_after_it_includes_every_waiting_entry(bound: str, waiting: list[str]) -> None:
    position = bus.stream_id(bus.earliest_resume_position(bound, waiting))
    assert position <= bus.stream_id(bound)
    assert all(position < bus.stream_id(entry) for entry in waiting)
    # and the latest such position: the bound, or the id just before a waiting entry
    milliseconds, sequence = position
    following = (milliseconds, sequence + 1) if sequence < 2**64 - 1 else (milliseconds + 1, 0)
    assert position == bus.stream_id(bound) or following in {bus.stream_id(e) for e in waiting}
