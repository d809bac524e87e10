"""The nodes the scheduler knows, with the cores their jobs hold. In memory: agents register
again after a scheduler restart, and the cores held are rebuilt from the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from .domain.policy import NodeView


@dataclass
class Node:
    name: str
    cpus: int
    labels: dict[str, str] = field(default_factory=dict)
    abaqus_versions: tuple[str, ...] = ()
    max_jobs: int = 0  # 0: as many as its cores allow
    drained: bool = False  # finishes what it runs, takes nothing new
    last_seen: float = 0.0
    agent_version: str = ""
    protocol_version: int = 0
    # job id -> cores held by that job on this node
    jobs: dict[str, int] = field(default_factory=dict)

    @property
    def free_cpus(self) -> int:
        return self.cpus - sum(self.jobs.values())

    def view(self) -> NodeView:
        return NodeView(self.name, self.cpus, self.free_cpus, len(self.jobs), self.max_jobs, self.labels,
                        self.abaqus_versions, self.drained)


class NodeRegistry:
    def __init__(self, silent_after_s: float = float("inf")) -> None:
        """`silent_after_s`: a node not heard from for this long is left out of scheduling
        decisions (it takes no reservation and hosts no one's hopes) until it calls again."""
        self.silent_after_s = silent_after_s
        self._nodes: dict[str, Node] = {}
        # Cores held by active jobs, by node, including nodes that have not registered yet.
        self._held: dict[str, dict[str, int]] = {}
        self.drained: set[str] = set()  # kept by name, so a drained node stays drained when it registers again

    def register(self, node: Node) -> Node:
        node.jobs = self._held.setdefault(node.name, {})
        node.drained = node.name in self.drained
        self._nodes[node.name] = node
        return node

    def set_drained(self, name: str, drained: bool) -> None:
        (self.drained.add if drained else self.drained.discard)(name)
        if name in self._nodes:
            self._nodes[name].drained = drained

    def views(self, now: float) -> list[NodeView]:
        """The nodes heard from lately, as the policy sees them."""
        return [n.view() for n in self._nodes.values() if now - n.last_seen <= self.silent_after_s]

    def get(self, name: str) -> Node | None:
        return self._nodes.get(name)

    def state(self, node: Node, now: float) -> str:
        """lost (silent too long), draining, busy (holds jobs) or ready."""
        if now - node.last_seen > self.silent_after_s:
            return "lost"
        return "draining" if node.drained else "busy" if node.jobs else "ready"

    def remove(self, name: str) -> Node | None:
        """Forget a node that holds no job (not its drained mark); the node, or None when unknown."""
        node = self._nodes.pop(name, None)
        if not self._held.get(name):
            self._held.pop(name, None)
        return node

    def hold(self, node_name: str, job_id: str, cpus: int) -> None:
        self._held.setdefault(node_name, {})[job_id] = cpus

    def release(self, node_name: str, job_id: str) -> None:
        self._held.get(node_name, {}).pop(job_id, None)

    def holding(self) -> list[str]:
        """The nodes that hold jobs, registered or not."""
        return [name for name, jobs in self._held.items() if jobs]

    def jobs_on(self, node_name: str) -> set[str]:
        return set(self._held.get(node_name, {}))

    def largest(self) -> int | None:
        """The most cores any registered node offers; None while no node is registered."""
        return max((n.cpus for n in self._nodes.values()), default=None)

    def __iter__(self):
        return iter(self._nodes.values())
