"""The `abaqueue` command: submit Abaqus jobs, follow them and collect their results."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from rich.console import Console

from . import batch_commands, fields, queue_commands
from .api import Client
from .commands import (
    Ui,
    cmd_cancel,
    cmd_get,
    cmd_list,
    cmd_logs,
    cmd_results,
    cmd_submit,
    cmd_token_create,
    cmd_token_list,
    cmd_token_renew,
    cmd_token_revoke,
    cmd_wait,
    cmd_webhook,
)
from .deploy import DeployError
from .errors import AbaqueueError, Unauthenticated, Unavailable
from .models import JobState, Role

DEFAULT_SCHEDULER = "127.0.0.1:50051"
EXIT_ERROR, EXIT_INTERRUPTED = 2, 130


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 on success, 1 when a followed job did not complete, 2 on an error."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help or a usage error, already printed by argparse
        return e.code if isinstance(e.code, int) else EXIT_ERROR
    ui = Ui(Console(), Console(stderr=True))
    try:
        with Client(args.scheduler, token_file=args.token_file, ca_file=args.ca_file, profile=args.profile,
                    retries=args.retries, timeout=args.timeout) as client:
            return args.command(client, args, ui)
    except Unavailable as e:
        return _fail(f"scheduler {args.scheduler or 'at the configured address'}: {e.message}")
    except Unauthenticated as e:
        return _fail(f"{e.message} (give your token with --token-file, $ABAQUEUE_TOKEN or $ABAQUEUE_TOKEN_FILE)")
    except AbaqueueError as e:
        return _fail(e.message)
    except DeployError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"{e.strerror}: {e.filename}" if e.filename else str(e))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


EPILOG = """\
tokens:
  Every call carries a bearer token: --token-file, $ABAQUEUE_TOKEN or $ABAQUEUE_TOKEN_FILE. An admin
  makes one with `abaqueue admin tokens create --user NAME --role ROLE`; it is shown once. The
  scheduler's first admin token is in admin.token beside its database (`make run`: .abaqueue/).

roles:
  developer, guest  submit; see and cancel their own jobs (guests have lower limits)
  lead              also see their team's jobs
  admin             everything: every job, tokens, limits, nodes
  node              agents only, on the execution port

