import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Batch(_message.Message):
    __slots__ = ("id", "name", "owner", "team", "parallelism", "expected_jobs", "create_time", "job_ids", "cancelled", "progress")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    TEAM_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_JOBS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    JOB_IDS_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    owner: str
    team: str
    parallelism: int
    expected_jobs: int
    create_time: _timestamp_pb2.Timestamp
    job_ids: _containers.RepeatedScalarFieldContainer[str]
    cancelled: bool
    progress: BatchProgress
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., owner: _Optional[str] = ..., team: _Optional[str] = ..., parallelism: _Optional[int] = ..., expected_jobs: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., job_ids: _Optional[_Iterable[str]] = ..., cancelled: _Optional[bool] = ..., progress: _Optional[_Union[BatchProgress, _Mapping]] = ...) -> None: ...

class BatchProgress(_message.Message):
    __slots__ = ("total_jobs", "total_stages", "completed_stages", "completed", "failed", "cancelled", "waiting", "running", "estimated_finish_time", "removed")
    TOTAL_JOBS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STAGES_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_STAGES_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    total_jobs: int
    total_stages: int
    completed_stages: int
    completed: int
    failed: int
    cancelled: int
    waiting: int
    running: _containers.RepeatedCompositeFieldContainer[BatchRunningJob]
    estimated_finish_time: _timestamp_pb2.Timestamp
    removed: int
    def __init__(self, total_jobs: _Optional[int] = ..., total_stages: _Optional[int] = ..., completed_stages: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ..., cancelled: _Optional[int] = ..., waiting: _Optional[int] = ..., running: _Optional[_Iterable[_Union[BatchRunningJob, _Mapping]]] = ..., estimated_finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., removed: _Optional[int] = ...) -> None: ...

class BatchRunningJob(_message.Message):
    __slots__ = ("job_id", "name", "node", "stage", "stage_start_time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    STAGE_START_TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    name: str
    node: str
    stage: int
    stage_start_time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., name: _Optional[str] = ..., node: _Optional[str] = ..., stage: _Optional[int] = ..., stage_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
