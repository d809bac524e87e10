"""What admins do to the queue: approve and reject, the queue's settings, draining nodes, cleanup.

Settings and drained nodes are documents in the store, written conditionally, so they survive a
restart and two admins changing them at once cannot lose either change.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from .blobs import S3Blobs
from .dispatch import JobQueue
from .domain import identity, states
from .domain.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from .domain.identity import Principal
from .domain.job import Job, JobState
from .domain.queue_settings import QueueSettings
from .jobs import JobBook
from .nodes import Node, NodeRegistry
from .races import change_setting
from .store import JobStore

log = logging.getLogger(__name__)

SETTINGS = "queue_settings"
DRAINED = "drained_nodes"
MAX_REASON = 500
CLEANUP_BATCH = 500


class AdminApp:
    def __init__(self, book: JobBook, queue: JobQueue, nodes: NodeRegistry, blobs: S3Blobs) -> None:
        self.book = book
        self.store: JobStore = book.store
        self.queue = queue
        self.nodes = nodes
        self.blobs = blobs

    def load(self) -> None:
        """Take the settings and the drained nodes the store keeps (at start-up)."""
        stored = self.store.get_setting(SETTINGS)
        if stored is not None:
            self.queue.change_settings(_settings_from(stored[0]))
        drained = self.store.get_setting(DRAINED)
        for name in drained[0]["names"] if drained else ():
            self.nodes.set_drained(name, True)

    # --- approval

    def approve(self, who: Principal, job_id: str) -> Job:
        _require_admin(who, "approve jobs")
        now = self.book.clock()
        job = self.book.change(self._awaiting(job_id).id, lambda j: states.transition(
            self._still_awaiting(j), JobState.WAITING, now, awaiting_approval=False))
        self.queue.add(job)
        log.info("%s approved job %s", who.user, job_id)
        return job

    def reject(self, who: Principal, job_id: str, reason: str) -> Job:
        _require_admin(who, "reject jobs")
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON or not reason.isprintable():
            raise InvalidArgument("reason", f"say why, in 1 to {MAX_REASON} printable characters")
        now = self.book.clock()
        return self.book.change(self._awaiting(job_id).id, lambda j: states.transition(
            self._still_awaiting(j), JobState.CANCELLED, now, awaiting_approval=False,
            error_message=f"rejected by {who.user}: {reason}"))

    def awaiting_approval(self, who: Principal, most: int = 500) -> list[Job]:
        """The jobs held for an admin's approval, newest first (at most `most`)."""
        _require_admin(who, "see the jobs awaiting approval")
        held: list[Job] = []
        cursor = None
        while len(held) < most:
            page = self.store.list(states=(JobState.BLOCKED,), page_size=500, cursor=cursor)
            held += [j for j in page.jobs if j.awaiting_approval]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        return held[:most]

    def _awaiting(self, job_id: str) -> Job:
        if not job_id:
            raise InvalidArgument("job_id", "is required")
        return self._still_awaiting(self.book.get(job_id))

    @staticmethod
    def _still_awaiting(job: Job) -> Job:
        if job.state is not JobState.BLOCKED or not job.awaiting_approval:
            raise FailedPrecondition(f"job {job.id} is {job.state.value} and does not await approval")
        return job

    # --- settings

    def settings(self, who: Principal) -> QueueSettings:
        _require_admin(who, "read the queue settings")
        return self.queue.settings

    def update_settings(self, who: Principal, values: dict[str, object]) -> QueueSettings:
        _require_admin(who, "change the queue settings")

        def change(doc: dict) -> dict:
            current = _settings_from(doc) if doc else self.queue.settings
            return dataclasses.asdict(current.changed(**values))

        changed = _settings_from(change_setting(self.store, SETTINGS, change, "the queue settings"))
        self.queue.change_settings(changed)
        log.info("%s changed the queue settings: %s", who.user, values)
        return changed

    # --- nodes

    def list_nodes(self, who: Principal) -> list[Node]:
        if not who.role.is_person:
            raise PermissionDenied("nodes are listed for people")
        return sorted(self.nodes, key=lambda n: n.name)

    def node_state(self, node: Node) -> tuple[str, int]:
        """Its state (ready, busy, draining, lost) and the license tokens its jobs hold."""
        jobs = [self.store.get(job_id) for job_id in node.jobs]
        return self.nodes.state(node, self.book.clock()), sum(j.license_tokens for j in jobs if j is not None)

    def remove_node(self, who: Principal, name: str) -> Node:
        _require_admin(who, "remove nodes")
        node = self.nodes.get(name) if name else None
        if node is None:
            raise NotFound(f"node_name: node {name!r} is not registered")
        if self.nodes.jobs_on(name):
            raise FailedPrecondition(f"node {name} holds {len(self.nodes.jobs_on(name))} job(s): drain it and let them "
                                     "end (a lost node's jobs are requeued by themselves), then remove it")
        self.nodes.remove(name)  # a drained node stays drained if its agent registers again
        self.queue.wake()
        log.info("%s removed node %s", who.user, name)
        return node

    def drain(self, who: Principal, name: str, drained: bool) -> Node:
        _require_admin(who, "drain or resume nodes")
        if not name:
            raise InvalidArgument("node_name", "is required")
        def change(doc: dict) -> dict:
            names = set(doc.get("names", ()))
            return {"names": sorted(names | {name} if drained else names - {name})}

        change_setting(self.store, DRAINED, change, "drained nodes")
        self.nodes.set_drained(name, drained)
        self.queue.wake()
        log.info("%s %s node %s", who.user, "drained" if drained else "resumed", name)
        return self.nodes.get(name) or Node(name, 0, drained=drained)

    def process(self, who: Principal) -> int:
        _require_admin(who, "trigger queue processing")
        self.queue.wake()
        return len(self.queue)

    # --- cleanup

    async def cleanup(self, who: Principal, days: int) -> int:
        """Delete jobs that ended more than `days` days ago, and their files; how many."""
        _require_admin(who, "clean up jobs")
        if not 1 <= days <= 365:
            raise InvalidArgument("days", f"{days} is out of range 1..365")
        deleted = await self.remove_ended_before(self.book.clock() - days * 86400)
        log.info("%s cleaned up %d jobs that ended more than %d days ago", who.user, deleted, days)
        return deleted

    async def remove_ended_before(self, before: float) -> int:
        """Delete the jobs in a final state that ended before `before`, their objects first (a job
        whose objects could not all be deleted stays, for the next time), CLEANUP_BATCH at a time;
        an unfinished job is never touched (the store deletes only final ones). How many."""
        deleted = 0
        while batch := await asyncio.to_thread(self.store.finished_before, before, CLEANUP_BATCH):
            gone = 0
            for job in batch:
                try:
                    await asyncio.to_thread(self.blobs.delete_job_files, job.id)
                except Exception as e:  # noqa: BLE001 - S3 refusing one job must not stop the others
                    log.warning("job %s: its files could not be deleted (%s): it is kept for next time", job.id, e)
                    continue
                gone += await self.book.delete_finished(job.id)
            deleted += gone
            if len(batch) < CLEANUP_BATCH or not gone:  # the last batch, or one that would come back
                break
        return deleted


def _settings_from(doc: dict) -> QueueSettings:
    """Settings as stored; a name this version does not know (written by a newer one) is ignored."""
    known = {f.name for f in dataclasses.fields(QueueSettings)}
    return QueueSettings(**{k: v for k, v in doc.items() if k in known})


def _require_admin(who: Principal, what: str) -> None:
    if not identity.may_administer(who):
        raise PermissionDenied(f"only admins may {what}")

