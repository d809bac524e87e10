"""The dashboard with `--jobs` jobs (10,000 by default) in the store: how long headless chromium
takes to show the first page of the jobs table after sign-in, the next page, and a job's page, and
the page's JavaScript heap afterwards. The jobs are small inline ones, waiting (no node runs them).

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--jobs 10000]

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from harness import UNLIMITED_SUBMITS, scheduler_process
from load import Load, submit
from playwright.sync_api import sync_playwright

from scheduler.devstack.ports import free_ports
from scheduler.domain.identity import Principal, Role

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def timed(action, wait) -> float:
    """Milliseconds from `action()` until `wait()` returns."""
    began = time.perf_counter()
    action()
    wait()
    return round((time.perf_counter() - began) * 1000, 1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jobs", type=int, default=10_000)
    a = p.parse_args()
    [web_port] = free_ports(1)
    with tempfile.TemporaryDirectory(prefix="abaqueue-bench-") as tmp, \
            scheduler_process(Path(tmp), [Principal("root", Role.ADMIN)], "--web-port", str(web_port),
                              env=UNLIMITED_SUBMITS) as scheduler:
        acked, refused, _, _ = submit(Load(scheduler.submission, 8, 0.0, None, a.jobs), scheduler.tokens)
        web = f"http://127.0.0.1:{web_port}"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                         headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(web)
            page.fill("#token", scheduler.tokens[0])
            first_ms = timed(lambda: page.click("#sign-in-form button"),
                             lambda: page.wait_for_selector("#jobs-body tr:nth-child(100)"))
            first_id = page.get_attribute("#jobs-body tr:first-child", "data-job-id")
            next_ms = timed(lambda: page.click("#next-page"), lambda: page.wait_for_selector(
                f"#jobs-body tr:first-child:not([data-job-id='{first_id}'])"))
            job_ms = timed(lambda: page.click("#jobs-body tr:first-child a"),
                           lambda: page.wait_for_selector("#job-reasons li"))
            heap_mb = page.evaluate("performance.memory.usedJSHeapSize") / 2**20
            browser.close()
    print(json.dumps({"scenario": "dashboard", "jobs": acked, "refused": refused, "first_page_ms": first_ms,
                      "next_page_ms": next_ms, "job_page_ms": job_ms, "js_heap_mb": round(heap_mb, 1)}))


if __name__ == "__main__":
    main()
