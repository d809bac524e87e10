import datetime

from abaqueue.v1 import job_pb2 as _job_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Outcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OUTCOME_UNSPECIFIED: _ClassVar[Outcome]
    OUTCOME_SUCCEEDED: _ClassVar[Outcome]
    OUTCOME_FAILED: _ClassVar[Outcome]
    OUTCOME_STOPPED: _ClassVar[Outcome]
    OUTCOME_TIMED_OUT: _ClassVar[Outcome]
OUTCOME_UNSPECIFIED: Outcome
OUTCOME_SUCCEEDED: Outcome
OUTCOME_FAILED: Outcome
OUTCOME_STOPPED: Outcome
OUTCOME_TIMED_OUT: Outcome

class JobAttempt(_message.Message):
    __slots__ = ("job_id", "attempt")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    attempt: int
    def __init__(self, job_id: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class RegisterNodeRequest(_message.Message):
    __slots__ = ("node_name", "cpus", "labels", "abaqus_versions", "running", "max_jobs", "protocol_version", "agent_version")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ABAQUS_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    MAX_JOBS_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    cpus: int
    labels: _containers.ScalarMap[str, str]
    abaqus_versions: _containers.RepeatedScalarFieldContainer[str]
    running: _containers.RepeatedCompositeFieldContainer[JobAttempt]
    max_jobs: int
    protocol_version: int
    agent_version: str
    def __init__(self, node_name: _Optional[str] = ..., cpus: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., abaqus_versions: _Optional[_Iterable[str]] = ..., running: _Optional[_Iterable[_Union[JobAttempt, _Mapping]]] = ..., max_jobs: _Optional[int] = ..., protocol_version: _Optional[int] = ..., agent_version: _Optional[str] = ...) -> None: ...

class RegisterNodeResponse(_message.Message):
    __slots__ = ("heartbeat_interval", "long_poll_timeout", "lost_after")
    HEARTBEAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    LONG_POLL_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    LOST_AFTER_FIELD_NUMBER: _ClassVar[int]
    heartbeat_interval: _duration_pb2.Duration
    long_poll_timeout: _duration_pb2.Duration
    lost_after: _duration_pb2.Duration
    def __init__(self, heartbeat_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., long_poll_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., lost_after: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class AcquireJobRequest(_message.Message):
    __slots__ = ("node_name",)
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    def __init__(self, node_name: _Optional[str] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("job_attempt", "name", "cpus", "input_file", "input_files", "max_unpacked_bytes", "solver")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILES_FIELD_NUMBER: _ClassVar[int]
    MAX_UNPACKED_BYTES_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    name: str
    cpus: int
    input_file: str
    input_files: _containers.RepeatedCompositeFieldContainer[_job_pb2.FileInfo]
    max_unpacked_bytes: int
    solver: _job_pb2.SolverOptions
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., name: _Optional[str] = ..., cpus: _Optional[int] = ..., input_file: _Optional[str] = ..., input_files: _Optional[_Iterable[_Union[_job_pb2.FileInfo, _Mapping]]] = ..., max_unpacked_bytes: _Optional[int] = ..., solver: _Optional[_Union[_job_pb2.SolverOptions, _Mapping]] = ...) -> None: ...

class AcquireJobResponse(_message.Message):
    __slots__ = ("assignment",)
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    assignment: Assignment
    def __init__(self, assignment: _Optional[_Union[Assignment, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("node_name", "running", "license_usage")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    LICENSE_USAGE_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    running: _containers.RepeatedCompositeFieldContainer[JobAttempt]
    license_usage: LicenseUsage
    def __init__(self, node_name: _Optional[str] = ..., running: _Optional[_Iterable[_Union[JobAttempt, _Mapping]]] = ..., license_usage: _Optional[_Union[LicenseUsage, _Mapping]] = ...) -> None: ...

class LicenseUsage(_message.Message):
    __slots__ = ("issued", "in_use")
    ISSUED_FIELD_NUMBER: _ClassVar[int]
    IN_USE_FIELD_NUMBER: _ClassVar[int]
    issued: int
    in_use: int
    def __init__(self, issued: _Optional[int] = ..., in_use: _Optional[int] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("stop",)
    STOP_FIELD_NUMBER: _ClassVar[int]
    stop: _containers.RepeatedCompositeFieldContainer[JobAttempt]
    def __init__(self, stop: _Optional[_Iterable[_Union[JobAttempt, _Mapping]]] = ...) -> None: ...

class AcquireTransferSlotRequest(_message.Message):
    __slots__ = ("node_name", "job_attempt")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    job_attempt: JobAttempt
    def __init__(self, node_name: _Optional[str] = ..., job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ...) -> None: ...

class AcquireTransferSlotResponse(_message.Message):
    __slots__ = ("slot_id", "lease")
    SLOT_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_FIELD_NUMBER: _ClassVar[int]
    slot_id: str
    lease: _duration_pb2.Duration
    def __init__(self, slot_id: _Optional[str] = ..., lease: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RenewTransferSlotRequest(_message.Message):
    __slots__ = ("node_name", "slot_id")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    SLOT_ID_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    slot_id: str
    def __init__(self, node_name: _Optional[str] = ..., slot_id: _Optional[str] = ...) -> None: ...

class RenewTransferSlotResponse(_message.Message):
    __slots__ = ("lease",)
    LEASE_FIELD_NUMBER: _ClassVar[int]
    lease: _duration_pb2.Duration
    def __init__(self, lease: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ReleaseTransferSlotRequest(_message.Message):
    __slots__ = ("node_name", "slot_id")
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    SLOT_ID_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    slot_id: str
    def __init__(self, node_name: _Optional[str] = ..., slot_id: _Optional[str] = ...) -> None: ...

class ReleaseTransferSlotResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetInputDownloadsRequest(_message.Message):
    __slots__ = ("job_attempt",)
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ...) -> None: ...

class GetInputDownloadsResponse(_message.Message):
    __slots__ = ("files", "download_requests")
    FILES_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[_job_pb2.FileInfo]
    download_requests: _containers.RepeatedCompositeFieldContainer[_job_pb2.PresignedRequest]
    def __init__(self, files: _Optional[_Iterable[_Union[_job_pb2.FileInfo, _Mapping]]] = ..., download_requests: _Optional[_Iterable[_Union[_job_pb2.PresignedRequest, _Mapping]]] = ...) -> None: ...

class GetResultUploadsRequest(_message.Message):
    __slots__ = ("job_attempt", "files")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    files: _containers.RepeatedCompositeFieldContainer[_job_pb2.FileInfo]
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., files: _Optional[_Iterable[_Union[_job_pb2.FileInfo, _Mapping]]] = ...) -> None: ...

class GetResultUploadsResponse(_message.Message):
    __slots__ = ("upload_requests",)
    UPLOAD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    upload_requests: _containers.RepeatedCompositeFieldContainer[_job_pb2.PresignedRequest]
    def __init__(self, upload_requests: _Optional[_Iterable[_Union[_job_pb2.PresignedRequest, _Mapping]]] = ...) -> None: ...

class StartResultUploadRequest(_message.Message):
    __slots__ = ("job_attempt", "file_name", "fresh")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    FRESH_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    file_name: str
    fresh: bool
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., file_name: _Optional[str] = ..., fresh: _Optional[bool] = ...) -> None: ...

class StartResultUploadResponse(_message.Message):
    __slots__ = ("upload_id", "stored_parts")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    STORED_PARTS_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    stored_parts: _containers.RepeatedCompositeFieldContainer[_job_pb2.UploadPart]
    def __init__(self, upload_id: _Optional[str] = ..., stored_parts: _Optional[_Iterable[_Union[_job_pb2.UploadPart, _Mapping]]] = ...) -> None: ...

class GetUploadPartUrlsRequest(_message.Message):
    __slots__ = ("job_attempt", "file_name", "upload_id", "parts")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    file_name: str
    upload_id: str
    parts: _containers.RepeatedCompositeFieldContainer[_job_pb2.UploadPart]
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., file_name: _Optional[str] = ..., upload_id: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[_job_pb2.UploadPart, _Mapping]]] = ...) -> None: ...

class GetUploadPartUrlsResponse(_message.Message):
    __slots__ = ("upload_requests",)
    UPLOAD_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    upload_requests: _containers.RepeatedCompositeFieldContainer[_job_pb2.PresignedRequest]
    def __init__(self, upload_requests: _Optional[_Iterable[_Union[_job_pb2.PresignedRequest, _Mapping]]] = ...) -> None: ...

class CompleteResultUploadRequest(_message.Message):
    __slots__ = ("job_attempt", "file_name", "upload_id", "parts")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    file_name: str
    upload_id: str
    parts: _containers.RepeatedCompositeFieldContainer[_job_pb2.UploadPart]
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., file_name: _Optional[str] = ..., upload_id: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[_job_pb2.UploadPart, _Mapping]]] = ...) -> None: ...

