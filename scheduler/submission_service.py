"""SubmissionService: translates requests into SubmissionApp calls and results back."""

from __future__ import annotations

import time

from abaqueue.v1 import submission_service_pb2 as pb
from abaqueue.v1 import submission_service_pb2_grpc as pb_grpc

from . import convert
from .auth import caller
from .grpc_errors import mapped
from .submission import SubmissionApp


class SubmissionService(pb_grpc.SubmissionServiceServicer):
    def __init__(self, app: SubmissionApp, url_expiry_s: float) -> None:
        self.app = app
        self.url_expiry_s = url_expiry_s

    def _expiry(self) -> float:
        return time.time() + self.url_expiry_s

    @mapped
    async def CreateJob(self, request, context):
        job, targets = self.app.create_job(
            caller(), request.request_id, request.name, request.cpus, request.input_file,
            [convert.file_from_pb(f) for f in request.input_files],
        )
        expiry = self._expiry()
        return pb.CreateJobResponse(job=convert.job_to_pb(job),
                                    upload_requests=[convert.target_to_pb(t, expiry) for t in targets])

    @mapped
    async def SubmitJob(self, request, context):
        return pb.SubmitJobResponse(job=convert.job_to_pb(await self.app.submit_job(caller(), request.job_id)))

    @mapped
    async def GetJob(self, request, context):
        return pb.GetJobResponse(job=convert.job_to_pb(self.app.get_job(caller(), request.job_id)))

    @mapped
    async def ListJobs(self, request, context):
        page = self.app.list_jobs(caller(), convert.states_from_pb(request.states, "states"),
                                  request.page_size, request.page_token)
        return pb.ListJobsResponse(jobs=[convert.job_to_pb(j) for j in page.jobs],
                                   next_page_token=page.next_cursor or "")

    @mapped
    async def CancelJob(self, request, context):
        return pb.CancelJobResponse(job=convert.job_to_pb(self.app.cancel_job(caller(), request.job_id)))

    @mapped
    async def WatchJob(self, request, context):
        async for job in self.app.watch(caller(), request.job_id):
            yield pb.WatchJobResponse(job=convert.job_to_pb(job), event_time=convert.timestamp(time.time()))

    @mapped
    async def GetJobResults(self, request, context):
        files, targets = self.app.results(caller(), request.job_id)
        expiry = self._expiry()
        return pb.GetJobResultsResponse(files=[convert.file_to_pb(f) for f in files],
                                        download_requests=[convert.target_to_pb(t, expiry) for t in targets])
