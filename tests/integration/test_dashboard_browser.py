"""The dashboard in a real browser (Debian's chromium, headless, driven by Playwright) against a
live scheduler with a simulator agent: sign in, see a job submitted through the API go from WAITING
to COMPLETED without a reload, open its page (its convergence chart too), cancel another job;
approve a held job as admin, and be refused the admin page as a guest. Screenshots of each page at
1366x768 and at a phone's width are kept in build/screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scheduler.domain.identity import TOKEN_PREFIX, Port, Role

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
SIZES = {"wide": {"width": 1366, "height": 768}, "narrow": {"width": 390, "height": 844}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
MODEL = b"*Heading\n** abaqus-sim: seconds=2 increments=8 cutbacks=3\n*Step\n*Static\n0.125, 1.\n*End Step\n"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium: apt-get install chromium")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def shoot(page, name: str) -> None:
    """Each size's screenshot of what the page shows now; nothing wider than the window."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {size}: the page is {overflow} px wider than the window"
    page.set_viewport_size(SIZES["wide"])


@pytest.mark.parametrize("cluster", [{"web_port": 0}], indirect=True)
def test_a_job_goes_from_waiting_to_completed_on_the_page_and_another_is_cancelled(cluster, browser, tmp_path):
    web = f"http://127.0.0.1:{cluster.server.web_port}"
    model = tmp_path / "plate.inp"
    model.write_bytes(MODEL)
    page = browser.new_page(viewport=SIZES["wide"])
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(web)
    page.wait_for_selector("#sign-in-form")
    shoot(page, "sign-in")
    page.fill("#token", "not-a-token")
    page.click("#sign-in-form button")
    page.wait_for_selector("#sign-in-error:has-text('token:')")
    page.fill("#token", cluster.token("ana", Role.DEVELOPER))
    page.click("#sign-in-form button")
    page.wait_for_selector("#jobs:not([hidden])")
    assert page.input_value("#token") == ""  # the token does not stay in the page
    page.evaluate("window.notReloaded = true")

    with cluster.client("ana") as client:
        waiting = client.submit(model, cpus=1, name="bracket-waits", node="nowhere")  # no such node: it waits
        page.wait_for_selector(f"tr[data-job-id='{waiting.id}'][data-state='WAITING']")
        cluster.add_agent("node-1", cpus=2)
        job = client.submit(model, cpus=1, name="plate")
        page.wait_for_selector(f"tr[data-job-id='{job.id}']", timeout=10_000)
        page.wait_for_selector(f"tr[data-job-id='{job.id}'][data-state='RUNNING']", timeout=20_000)
        shoot(page, "jobs-running")
        page.wait_for_selector(f"tr[data-job-id='{job.id}'][data-state='COMPLETED']", timeout=30_000)
        assert page.evaluate("window.notReloaded") is True
        assert client.get(job.id).state.name == "COMPLETED"
        shoot(page, "jobs")

        page.click(f"tr[data-job-id='{job.id}'] a")
        page.wait_for_selector("#job-title:has-text('COMPLETED')")
        assert page.is_hidden("#job-cancel")
        page.wait_for_selector("#job-files a")
        files = {f.name for f in client.get(job.id).result_files}
        assert set(page.locator("#job-files a").all_text_contents()) == files
        page.wait_for_selector("#job-log:has-text('scheduler')")
        page.wait_for_selector("#convergence-part:not([hidden]) #increment-chart polyline", state="attached")
        assert page.locator("#increment-chart path.cut-back").count() >= 2  # the cut-backs, marked
        assert "cut back" in page.text_content("#convergence-note")
        states = [row.split("\t")[1] for row in page.locator("#job-states tr").all_inner_texts()]
        assert states == ["BLOCKED", "WAITING", "STARTING", "RUNNING", "COMPLETED"]
        shoot(page, "job-completed")

        batch = client.create_batch("sweep", parallelism=1, expected_jobs=2)
        client.wait(client.submit(model, cpus=1, name="sweep-1", batch_id=batch.id).id)
        page.click("nav a[href='#/batches']")
        page.click(f"#batches-body tr[data-batch-id='{batch.id}'] a")
        page.wait_for_selector("#batch-fields dd:has-text('1 completed')")
        shoot(page, "batch")

        page.goto(f"{web}/#/jobs/{waiting.id}")
        page.wait_for_selector("#job-title:has-text('WAITING')")
        page.wait_for_selector("#job-reasons li:has-text('nowhere')")
        shoot(page, "job-waiting")
        page.click("#job-cancel")
        page.wait_for_selector("#job-title:has-text('CANCELLED')")
        page.wait_for_selector("#job-states tr:last-child:has-text('CANCELLED')")
        assert client.get(waiting.id).state.name == "CANCELLED"
        shoot(page, "job-cancelled")
    assert errors == []


