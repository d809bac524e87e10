import datetime

from abaqueue.v1 import job_pb2 as _job_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApproveJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class ApproveJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class RejectJobRequest(_message.Message):
    __slots__ = ("job_id", "reason")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    reason: str
    def __init__(self, job_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RejectJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: _job_pb2.Job
    def __init__(self, job: _Optional[_Union[_job_pb2.Job, _Mapping]] = ...) -> None: ...

class QueueSettings(_message.Message):
    __slots__ = ("max_concurrent", "user_max_concurrent", "team_max_concurrent", "enable_fair_share", "starvation_threshold_minutes", "starvation_max_boost", "reservation_threshold_minutes", "license_tokens_total", "license_token_factor", "license_token_exponent", "approval_cpus_over", "approval_tokens_over")
    MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    USER_MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    TEAM_MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    ENABLE_FAIR_SHARE_FIELD_NUMBER: _ClassVar[int]
    STARVATION_THRESHOLD_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STARVATION_MAX_BOOST_FIELD_NUMBER: _ClassVar[int]
    RESERVATION_THRESHOLD_MINUTES_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKENS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKEN_FACTOR_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKEN_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_CPUS_OVER_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_TOKENS_OVER_FIELD_NUMBER: _ClassVar[int]
    max_concurrent: int
    user_max_concurrent: int
    team_max_concurrent: int
    enable_fair_share: bool
    starvation_threshold_minutes: float
    starvation_max_boost: int
    reservation_threshold_minutes: float
    license_tokens_total: int
    license_token_factor: float
    license_token_exponent: float
    approval_cpus_over: int
    approval_tokens_over: int
    def __init__(self, max_concurrent: _Optional[int] = ..., user_max_concurrent: _Optional[int] = ..., team_max_concurrent: _Optional[int] = ..., enable_fair_share: _Optional[bool] = ..., starvation_threshold_minutes: _Optional[float] = ..., starvation_max_boost: _Optional[int] = ..., reservation_threshold_minutes: _Optional[float] = ..., license_tokens_total: _Optional[int] = ..., license_token_factor: _Optional[float] = ..., license_token_exponent: _Optional[float] = ..., approval_cpus_over: _Optional[int] = ..., approval_tokens_over: _Optional[int] = ...) -> None: ...

class GetQueueSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetQueueSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: QueueSettings
    def __init__(self, settings: _Optional[_Union[QueueSettings, _Mapping]] = ...) -> None: ...

class UpdateQueueSettingsRequest(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: QueueSettings
    def __init__(self, settings: _Optional[_Union[QueueSettings, _Mapping]] = ...) -> None: ...

class UpdateQueueSettingsResponse(_message.Message):
    __slots__ = ("settings",)
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    settings: QueueSettings
    def __init__(self, settings: _Optional[_Union[QueueSettings, _Mapping]] = ...) -> None: ...

class CleanupJobsRequest(_message.Message):
    __slots__ = ("days",)
    DAYS_FIELD_NUMBER: _ClassVar[int]
    days: int
    def __init__(self, days: _Optional[int] = ...) -> None: ...

class CleanupJobsResponse(_message.Message):
    __slots__ = ("deleted", "days")
    DELETED_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    days: int
    def __init__(self, deleted: _Optional[int] = ..., days: _Optional[int] = ...) -> None: ...

class ProcessQueueRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ProcessQueueResponse(_message.Message):
    __slots__ = ("waiting",)
    WAITING_FIELD_NUMBER: _ClassVar[int]
    waiting: int
    def __init__(self, waiting: _Optional[int] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ("name", "cpus", "free_cpus", "max_jobs", "labels", "abaqus_versions", "drained", "job_ids", "last_seen_time", "transfer_slots", "state", "license_tokens_in_use", "agent_version", "protocol_version")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    FREE_CPUS_FIELD_NUMBER: _ClassVar[int]
    MAX_JOBS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ABAQUS_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    DRAINED_FIELD_NUMBER: _ClassVar[int]
    JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_SLOTS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LICENSE_TOKENS_IN_USE_FIELD_NUMBER: _ClassVar[int]
    AGENT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    cpus: int
    free_cpus: int
    max_jobs: int
    labels: _containers.ScalarMap[str, str]
    abaqus_versions: _containers.RepeatedScalarFieldContainer[str]
    drained: bool
    job_ids: _containers.RepeatedScalarFieldContainer[str]
    last_seen_time: _timestamp_pb2.Timestamp
    transfer_slots: TransferSlotStats
    state: str
    license_tokens_in_use: int
    agent_version: str
    protocol_version: int
    def __init__(self, name: _Optional[str] = ..., cpus: _Optional[int] = ..., free_cpus: _Optional[int] = ..., max_jobs: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., abaqus_versions: _Optional[_Iterable[str]] = ..., drained: _Optional[bool] = ..., job_ids: _Optional[_Iterable[str]] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transfer_slots: _Optional[_Union[TransferSlotStats, _Mapping]] = ..., state: _Optional[str] = ..., license_tokens_in_use: _Optional[int] = ..., agent_version: _Optional[str] = ..., protocol_version: _Optional[int] = ...) -> None: ...

class TransferSlotStats(_message.Message):
    __slots__ = ("grants", "waiting", "held", "lapsed", "wait_total_seconds", "wait_max_seconds", "hold_total_seconds", "hold_max_seconds")
    GRANTS_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    HELD_FIELD_NUMBER: _ClassVar[int]
    LAPSED_FIELD_NUMBER: _ClassVar[int]
    WAIT_TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WAIT_MAX_SECONDS_FIELD_NUMBER: _ClassVar[int]
    HOLD_TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    HOLD_MAX_SECONDS_FIELD_NUMBER: _ClassVar[int]
    grants: int
    waiting: int
    held: int
    lapsed: int
    wait_total_seconds: float
    wait_max_seconds: float
    hold_total_seconds: float
    hold_max_seconds: float
    def __init__(self, grants: _Optional[int] = ..., waiting: _Optional[int] = ..., held: _Optional[int] = ..., lapsed: _Optional[int] = ..., wait_total_seconds: _Optional[float] = ..., wait_max_seconds: _Optional[float] = ..., hold_total_seconds: _Optional[float] = ..., hold_max_seconds: _Optional[float] = ...) -> None: ...

class ListNodesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListNodesResponse(_message.Message):
    __slots__ = ("nodes",)
    NODES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[Node]
    def __init__(self, nodes: _Optional[_Iterable[_Union[Node, _Mapping]]] = ...) -> None: ...

class DrainNodeRequest(_message.Message):
    __slots__ = ("node_name",)
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    def __init__(self, node_name: _Optional[str] = ...) -> None: ...

class DrainNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: Node
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ...) -> None: ...

class ResumeNodeRequest(_message.Message):
    __slots__ = ("node_name",)
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    def __init__(self, node_name: _Optional[str] = ...) -> None: ...

class ResumeNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: Node
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ...) -> None: ...

class RemoveNodeRequest(_message.Message):
    __slots__ = ("node_name",)
    NODE_NAME_FIELD_NUMBER: _ClassVar[int]
    node_name: str
    def __init__(self, node_name: _Optional[str] = ...) -> None: ...

class RemoveNodeResponse(_message.Message):
    __slots__ = ("node",)
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: Node
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ...) -> None: ...
