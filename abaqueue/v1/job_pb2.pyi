import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_WAITING: _ClassVar[JobState]
    JOB_STATE_BLOCKED: _ClassVar[JobState]
    JOB_STATE_STARTING: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_COMPLETED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_MISSING: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]
    JOB_STATE_TIMEOUT: _ClassVar[JobState]

class ErrorClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_CLASS_UNSPECIFIED: _ClassVar[ErrorClass]
    ERROR_CLASS_MODEL: _ClassVar[ErrorClass]
    ERROR_CLASS_LICENSE: _ClassVar[ErrorClass]
    ERROR_CLASS_SYSTEM: _ClassVar[ErrorClass]
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_WAITING: JobState
JOB_STATE_BLOCKED: JobState
JOB_STATE_STARTING: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_COMPLETED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_MISSING: JobState
JOB_STATE_CANCELLED: JobState
JOB_STATE_TIMEOUT: JobState
ERROR_CLASS_UNSPECIFIED: ErrorClass
ERROR_CLASS_MODEL: ErrorClass
ERROR_CLASS_LICENSE: ErrorClass
ERROR_CLASS_SYSTEM: ErrorClass

class FileInfo(_message.Message):
    __slots__ = ("name", "size_bytes", "sha256", "unpack", "content")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    UNPACK_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    size_bytes: int
    sha256: str
    unpack: bool
    content: bytes
    def __init__(self, name: _Optional[str] = ..., size_bytes: _Optional[int] = ..., sha256: _Optional[str] = ..., unpack: _Optional[bool] = ..., content: _Optional[bytes] = ...) -> None: ...