TLS:
  Against a scheduler on TLS pass --ca-file PEM (or $ABAQUEUE_CA_FILE) with the CA that signed its
  certificate; without it the connection is plaintext (the local stack).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="abaqueue", description="Run Abaqus jobs on the Abaqueue cluster.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scheduler", "--address", metavar="HOST:PORT",
                        help=f"scheduler address (default: the profile's, else $ABAQUEUE_ADDRESS, else "
                             f"{DEFAULT_SCHEDULER})")
    parser.add_argument("--profile", metavar="NAME",
                        help="a profile of ~/.config/abaqueue/config.toml (default: $ABAQUEUE_PROFILE, else "
                             "the file's default)")
    parser.add_argument("--token-file", type=Path, metavar="FILE",
                        help="file holding your token (default: the profile's, else $ABAQUEUE_TOKEN, else "
                             "$ABAQUEUE_TOKEN_FILE)")
    parser.add_argument("--ca-file", type=Path, metavar="PEM",
                        help="CA of the scheduler's TLS certificate (default: $ABAQUEUE_CA_FILE; none: plaintext)")
    parser.add_argument("--retries", type=int, default=5, metavar="N",
                        help="tries again after an unreachable scheduler or a call that timed out, with "
                             "backoff (default 5: about 10 s, enough for a scheduler restart; 0: none)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per-call timeout")
    commands = parser.add_subparsers(metavar="COMMAND", required=True)

    submit = commands.add_parser("submit", help="upload a model and queue it")
    submit.add_argument("model", type=Path, metavar="MODEL.inp")
    submit.add_argument("--cpus", type=int, required=True, metavar="N")
    submit.add_argument("--file", type=Path, action="extend", nargs="+", default=[], metavar="EXTRA",
                        help="include files, user subroutines, ...")
    submit.add_argument("--archive", type=Path, action="extend", nargs="+", default=[], metavar="ZIP",
                        help="a .zip the node unpacks into the job directory (model and includes, folders "
                             "allowed); MODEL.inp may then be a name at its top")
    submit.add_argument("--name", help="Abaqus job name (default: the model's file name without .inp)")
    submit.add_argument("--no-includes", action="store_true",
                        help="do not add the files the model names with input= (by default they are found and "
                             "uploaded with it; those in folders below it as one zip)")
    when = submit.add_mutually_exclusive_group()
    when.add_argument("--wait", action="store_true",
                      help="follow the job until it ends: a bar per upload, then the solver's progress")
    when.add_argument("--no-wait", action="store_true",
                      help="refuse at once, with the reasons, if the job cannot start now, instead of queueing it")
    when.add_argument("--dry-run", action="store_true",
                      help="check everything and report where the job could run and what would hold it; "
                           "nothing is uploaded or queued")
    submit.add_argument("--webhook", default="", metavar="URL",
                        help="POST a signed JSON message here when the job ends (default: your webhook, if set)")
    submit.add_argument("--webhook-on-start", action="store_true", help="also when it starts")
    submit.add_argument("--max-attempts", type=int, default=0, metavar="N",
                        help="attempts it may use when a node or the solver fails (1..10; default: the cluster's)")
    submit.add_argument("--priority", type=queue_commands.priority, metavar="PRIORITY",
                        help="low, normal, high or urgent (default: your role's; only leads and admins go higher)")
    submit.add_argument("--tokens", type=int, default=0, metavar="N",
                        help="license tokens it needs (default: the cluster's rule, floor(5 x cpus^0.422))")
    submit.add_argument("--label", type=_label, action="append", default=[], metavar="KEY=GLOB",
                        help="a label the node must have, e.g. gpu=a100* (repeat for more)")
    submit.add_argument("--node", default="", help="the node it must run on")
    submit.add_argument("--abaqus-version", default="", metavar="VERSION", help="the Abaqus version it needs")
    submit.add_argument("--approval", action="store_true", help="ask an admin to approve it before it runs")
    solver = submit.add_argument_group("how Abaqus runs it")
    solver.add_argument("--memory", default="", help="abaqus memory=, e.g. 16gb or 4000mb")
    solver.add_argument("--double", default="", choices=("explicit", "both", "off", "constraint"),
                        help="abaqus double= (Explicit double precision)")
    solver.add_argument("--user", type=Path, metavar="SUBROUTINE",
                        help="abaqus user=: a user subroutine (.f .for .f90 .c .cpp .o .obj), uploaded with the job")
    solver.add_argument("--oldjob", default="", metavar="JOB",
                        help="abaqus oldjob=: restart from that job's restart files (give them with --file)")
    solver.add_argument("--time-limit", type=duration, default=0.0, metavar="TIME",
                        help="wall-clock limit of a run, e.g. 90m, 12h, 2d (default: the node's); past it "
                             "the job is stopped and ends TIMEOUT with the result files it wrote")
    solver.add_argument("--results", action="extend", nargs="+", default=[], metavar="GLOB",
                        help="result files to bring back beyond .odb .dat .msg .sta .log, e.g. '*.fil'")
    solver.add_argument("--restart-files", action="store_true", help="bring back the restart files too")
    submit.set_defaults(command=cmd_submit)

    jobs = commands.add_parser("jobs", help="list, show or cancel jobs").add_subparsers(
        metavar="ACTION", required=True)
    listing = jobs.add_parser("list", help="list jobs, newest first")
    listing.add_argument("--state", type=_state, action="extend", nargs="+", default=[], metavar="STATE",
                         help=f"only jobs in these states: {', '.join(s.value.lower() for s in JobState)}")
    listing.add_argument("--user", default="", help="only this user's jobs (admins; leads: their team's members)")
    listing.add_argument("-l", "--limit", type=_positive, metavar="N", help="at most N jobs (the newest)")
    listing.add_argument("-o", "--output", type=fields.parse, metavar="FIELDS",
                         help="the columns, by JSON field with dots for nested ones, a unique start of a name "
                              "being enough: -o id,state,node,progress.overall")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    listing.set_defaults(command=cmd_list)
    get = jobs.add_parser("get", help="show one job in detail")
    get.add_argument("job_id", metavar="ID")
    get.add_argument("--json", action="store_true", help="print JSON for scripts")
    get.set_defaults(command=cmd_get)
    cancel = jobs.add_parser("cancel", help="cancel a job")
    cancel.add_argument("job_id", metavar="ID")
    cancel.set_defaults(command=cmd_cancel)
    logs = jobs.add_parser("logs", help="what the job's solver printed (the Abaqus log)")
    logs.add_argument("job_id", metavar="ID")
    logs.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until the job ends")
    logs.set_defaults(command=cmd_logs)

    results = commands.add_parser("results", help="download a finished job's result files")
    results.add_argument("job_id", metavar="ID")
    results.add_argument("--dest", type=Path, required=True, metavar="DIR")
    results.add_argument("--only", type=_suffixes, action="extend", default=[], metavar=".odb,.dat",
                         help="only files ending in these suffixes")
    results.set_defaults(command=cmd_results)

    wait = commands.add_parser("wait", help="follow a job until it ends")
    wait.add_argument("job_id", metavar="ID")
    wait.set_defaults(command=cmd_wait)

    batch_commands.add_commands(commands, _positive)
    hooks = commands.add_parser("webhook", help="where your jobs' ends are POSTed").add_subparsers(
        metavar="ACTION", required=True)
    set_hook = hooks.add_parser("set", help="POST a signed JSON message to URL when a job of yours ends")
    set_hook.add_argument("url", metavar="URL")
    set_hook.add_argument("--on-start", action="store_true", help="also when a job starts")
    set_hook.add_argument("--user", default="", help="another user's (admins)")
    set_hook.set_defaults(command=cmd_webhook)
    remove_hook = hooks.add_parser("remove", help="stop POSTing your jobs' ends")
    remove_hook.add_argument("--user", default="", help="another user's (admins)")
    remove_hook.set_defaults(command=cmd_webhook, url="", on_start=False)
    admin = commands.add_parser("admin", help="administration").add_subparsers(metavar="AREA", required=True)
    queue_commands.add_commands(commands, admin, jobs)
    tokens = admin.add_parser("tokens", help="create, list, revoke and renew tokens").add_subparsers(
        metavar="ACTION", required=True)
    create = tokens.add_parser("create", help="create a token; prints the secret, shown this once")
    create.add_argument("--user", required=True, help="the person, or the node's name for role node")
    create.add_argument("--role", type=_role, required=True, metavar="ROLE",
                        help=f"one of {', '.join(r.value for r in Role)}")
    create.add_argument("--team", default="")
    create.add_argument("--ttl-days", type=_days, metavar="DAYS", help="expire after DAYS (default: never)")
    create.add_argument("--description", default="", help="where the token is used, for listings")
    create.set_defaults(command=cmd_token_create)
    tlist = tokens.add_parser("list", help="tokens you may see (all, for admins)")
    tlist.add_argument("--user", default="", help="only this user's tokens")
    tlist.add_argument("--json", action="store_true", help="print JSON for scripts")
    tlist.set_defaults(command=cmd_token_list)
    revoke = tokens.add_parser("revoke", help="revoke a token: it stops working at once")
    revoke.add_argument("token_id", metavar="TOKEN_ID")
    revoke.set_defaults(command=cmd_token_revoke)
    renew = tokens.add_parser("renew", help="set a token's expiry DAYS from now")
    renew.add_argument("token_id", metavar="TOKEN_ID")
    renew.add_argument("--ttl-days", type=_days, required=True, metavar="DAYS")
    renew.set_defaults(command=cmd_token_renew)
    _add_examples(parser)
    return parser


