"""The channel-neutral values: delivery statuses only move forward."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from switchdesk.domain.conversations.channels import ROUTING_KIND, DeliveryStatus, advance
from switchdesk.domain.conversations.model import ChannelKind

S = DeliveryStatus


def test_a_delivered_report_after_read_changes_nothing() -> None:
    assert advance(S.READ, S.DELIVERED) is S.READ
    assert advance(S.SENT, S.READ) is S.READ


def test_failed_is_final_and_reachable_from_any_status_before_it() -> None:
    for status in S:
        assert advance(S.FAILED, status) is S.FAILED
    assert advance(S.QUEUED, S.FAILED) is S.FAILED
    assert advance(S.DELIVERED, S.FAILED) is S.FAILED


@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_any_order_of_reports_ends_at_the_furthest_status(reports: list[DeliveryStatus]) -> None:
    order = list(S)
    status = S.QUEUED
    seen = [status]
    for reported in reports:
        status = advance(status, reported)
        seen.append(status)
    assert all(order.index(a) <= order.index(b) for a, b in itertools.pairwise(seen))
    assert status is max([S.QUEUED, *reports], key=order.index)


def test_every_channel_kind_has_a_routing_kind() -> None:
    assert set(ROUTING_KIND) == set(ChannelKind)