class CompleteResultUploadResponse(_message.Message):
    __slots__ = ("size_bytes",)
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    size_bytes: int
    def __init__(self, size_bytes: _Optional[int] = ...) -> None: ...

class ReportProgressRequest(_message.Message):
    __slots__ = ("job_attempt", "progress", "log_lines", "agent_lines", "sta_lines", "sta_lines_before")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    LOG_LINES_FIELD_NUMBER: _ClassVar[int]
    AGENT_LINES_FIELD_NUMBER: _ClassVar[int]
    STA_LINES_FIELD_NUMBER: _ClassVar[int]
    STA_LINES_BEFORE_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    progress: _job_pb2.Progress
    log_lines: _containers.RepeatedScalarFieldContainer[str]
    agent_lines: _containers.RepeatedScalarFieldContainer[str]
    sta_lines: _containers.RepeatedScalarFieldContainer[str]
    sta_lines_before: int
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., progress: _Optional[_Union[_job_pb2.Progress, _Mapping]] = ..., log_lines: _Optional[_Iterable[str]] = ..., agent_lines: _Optional[_Iterable[str]] = ..., sta_lines: _Optional[_Iterable[str]] = ..., sta_lines_before: _Optional[int] = ...) -> None: ...

class ReportProgressResponse(_message.Message):
    __slots__ = ("stop",)
    STOP_FIELD_NUMBER: _ClassVar[int]
    stop: bool
    def __init__(self, stop: _Optional[bool] = ...) -> None: ...

