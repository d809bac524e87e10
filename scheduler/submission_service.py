"""SubmissionService: translates requests into SubmissionApp calls and results back."""

from __future__ import annotations

import time

from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import submission_service_pb2_grpc as pb_grpc

from . import convert
from .auth import caller
from .domain.job import JobState
from .grpc_errors import mapped
from .submission import JobOptions, SubmissionApp
from .webhooks import Hook


class SubmissionService(pb_grpc.SubmissionServiceServicer):
    def __init__(self, app: SubmissionApp, url_expiry_s: float) -> None:
        self.app = app
        self.url_expiry_s = url_expiry_s

    def _expiry(self) -> float:
        return time.time() + self.url_expiry_s

    @mapped
    async def CreateJob(self, request, context):
        options = JobOptions(
            priority=request.priority if request.HasField("priority") else None,
            license_tokens=request.license_tokens, required_labels=dict(request.required_labels),
            required_node=request.required_node, abaqus_version=request.abaqus_version,
            requires_approval=request.requires_approval, solver=convert.solver_from_pb(request.solver),
            max_attempts=request.max_attempts, start_now=request.start_now, batch_id=request.batch_id,
            webhook=Hook(request.webhook.url, request.webhook.on_start) if request.HasField("webhook") else None)
        files = [convert.file_from_pb(f) for f in request.input_files]
        contents = convert.contents_from_pb(request.input_files)
        if request.validate_only:
            job, preview = self.app.preview_job(caller(), request.name, request.cpus, request.input_file, files,
                                                options, contents)
            return pb.CreateJobResponse(job=convert.job_to_pb(job, preview.wait),
                                        candidate_nodes=preview.nodes)
        job, targets = await self.app.create_job(caller(), request.request_id, request.name, request.cpus,
                                                 request.input_file, files, options, contents)
        expiry = self._expiry()
        return pb.CreateJobResponse(job=convert.job_to_pb(job),
                                    upload_requests=[convert.target_to_pb(t, expiry) for t in targets])

    @mapped
    async def SubmitJob(self, request, context):
        return pb.SubmitJobResponse(job=self._shown(await self.app.submit_job(caller(), request.job_id)))

    @mapped
    async def StartInputUpload(self, request, context):
        upload_id, stored = await self.app.start_input_upload(caller(), request.job_id, request.file_name,
                                                              request.fresh)
        return pb.StartInputUploadResponse(upload_id=upload_id,
                                           stored_parts=[convert.stored_part_to_pb(p) for p in stored])

    @mapped
    async def GetInputPartUrls(self, request, context):
        targets = self.app.input_part_urls(caller(), request.job_id, request.file_name, request.upload_id,
                                           [convert.part_from_pb(p) for p in request.parts])
        expiry = self._expiry()
        return pb.GetInputPartUrlsResponse(upload_requests=[convert.target_to_pb(t, expiry) for t in targets])

    @mapped
    async def CompleteInputUpload(self, request, context):
        size = await self.app.complete_input_upload(caller(), request.job_id, request.file_name, request.upload_id,
                                                    [convert.part_from_pb(p) for p in request.parts])
        return pb.CompleteInputUploadResponse(size_bytes=size)

    def _shown(self, job, estimate: bool = False):
        return convert.job_to_pb(job, self.app.wait_info(job, estimate))

    @mapped
    async def GetJob(self, request, context):
        return pb.GetJobResponse(job=self._shown(self.app.get_job(caller(), request.job_id), estimate=True))

    @mapped
    async def ListJobs(self, request, context):
        page = self.app.list_jobs(caller(), convert.states_from_pb(request.states, "states"),
                                  request.page_size, request.page_token, request.owner)
        return pb.ListJobsResponse(jobs=[self._shown(j) for j in page.jobs], next_page_token=page.next_cursor or "")

    @mapped
    async def GetQueueStats(self, request, context):
        s = self.app.stats(caller())
        q = s.settings
        return pb.GetQueueStatsResponse(
            queue_depth=s.by_state.get("WAITING", 0), blocked=s.by_state.get("BLOCKED", 0),
            running=s.by_state.get("STARTING", 0) + s.by_state.get("RUNNING", 0),
            max_concurrent=q.max_concurrent, user_max_concurrent=q.user_max_concurrent,
            team_max_concurrent=q.team_max_concurrent, enable_fair_share=q.enable_fair_share,
            average_wait_seconds=s.average_wait_s, by_state=s.by_state, by_user=s.by_user,
            cores_in_use=s.cores_in_use, cores_total=s.cores_total, license_tokens_in_use=s.tokens_in_use,
            license_tokens_total=s.tokens_total)

    @mapped
    async def GetMyQueue(self, request, context):
        mine = self.app.mine(caller())
        jobs, counts = mine.jobs, mine.counts
        return pb.GetMyQueueResponse(
            pending_count=counts.get(JobState.WAITING, 0), blocked_count=counts.get(JobState.BLOCKED, 0),
            running_count=counts.get(JobState.STARTING, 0) + counts.get(JobState.RUNNING, 0),
            best_position=mine.best_position,
            pending_jobs=[self._shown(j) for j in jobs[JobState.WAITING]],
            running_jobs=[self._shown(j) for j in (*jobs[JobState.STARTING], *jobs[JobState.RUNNING])],
            blocked_jobs=[self._shown(j) for j in jobs[JobState.BLOCKED]])

    @mapped
    async def GetJobLog(self, request, context):
        lines = self.app.job_log(caller(), request.job_id, request.after_seq, request.page_size)
        return pb.GetJobLogResponse(lines=[convert.log_line_to_pb(line) for line in lines])

    @mapped
    async def SetJobPriority(self, request, context):
        job = self.app.change_priority(caller(), request.job_id, request.priority)
        return pb.SetJobPriorityResponse(job=self._shown(job))

    @mapped
    async def CancelJob(self, request, context):
        return pb.CancelJobResponse(job=self._shown(self.app.cancel_job(caller(), request.job_id)))

    @mapped
    async def WatchJob(self, request, context):
        async for job in self.app.watch(caller(), request.job_id, request.final_only):
            yield pb.WatchJobResponse(job=convert.job_to_pb(job), event_time=convert.timestamp(time.time()))

    @mapped
    async def SetWebhook(self, request, context):
        user, hook = self.app.set_webhook(caller(), request.user, Hook(request.webhook.url, request.webhook.on_start))
        return pb.SetWebhookResponse(user=user, webhook=pb.Webhook(url=hook.url, on_start=hook.on_start))

    @mapped
    async def GetServiceStatus(self, request, context):
        caller()  # any authenticated caller may ask
        watch = self.app.backends
        if watch is None:
            return pb.GetServiceStatusResponse()
        return pb.GetServiceStatusResponse(
            backends=[convert.backend_to_pb(b) for b in watch.status.backends.values()], unified=watch.unified,
            source=watch.source, read_time=convert.timestamp(watch.read_time), problem=watch.problem)

    async def _batch(self, batch):
        """The batch with its progress, its jobs read at once on the event loop: between two reads in a
        thread a job could end and another start, and the progress show more running than may run."""
        return convert.batch_to_pb(batch, self.app.batches.progress(batch))

    @mapped
    async def CreateBatch(self, request, context):
        batch = self.app.batches.create(caller(), request.request_id, request.name, request.parallelism,
                                        request.expected_jobs)
        return pb.CreateBatchResponse(batch=await self._batch(batch))

    @mapped
    async def GetBatch(self, request, context):
        return pb.GetBatchResponse(batch=await self._batch(self.app.batches.get(caller(), request.batch_id)))

    @mapped
    async def ListBatches(self, request, context):
        batches = self.app.batches.list(caller(), request.page_size)
        return pb.ListBatchesResponse(batches=[await self._batch(b) for b in batches])

    @mapped
    async def CancelBatch(self, request, context):
        return pb.CancelBatchResponse(batch=await self._batch(self.app.batches.cancel(caller(), request.batch_id)))

    @mapped
    async def WatchJobEvents(self, request, context):
        async for event, cursor in self.app.job_events(caller(), request.job_id, request.after):
            yield pb.WatchJobEventsResponse(event=convert.event_to_pb(event, cursor))

    @mapped
    async def WatchEvents(self, request, context):
        async for event, cursor in self.app.events(caller(), request.after):
            yield pb.WatchEventsResponse(event=convert.event_to_pb(event, cursor))

    @mapped
    async def GetJobResults(self, request, context):
        files, targets = self.app.results(caller(), request.job_id)
        expiry = self._expiry()
        return pb.GetJobResultsResponse(files=[convert.file_to_pb(f) for f in files],
                                        download_requests=[convert.target_to_pb(t, expiry) for t in targets])
