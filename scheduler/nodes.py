"""The nodes the scheduler knows, with the cores their jobs hold. In memory: agents register
again after a scheduler restart, and the cores held are rebuilt from the store."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    name: str
    cpus: int
    labels: dict[str, str] = field(default_factory=dict)
    abaqus_versions: tuple[str, ...] = ()
    last_seen: float = 0.0
    # job id -> cores held by that job on this node
    jobs: dict[str, int] = field(default_factory=dict)

    @property
    def free_cpus(self) -> int:
        return self.cpus - sum(self.jobs.values())


class NodeRegistry:
    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        # Cores held by active jobs, by node, including nodes that have not registered yet.
        self._held: dict[str, dict[str, int]] = {}

    def register(self, node: Node) -> Node:
        node.jobs = self._held.setdefault(node.name, {})
        self._nodes[node.name] = node
        return node

    def get(self, name: str) -> Node | None:
        return self._nodes.get(name)

    def hold(self, node_name: str, job_id: str, cpus: int) -> None:
        self._held.setdefault(node_name, {})[job_id] = cpus

    def release(self, node_name: str, job_id: str) -> None:
        self._held.get(node_name, {}).pop(job_id, None)

    def jobs_on(self, node_name: str) -> set[str]:
        return set(self._held.get(node_name, {}))

    def largest(self) -> int | None:
        """The most cores any registered node offers; None while no node is registered."""
        return max((n.cpus for n in self._nodes.values()), default=None)

    def __iter__(self):
        return iter(self._nodes.values())