def sign_in(page, web: str, token: str) -> None:
    page.goto(web)
    page.fill("#token", token)
    page.click("#sign-in-form button")
    page.wait_for_selector("#jobs:not([hidden])")


@pytest.mark.parametrize("cluster", [{"web_port": 0}], indirect=True)
def test_an_admin_approves_a_held_job_and_a_guest_is_refused_the_admin_page(cluster, browser, tmp_path):
    web = f"http://127.0.0.1:{cluster.server.web_port}"
    model = tmp_path / "big.inp"
    model.write_bytes(MODEL)
    with cluster.client("ana") as client:
        held = client.submit(model, cpus=1, name="big-model", requires_approval=True, node="nowhere")
        assert held.state.name == "BLOCKED"

        guest = browser.new_page(viewport=SIZES["wide"])
        sign_in(guest, web, cluster.token("gus", Role.GUEST))
        assert guest.is_hidden("#nav-admin")
        guest.goto(f"{web}/#/admin")
        guest.wait_for_selector("#admin-error:has-text('Refused: only admins may')")
        assert guest.is_hidden("#approvals-wrap")
        shoot(guest, "admin-refused")

        admin = browser.new_page(viewport=SIZES["wide"])
        sign_in(admin, web, cluster.token("root", Role.ADMIN))
        admin.click("#nav-admin")
        row = f"#approvals-body tr[data-job-id='{held.id}']"
        admin.wait_for_selector(row)
        shoot(admin, "admin-approvals")
        admin.click(f"{row} button:has-text('Approve')")
        admin.wait_for_selector("#approvals-count:has-text('0 jobs awaiting approval')")
        assert client.get(held.id).state.name == "WAITING"

        admin.wait_for_selector("#settings-form input[name='max_concurrent']")
        admin.fill("#settings-form input[name='max_concurrent']", "9")
        admin.click("#settings-save")
        admin.wait_for_selector("#settings-note:has-text('saved: max_concurrent')")
        assert cluster.server.queue.settings.max_concurrent == 9
        admin.fill("#token-user", "carl")
        with admin.expect_download() as download:
            admin.click("#token-form button")
        secret = Path(download.value.path()).read_text().strip()
        admin.wait_for_selector("#tokens-body td:has-text('carl')")
        assert secret.startswith(TOKEN_PREFIX)
        assert secret not in admin.content()  # saved as a file, never shown
        assert cluster.server.tokens.principal_of(secret, Port.SUBMISSION).user == "carl"
        shoot(admin, "admin")

        cluster.add_agent("node-1", cpus=2)
        admin.click("nav a[href='#/nodes']")
        admin.wait_for_selector("#nodes-body tr[data-node='node-1'][data-state='ready']")
        admin.click("#nodes-body tr[data-node='node-1'] button:has-text('Drain')")
        admin.wait_for_selector("#nodes-body tr[data-node='node-1'][data-state='draining']")
        shoot(admin, "nodes")
        admin.click("nav a[href='#/queue']")
        admin.wait_for_selector("#usage-chart polyline.line-cores", state="attached")  # flat: no height
        admin.wait_for_selector("#queue-users td:has-text('ana')")
        shoot(admin, "queue")
        guest.click("nav a[href='#/nodes']")
        guest.wait_for_selector("#nodes-body tr[data-node='node-1']")
        assert guest.locator("#nodes-body button").count() == 0  # drain and resume are the admins'