EXAMPLES = {
    "submit": ["abaqueue submit beam.inp --cpus 8 --wait",
               "abaqueue submit plate.inp --cpus 16 --priority high --label site=osaka-* --time-limit 12h",
               "abaqueue submit plate.inp --cpus 4 --file umat.for --memory 16gb",
               "abaqueue submit plate.inp --cpus 64 --dry-run",
               "abaqueue submit plate.inp --cpus 4 --no-wait"],
    "jobs list": ["abaqueue jobs list", "abaqueue jobs list --state running waiting -l 20",
                  "abaqueue jobs list -o id,name,state,node,progress.overall",
                  "abaqueue jobs list --user ana --format json"],
    "jobs get": ["abaqueue jobs get 3f2c...", "abaqueue jobs get 3f2c... --json"],
    "jobs cancel": ["abaqueue jobs cancel 3f2c..."],
    "jobs logs": ["abaqueue jobs logs 3f2c...", "abaqueue jobs logs 3f2c... -f"],
    "jobs why": ["abaqueue jobs why 3f2c..."],
    "jobs priority": ["abaqueue jobs priority 3f2c... low"],
    "results": ["abaqueue results 3f2c... --dest results/", "abaqueue results 3f2c... --dest . --only .odb,.dat"],
    "wait": ["abaqueue wait 3f2c..."],
    "queue stats": ["abaqueue queue stats", "abaqueue queue stats --json"],
    "queue me": ["abaqueue queue me"],
    "queue position": ["abaqueue queue position 3f2c..."],
    "status": ["abaqueue status", "abaqueue status --json"],
    "webhook set": ["abaqueue webhook set https://ci.example.com/abaqueue --on-start"],
    "webhook remove": ["abaqueue webhook remove", "abaqueue webhook remove --user ana"],
    "nodes list": ["abaqueue nodes list", "abaqueue nodes list --json"],
    "nodes drain": ["abaqueue nodes drain cae-node07"],
    "nodes resume": ["abaqueue nodes resume cae-node07"],
    "nodes remove": ["abaqueue nodes drain cae-node07 && abaqueue nodes remove cae-node07"],
    "batch submit": ["abaqueue batch submit study.toml --wait", "abaqueue batch submit study.toml --parallelism 5"],
    "batch get": ["abaqueue batch get 9a1b...", "abaqueue batch get 9a1b... --json"],
    "batch list": ["abaqueue batch list"],
    "batch cancel": ["abaqueue batch cancel 9a1b..."],
    "batch results": ["abaqueue batch results 9a1b... --dest results/", "abaqueue batch results 9a1b... --dest . "
                      "--only .odb"],
    "admin approve": ["abaqueue admin approve 3f2c..."],
    "admin reject": ["abaqueue admin reject 3f2c... --reason 'book the 64-core node first'"],
    "admin limits": ["abaqueue admin limits", "abaqueue admin limits --max-concurrent 40 --enable-fair-share on"],
    "admin cleanup": ["abaqueue admin cleanup --days 30"],
    "admin process": ["abaqueue admin process"],
    "admin tokens create": ["abaqueue admin tokens create --user ana --role developer --team crash > ana.token",
                            "abaqueue admin tokens create --user cae-node07 --role node --ttl-days 365"],
    "admin tokens list": ["abaqueue admin tokens list --user ana"],
    "admin tokens revoke": ["abaqueue admin tokens revoke tok_1a2b..."],
    "admin tokens renew": ["abaqueue admin tokens renew tok_1a2b... --ttl-days 90"],
}


def _add_examples(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Give every command its examples (those with their own epilog keep it)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                command = f"{path} {name}".strip()
                if command in EXAMPLES and not sub.epilog:
                    sub.epilog = "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])
                    sub.formatter_class = argparse.RawDescriptionHelpFormatter
                _add_examples(sub, command)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _state(value: str) -> JobState:
    try:
        return JobState[value.upper()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"unknown state {value!r}") from None


def _role(value: str) -> Role:
    try:
        return Role(value.lower())
    except ValueError:
        raise argparse.ArgumentTypeError(f"unknown role {value!r}") from None


def _days(value: str) -> timedelta:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days") from None
    if not 0 < days <= 3650:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3650 days")
    return timedelta(days=days)


def duration(text: str) -> float:
    """Seconds from 45, 45s, 90m, 12h or 2d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], text[-1].lower()) if text and text[-1].lower() in units else (text, "s")
    try:
        value = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time such as 90m, 12h or 2d") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive time")
    return value


def _label(value: str) -> tuple[str, str]:
    key, sep, glob = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{value!r}: give KEY=GLOB, e.g. site=osaka-*")
    return key, glob


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _suffixes(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


if __name__ == "__main__":
    sys.exit(main())
