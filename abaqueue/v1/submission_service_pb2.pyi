import datetime

from abaqueue.v1 import batch_pb2 as _batch_pb2
from abaqueue.v1 import job_pb2 as _job_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BackendAvailability(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BACKEND_AVAILABILITY_UNSPECIFIED: _ClassVar[BackendAvailability]
    BACKEND_AVAILABILITY_AVAILABLE: _ClassVar[BackendAvailability]
    BACKEND_AVAILABILITY_UNAVAILABLE: _ClassVar[BackendAvailability]
    BACKEND_AVAILABILITY_MAINTENANCE: _ClassVar[BackendAvailability]
BACKEND_AVAILABILITY_UNSPECIFIED: BackendAvailability
BACKEND_AVAILABILITY_AVAILABLE: BackendAvailability
BACKEND_AVAILABILITY_UNAVAILABLE: BackendAvailability
BACKEND_AVAILABILITY_MAINTENANCE: BackendAvailability

class SetWebhookRequest(_message.Message):
    __slots__ = ("user", "webhook")
    USER_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    user: str
    webhook: Webhook
    def __init__(self, user: _Optional[str] = ..., webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class SetWebhookResponse(_message.Message):
    __slots__ = ("user", "webhook")
    USER_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    user: str
    webhook: Webhook
    def __init__(self, user: _Optional[str] = ..., webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class GetServiceStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServiceStatusResponse(_message.Message):
    __slots__ = ("backends", "unified", "source", "read_time", "problem")
    BACKENDS_FIELD_NUMBER: _ClassVar[int]
    UNIFIED_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    backends: _containers.RepeatedCompositeFieldContainer[BackendState]
    unified: bool
    source: str
    read_time: _timestamp_pb2.Timestamp
    problem: str
    def __init__(self, backends: _Optional[_Iterable[_Union[BackendState, _Mapping]]] = ..., unified: _Optional[bool] = ..., source: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., problem: _Optional[str] = ...) -> None: ...

class BackendState(_message.Message):
    __slots__ = ("name", "availability", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    availability: BackendAvailability
    description: str
    def __init__(self, name: _Optional[str] = ..., availability: _Optional[_Union[BackendAvailability, str]] = ..., description: _Optional[str] = ...) -> None: ...

class CreateBatchRequest(_message.Message):
    __slots__ = ("request_id", "name", "parallelism", "expected_jobs")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_JOBS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    parallelism: int
    expected_jobs: int
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., parallelism: _Optional[int] = ..., expected_jobs: _Optional[int] = ...) -> None: ...

class CreateBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: _batch_pb2.Batch
    def __init__(self, batch: _Optional[_Union[_batch_pb2.Batch, _Mapping]] = ...) -> None: ...

class GetBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class GetBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: _batch_pb2.Batch
    def __init__(self, batch: _Optional[_Union[_batch_pb2.Batch, _Mapping]] = ...) -> None: ...

class ListBatchesRequest(_message.Message):
    __slots__ = ("page_size",)
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    def __init__(self, page_size: _Optional[int] = ...) -> None: ...

class ListBatchesResponse(_message.Message):
    __slots__ = ("batches",)
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    batches: _containers.RepeatedCompositeFieldContainer[_batch_pb2.Batch]
    def __init__(self, batches: _Optional[_Iterable[_Union[_batch_pb2.Batch, _Mapping]]] = ...) -> None: ...

class CancelBatchRequest(_message.Message):
    __slots__ = ("batch_id",)
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    batch_id: str
    def __init__(self, batch_id: _Optional[str] = ...) -> None: ...

class CancelBatchResponse(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: _batch_pb2.Batch
    def __init__(self, batch: _Optional[_Union[_batch_pb2.Batch, _Mapping]] = ...) -> None: ...

class GetJobLogRequest(_message.Message):
    __slots__ = ("job_id", "after_seq", "page_size")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after_seq: int
    page_size: int
    def __init__(self, job_id: _Optional[str] = ..., after_seq: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class GetJobLogResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[_job_pb2.LogLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[_job_pb2.LogLine, _Mapping]]] = ...) -> None: ...

class SetJobPriorityRequest(_message.Message):
    __slots__ = ("job_id", "priority")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    priority: int
    def __init__(self, job_id: _Optional[str] = ..., priority: _Optional[int] = ...) -> None: ...

class SetJobPriorityResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class GetQueueStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetQueueStatsResponse(_message.Message):
    __slots__ = ("queue_depth", "running", "blocked", "max_concurrent", "user_max_concurrent", "team_max_concurrent", "enable_fair_share", "average_wait_seconds", "by_state", "by_user", "cores_in_use", "cores_total", "license_tokens_in_use", "license_tokens_total")
    class ByStateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class ByUserEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    USER_MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    TEAM_MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    ENABLE_FAIR_SHARE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BY_STATE_FIELD_NUMBER: _ClassVar[int]
    BY_USER_FIELD_NUMBER: _ClassVar[int]
    CORES_IN_USE_FIELD_NUMBER: _ClassVar[int]
    CORES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKENS_IN_USE_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKENS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    queue_depth: int
    running: int
    blocked: int
    max_concurrent: int
    user_max_concurrent: int
    team_max_concurrent: int
    enable_fair_share: bool
    average_wait_seconds: float
    by_state: _containers.ScalarMap[str, int]
    by_user: _containers.ScalarMap[str, int]
    cores_in_use: int
    cores_total: int
    license_tokens_in_use: int
    license_tokens_total: int
    def __init__(self, queue_depth: _Optional[int] = ..., running: _Optional[int] = ..., blocked: _Optional[int] = ..., max_concurrent: _Optional[int] = ..., user_max_concurrent: _Optional[int] = ..., team_max_concurrent: _Optional[int] = ..., enable_fair_share: _Optional[bool] = ..., average_wait_seconds: _Optional[float] = ..., by_state: _Optional[_Mapping[str, int]] = ..., by_user: _Optional[_Mapping[str, int]] = ..., cores_in_use: _Optional[int] = ..., cores_total: _Optional[int] = ..., license_tokens_in_use: _Optional[int] = ..., license_tokens_total: _Optional[int] = ...) -> None: ...

class GetMyQueueRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMyQueueResponse(_message.Message):
    __slots__ = ("pending_count", "running_count", "blocked_count", "best_position", "pending_jobs", "running_jobs", "blocked_jobs")
    PENDING_COUNT_FIELD_NUMBER: _ClassVar[int]
    RUNNING_COUNT_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_COUNT_FIELD_NUMBER: _ClassVar[int]
    BEST_POSITION_FIELD_NUMBER: _ClassVar[int]
    PENDING_JOBS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_JOBS_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_JOBS_FIELD_NUMBER: _ClassVar[int]
    pending_count: int
    running_count: int
    blocked_count: int
    best_position: int
    pending_jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    running_jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    blocked_jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    def __init__(self, pending_count: _Optional[int] = ..., running_count: _Optional[int] = ..., blocked_count: _Optional[int] = ..., best_position: _Optional[int] = ..., pending_jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., running_jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., blocked_jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ...) -> None: ...

class CreateJobRequest(_message.Message):
    __slots__ = ("request_id", "name", "cpus", "input_file", "input_files", "priority", "license_tokens", "required_labels", "required_node", "abaqus_version", "requires_approval", "solver", "max_attempts", "validate_only", "start_now", "batch_id", "webhook")
    class RequiredLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_NODE_FIELD_NUMBER: _ClassVar[int]
    ABAQUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    START_NOW_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    name: str
    cpus: int
    input_file: str
    input_files: _containers.RepeatedCompositeFieldContainer[_job_pb2.FileInfo]
    priority: int
    license_tokens: int
    required_labels: _containers.ScalarMap[str, str]
    required_node: str
    abaqus_version: str
    requires_approval: bool
    solver: _job_pb2.SolverOptions
    max_attempts: int
    validate_only: bool
    start_now: bool
    batch_id: str
    webhook: Webhook
    def __init__(self, request_id: _Optional[str] = ..., name: _Optional[str] = ..., cpus: _Optional[int] = ..., input_file: _Optional[str] = ..., input_files: _Optional[_Iterable[_Union[_job_pb2.FileInfo, _Mapping]]] = ..., priority: _Optional[int] = ..., license_tokens: _Optional[int] = ..., required_labels: _Optional[_Mapping[str, str]] = ..., required_node: _Optional[str] = ..., abaqus_version: _Optional[str] = ..., requires_approval: _Optional[bool] = ..., solver: _Optional[_Union[_job_pb2.SolverOptions, _Mapping]] = ..., max_attempts: _Optional[int] = ..., validate_only: _Optional[bool] = ..., start_now: _Optional[bool] = ..., batch_id: _Optional[str] = ..., webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("url", "on_start")
    URL_FIELD_NUMBER: _ClassVar[int]
    ON_START_FIELD_NUMBER: _ClassVar[int]
    url: str
    on_start: bool
    def __init__(self, url: _Optional[str] = ..., on_start: _Optional[bool] = ...) -> None: ...

class CreateJobResponse(_message.Message):
    __slots__ = ("job", "upload_requests", "candidate_nodes")
    JOB_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_NODES_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    upload_requests: _containers.RepeatedCompositeFieldContainer[_job_pb2.PresignedRequest]
    candidate_nodes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., upload_requests: _Optional[_Iterable[_Union[_job_pb2.PresignedRequest, _Mapping]]] = ..., candidate_nodes: _Optional[_Iterable[str]] = ...) -> None: ...

class StartInputUploadRequest(_message.Message):
    __slots__ = ("job_id", "file_name", "fresh")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FRESH_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    file_name: str
    fresh: bool
    def __init__(self, job_id: _Optional[str] = ..., file_name: _Optional[str] = ..., fresh: _Optional[bool] = ...) -> None: ...

class StartInputUploadResponse(_message.Message):
    __slots__ = ("upload_id", "stored_parts")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    STORED_PARTS_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    stored_parts: _containers.RepeatedCompositeFieldContainer[_job_pb2.UploadPart]
    def __init__(self, upload_id: _Optional[str] = ..., stored_parts: _Optional[_Iterable[_Union[_job_pb2.UploadPart, _Mapping]]] = ...) -> None: ...

class GetInputPartUrlsRequest(_message.Message):
    __slots__ = ("job_id", "file_name", "upload_id", "parts")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    file_name: str
    upload_id: str
    parts: _containers.RepeatedCompositeFieldContainer[_job_pb2.UploadPart]
    def __init__(self, job_id: _Optional[str] = ..., file_name: _Optional[str] = ..., upload_id: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[_job_pb2.UploadPart, _Mapping]]] = ...) -> None: ...

class GetInputPartUrlsResponse(_message.Message):
    __slots__ = ("upload_requests",)
    UPLOAD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    upload_requests: _containers.RepeatedCompositeFieldContainer[_job_pb2.PresignedRequest]
    def __init__(self, upload_requests: _Optional[_Iterable[_Union[_job_pb2.PresignedRequest, _Mapping]]] = ...) -> None: ...

class CompleteInputUploadRequest(_message.Message):
    __slots__ = ("job_id", "file_name", "upload_id", "parts")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    file_name: str
    upload_id: str
    parts: _containers.RepeatedCompositeFieldContainer[_job_pb2.UploadPart]
    def __init__(self, job_id: _Optional[str] = ..., file_name: _Optional[str] = ..., upload_id: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[_job_pb2.UploadPart, _Mapping]]] = ...) -> None: ...

