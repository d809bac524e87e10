"""What people can do with jobs: create, queue, look at, cancel, watch, collect results."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from abaqueue.presigned_http import PresignedTarget

from . import stored_files, webhooks
from .backend_status import BackendWatch
from .batches import BatchApp
from .blobs import S3Blobs, StoredPart, input_key, result_key
from .dispatch import JobQueue, Preview, WaitInfo
from .domain import identity, priority, states, validation
from .domain.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    SchedulerError,
)
from .domain.identity import Principal, Role
from .domain.job import FileSpec, Job, JobState, PartSpec, SolverOptions, StateChange
from .domain.job_events import Cursor, JobEvent
from .domain.job_log import LogLine
from .domain.limits import MAX_QUEUE_BYTES, RateLimiter, RoleLimits, queued_bytes
from .domain.policy import Code, Reason
from .domain.queue_settings import QueueSettings
from .jobs import JobBook
from .multipart import MultipartUploads
from .races import change_setting
from .store import JobPage
from .watching import EventStreams
from .webhooks import Hook, Webhooks

AWAITING_INPUTS = "inputs not uploaded yet: call SubmitJob once they are"


@dataclass(frozen=True)
class QueueStats:
    settings: QueueSettings
    by_state: dict[str, int]
    by_user: dict[str, int]
    average_wait_s: float
    cores_in_use: int
    cores_total: int
    tokens_in_use: int
    tokens_total: int  # as the license server said last, else as set; 0: not counted


@dataclass(frozen=True)
class JobOptions:
    """What a submitter may ask of a job beyond its files."""

    priority: int | None = None  # None: the owner's role decides
    license_tokens: int = 0  # 0: the rule decides
    required_labels: dict[str, str] = field(default_factory=dict)
    required_node: str = ""
    abaqus_version: str = ""
    requires_approval: bool = False
    solver: SolverOptions = field(default_factory=SolverOptions)
    max_attempts: int = 0  # 0: the cluster's rule
    start_now: bool = False  # refuse it rather than queue it when it could not start at once
    batch_id: str = ""  # the batch it joins
    webhook: Hook | None = None  # its own webhook, else its owner's


MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class MyQueue:
    counts: dict[JobState, int]
    jobs: dict[JobState, list[Job]]  # at most MAX_PAGE_SIZE of each state, oldest first
    best_position: int  # 1: first in line; 0: nothing waits


def time_ordered_id(now: float) -> str:
    """A UUIDv7 (RFC 9562), as 32 hex digits: the milliseconds of `now`, then 74 random bits. Jobs
    made later have greater ids, so the store's indexes on job ids grow at one end (a group of new
    jobs shares their pages) rather than each job touching a page of its own."""
    rand = secrets.randbits(74)
    value = ((int(now * 1000) & (1 << 48) - 1) << 80 | 0x7 << 76 | (rand >> 62) << 64
             | 0b10 << 62 | rand & (1 << 62) - 1)
    return f"{value:032x}"


class SubmissionApp:
    def __init__(self, book: JobBook, blobs: S3Blobs, queue: JobQueue, limits: RoleLimits,
                 submissions: RateLimiter, largest_node: Callable[[], int | None],
                 max_queue_bytes: int = MAX_QUEUE_BYTES) -> None:
        self.book = book
        self.blobs = blobs
        self.queue = queue
        self.limits = limits
        self.submissions = submissions
        self.largest_node = largest_node
        self.max_queue_bytes = max_queue_bytes
        self.multipart = MultipartUploads(blobs)
        self.streams = EventStreams(book)
        self.batches = BatchApp(book, self.cancel_job)
        self.backends: BackendWatch | None = None  # set by the server: the backend status in force
        self.webhooks: Webhooks | None = None  # set by the server when it has a webhook secret

    def _within_size(self, who: Principal, total: int, what: str) -> None:
        limit = self.limits.job_bytes(who.role)
        if total > limit:
            raise ResourceExhausted(f"input_files: {what} {total} bytes, over the {who.role.value} limit of "
                                    f"{limit} bytes")

    def _room_in_queue(self, job: Job) -> None:
        """Refuse a job the queue has no memory left for; it may be submitted again once queued
        jobs have started. (Jobs being stored are not counted yet: the queue may go over by the
        calls in flight, SCHEDULER_SUBMISSION_MAX_WORKERS small jobs.)"""
        if self.queue.bytes + queued_bytes(job) > self.max_queue_bytes:
            raise ResourceExhausted(
                f"the queue is full ({len(self.queue)} jobs waiting take {self.queue.bytes} of "
                f"{self.max_queue_bytes} bytes): retry once some have started")

    def _new_job(self, who: Principal, request_id: str, name: str, cpus: int, input_file: str,
                 input_files: Sequence[FileSpec], options: JobOptions) -> Job:
        """The job a CreateJob request describes, every field checked; not stored."""
        validation.request_id(request_id)
        validation.job_name(name)
        validation.cpus_on_nodes(cpus, self.largest_node())
        settings = self.queue.settings
        job_priority = priority.requested(who, options.priority)
        tokens = validation.license_tokens(options.license_tokens, settings.license_tokens_total)
        if not tokens and settings.tokens_for(cpus) > (settings.license_tokens_total or float("inf")):
            raise InvalidArgument("cpus", f"{cpus} cores need {settings.tokens_for(cpus)} license tokens; the "
                                  f"cluster has {settings.license_tokens_total}")
        validation.labels(options.required_labels, "required_labels")
        if options.required_node:
            validation.job_name(options.required_node, "required_node")
        validation.abaqus_version(options.abaqus_version)
        validation.max_attempts(options.max_attempts)
        hook = options.webhook if options.webhook is not None and options.webhook.url else None
        if hook is not None:
            webhooks.check_url(hook.url)
            self._sends_webhooks()
        if not input_files:
            raise InvalidArgument("input_files", "at least the .inp file is needed")
        files = validation.file_specs(input_files, "input_files", inputs=True)
        validation.input_file(input_file, files)
        solver = validation.solver_options(options.solver, name, files)
        now = self.book.clock()
        return Job(
            id=time_ordered_id(now), name=name, owner=who.user, team=who.team, owner_role=who.role.value,
            cpus=cpus, input_file=input_file,
            input_files=files, create_time=now, request_id=request_id,
            state=JobState.BLOCKED, states=(StateChange(JobState.BLOCKED, now, 0),), reasons=(AWAITING_INPUTS,),
            priority=int(job_priority),
            license_tokens=tokens or settings.tokens_for(cpus),
            required_labels=tuple(sorted(options.required_labels.items())), required_node=options.required_node,
            abaqus_version=options.abaqus_version, requires_approval=options.requires_approval, solver=solver,
            max_attempts=options.max_attempts, start_now=options.start_now,
            webhook_url=hook.url if hook else "", webhook_on_start=hook.on_start if hook else False,
        )

    def preview_job(self, who: Principal, name: str, cpus: int, input_file: str, input_files: Sequence[FileSpec],
                    options: JobOptions = JobOptions(), contents: Sequence[bytes | None] = ()) -> tuple[Job, Preview]:
        """A CreateJob request checked, its job as it would wait (no id), where it could run and what
        would hold it; nothing stored."""
        input_files, _ = validation.inline_inputs(input_files, contents)
        job = self._new_job(who, "", name, cpus, input_file, input_files, options)
        self._within_size(who, sum(f.size_bytes for f in job.input_files), "the files declared take")
        self._room_in_queue(job)
        return job.evolve(id="", state=JobState.WAITING), self._preview(job)

    def _preview(self, job: Job) -> Preview:
        """Where `job` could run and what would hold it were it queued now, an approval it needs first."""
        preview = self.queue.preview(job, self.book.clock())
        approval = self.queue.settings.needs_approval(job.cpus, job.license_tokens, job.requires_approval)
        if not approval:
            return preview
        held = [Reason(Code.AWAITING_APPROVAL, f"awaiting an admin's approval: {why}") for why in approval]
        others = [r for r in preview.wait.reasons if r.code is not Code.READY]
        return replace(preview, wait=replace(preview.wait, reasons=held + others))

    async def create_job(
        self, who: Principal, request_id: str, name: str, cpus: int, input_file: str,
        input_files: Sequence[FileSpec], options: JobOptions = JobOptions(), contents: Sequence[bytes | None] = (),
    ) -> tuple[Job, list[PresignedTarget]]:
        """A job held BLOCKED until its inputs are uploaded, and where to upload them; a job whose
        every input came inline (`contents[i]`: the content of `input_files[i]`) queued at once."""
        input_files, inline = validation.inline_inputs(input_files, contents)
        job = self._new_job(who, request_id, name, cpus, input_file, input_files, options)
        try:
            job = self._admitted(who, job, options)
        except SchedulerError:  # a retry of a call that got through gets its job, whatever the limits say now
            earlier = self.book.store.by_request(who.user, request_id) if request_id else None
            if earlier is None:
                raise
            job = self._in_batch(who, earlier)
        else:
            job = await asyncio.shield(self._enter(who, job, inline))
        return job, self._upload_targets(job)

    def _admitted(self, who: Principal, job: Job, options: JobOptions) -> Job:
        """The new job as it is stored, if every limit lets it in now: in its batch, and queued at
        once when nothing is left to upload."""
        if options.batch_id:
            batch = self.batches.joinable(who, options.batch_id)
            job = job.evolve(batch_id=batch.id, batch_parallelism=batch.parallelism)
        self._within_size(who, sum(f.size_bytes for f in job.input_files), "the files declared take")
        if job.start_now:
            self._starts_now(job)
        wait = self.submissions.take(who.user, self.book.clock())
        if wait:
            raise ResourceExhausted(f"too many jobs created by {who.user} just now: retry in {wait:.2f} s")
        self._room_in_queue(job)  # before the uploads, not after them
        if all(f.inline for f in job.input_files):  # nothing to upload: queued as it is stored
            job = self._queued(job, self.book.clock())
        return job

    async def _enter(self, who: Principal, job: Job, inline: Mapping[str, bytes]) -> Job:
        """Store the new job and queue it (a request id used already: that job); shielded from its
        call: a stored job is queued though the call that created it was cancelled meanwhile."""
        stored = await self.book.create(job, inline)
        if stored.id == job.id and stored.state is JobState.WAITING:
            self.queue.add(stored)
        return self._in_batch(who, stored)

    def _in_batch(self, who: Principal, job: Job) -> Job:
        """A created job recorded in its batch, cancelled if the batch was cancelled meanwhile."""
        if job.batch_id and self.batches.joined(job.batch_id, job.id).cancelled and not job.state.is_final:
            return self.cancel_job(who, job.id)
        return job

    def _starts_now(self, job: Job) -> None:
        """Refuse a job asked to start at once that would wait, with everything that would hold it."""
        preview = self._preview(job)
        if not preview.starts_now:
            raise FailedPrecondition("start_now: it cannot start now: "
                                     + "; ".join(r.message for r in preview.wait.reasons))

    def _queued(self, job: Job, now: float) -> Job:
        """BLOCKED `job`, its inputs all in, as it enters the queue: WAITING, or held for an admin's approval."""
        approval = self.queue.settings.needs_approval(job.cpus, job.license_tokens, job.requires_approval)
        if approval:
            return job.evolve(awaiting_approval=True, reasons=tuple(f"awaiting an admin's approval: {why}"
                                                                    for why in approval))
        return states.transition(job, JobState.WAITING, now)

    def _upload_targets(self, job: Job) -> list[PresignedTarget]:
        return [self.blobs.presign_put(input_key(job.id, f.name), f.name, f.sha256)
                for f in job.input_files if not f.inline]

    def _input(self, who: Principal, job_id: str, file_name: str) -> tuple[str, FileSpec]:
        """Where an input of a job still awaiting its inputs goes, and what was declared of it; only
        its owner uploads."""
        job = self.get_job(who, job_id)
        if not identity.may_cancel(who, job.owner):
            raise PermissionDenied(f"only {job.owner} may upload the inputs of job {job_id}")
        if job.queue_time is not None or job.state is not JobState.BLOCKED:
            raise FailedPrecondition(f"job {job_id} is {job.state.value}: its inputs were submitted already")
        spec = next((f for f in job.input_files if f.name == file_name), None)
        if spec is None:
            raise InvalidArgument("file_name", f"{file_name[:80]!r} is not one of the job's input files")
        if spec.inline:
            raise InvalidArgument("file_name", f"{file_name[:80]!r} came inline with CreateJob: it is not uploaded")
        return input_key(job.id, file_name), spec

    async def start_input_upload(self, who: Principal, job_id: str, file_name: str,
                                 fresh: bool = False) -> tuple[str, list[StoredPart]]:
        key, spec = self._input(who, job_id, file_name)
        return await self.multipart.open(key, spec.sha256, fresh)

    def input_part_urls(self, who: Principal, job_id: str, file_name: str, upload_id: str,
                        parts: Sequence[PartSpec]) -> list[PresignedTarget]:
        return self.multipart.sign(self._input(who, job_id, file_name)[0], file_name, upload_id, parts)

    async def complete_input_upload(self, who: Principal, job_id: str, file_name: str, upload_id: str,
                                    parts: Sequence[PartSpec]) -> int:
        return await self.multipart.join(self._input(who, job_id, file_name)[0], upload_id, parts)

    async def submit_job(self, who: Principal, job_id: str) -> Job:
        """Check that every input arrived with its declared size and SHA-256, then queue the job;
        the role's byte limit counts the stored objects' real sizes."""
        job = self.get_job(who, job_id)
        if not identity.may_cancel(who, job.owner):
            raise PermissionDenied(f"only {job.owner} may submit job {job_id}")
        if job.queue_time is not None or job.state is not JobState.BLOCKED or job.awaiting_approval:
            return job  # already submitted (or queued by CreateJob): a retried call changes nothing
        uploaded = [(i, f) for i, f in enumerate(job.input_files) if not f.inline]
        stored = await asyncio.gather(*(
            self.blobs.stat(input_key(job.id, f.name)) for _, f in uploaded
        ))
        inline_bytes = sum(f.size_bytes for f in job.input_files if f.inline)
        self._within_size(who, inline_bytes + sum(s.size_bytes for s in stored if s is not None),
                          "the files uploaded take")
        for (i, spec), found in zip(uploaded, stored):
            if found is None:
                raise FailedPrecondition(f"input_files[{i}]: {spec.name} has not been uploaded")
            wrong = stored_files.problem(spec, found)
            if wrong:
                raise FailedPrecondition(f"input_files[{i}]: {spec.name}: {wrong}")
        self._room_in_queue(job)  # still BLOCKED with its inputs kept: SubmitJob may be called again
        now = self.book.clock()
        queued = False
        refusal = ""
        if job.start_now:
            try:
                self._starts_now(job)
            except FailedPrecondition as e:
                refusal = str(e)

        def queue_it(j: Job) -> Job:  # the last call is the one whose result was stored
            nonlocal queued
            queued = False
            if j.state is not JobState.BLOCKED or j.queue_time is not None or j.awaiting_approval:
                return j  # another SubmitJob (a retry) got there first
            if refusal:
                return states.transition(j, JobState.CANCELLED, now, error_message=f"refused: {refusal}")
            j = self._queued(j, now)
            queued = j.state is JobState.WAITING
            return j

        job = self.book.change(job.id, queue_it)
        if refusal and job.state is JobState.CANCELLED:
            raise FailedPrecondition(refusal)
        if queued:
            self.queue.add(job)
        return job

    def _sends_webhooks(self) -> Webhooks:
        if self.webhooks is None:
            raise FailedPrecondition("webhook: this scheduler sends no webhooks (it was started without "
                                     "--webhook-secret-file)")
        return self.webhooks

    def load_webhooks(self) -> None:
        stored = self.book.store.get_setting(webhooks.SETTING)
        self._sends_webhooks().users = webhooks.users_from(stored[0] if stored else {})

    def set_webhook(self, who: Principal, user: str, hook: Hook) -> tuple[str, Hook]:
        """The webhook of `user` (the caller's when empty; anyone's for admins); an empty url removes it."""
        sender = self._sends_webhooks()
        user = user or who.user
        validation.principal_name(user, "user")
        if user != who.user and not identity.may_administer(who):
            raise PermissionDenied(f"user: only admins set another user's webhook ({user})")
        webhooks.check_url(hook.url)

        def change(doc: dict) -> dict:
            users = {u: h for u, h in doc.get("users", {}).items() if u != user}
            if hook.url:
                users[user] = {"url": hook.url, "on_start": hook.on_start}
            return {"users": users}

        sender.users = webhooks.users_from(change_setting(self.book.store, webhooks.SETTING, change, "webhooks"))
        return user, hook

    def wait_info(self, job: Job, estimate: bool = False) -> WaitInfo | None:
        """Why a WAITING job waits, its place, and (`estimate`) when it may start."""
        if job.state is not JobState.WAITING:
            return None
        return self.queue.wait_info(job.id, self.book.clock(), estimate)

    def change_priority(self, who: Principal, job_id: str, value: int) -> Job:
        """Owners may lower their own job's priority; leads and admins may set any job's they see."""
        job = self.get_job(who, job_id)
        wanted = priority.changed(who, job.owner, job.priority, value)
        job = self.book.change(job_id, lambda j: j if j.priority == wanted else j.evolve(priority=int(wanted)))
        if job.state is JobState.WAITING:
            self.queue.add(job)  # re-indexed at its new level
        return job

    def stats(self, who: Principal) -> QueueStats:
        counts = self.book.store.count_unfinished()
        by_state: Counter[str] = Counter()
        by_user: Counter[str] = Counter()
        for (state, owner), n in counts.items():
            by_state[state.value] += n
            by_user[owner] += n
        nodes = list(self.queue.nodes)
        waits = self.queue.waits
        return QueueStats(
            settings=self.queue.settings, by_state=dict(by_state),
            by_user=dict(by_user) if identity.may_administer(who) else {},
            average_wait_s=sum(waits) / len(waits) if waits else 0.0,
            cores_in_use=sum(n.cpus - n.free_cpus for n in nodes), cores_total=sum(n.cpus for n in nodes),
            tokens_in_use=self.queue.policy.usage.tokens, tokens_total=self.queue.policy.token_total())

    def mine(self, who: Principal) -> MyQueue:
        """The caller's unfinished jobs: all counted, the oldest MAX_PAGE_SIZE of each state listed,
        and the place of the one that goes first."""
        counts = {state: n for (state, owner), n in self.book.store.count_unfinished().items() if owner == who.user}
        jobs = {state: list(reversed(self.book.store.list(states=[state], page_size=MAX_PAGE_SIZE,
                                                          owner=who.user).jobs))
                for state in (JobState.WAITING, JobState.BLOCKED, JobState.STARTING, JobState.RUNNING)}
        return MyQueue(counts, jobs, self.queue.best_position(who.user, self.book.clock()))

    def job_log(self, who: Principal, job_id: str, after: int, page_size: int) -> list[LogLine]:
        """The log lines of a job `who` may see, numbered after `after`."""
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument("page_size", f"{page_size} is out of range 0..{MAX_PAGE_SIZE}")
        if after < 0:
            raise InvalidArgument("after_seq", f"{after} is negative")
        self.get_job(who, job_id)
        return self.book.store.job_log(job_id, after, page_size or MAX_PAGE_SIZE)

    def get_job(self, who: Principal, job_id: str) -> Job:
        """The job, if `who` may see it; a job they may not see does not exist for them."""
        if not job_id:
            raise InvalidArgument("job_id", "is required")
        job = self.book.get(job_id)
        if not identity.may_see(who, job.owner, job.team):
            raise NotFound(f"job {job_id!r} not found")
        return job

    def list_jobs(
        self, who: Principal, states_: Collection[JobState], page_size: int, page_token: str, owner: str = "",
        team: str = "",
    ) -> JobPage:
        """The jobs `who` may see (all for admins, their own plus their team's for leads, else their
        own), only `owner`'s when given, or only `team`'s (admins: any team, leads: their own)."""
        if not 0 <= page_size <= MAX_PAGE_SIZE:
            raise InvalidArgument("page_size", f"{page_size} is out of range 0..{MAX_PAGE_SIZE}")
        if owner:
            validation.principal_name(owner, "owner")
            if owner != who.user and who.role not in (Role.ADMIN, Role.LEAD):
                raise PermissionDenied(f"owner: a {who.role.value} sees only their own jobs")
        if team:
            validation.principal_name(team, "team")
            if owner:
                raise InvalidArgument("team", "give an owner or a team, not both")
            if not identity.may_administer(who) and not (who.role is Role.LEAD and team == who.team):
                raise PermissionDenied("team: only admins, and a lead for their own team, list a team's jobs")
        page_size = page_size or DEFAULT_PAGE_SIZE
        try:
            if team:
                return self.book.store.list(states=states_, page_size=page_size, cursor=page_token or None, team=team)
            if owner and who.role is Role.LEAD and owner != who.user:  # a lead: the member's jobs of the team
                page = self.book.store.list(states=states_, page_size=page_size, cursor=page_token or None,
                                            owner=owner)
                return JobPage([j for j in page.jobs if identity.may_see(who, j.owner, j.team)], page.next_cursor)
            mine, their_team = identity.visible_scope(who)
            return self.book.store.list(
                states=states_, page_size=page_size, cursor=page_token or None,
                owner=owner or mine, team=None if owner else their_team)
        except ValueError as e:
            raise InvalidArgument("page_token", str(e)) from e

    def cancel_job(self, who: Principal, job_id: str) -> Job:
        job = self.get_job(who, job_id)
        if not identity.may_cancel(who, job.owner):
            raise PermissionDenied(f"only {job.owner} or an admin may cancel job {job_id}")
        job = self.book.change(job_id, lambda j: states.cancel(j, self.book.clock()))
        self.queue.discard(job_id)
        return job

    async def watch(self, who: Principal, job_id: str, final_only: bool = False) -> AsyncIterator[Job]:
        """The job now, then every change, until it reaches a final state (only that, `final_only`)."""
        self.get_job(who, job_id)
        async for job in self.streams.snapshots(job_id, final_only):
            yield job

    async def job_events(self, who: Principal, job_id: str, after: str) -> AsyncIterator[tuple[JobEvent, Cursor]]:
        """The job's events after the cursor `after` (from the start when empty), until it ends."""
        cursor = Cursor.parse(after) if after else None
        self.get_job(who, job_id)
        async for item in self.streams.job(job_id, cursor):
            yield item

    async def events(self, who: Principal, after: str) -> AsyncIterator[tuple[JobEvent, Cursor | None]]:
        """The events of every job `who` may see, after the cursor `after`."""
        cursor = Cursor.parse(after) if after else None
        async for item in self.streams.visible(who, cursor):
            yield item

    def results(self, who: Principal, job_id: str) -> tuple[tuple[FileSpec, ...], list[PresignedTarget]]:
        job = self.get_job(who, job_id)
        if not job.result_files:
            if not job.state.is_final:
                raise FailedPrecondition(f"job {job_id} has not finished yet ({job.state.value})")
            raise NotFound(f"job {job_id} has no result files")
        targets = [
            self.blobs.presign_get(result_key(job.id, job.attempt, f.name), f.name)
            for f in job.result_files
        ]
        return job.result_files, targets
