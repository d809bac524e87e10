"""Jobs as the page shows them: plain JSON-ready dicts, with how long each waited and ran."""

from __future__ import annotations

from ..domain.job import Job


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
    }
