"""The `abaqueue` commands about the queue as a whole: why a job waits, stats, your queue, priorities,
nodes, and the admins' approve, reject, limits and cleanup."""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from . import deploy, render
from .api import Client
from .commands import EXIT_OK, Ui
from .models import PRIORITIES, NodeInfo, TransferSlotStats

# `abaqueue admin limits` flags: setting name -> (type, help)
LIMITS = {
    "max_concurrent": (int, "jobs started at once in all"),
    "user_max_concurrent": (int, "jobs one user may have started at once"),
    "team_max_concurrent": (int, "jobs one team may have started at once (with fair share)"),
    "enable_fair_share": (None, "count jobs per team: on or off"),
    "starvation_threshold_minutes": (float, "a job gains a priority level per this many minutes waited (0: off)"),
    "starvation_max_boost": (int, "most a long wait adds to a priority (30: low can reach urgent)"),
    "reservation_threshold_minutes": (float, "the first job in line that fits nowhere has a node held after this"),
    "license_tokens_total": (int, "the cluster's Abaqus license tokens (0: not counted)"),
    "license_token_factor": (float, "tokens = floor(factor x cpus^exponent); Abaqus: 5"),
    "license_token_exponent": (float, "Abaqus: 0.422"),
    "approval_cpus_over": (int, "jobs with more cores need approval (0: no rule)"),
    "approval_tokens_over": (int, "jobs needing more tokens need approval (0: no rule)"),
}


def add_commands(commands: argparse._SubParsersAction, admin: argparse._SubParsersAction,
                 jobs: argparse._SubParsersAction) -> None:
    why = jobs.add_parser("why", help="why a job is not running: every reason, its place and when it may start")
    why.add_argument("job_id", metavar="ID")
    why.set_defaults(command=cmd_why)
    prio = jobs.add_parser("priority", help="change a job's priority (lower your own; leads and admins any)")
    prio.add_argument("job_id", metavar="ID")
    prio.add_argument("priority", type=priority, metavar="PRIORITY", help="low, normal, high or urgent")
    prio.set_defaults(command=cmd_priority)

    queue = commands.add_parser("queue", help="the queue: stats, your jobs, a job's position").add_subparsers(
        metavar="ACTION", required=True)
    stats = queue.add_parser("stats", help="depth, running jobs, limits, average wait, cores and tokens")
    stats.add_argument("--json", action="store_true", help="print JSON for scripts")
    stats.set_defaults(command=cmd_stats)
    me = queue.add_parser("me", help="your waiting, running and blocked jobs")
    me.add_argument("--json", action="store_true", help="print JSON for scripts")
    me.set_defaults(command=cmd_me)
    position = queue.add_parser("position", help="a waiting job's place in the queue")
    position.add_argument("job_id", metavar="ID")
    position.set_defaults(command=cmd_position)

    status = commands.add_parser("status", help="which backends (Abaqus versions, node pools) are available")
    status.add_argument("--json", action="store_true", help="print JSON for scripts")
    status.set_defaults(command=cmd_status)

    nodes = commands.add_parser("nodes", help="list nodes; admins drain and resume them").add_subparsers(
        metavar="ACTION", required=True)
    listing = nodes.add_parser("list", help="every registered node, its cores, labels and jobs")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(command=cmd_nodes)
    for name, helptext, command in (("drain", "finish what it runs, take nothing new", cmd_drain),
                                    ("resume", "take work again", cmd_resume),
                                    ("remove", "forget a node that holds no job (it registers anew if it calls)",
                                     cmd_remove)):
        action = nodes.add_parser(name, help=helptext)
        action.add_argument("node", metavar="NODE")
        action.set_defaults(command=command)
    install = nodes.add_parser(
        "install", help="install the agent on a Windows node over WinRM (or --check it)",
        description="Copy the wheel, the agent's configuration and token and the PowerShell scripts to a "
                    "Windows node over WinRM (HTTPS, port 5986) and run Install-AbaqueueAgent.ps1 there; with "
                    "--check run only Test-AbaqueueNode.ps1. The WinRM password comes from "
                    "$ABAQUEUE_WINRM_PASSWORD or a prompt, the service account's from $ABAQUEUE_SERVICE_PASSWORD "
                    "or a prompt: never from the command line.",
        epilog="examples:\n  abaqueue nodes install --host cae-node07 --user CAE\\admin --config agent.toml "
               "--wheel dist/abaqueue-0.1.0-py3-none-any.whl --node-token node07.token "
               "--service-account CAE\\svc-abaqus\n  abaqueue nodes install --host cae-node07 --user CAE\\admin "
               "--config agent.toml --check",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    install.add_argument("--host", required=True, help="the node's name or address")
    install.add_argument("--user", required=True, help="an administrator of the node, e.g. CAE\\admin")
    install.add_argument("--config", type=Path, required=True, help="the agent's TOML for this node")
    install.add_argument("--wheel", type=Path, help="the abaqueue wheel to install (not needed with --check)")
    install.add_argument("--node-token", type=Path, help="a file with the node's token (role node)")
    install.add_argument("--service-account", default="", help="the account the service runs as (default SYSTEM)")
    install.add_argument("--transport", choices=("ntlm", "kerberos"), default="ntlm")
    install.add_argument("--port", type=int, default=5986)
    install.add_argument("--no-verify", action="store_true", help="do not check the node's TLS certificate")
    install.add_argument("--check", action="store_true", help="only run the node checks")
    install.set_defaults(command=cmd_install)

    approve = admin.add_parser("approve", help="let a job awaiting approval run")
    approve.add_argument("job_id", metavar="ID")
    approve.set_defaults(command=cmd_approve)
    reject = admin.add_parser("reject", help="refuse a job awaiting approval (it is cancelled)")
    reject.add_argument("job_id", metavar="ID")
    reject.add_argument("--reason", required=True, help="told to the submitter")
    reject.set_defaults(command=cmd_reject)
    limits = admin.add_parser("limits", help="show the queue's settings, or change those given")
    for name, (kind, helptext) in LIMITS.items():
        limits.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind or on_off, help=helptext,
                            metavar="N" if kind is int else "X" if kind is float else "on|off")
    limits.add_argument("--json", action="store_true", help="print JSON for scripts")
    limits.set_defaults(command=cmd_limits)
    cleanup = admin.add_parser("cleanup", help="delete jobs that ended more than DAYS ago, with their files")
    cleanup.add_argument("--days", type=int, required=True, metavar="DAYS", help="1..365")
    cleanup.set_defaults(command=cmd_cleanup)
    process = admin.add_parser("process", help="make every idle node look at the queue now")
    process.set_defaults(command=cmd_process)


