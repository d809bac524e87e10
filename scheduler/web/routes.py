"""The dashboard's HTTP API, as the page calls it (the admins' part: admin_routes): sign-in and
out, the jobs (a page of them, one, its log, results and convergence, cancel), a live stream of
their changes (server-sent events), batches and the queue. Each handler turns the request into the
same domain call a gRPC servicer makes, as the signed-in caller."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from ..domain.errors import InvalidArgument, SchedulerError
from ..domain.identity import Port
from ..domain.job import FINAL_STATES, JobState
from ..domain.job_events import Cursor, Kind
from ..domain.job_log import Source
from ..submission import SubmissionApp
from ..usage_history import UsageHistory
from .errors import refusal
from .request_parts import json_object, whole_number
from .security import COOKIE, Authenticate, caller, over_https, session_of
from .sessions import IDLE_S, Sessions
from .views import batch_view, convergence_view, job_detail, job_view, log_view, queue_view

STATIC = Path(__file__).parent / "static"
KEEPALIVE_S = 15.0  # a comment line on a quiet event stream, so proxies keep it open
SHOWN_EVENTS = (Kind.JOB, Kind.PROGRESS)
MAX_CHART_LINES = 50_000  # .sta rows a chart draws at most
ROUTES = [  # (method, path, handler)
    ("GET", "/", "index"),
    ("POST", "/api/signin", "sign_in"),
    ("POST", "/api/signout", "sign_out"),
    ("GET", "/api/me", "me"),
    ("GET", "/api/jobs", "jobs"),
    ("GET", "/api/jobs/{job_id}", "job"),
    ("POST", "/api/jobs/{job_id}/cancel", "cancel"),
    ("GET", "/api/jobs/{job_id}/log", "log"),
    ("GET", "/api/jobs/{job_id}/downloads", "downloads"),
    ("GET", "/api/jobs/{job_id}/convergence", "convergence"),
    ("GET", "/api/events", "events"),
    ("GET", "/api/queue", "queue"),
    ("GET", "/api/batches", "batches"),
    ("GET", "/api/batches/{batch_id}", "batch"),
]


class Routes:
    def __init__(self, submission: SubmissionApp, usage: UsageHistory, sessions: Sessions,
                 authenticate: Authenticate, clock: Callable[[], float]) -> None:
        self.submission, self.usage, self.sessions = submission, usage, sessions
        self.authenticate, self.clock = authenticate, clock

    def add_to(self, app: web.Application) -> None:
        app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)
        app.router.add_routes([web.route(method, path, getattr(self, name)) for method, path, name in ROUTES])

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def sign_in(self, request: web.Request) -> web.Response:
        token = (await json_object(request)).get("token", "")
        if not isinstance(token, str) or not token:
            return refusal(400, "token: is required")
        who = await self.authenticate(token, Port.SUBMISSION)
        if who is None:
            return refusal(401, "token: not a valid Abaqueue token")
        session = self.sessions.open(token)
        response = web.json_response(_me(who, session.csrf))
        response.set_cookie(COOKIE, session.id, httponly=True, samesite="Strict", path="/",
                            secure=over_https(request), max_age=int(IDLE_S))
        return response

    async def sign_out(self, request: web.Request) -> web.Response:
        self.sessions.close(session_of(request).id)
        response = web.json_response({})
        response.del_cookie(COOKIE, path="/")
        return response

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(_me(caller(request), session_of(request).csrf))

    async def jobs(self, request: web.Request) -> web.Response:
        q = request.query
        wanted = set()
        for name in q.getall("state", []):
            try:
                wanted.add(JobState(name))
            except ValueError:
                return refusal(400, f"state: {name[:40]!r} is not a job state")
        who, size, now = caller(request), whole_number(q, "page_size", 100), self.clock()
        if q.get("batch"):  # the batch's jobs, newest first, those in `wanted` (any when empty)
            batches = self.submission.batches
            jobs = [j for j in reversed(batches.jobs(batches.get(who, q["batch"]))) if not wanted or j.state in wanted]
            start = whole_number(q, "page_token", 0)
            if not 0 < size <= 1000 or start < 0:
                raise InvalidArgument("page_size" if start >= 0 else "page_token", "out of range")
            page, more = jobs[start:start + size], start + size < len(jobs)
            return web.json_response({"jobs": [job_view(j, now) for j in page],
                                      "next_page_token": str(start + size) if more else ""})
        page = self.submission.list_jobs(who, wanted, size, q.get("page_token", ""), owner=q.get("user", ""),
                                         team=q.get("team", ""))
        return web.json_response({"jobs": [job_view(j, now) for j in page.jobs],
                                  "next_page_token": page.next_cursor or ""})

    async def job(self, request: web.Request) -> web.Response:
        job = self.submission.get_job(caller(request), request.match_info["job_id"])
        return web.json_response(job_detail(job, self.submission.wait_info(job, estimate=True), self.clock()))

    async def log(self, request: web.Request) -> web.Response:
        """The job's log lines after line `after_seq`, a page of them (`page_size`, 1,000 at most)."""
        q = request.query
        lines = self.submission.job_log(caller(request), request.match_info["job_id"],
                                        whole_number(q, "after_seq", 0), whole_number(q, "page_size", 1000))
        return web.json_response({"lines": log_view(lines)})

    async def convergence(self, request: web.Request) -> web.Response:
        """The .sta rows of the job's attempt (its latest by default) with when the scheduler heard of
        each: what its convergence chart draws."""
        who, job_id = caller(request), request.match_info["job_id"]
        attempt = whole_number(request.query, "attempt", self.submission.get_job(who, job_id).attempt)
        lines, after = [], 0
        while len(lines) < MAX_CHART_LINES and (page := self.submission.job_log(who, job_id, after, 1000)):
            lines += [line for line in page if line.source is Source.STA and line.attempt == attempt]
            after = page[-1].seq
        return web.json_response({"attempt": attempt, "rows": convergence_view(lines[:MAX_CHART_LINES])})

    async def downloads(self, request: web.Request) -> web.Response:
        """A presigned GET of each result file: the browser downloads it from the blob store."""
        files, targets = self.submission.results(caller(request), request.match_info["job_id"])
        urls = {t.file_name: t.url for t in targets}
        return web.json_response({"files": [{"name": f.name, "size_bytes": f.size_bytes, "url": urls[f.name]}
                                            for f in files]})

    async def cancel(self, request: web.Request) -> web.Response:
        job = self.submission.cancel_job(caller(request), request.match_info["job_id"])
        return web.json_response(job_view(job, self.clock()))

    async def queue(self, request: web.Request) -> web.Response:
        """The queue as GetQueueStats gives it, with its settings and the use of the last `hours`
        (at most 6: what the scheduler keeps)."""
        hours = whole_number(request.query, "hours", 6)
        stats = self.submission.stats(caller(request))  # as GetQueueStats does
        return web.json_response(queue_view(stats, self.usage.since(self.clock() - hours * 3600)))

    async def batches(self, request: web.Request) -> web.Response:
        """The batches the caller may see, newest first, each with its progress (and its jobs'
        failures: the page of one lists them)."""
        book = self.submission.batches
        listed = book.list(caller(request), whole_number(request.query, "page_size", 50))
        return web.json_response({"batches": [batch_view(b, book.progress(b)) for b in listed]})

    async def batch(self, request: web.Request) -> web.Response:
        book = self.submission.batches
        batch = book.get(caller(request), request.match_info["batch_id"])
        jobs, now = book.jobs(batch), self.clock()
        return web.json_response({**batch_view(batch, book.progress(batch)),
                                  "failures": [job_view(j, now) for j in jobs
                                               if j.state.is_final and j.state not in (JobState.COMPLETED,
                                                                                       JobState.CANCELLED)]})

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Every change of the jobs the caller may see from now on, as `job` events (the job's view as
        data, the cursor as id: a browser that reconnects resumes with Last-Event-ID)."""
        after = request.headers.get("Last-Event-ID", "")
        if after:
            Cursor.parse(after, "Last-Event-ID")  # refused (400) before the stream opens
        else:  # from now: the page reads the table itself, so no restatement of every unfinished job
            journal = self.submission.streams.journal
            after = str(Cursor(journal.epoch, journal.head))
        stream = self.submission.events(caller(request), after)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        try:
            while (item := await self._next_or_keepalive(stream, response)) is not None:
                event, cursor = item
                if event.kind in SHOWN_EVENTS:
                    data = json.dumps(job_view(event.job, self.clock()))
                    await response.write(f"id: {cursor or ''}\nevent: job\ndata: {data}\n\n".encode())
        except SchedulerError as e:  # the stream had begun: the browser hears why it ends
            await response.write(f"event: failed\ndata: {json.dumps({'error': str(e)})}\n\n".encode())
        finally:
            await stream.aclose()
        return response

    async def _next_or_keepalive(self, stream, response: web.StreamResponse):
        """The stream's next item, with a keep-alive line every KEEPALIVE_S meanwhile (a browser
        that left is found out by it: the write fails)."""
        pending = asyncio.ensure_future(anext(stream, None))
        try:
            while True:
                done, _ = await asyncio.wait({pending}, timeout=KEEPALIVE_S)
                if done:
                    return pending.result()
                await response.write(b": keep-alive\n\n")
        except BaseException:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
            raise



def _me(who, csrf: str) -> dict:
    """The caller, their session's CSRF token, and the job states (the page's filters)."""
    return {"user": who.user, "role": who.role.value, "team": who.team, "csrf": csrf,
            "states": [s.value for s in JobState], "final_states": sorted(s.value for s in FINAL_STATES)}
