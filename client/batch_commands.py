"""The `abaqueue batch` commands: submit a study as one batch, follow it, look at it, cancel it,
collect its results one folder per job."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.markup import escape

from . import render, study
from .api import Client
from .commands import EXIT_JOB_FAILED, EXIT_OK, Ui
from .models import Batch


def add_commands(commands: argparse._SubParsersAction, positive) -> None:
    batch = commands.add_parser("batch", help="parameter studies: many jobs as one batch").add_subparsers(
        metavar="ACTION", required=True)
    submit = batch.add_parser("submit", help="submit every job of a study file as one batch",
                              description=study.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    submit.add_argument("study", type=Path, metavar="STUDY.toml")
    submit.add_argument("--parallelism", type=positive, metavar="N", help="at most N of its jobs at once "
                        "(default: the study's)")
    submit.add_argument("--wait", action="store_true", help="follow the batch until every job has ended")
    submit.set_defaults(command=cmd_submit)
    get = batch.add_parser("get", help="a batch's progress: stages, running jobs, estimated finish")
    get.add_argument("batch_id", metavar="ID")
    get.add_argument("--json", action="store_true", help="print JSON for scripts")
    get.set_defaults(command=cmd_get)
    listing = batch.add_parser("list", help="your batches, newest first (leads: the team's; admins: all)")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    listing.set_defaults(command=cmd_list)
    cancel = batch.add_parser("cancel", help="cancel a batch's waiting and running jobs")
    cancel.add_argument("batch_id", metavar="ID")
    cancel.set_defaults(command=cmd_cancel)
    results = batch.add_parser("results", help="download each job's result files into DIR/JOB_NAME")
    results.add_argument("batch_id", metavar="ID")
    results.add_argument("--dest", type=Path, required=True, metavar="DIR")
    results.add_argument("--only", type=lambda v: [s.strip() for s in v.split(",") if s.strip()], default=[],
                         metavar=".odb,.dat", help="only files ending in these suffixes")
    results.set_defaults(command=cmd_results)


def cmd_submit(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    plan = study.load(args.study, args.parallelism)
    batch = client.submit_batch(plan, on_job=lambda j: ui.err.print(f"queued {escape(j.name)} {j.id}"))
    print(batch.id, flush=True)
    return _follow(client, batch.id, ui) if args.wait else EXIT_OK


def _follow(client: Client, batch_id: str, ui: Ui) -> int:
    """A bar of the batch's stages until every job ended; 0 if all completed, 1 otherwise."""
    with render.BatchBar(ui.err) as bar:
        batch = client.wait_batch(batch_id, on_update=bar.update)
    p = batch.progress
    if p.completed == p.total_jobs:
        return EXIT_OK
    ui.err.print(f"batch {batch.id}: {p.completed} completed, {p.failed} failed, {p.cancelled} cancelled "
                 f"of {p.total_jobs}", markup=False)
    return EXIT_JOB_FAILED


def cmd_get(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    batch = client.get_batch(args.batch_id)
    if args.json:
        print(json.dumps(batch.to_dict(), indent=2))
    else:
        render.print_uncut(ui.out, render.batch_details(batch))
    return EXIT_OK


def cmd_list(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    batches = client.batches()
    if args.json:
        print(json.dumps([b.to_dict() for b in batches], indent=2))
    else:
        render.print_uncut(ui.out, render.batches_table(batches))
    return EXIT_OK


def cmd_cancel(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    batch: Batch = client.cancel_batch(args.batch_id)
    ui.out.print(f"{batch.id} cancelled: {batch.progress.cancelled} job(s) cancelled, "
                 f"{batch.progress.completed} had completed", markup=False)
    return EXIT_OK


def cmd_results(client: Client, args: argparse.Namespace, ui: Ui) -> int:
    saved = client.download_batch_results(args.batch_id, args.dest, only=args.only)
    for paths in saved.values():
        for path in paths:
            print(path)
    return EXIT_OK if saved else EXIT_JOB_FAILED