def priority(value: str) -> int:
    if value.lower() in PRIORITIES:
        return PRIORITIES[value.lower()]
    raise argparse.ArgumentTypeError(f"unknown priority {value!r}: low, normal, high or urgent")


def on_off(value: str) -> bool:
    if value.lower() in ("on", "true", "yes", "1"):
        return True
    if value.lower() in ("off", "false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{value!r}: say on or off")


def cmd_status(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    status = client.service_status()
    if args.json:
        print(json.dumps(status.to_dict(), indent=2))
        return EXIT_OK
    if not status.source:
        ui.out.print("no backend status document: every backend is available")
    else:
        ui.out.print(escape(f"backend status from {status.source}, read {render.when(status.read_time)}"
                            + (" (all backends as one: default)" if status.unified else "")))
    for b in status.backends:
        style = {"available": "green", "maintenance": "yellow"}.get(b.availability, "red")
        ui.out.print(f"  {escape(b.name)}  [{style}]{b.availability}[/]  {escape(b.description)}")
    if status.source and not status.backends:
        ui.out.print("  every backend available")
    if status.problem:
        ui.err.print(f"[red]{escape(status.problem)}[/]")
    return EXIT_OK


def cmd_why(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.get(args.job_id)
    ui.out.print(f"{job.id} {render.state_label(job.state)} priority {job.effective_priority}"
                 + (f" (base {job.priority})" if job.effective_priority != job.priority else ""))
    if job.queue_position:
        ui.out.print(f"position {job.queue_position} in the queue")
    if job.estimated_start_time:
        ui.out.print(f"may start around {render.when(job.estimated_start_time)}")
    for reason in job.reasons:
        ui.out.print(f"  {escape(reason.message)} [dim]\\[{reason.code}][/]")
    if not job.reasons:
        ui.out.print("nothing holds it: it is not waiting" if job.state.value not in ("WAITING", "BLOCKED")
                     else "no reason reported")
    return EXIT_OK


def cmd_priority(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.set_priority(args.job_id, args.priority)
    ui.out.print(f"{job.id} priority {job.priority}")
    return EXIT_OK


def cmd_stats(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    stats = client.queue_stats()
    if args.json:
        print(json.dumps(stats.to_dict(), indent=2))
        return EXIT_OK
    grid = Table.grid(padding=(0, 2))
    tokens = (f"{stats.license_tokens_in_use} of {stats.license_tokens_total}" if stats.license_tokens_total
              else f"{stats.license_tokens_in_use} (not counted)")
    for label, value in (
        ("waiting", stats.queue_depth), ("running", stats.running), ("blocked", stats.blocked),
        ("limits", f"{stats.max_concurrent} at once, {stats.user_max_concurrent} per user, "
                   f"{stats.team_max_concurrent} per team (fair share {'on' if stats.enable_fair_share else 'off'})"),
        ("average wait", f"{stats.average_wait_seconds:.0f} s"),
        ("cores", f"{stats.cores_in_use} of {stats.cores_total} in use"), ("license tokens", tokens),
        *((f"user {u}", n) for u, n in sorted(stats.by_user.items())),
    ):
        grid.add_row(label, escape(str(value)))
    render.print_uncut(ui.out, grid)
    return EXIT_OK


def cmd_me(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    mine = client.my_queue()
    if args.json:
        print(json.dumps(mine.to_dict(), indent=2))
        return EXIT_OK
    ui.out.print(f"{len(mine.pending)} waiting, {len(mine.running)} running, {len(mine.blocked)} blocked"
                 + (f"; best position {mine.best_position}" if mine.best_position else ""))
    jobs = [*mine.running, *mine.pending, *mine.blocked]
    if jobs:
        render.print_uncut(ui.out, render.jobs_table(jobs))
    return EXIT_OK


def cmd_position(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.get(args.job_id)
    if job.queue_position:
        print(job.queue_position)
        return EXIT_OK
    ui.err.print(f"{job.id} is {job.state.value}, not waiting in the queue")
    return 1


def _nodes_table(nodes: list[NodeInfo]) -> Table:
    table = Table(box=None, header_style="bold")
    for column in ("NODE", "STATE", "CORES", "FREE", "TOKENS", "JOBS", "LABELS", "VERSIONS", "LAST SEEN", "AGENT",
                   "TRANSFERS"):
        table.add_column(column, no_wrap=True)
    style = {"ready": "green", "busy": "blue", "draining": "yellow", "lost": "bold red"}
    for n in nodes:
        labels = ",".join(f"{k}={v}" for k, v in sorted(n.labels.items())) or "-"
        table.add_row(escape(n.name), f"[{style.get(n.state, 'white')}]{n.state}[/]", str(n.cpus), str(n.free_cpus),
                      str(n.license_tokens_in_use), str(len(n.job_ids)), escape(labels),
                      escape(",".join(n.abaqus_versions) or "-"), render.when(n.last_seen_time),
                      escape(n.agent_version or "-"), _slots(n.transfer_slots))
    return table


def _slots(s: TransferSlotStats) -> str:
    """Moving now and waiting, then the mean and longest wait for a slot and the longest hold."""
    return (f"{s.held} moving, {s.waiting} waiting; wait {s.mean_wait_seconds:.1f}/{s.wait_max_seconds:.1f} s, "
            f"hold max {s.hold_max_seconds:.0f} s" + (f", {s.lapsed} lapsed" if s.lapsed else ""))


def cmd_nodes(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    nodes = client.nodes()
    if args.json:
        print(json.dumps([n.to_dict() for n in nodes], indent=2))
    else:
        render.print_uncut(ui.out, _nodes_table(nodes))
    return EXIT_OK


def _secret(variable: str, prompt: str) -> str:
    return os.environ.get(variable) or getpass.getpass(prompt)


def cmd_install(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    if not args.check and args.wheel is None:
        raise deploy.DeployError("--wheel is needed to install (or pass --check)")
    password = _secret("ABAQUEUE_WINRM_PASSWORD", f"{args.user}@{args.host} password: ")
    remote = deploy.session(args.host, args.user, password, args.transport, args.port, not args.no_verify)
    node = deploy.Deployment(remote, say=lambda line: ui.err.print(escape(line)))
    if args.check:
        print(node.check(args.config), end="")
        return EXIT_OK
    password = _secret("ABAQUEUE_SERVICE_PASSWORD", f"{args.service_account} password: ") \
        if args.service_account else ""
    print(node.install(args.wheel, args.config, args.node_token, args.service_account, password), end="")
    return EXIT_OK


def cmd_drain(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    node = client.drain(args.node)
    ui.out.print(f"{escape(node.name)} drained: it finishes its {len(node.job_ids)} job(s) and takes no new one")
    return EXIT_OK


def cmd_resume(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    node = client.resume(args.node)
    ui.out.print(f"{escape(node.name)} takes work again")
    return EXIT_OK


def cmd_remove(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    node = client.remove_node(args.node)
    ui.out.print(f"{escape(node.name)} removed: it takes work again only if its agent registers anew")
    return EXIT_OK


def cmd_approve(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.approve(args.job_id)
    ui.out.print(f"{job.id} {render.state_label(job.state)}")
    return EXIT_OK


def cmd_reject(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.reject(args.job_id, args.reason)
    ui.out.print(f"{job.id} {render.state_label(job.state)}: {escape(job.error_message)}")
    return EXIT_OK


def cmd_limits(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    changes = {name: getattr(args, name) for name in LIMITS if getattr(args, name) is not None}
    settings = client.update_queue_settings(**changes) if changes else client.queue_settings()
    if args.json:
        print(json.dumps(settings, indent=2))
        return EXIT_OK
    grid = Table.grid(padding=(0, 2))
    for name, value in settings.items():
        grid.add_row(name, str(value).lower() if isinstance(value, bool) else f"{value:g}")
    render.print_uncut(ui.out, grid)
    return EXIT_OK


def cmd_cleanup(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    deleted = client.cleanup(args.days)
    ui.out.print(f"deleted {deleted} job(s) that ended more than {args.days} days ago, with their files")
    return EXIT_OK


def cmd_process(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    ui.out.print(f"the nodes look at the queue again: {client.process_queue()} job(s) waiting")
    return EXIT_OK
