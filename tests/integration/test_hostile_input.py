"""Arbitrary and hostile requests to every RPC of every service, through the real ports: never
INTERNAL or UNKNOWN (a crash), and a refused call stores nothing."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import descriptor as d
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message_factory import GetMessageClass
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abaqueue.protocol import PROTOCOL_VERSION
from abaqueue.v1 import admin_service_pb2, execution_service_pb2, submission_service_pb2, token_service_pb2
from client.api import open_channel
from scheduler.domain.identity import Role

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "..", "../../etc/passwd", "CON", "nul.inp", "a" * 300, "x\x00y", "é.inp", "a&b|c",
                     "node-1", "n1", "abq_" + "0" * 64, "0123456789abcdef", "beam.inp", " ", "\n"]),
)
INTS = st.one_of(st.integers(min_value=-(2**31), max_value=2**31 - 1), st.sampled_from([0, 1, -1, 2**31 - 1]))
INT64S = st.integers(min_value=-(2**63), max_value=2**63 - 1)
SCALARS = {
    d.FieldDescriptor.TYPE_STRING: HOSTILE_TEXT,
    d.FieldDescriptor.TYPE_BYTES: st.binary(max_size=40),
    d.FieldDescriptor.TYPE_BOOL: st.booleans(),
    d.FieldDescriptor.TYPE_INT32: INTS,
    d.FieldDescriptor.TYPE_INT64: INT64S,
    d.FieldDescriptor.TYPE_ENUM: st.integers(min_value=-3, max_value=50),
    d.FieldDescriptor.TYPE_DOUBLE: st.floats(allow_nan=True, allow_infinity=True),
    d.FieldDescriptor.TYPE_FLOAT: st.floats(width=32, allow_nan=True, allow_infinity=True),
}


def value_of(field: d.FieldDescriptor, depth: int):
    if field.type == d.FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == Duration.DESCRIPTOR.full_name:
            return st.builds(lambda s: Duration(seconds=s), st.integers(min_value=-(10**9), max_value=10**9))
        if field.message_type.full_name == Timestamp.DESCRIPTOR.full_name:
            return st.builds(lambda s: Timestamp(seconds=s), st.integers(min_value=0, max_value=2**32))
        if field.message_type.GetOptions().map_entry:
            return st.dictionaries(HOSTILE_TEXT, HOSTILE_TEXT, max_size=3)
        return message_of(field.message_type, depth + 1)
    return SCALARS[field.type]


def message_of(descriptor: d.Descriptor, depth: int = 0):
    """Any message of this type: each field left unset or given a hostile value."""
    if depth > 2:
        return st.just(None)
    fields = {}
    for field in descriptor.fields:
        strategy = value_of(field, depth)
        is_map = field.type == d.FieldDescriptor.TYPE_MESSAGE and field.message_type.GetOptions().map_entry
        if field.is_repeated and not is_map:
            strategy = st.lists(strategy, max_size=3)
        fields[field.name] = st.one_of(st.none(), strategy)
    cls = GetMessageClass(descriptor)

    def build(values):
        message = cls()
        for name, value in values.items():
            if value is None:
                continue
            target = getattr(message, name)
            field = descriptor.fields_by_name[name]
            if isinstance(value, dict):
                target.update(value)
            elif field.is_repeated and field.type == d.FieldDescriptor.TYPE_MESSAGE:
                for v in value:
                    if v is not None:
                        target.add().CopyFrom(v)
            elif field.is_repeated:
                target.extend(value)
            elif field.type == d.FieldDescriptor.TYPE_MESSAGE:
                target.CopyFrom(value)
            else:
                setattr(message, name, value)
        return message

    return st.fixed_dictionaries(fields).map(build)


METHODS = [(module, service, method)
           for module in (submission_service_pb2, execution_service_pb2, token_service_pb2, admin_service_pb2)
           for service in module.DESCRIPTOR.services_by_name.values()
           for method in service.methods]


def stored(cluster) -> tuple[int, int]:
    store = cluster.server.store
    return len(store.list(page_size=1000).jobs), len(store.list_tokens())


@pytest.mark.parametrize(("module", "service", "method"), METHODS, ids=lambda x: getattr(x, "name", ""))
def test_hostile_requests_never_crash_and_refusals_store_nothing(cluster, module, service, method):
    port = cluster.execution if service.name == "ExecutionService" else cluster.submission
    role = Role.NODE if service.name == "ExecutionService" else Role.ADMIN
    channel = open_channel(port, cluster.token("n1", role))
    path = f"/{service.full_name}/{method.name}"
    request_cls = GetMessageClass(method.input_type)
    response_cls = GetMessageClass(method.output_type)
    if method.server_streaming:
        call = channel.unary_stream(path, request_serializer=request_cls.SerializeToString,
                                    response_deserializer=response_cls.FromString)
    else:
        call = channel.unary_unary(path, request_serializer=request_cls.SerializeToString,
                                   response_deserializer=response_cls.FromString)
    if service.name == "ExecutionService":
        ex_register = channel.unary_unary("/abaqueue.v1.ExecutionService/RegisterNode",
                                          request_serializer=execution_service_pb2.RegisterNodeRequest.SerializeToString,
                                          response_deserializer=execution_service_pb2.RegisterNodeResponse.FromString)
        ex_register(execution_service_pb2.RegisterNodeRequest(
                protocol_version=PROTOCOL_VERSION, node_name="n1", cpus=4))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(message_of(method.input_type))
    def check(request):
        before = stored(cluster)
        try:
            answer = call(request, timeout=3)
            if method.server_streaming:
                for _ in answer:  # WatchJob of a job that exists would stream: take what is there
                    break
        except grpc.RpcError as e:
            assert e.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), (path, request, e)
            if e.code() != grpc.StatusCode.DEADLINE_EXCEEDED:  # long-polls may simply time out
                assert stored(cluster) == before, (path, request, e.details())

    try:
        check()
    finally:
        channel.close()
