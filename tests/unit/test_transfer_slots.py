from __future__ import annotations

import asyncio

from scheduler.transfer_slots import TransferSlots


def run(coro):
    return asyncio.run(coro)


def test_one_slot_per_node_granted_in_the_order_asked():
    async def scenario():
        slots = TransferSlots(per_node=1)
        first = await slots.acquire("n1", ("a", 1), timeout=1)
        order = []

        async def wait_turn(job):
            slot = await slots.acquire("n1", (job, 1), timeout=5)
            order.append(job)
            return slot

        b = asyncio.ensure_future(wait_turn("b"))
        await asyncio.sleep(0)
        c = asyncio.ensure_future(wait_turn("c"))
        await asyncio.sleep(0)
        other_node = await slots.acquire("n2", ("x", 1), timeout=1)  # another node is not held up
        assert other_node and not b.done()
        slots.release("n1", first)
        slot_b = await b
        assert not c.done()
        slots.release("n1", slot_b)
        await c
        return order

    assert run(scenario()) == ["b", "c"]


def test_a_waiter_that_times_out_leaves_the_line():
    async def scenario():
        slots = TransferSlots(per_node=1)
        held = await slots.acquire("n1", ("a", 1), timeout=1)
        assert await slots.acquire("n1", ("b", 1), timeout=0.01) is None
        slots.release("n1", held)
        return slots.holders("n1")

    assert run(scenario()) == []


def test_a_cancelled_waiter_never_keeps_a_slot():
    async def scenario():
        slots = TransferSlots(per_node=1)
        held = await slots.acquire("n1", ("a", 1), timeout=1)
        waiter = asyncio.ensure_future(slots.acquire("n1", ("b", 1), timeout=5))
        await asyncio.sleep(0)
        waiter.cancel()
        await asyncio.sleep(0)
        slots.release("n1", held)
        third = await slots.acquire("n1", ("c", 1), timeout=1)
        return third, slots.holders("n1")

    third, holders = run(scenario())
    assert third and holders == [("c", 1)]


def test_releasing_a_job_frees_its_slot_for_the_next():
    async def scenario():
        slots = TransferSlots(per_node=1)
        await slots.acquire("n1", ("a", 1), timeout=1)
        waiter = asyncio.ensure_future(slots.acquire("n1", ("b", 1), timeout=5))
        await asyncio.sleep(0)
        slots.release_job("n1", "a")
        return await waiter, slots.holders("n1")

    slot, holders = run(scenario())
    assert slot and holders == [("b", 1)]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_lease_not_renewed_lapses_and_the_next_in_line_gets_the_slot():
    async def scenario():
        clock = Clock()
        slots = TransferSlots(per_node=1, lease_s=10, clock=clock)
        dead = await slots.acquire("n1", ("a", 1), timeout=1)
        waiting = asyncio.ensure_future(slots.acquire("n1", ("b", 1), timeout=5))
        await asyncio.sleep(0)
        clock.now += 9
        assert slots.renew("n1", dead) and slots.expire() == [] and not waiting.done()
        clock.now += 10  # 10 s since the renewal: lapsed
        assert slots.expire() == [dead]
        granted = await waiting
        assert not slots.renew("n1", dead) and slots.holders("n1") == [("b", 1)]
        return slots.stats("n1"), granted

    stats, granted = run(scenario())
    assert granted and (stats.grants, stats.lapsed, stats.held) == (2, 1, 1)
    assert stats.wait_max_s == 19 and stats.hold_max_s == 19


def test_a_cluster_cap_holds_other_nodes_in_line_in_the_order_asked():
    async def scenario():
        slots = TransferSlots(per_node=1, total=2)
        a = await slots.acquire("n1", ("a", 1), timeout=1)
        await slots.acquire("n2", ("b", 1), timeout=1)
        c = asyncio.ensure_future(slots.acquire("n3", ("c", 1), timeout=5))
        await asyncio.sleep(0)
        d = asyncio.ensure_future(slots.acquire("n4", ("d", 1), timeout=5))
        await asyncio.sleep(0)
        assert not c.done() and not d.done()
        slots.release("n1", a)
        await c
        assert not d.done()
        d.cancel()
        return sorted(h for n in ("n1", "n2", "n3", "n4") for h in slots.holders(n))

    assert run(scenario()) == [("b", 1), ("c", 1)]


def test_renewing_or_releasing_another_nodes_slot_does_nothing():
    async def scenario():
        slots = TransferSlots(per_node=1)
        mine = await slots.acquire("n1", ("a", 1), timeout=1)
        return slots.renew("n2", mine), slots.release("n2", mine), slots.holders("n1")

    assert run(scenario()) == (False, False, [("a", 1)])
