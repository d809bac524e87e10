"""How jobs and tokens look on a terminal: tables, details, JSON and a live progress bar. No command logic."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from . import fields
from .models import Batch, FileInfo, Job, JobState, Preview, TokenInfo

STATE_STYLE = {
    JobState.WAITING: "yellow", JobState.BLOCKED: "magenta", JobState.STARTING: "cyan",
    JobState.RUNNING: "blue", JobState.COMPLETED: "green", JobState.FAILED: "bold red",
    JobState.MISSING: "red", JobState.CANCELLED: "dim", JobState.TIMEOUT: "red",
}


def as_json(items: Job | Iterable[Job] | Iterable[TokenInfo]) -> str:
    """One job as a JSON object, several jobs or tokens as a JSON array."""
    data = items.to_dict() if isinstance(items, Job) else [i.to_dict() for i in items]
    return json.dumps(data, indent=2)


def jobs_table(jobs: Iterable[Job]) -> Table:
    """One row per job; over-long names, nodes and owners are cut short, nothing else is."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("NAME", no_wrap=True, max_width=32)
    table.add_column("STATE", no_wrap=True)
    table.add_column("CPUS", justify="right", no_wrap=True)
    table.add_column("NODE", no_wrap=True, max_width=16)
    table.add_column("PROGRESS", justify="right", no_wrap=True)
    table.add_column("OWNER", no_wrap=True, max_width=16)
    table.add_column("CREATED", no_wrap=True)
    for job in jobs:
        table.add_row(escape(job.id), escape(job.name), state_label(job.state), str(job.cpus),
                      escape(job.node or "-"), percent(job), escape(job.owner or "-"), when(job.create_time))
    return table


def tokens_table(tokens: Iterable[TokenInfo]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("TOKEN ID", "USER", "ROLE", "TEAM", "CREATED", "EXPIRES", "STATUS", "DESCRIPTION"):
        table.add_column(column, no_wrap=column != "DESCRIPTION")
    for t in tokens:
        table.add_row(t.token_id, escape(t.user), t.role.value if t.role else "?", escape(t.team or "-"),
                      when(t.create_time), when(t.expire_time) if t.expire_time else "never",
                      "[dim]revoked[/]" if t.revoked else "active", escape(t.description))
    return table


def print_uncut(console: Console, renderable: RenderableType) -> None:
    """Print at the renderable's natural width when the console is narrower: lines wrap, ids stay whole."""
    natural = Measurement.get(console, console.options.update_width(10_000), renderable).maximum
    width = console.width
    console.width = max(width, natural)
    try:
        console.print(renderable)
    finally:
        console.width = width


def job_details(job: Job) -> Group:
    """Every field of one job, with its reasons, files and error."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows = [
        ("id", escape(job.id)), ("name", escape(job.name)), ("state", state_label(job.state)),
        ("cpus", str(job.cpus)), ("owner", escape(job.owner or "-")), ("node", escape(job.node or "-")),
        ("attempt", str(job.attempt)), ("progress", f"{percent(job)}  {escape(step_text(job))}".strip()),
        ("created", when(job.create_time)), ("started", when(job.start_time)), ("ended", when(job.end_time)),
    ]
    if job.error_message or job.error_class:
        kind = f"[{job.error_class.value}] " if job.error_class else ""
        rows.append(("error", escape(kind + job.error_message)))
    if job.queue_position:
        rows.append(("position", f"{job.queue_position} in the queue"))
    if job.estimated_start_time:
        rows.append(("may start", when(job.estimated_start_time)))
    for reason in job.reasons:
        rows.append(("reason", escape(f"{reason.message} [{reason.code}]")))
    for name in job.missing_files:
        rows.append(("missing", escape(name)))
    for label, value in rows:
        grid.add_row(label, value)
    parts: list[Table] = [grid]
    if job.state_history:
        parts.append(history_table(job))
    for title, files in (("input files", job.input_files), ("result files", job.result_files)):
        if files:
            parts.append(files_table(title, files, main=job.input_file))
    return Group(*parts)


def history_table(job: Job) -> Table:
    """How the job's state moved: when, into what, in which attempt, on which node."""
    table = Table(title="state history", title_justify="left", box=None, header_style="bold")
    for column in ("TIME", "STATE", "ATTEMPT", "NODE"):
        table.add_column(column, justify="right" if column == "ATTEMPT" else "left", no_wrap=True)
    for c in job.state_history:
        table.add_row(when(c.time, to_the_second=True), state_label(c.state), str(c.attempt or "-"),
                      escape(c.node or "-"))
    return table


def files_table(title: str, files: Iterable[FileInfo], main: str = "") -> Table:
    table = Table(title=title, title_justify="left", box=None, header_style="bold")
    for column in ("NAME", "SIZE", "SHA-256"):
        table.add_column(column, justify="right" if column == "SIZE" else "left", no_wrap=True)
    for f in files:
        table.add_row(escape(f.name) + (" *" if f.name == main else ""), f"{f.size_bytes:,}", f.sha256[:16])
    return table


def state_label(state: JobState) -> str:
    return f"[{STATE_STYLE[state]}]{state.value}[/]"


def percent(job: Job) -> str:
    return f"{job.progress.overall_fraction:.0%}" if job.progress else "-"


def step_text(job: Job) -> str:
    """E.g. 'step 2/3, increment 45', or what the solver is waiting for."""
    p = job.progress
    if p is None:
        return job.reasons[0].message if job.reasons and not job.state.is_final else ""
    if p.waiting_for_license:
        return "waiting for a license"
    text = f"step {p.step}/{p.total_steps}, increment {p.increment}" if p.total_steps else ""
    if p.estimated_seconds_left is not None:
        text += f", ~{_duration(p.estimated_seconds_left)} left"
    if p.warning:
        text += f"; {p.warning}"
    return text.removeprefix(", ")


def when(moment: datetime | None, to_the_second: bool = False) -> str:
    """A UTC time shown in the local time zone, to the minute (or second)."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if to_the_second else "%Y-%m-%d %H:%M") if moment else "-"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class JobProgressBar:
    """A live bar following a job's overall fraction, with its state and step/increment."""

    def __init__(self, console: Console, title: str) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[state]}"), TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(), console=console, transient=False,
        )
        self._task: TaskID = self._progress.add_task(escape(title), total=1.0, state="", detail="")

    def __enter__(self) -> JobProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, job: Job) -> None:
        done = job.progress.overall_fraction if job.progress else 0.0
        if job.state is JobState.COMPLETED:
            done = 1.0
        self._progress.update(self._task, description=escape(job.name), completed=done,
                              state=state_label(job.state), detail=escape(step_text(job)))


