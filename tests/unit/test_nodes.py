"""The node registry: which nodes scheduling decisions count on."""

from __future__ import annotations

from scheduler.nodes import Node, NodeRegistry


def test_a_node_silent_past_its_grace_is_left_out_until_it_calls_again():
    nodes = NodeRegistry(silent_after_s=15.0)
    node = nodes.register(Node("n1", 32, last_seen=100.0))
    nodes.register(Node("n2", 8, last_seen=110.0))
    assert [v.name for v in nodes.views(115.0)] == ["n1", "n2"]
    assert [v.name for v in nodes.views(120.0)] == ["n2"]  # n1 could not take a job or a reservation
    node.last_seen = 121.0
    assert [v.name for v in nodes.views(121.0)] == ["n1", "n2"]
