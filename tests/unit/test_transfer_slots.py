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
