"""GroupCommit writes the first write after a quiet spell at once, gathers the writes that follow
it into one call of the writer, and gives each caller its own result or error."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.group_commit import GroupCommit


class Writer:
    """Answers each item doubled, an item "bad" with its own error; a group with "down" fails whole."""

    def __init__(self) -> None:
        self.calls: list[list] = []

    def __call__(self, items):
        self.calls.append(list(items))
        if "down" in items:
            raise OSError("disk full")
        return [ValueError(f"{i} refused") if i == "bad" else i * 2 for i in items]


def test_a_write_after_a_quiet_spell_goes_at_once_and_the_writes_that_follow_go_together():
    writer = Writer()

    async def scenario():
        commit = GroupCommit(writer, gather_s=60.0, max_group=3)
        assert await asyncio.wait_for(commit.write("a"), 5) == "aa"  # quiet before: no wait
        # busy now: these wait for each other, and the third fills the group
        return await asyncio.wait_for(asyncio.gather(commit.write("b"), commit.write("c"), commit.write("d")), 5)

    assert asyncio.run(scenario()) == ["bb", "cc", "dd"]
    assert writer.calls == [["a"], ["b", "c", "d"]]


def test_a_busy_group_is_written_once_its_gathering_time_is_up():
    writer = Writer()

    async def scenario():
        commit = GroupCommit(writer, gather_s=0.05)
        await commit.write("a")
        return await asyncio.wait_for(asyncio.gather(commit.write("b"), commit.write("c")), 5)

    assert asyncio.run(scenario()) == ["bb", "cc"]
    assert writer.calls == [["a"], ["b", "c"]]


def test_each_caller_gets_its_own_error_and_a_failed_group_fails_every_caller_in_it():
    writer = Writer()

    async def scenario():
        commit = GroupCommit(writer, gather_s=60.0, max_group=2)
        await commit.write("a")
        mixed = await asyncio.gather(commit.write("bad"), commit.write("e"), return_exceptions=True)
        failed = await asyncio.gather(commit.write("down"), commit.write("f"), return_exceptions=True)
        return mixed, failed

    (refused, fine), failed = asyncio.run(scenario())
    assert isinstance(refused, ValueError) and str(refused) == "bad refused" and fine == "ee"
    assert [type(e) for e in failed] == [OSError, OSError]
    assert writer.calls == [["a"], ["bad", "e"], ["down", "f"]]


def test_a_caller_cancelled_while_it_waits_does_not_stop_its_write():
    writer = Writer()

    async def scenario():
        commit = GroupCommit(writer, gather_s=0.05)
        await commit.write("a")
        gone = asyncio.ensure_future(commit.write("b"))
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await asyncio.wait_for(commit.write("c"), 5)

    assert asyncio.run(scenario()) == "cc"
    assert writer.calls == [["a"], ["b", "c"]]