class CompleteInputUploadResponse(_message.Message):
    __slots__ = ("size_bytes",)
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    size_bytes: int
    def __init__(self, size_bytes: _Optional[int] = ...) -> None: ...

class SubmitJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class SubmitJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "states", "owner")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    states: _containers.RepeatedScalarFieldContainer[_job_pb2.JobState]
    owner: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., states: _Optional[_Iterable[_Union[_job_pb2.JobState, str]]] = ..., owner: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[_job_pb2.Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[_job_pb2.Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("job_id", "final_only")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    FINAL_ONLY_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    final_only: bool
    def __init__(self, job_id: _Optional[str] = ..., final_only: _Optional[bool] = ...) -> None: ...

class WatchJobResponse(_message.Message):
    __slots__ = ("job", "event_time")
    JOB_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchJobEventsRequest(_message.Message):
    __slots__ = ("job_id", "after")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    after: str
    def __init__(self, job_id: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class WatchJobEventsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _job_pb2.JobEvent
    def __init__(self, event: _Optional[_Union[_job_pb2.JobEvent, _Mapping]] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("after",)
    AFTER_FIELD_NUMBER: _ClassVar[int]
    after: str
    def __init__(self, after: _Optional[str] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _job_pb2.JobEvent
    def __init__(self, event: _Optional[_Union[_job_pb2.JobEvent, _Mapping]] = ...) -> None: ...

class GetJobResultsRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetJobResultsResponse(_message.Message):
    __slots__ = ("files", "download_requests")
    FILES_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_job_pb2.FileInfo]
    download_requests: _containers.RepeatedCompositeFieldContainer[_job_pb2.PresignedRequest]
    def __init__(self, files: _Optional[_Iterable[_Union[_job_pb2.FileInfo, _Mapping]]] = ..., download_requests: _Optional[_Iterable[_Union[_job_pb2.PresignedRequest, _Mapping]]] = ...) -> None: ...