class UploadPart(_message.Message):
    __slots__ = ("part_number", "size_bytes", "crc32", "etag")
    PART_NUMBER_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CRC32_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    part_number: int
    size_bytes: int
    crc32: str
    etag: str
    def __init__(self, part_number: _Optional[int] = ..., size_bytes: _Optional[int] = ..., crc32: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class PresignedRequest(_message.Message):
    __slots__ = ("file_name", "method", "url", "headers", "expire_time")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    method: str
    url: str
    headers: _containers.ScalarMap[str, str]
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, file_name: _Optional[str] = ..., method: _Optional[str] = ..., url: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("step", "total_steps", "increment", "step_fraction", "overall_fraction", "waiting_for_license", "estimated_time_left", "cpu_percent", "memory_bytes", "warning")
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    INCREMENT_FIELD_NUMBER: _ClassVar[int]
    STEP_FRACTION_FIELD_NUMBER: _ClassVar[int]
    OVERALL_FRACTION_FIELD_NUMBER: _ClassVar[int]
    WAITING_FOR_LICENSE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_TIME_LEFT_FIELD_NUMBER: _ClassVar[int]
    CPU_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    step: int
    total_steps: int
    increment: int
    step_fraction: float
    overall_fraction: float
    waiting_for_license: bool
    estimated_time_left: _duration_pb2.Duration
    cpu_percent: float
    memory_bytes: int
    warning: str
    def __init__(self, step: _Optional[int] = ..., total_steps: _Optional[int] = ..., increment: _Optional[int] = ..., step_fraction: _Optional[float] = ..., overall_fraction: _Optional[float] = ..., waiting_for_license: _Optional[bool] = ..., estimated_time_left: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., cpu_percent: _Optional[float] = ..., memory_bytes: _Optional[int] = ..., warning: _Optional[str] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("id", "name", "cpus", "input_file", "input_files", "state", "owner", "team", "attempt", "node", "progress", "create_time", "start_time", "end_time", "error_message", "error_class", "result_files", "missing_files", "priority", "effective_priority", "license_tokens", "required_labels", "required_node", "abaqus_version", "requires_approval", "wait_reasons", "queue_position", "estimated_start_time", "queue_time", "solver", "max_attempts", "batch_id", "webhook_url", "webhook_on_start", "state_history")
    class RequiredLabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FILES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_CLASS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FILES_FIELD_NUMBER: _ClassVar[int]
    MISSING_FILES_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_PRIORITY_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_LABELS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_NODE_FIELD_NUMBER: _ClassVar[int]
    ABAQUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    WAIT_REASONS_FIELD_NUMBER: _ClassVar[int]
    QUEUE_POSITION_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_START_TIME_FIELD_NUMBER: _ClassVar[int]
    QUEUE_TIME_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ON_START_FIELD_NUMBER: _ClassVar[int]
    STATE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    cpus: int
    input_file: str
    input_files: _containers.RepeatedCompositeFieldContainer[FileInfo]
    state: JobState
    owner: str
    team: str
    attempt: int
    node: str
    progress: Progress
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    error_message: str
    error_class: ErrorClass
    result_files: _containers.RepeatedCompositeFieldContainer[FileInfo]
    missing_files: _containers.RepeatedScalarFieldContainer[str]
    priority: int
    effective_priority: int
    license_tokens: int
    required_labels: _containers.ScalarMap[str, str]
    required_node: str
    abaqus_version: str
    requires_approval: bool
    wait_reasons: _containers.RepeatedCompositeFieldContainer[WaitReason]
    queue_position: int
    estimated_start_time: _timestamp_pb2.Timestamp
    queue_time: _timestamp_pb2.Timestamp
    solver: SolverOptions
    max_attempts: int
    batch_id: str
    webhook_url: str
    webhook_on_start: bool
    state_history: _containers.RepeatedCompositeFieldContainer[StateChange]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., cpus: _Optional[int] = ..., input_file: _Optional[str] = ..., input_files: _Optional[_Iterable[_Union[FileInfo, _Mapping]]] = ..., state: _Optional[_Union[JobState, str]] = ..., owner: _Optional[str] = ..., team: _Optional[str] = ..., attempt: _Optional[int] = ..., node: _Optional[str] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error_message: _Optional[str] = ..., error_class: _Optional[_Union[ErrorClass, str]] = ..., result_files: _Optional[_Iterable[_Union[FileInfo, _Mapping]]] = ..., missing_files: _Optional[_Iterable[str]] = ..., priority: _Optional[int] = ..., effective_priority: _Optional[int] = ..., license_tokens: _Optional[int] = ..., required_labels: _Optional[_Mapping[str, str]] = ..., required_node: _Optional[str] = ..., abaqus_version: _Optional[str] = ..., requires_approval: _Optional[bool] = ..., wait_reasons: _Optional[_Iterable[_Union[WaitReason, _Mapping]]] = ..., queue_position: _Optional[int] = ..., estimated_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., queue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., solver: _Optional[_Union[SolverOptions, _Mapping]] = ..., max_attempts: _Optional[int] = ..., batch_id: _Optional[str] = ..., webhook_url: _Optional[str] = ..., webhook_on_start: _Optional[bool] = ..., state_history: _Optional[_Iterable[_Union[StateChange, _Mapping]]] = ...) -> None: ...

class StateChange(_message.Message):
    __slots__ = ("state", "time", "attempt", "node")
    STATE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    state: JobState
    time: _timestamp_pb2.Timestamp
    attempt: int
    node: str
    def __init__(self, state: _Optional[_Union[JobState, str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempt: _Optional[int] = ..., node: _Optional[str] = ...) -> None: ...

class LogLine(_message.Message):
    __slots__ = ("seq", "time", "attempt", "level", "text", "source")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    seq: int
    time: _timestamp_pb2.Timestamp
    attempt: int
    level: str
    text: str
    source: str
    def __init__(self, seq: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempt: _Optional[int] = ..., level: _Optional[str] = ..., text: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class SolverOptions(_message.Message):
    __slots__ = ("memory", "double_precision", "user_subroutine", "oldjob", "timeout", "result_patterns", "restart_files")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_PRECISION_FIELD_NUMBER: _ClassVar[int]
    USER_SUBROUTINE_FIELD_NUMBER: _ClassVar[int]
    OLDJOB_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    RESULT_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    RESTART_FILES_FIELD_NUMBER: _ClassVar[int]
    memory: str
    double_precision: str
    user_subroutine: str
    oldjob: str
    timeout: _duration_pb2.Duration
    result_patterns: _containers.RepeatedScalarFieldContainer[str]
    restart_files: bool
    def __init__(self, memory: _Optional[str] = ..., double_precision: _Optional[str] = ..., user_subroutine: _Optional[str] = ..., oldjob: _Optional[str] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., result_patterns: _Optional[_Iterable[str]] = ..., restart_files: _Optional[bool] = ...) -> None: ...

class WaitReason(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("cursor", "job_id", "time", "job", "progress", "log_line", "warning", "resync")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    LOG_LINE_FIELD_NUMBER: _ClassVar[int]
    WARNING_FIELD_NUMBER: _ClassVar[int]
    RESYNC_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    job_id: str
    time: _timestamp_pb2.Timestamp
    job: Job
    progress: Progress
    log_line: LogLine
    warning: str
    resync: bool
    def __init__(self, cursor: _Optional[str] = ..., job_id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., job: _Optional[_Union[Job, _Mapping]] = ..., progress: _Optional[_Union[Progress, _Mapping]] = ..., log_line: _Optional[_Union[LogLine, _Mapping]] = ..., warning: _Optional[str] = ..., resync: _Optional[bool] = ...) -> None: ...
