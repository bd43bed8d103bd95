"""The services freeze what they made at start-up out of the collector's full passes, and
collect their young objects less often."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from deltastream.runtime import YOUNG_COLLECTION_THRESHOLD, freeze_startup_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Give the test process its collector back as it was."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("unfrozen")
def test_objects_made_before_the_freeze_are_out_of_every_generation() -> None:
    before = {"a long-lived": ["container"]}
    freeze_startup_heap()
    after = {"made": ["later"]}

    assert gc.get_freeze_count() > 0
    tracked = {id(item) for item in gc.get_objects()}
    assert id(before) not in tracked
    assert id(after) in tracked
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
