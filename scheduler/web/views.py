"""Jobs as the page shows them: plain JSON-ready dicts, with how long each waited and ran."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from abaqueue.sta_rows import rows

from ..dispatch import WaitInfo
from ..domain.batch import Batch
from ..domain.batch import Progress as BatchProgress
from ..domain.identity import TokenRecord
from ..domain.job import FileSpec, Job
from ..domain.job_log import LogLine
from ..nodes import Node
from ..submission import QueueStats
from ..transfer_slots import SlotStats
from ..usage_history import UsageSample


def job_view(job: Job, now: float) -> dict:
    p = job.progress
    queued = job.queue_time if job.queue_time is not None else job.create_time
    return {
        "id": job.id, "name": job.name, "state": job.state.value, "owner": job.owner, "team": job.team,
        "cpus": job.cpus, "license_tokens": job.license_tokens, "node": job.node, "priority": job.priority,
        "batch_id": job.batch_id, "attempt": job.attempt,
        "create_time": job.create_time, "queue_time": job.queue_time, "start_time": job.start_time,
        "end_time": job.end_time,
        "waited_s": max(0.0, (job.start_time if job.start_time is not None else
                              job.end_time if job.end_time is not None else now) - queued),
        "ran_s": None if job.start_time is None else max(0.0, (job.end_time or now) - job.start_time),
        "progress": {"step": p.step, "total_steps": p.total_steps, "increment": p.increment,
                     "step_fraction": p.step_fraction, "overall_fraction": p.overall_fraction,
                     "seconds_left": p.seconds_left, "waiting_for_license": p.waiting_for_license,
                     "warning": p.warning},
        "reasons": list(job.reasons), "awaiting_approval": job.awaiting_approval,
        "error_message": job.error_message, "version": job.version,
        "states": [{"state": c.state.value, "time": c.time, "attempt": c.attempt, "node": c.node} for c in job.states],
    }


def job_detail(job: Job, waiting: WaitInfo | None, now: float) -> dict:
    """The job's view, with what its page adds: why it waits (every reason, its place and when it
    may start), how its earlier attempts ended, and its files."""
    return {
        **job_view(job, now),
        "waiting": None if waiting is None else {
            "reasons": [{"code": r.code.value, "message": r.message} for r in waiting.reasons],
            "ahead": waiting.ahead, "effective_priority": waiting.effective_priority,
            "estimated_start": waiting.estimated_start},
        "history": [{"attempt": a.attempt, "node": a.node, "start_time": a.start_time, "end_time": a.end_time,
                     "cause": a.cause, "message": a.message} for a in job.history],
        "input_files": _files(job.input_files), "result_files": _files(job.result_files),
        "missing_files": list(job.missing_files),
    }


def _files(files: Sequence[FileSpec]) -> list[dict]:
    return [{"name": f.name, "size_bytes": f.size_bytes} for f in files]


def log_view(lines: Sequence[LogLine]) -> list[dict]:
    return [{"seq": line.seq, "time": line.time, "attempt": line.attempt, "level": line.level.value,
             "source": line.source.value, "text": line.text} for line in lines]


def node_view(node: Node, state: str, tokens: int, slots: SlotStats, now: float) -> dict:
    return {"name": node.name, "state": state, "cpus": node.cpus, "cpus_in_use": node.cpus - node.free_cpus,
            "license_tokens_in_use": tokens, "jobs": sorted(node.jobs), "drained": node.drained,
            "last_seen": node.last_seen or None,
            "seen_s_ago": max(0.0, now - node.last_seen) if node.last_seen else None,
            "transfers_held": slots.held, "transfers_waiting": slots.waiting, "labels": node.labels,
            "abaqus_versions": list(node.abaqus_versions), "agent_version": node.agent_version}


def queue_view(stats: QueueStats, usage: Sequence[UsageSample]) -> dict:
    return {"by_state": stats.by_state, "by_user": stats.by_user, "average_wait_s": stats.average_wait_s,
            "cores_in_use": stats.cores_in_use, "cores_total": stats.cores_total,
            "tokens_in_use": stats.tokens_in_use, "tokens_total": stats.tokens_total,
            "settings": dataclasses.asdict(stats.settings), "usage": [dataclasses.asdict(u) for u in usage]}


STAGE_NAMES = {1: "inputs moving", 2: "solving", 3: "results moving"}


def batch_view(batch: Batch, p: BatchProgress) -> dict:
    return {"id": batch.id, "name": batch.name, "owner": batch.owner, "team": batch.team,
            "parallelism": batch.parallelism, "create_time": batch.create_time, "cancelled": batch.cancelled,
            "total_jobs": p.total_jobs, "total_stages": p.total_stages, "completed_stages": p.completed_stages,
            "completed": p.completed, "failed": p.failed, "cancelled_jobs": p.cancelled, "waiting": p.waiting,
            "removed": p.removed, "finished": p.finished, "estimated_finish": p.estimated_finish,
            "running": [{"job_id": r.job_id, "name": r.name, "node": r.node, "stage": STAGE_NAMES[r.stage],
                         "stage_start": r.stage_start} for r in p.running]}


def token_view(r: TokenRecord) -> dict:
    """A token as listings show it: never the secret, nor its whole hash."""
    return {"token_id": r.token_id, "user": r.principal.user, "role": r.principal.role.value,
            "team": r.principal.team, "created": r.created, "expires": r.expires, "revoked": r.revoked,
            "description": r.description}


def convergence_view(lines: Sequence[LogLine]) -> list[dict]:
    """The .sta rows among `lines` (the job's log, source sta), each with the time it was reported."""
    return [{"time": lines[i].time, **dataclasses.asdict(row)} for i, row in rows([line.text for line in lines])]