class TransferBars:
    """A live bar per file moving: bytes so far of its size, and the speed (on a terminal only: a
    script reading the output gets the ids and paths alone). Files appear as their bytes start."""

    def __init__(self, console: Console, sizes: dict[str, int] | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            console=console, transient=False, disable=not console.is_terminal,
        )
        self._sizes = dict(sizes or {})
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> TransferBars:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def moved(self, name: str, nbytes: int, size: int | None = None) -> None:
        if name not in self._tasks:
            self._tasks[name] = self._progress.add_task(escape(name), total=size or self._sizes.get(name))
        self._progress.advance(self._tasks[name], nbytes)


def fields_table(paths: list[str], rows: list[dict]) -> Table:
    """The fields picked with -o, one column each, headed by the path as given."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for path in paths:
        table.add_column(path.upper(), no_wrap=True)
    for row in rows:
        table.add_row(*(escape(fields.text(row[p])) for p in paths))
    return table


def preview(p: Preview) -> Group:
    """What `submit --dry-run` found: the files, the nodes that could run it, what would hold it."""
    job = p.job
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("job", escape(f"{job.name}: {job.cpus} cores, {job.license_tokens} license tokens, "
                               f"priority {job.effective_priority}"))
    grid.add_row("files", escape(", ".join(p.files)))
    grid.add_row("nodes", escape(", ".join(p.nodes)) if p.nodes else "[red]none could run it[/]")
    if p.starts_now:
        grid.add_row("would", "[green]start now[/]")
    else:
        for reason in job.reasons:
            grid.add_row("held by", escape(f"{reason.message} [{reason.code}]"))
        if job.queue_position:
            grid.add_row("position", f"{job.queue_position} in the queue")
        if job.estimated_start_time:
            grid.add_row("may start", when(job.estimated_start_time))
    return Group(grid, "[dim]dry run: nothing was uploaded or queued[/]")


STAGE_NAMES = {1: "inputs moving", 2: "solving", 3: "results moving"}


def batch_line(batch: Batch) -> str:
    p = batch.progress
    text = (f"{p.completed_stages}/{p.total_stages} stages, {p.completed} completed, {p.failed} failed, "
            f"{len(p.running)} running, {p.waiting} waiting")
    if p.estimated_finish_time:
        text += f", done ~{when(p.estimated_finish_time)}"
    return text


def batch_details(batch: Batch) -> Group:
    """A batch: its numbers, then a row per running job with its node, stage and when it began."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    p = batch.progress
    for label, value in (("id", batch.id), ("name", batch.name), ("owner", batch.owner),
                         ("parallelism", str(batch.parallelism)), ("jobs", str(p.total_jobs)),
                         ("progress", f"{p.fraction:.0%}  {batch_line(batch)}"),
                         ("created", when(batch.create_time))):
        grid.add_row(label, escape(value))
    if batch.cancelled:
        grid.add_row("cancelled", "yes")
    parts: list[RenderableType] = [grid]
    if p.running:
        table = Table(title="running", title_justify="left", box=None, header_style="bold")
        for column in ("JOB", "NAME", "NODE", "STAGE", "SINCE"):
            table.add_column(column, no_wrap=True)
        for r in p.running:
            table.add_row(r.job_id, escape(r.name), escape(r.node or "-"), f"{r.stage} {STAGE_NAMES[r.stage]}",
                          when(r.stage_start_time))
        parts.append(table)
    return Group(*parts)


def batches_table(batches: Iterable[Batch]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("ID", "NAME", "JOBS", "PARALLEL", "PROGRESS", "DONE", "FAILED", "RUNNING", "CREATED"):
        table.add_column(column, no_wrap=True, justify="right" if column in ("JOBS", "PARALLEL", "DONE") else "left")
    for b in batches:
        p = b.progress
        table.add_row(b.id, escape(b.name), str(p.total_jobs), str(b.parallelism), f"{p.fraction:.0%}",
                      str(p.completed), str(p.failed), str(len(p.running)), when(b.create_time))
    return table


class BatchBar:
    """A live bar of a batch's stages, with its counts."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                                  TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=console)
        self._task: TaskID | None = None

    def __enter__(self) -> BatchBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, batch: Batch) -> None:
        p = batch.progress
        if self._task is None:
            self._task = self._progress.add_task(escape(batch.name), total=p.total_stages or 1, detail="")
        self._progress.update(self._task, completed=p.completed_stages, total=p.total_stages or 1,
                              detail=escape(batch_line(batch)))