class CompleteJobRequest(_message.Message):
    __slots__ = ("job_attempt", "outcome", "error_class", "error_message", "result_files", "missing_files", "log_lines")
    JOB_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERROR_CLASS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RESULT_FILES_FIELD_NUMBER: _ClassVar[int]
    MISSING_FILES_FIELD_NUMBER: _ClassVar[int]
    LOG_LINES_FIELD_NUMBER: _ClassVar[int]
    job_attempt: JobAttempt
    outcome: Outcome
    error_class: _job_pb2.ErrorClass
    error_message: str
    result_files: _containers.RepeatedCompositeFieldContainer[_job_pb2.FileInfo]
    missing_files: _containers.RepeatedScalarFieldContainer[str]
    log_lines: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, job_attempt: _Optional[_Union[JobAttempt, _Mapping]] = ..., outcome: _Optional[_Union[Outcome, str]] = ..., error_class: _Optional[_Union[_job_pb2.ErrorClass, str]] = ..., error_message: _Optional[str] = ..., result_files: _Optional[_Iterable[_Union[_job_pb2.FileInfo, _Mapping]]] = ..., missing_files: _Optional[_Iterable[str]] = ..., log_lines: _Optional[_Iterable[str]] = ...) -> None: ...

class CompleteJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...
