"""What each `abaqueue` command does, in terms of the Client; how things look is in render."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

from rich.console import Console

from . import fields, render
from .api import Client
from .models import Job, JobState, SolverOptions

EXIT_OK, EXIT_JOB_FAILED = 0, 1


@dataclass(frozen=True)
class Ui:
    """Where output goes: data on `out` (stdout), progress and messages on `err` (stderr)."""

    out: Console
    err: Console


def cmd_submit(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    solver = SolverOptions(memory=args.memory, double_precision=args.double,
                           user_subroutine=args.user.name if args.user else "", oldjob=args.oldjob,
                           timeout_s=args.time_limit, result_patterns=tuple(args.results),
                           restart_files=args.restart_files)
    extra = [*args.file, *([args.user] if args.user and args.user not in args.file else [])]
    options = dict(name=args.name, archives=args.archive, priority=args.priority, license_tokens=args.tokens,
                   labels=dict(args.label), node=args.node, abaqus_version=args.abaqus_version,
                   requires_approval=args.approval, solver=solver, max_attempts=args.max_attempts,
                   find_includes=not args.no_includes)
    if args.dry_run:
        preview = client.preview(args.model, args.cpus, extra, **options)
        render.print_uncut(ui.out, render.preview(preview))
        return EXIT_OK if preview.nodes else EXIT_JOB_FAILED
    with render.TransferBars(ui.err) as bars:
        job = client.submit(args.model, args.cpus, extra, start_now=args.no_wait, on_sent=bars.moved,
                            webhook=args.webhook, webhook_on_start=args.webhook_on_start, **options)
    print(job.id, flush=True)
    return _follow(client, job.id, ui) if args.wait else EXIT_OK


def cmd_list(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    jobs = list(client.jobs(args.state, user=args.user, limit=args.limit))
    if args.output:
        picked = fields.rows([j.to_dict() for j in jobs], args.output)
        if args.format == "json":
            print(json.dumps(picked, indent=2))
        else:
            render.print_uncut(ui.out, render.fields_table(args.output, picked))
    elif args.format == "json":
        print(render.as_json(jobs))
    else:
        render.print_uncut(ui.out, render.jobs_table(jobs))
    return EXIT_OK


def cmd_get(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.get(args.job_id)
    if args.json:
        print(render.as_json(job))
    else:
        render.print_uncut(ui.out, render.job_details(job))
    return EXIT_OK


def cmd_logs(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    if args.follow:  # the log so far, then each new line as it comes, until the job ends
        for event in client.job_events(args.job_id):
            if event.log_line is not None:
                print(event.log_line, flush=True)
        return EXIT_OK
    for line in client.job_log(args.job_id):
        print(line, flush=True)
    return EXIT_OK


def cmd_cancel(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    job = client.cancel(args.job_id)
    ui.out.print(f"{job.id} {render.state_label(job.state)}")
    return EXIT_OK


def cmd_results(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    files = {f.name: f.size_bytes for f in client.result_files(args.job_id, only=args.only)}
    with render.TransferBars(ui.err, files) as bars:
        paths = client.download_results(args.job_id, args.dest, only=args.only, on_received=bars.moved)
    for path in paths:
        print(path)
    if not paths:
        wanted = f" ending in {', '.join(args.only)}" if args.only else ""
        ui.err.print(f"job {args.job_id} has no result files{wanted}", markup=False)
        return EXIT_JOB_FAILED
    return EXIT_OK


def cmd_wait(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    return _follow(client, args.job_id, ui)


def _follow(client: Client, job_id: str, ui: Ui) -> int:
    """Show a progress bar until the job ends; 0 if it completed, 1 otherwise."""
    with render.JobProgressBar(ui.err, job_id) as bar:
        job = client.wait(job_id, on_update=bar.update)
    if job.state is JobState.COMPLETED:
        return EXIT_OK
    print(_failure_line(job), file=sys.stderr)
    return EXIT_JOB_FAILED


def _failure_line(job: Job) -> str:
    kind = f" ({job.error_class.value} error)" if job.error_class else ""
    line = f"job {job.id} {job.state.value}{kind}: {job.error_message or 'no message'}"
    if job.missing_files:
        line += f"; missing: {', '.join(job.missing_files)}"
    return line


def cmd_webhook(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    client.set_webhook(args.url, on_start=args.on_start, user=args.user)
    whose = args.user or "your"
    ui.out.print(f"{whose} jobs' ends{' and starts' if args.on_start else ''} are POSTed to {args.url}" if args.url
                 else f"{whose} webhook removed", markup=False)
    return EXIT_OK


def cmd_token_create(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    secret, info = client.create_token(args.user, args.role, team=args.team, ttl=args.ttl_days,
                                       description=args.description)
    print(secret, flush=True)  # alone on stdout, for `> file`; shown this once
    ui.err.print(f"token {info.token_id} for {info.user} ({info.role.value if info.role else '?'}); "
                 "store it now: it cannot be shown again")
    return EXIT_OK


def cmd_token_list(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    tokens = client.list_tokens(args.user)
    if args.json:
        print(render.as_json(tokens))
    else:
        render.print_uncut(ui.out, render.tokens_table(tokens))
    return EXIT_OK


def cmd_token_revoke(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    info = client.revoke_token(args.token_id)
    ui.out.print(f"{info.token_id} revoked")
    return EXIT_OK


def cmd_token_renew(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    info = client.renew_token(args.token_id, args.ttl_days)
    ui.out.print(f"{info.token_id} expires {render.when(info.expire_time)}")
    return EXIT_OK
