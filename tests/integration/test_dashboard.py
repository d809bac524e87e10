"""The dashboard's HTTP port against a live scheduler, over real HTTP on loopback: sign-in and its
cookie, the protective headers, the same permissions as the API, CSRF protection on actions, and
live changes by server-sent events."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from scheduler.domain.identity import Principal, Role
from tests.integration.web_session import signed_in

WEB = {"web_port": 0}
MODEL = b"*Heading\n** abaqus-sim: seconds=0\n*Step\n*Static\n1., 1.\n*End Step\n"


@pytest.fixture
def web(cluster):
    return f"http://127.0.0.1:{cluster.server.web_port}"


def submit(cluster, tmp_path, user: str, name: str, **options) -> str:
    path = tmp_path / f"{name}.inp"
    path.write_bytes(MODEL)
    with cluster.client(user) as client:
        return client.submit(path, cpus=1, name=name, **options).id


def run_to_end(cluster, tmp_path, name: str, model: bytes = MODEL):
    """A job of ana's, submitted and waited for (a node must be there to run it)."""
    path = tmp_path / f"{name}.inp"
    path.write_bytes(model)
    with cluster.client("ana") as client:
        return client.wait(client.submit(path, cpus=1, name=name).id)


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_sign_in_sets_an_httponly_samesite_cookie_and_a_bad_token_gets_none(cluster, web):
    token = cluster.token("ana")

    async def scenario():
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
            bad = await s.post(f"{web}/api/signin", json={"token": "not-a-token"}, headers={"Origin": web})
            bad_body, bad_cookies = await bad.json(), len(s.cookie_jar)
            before = await s.get(f"{web}/api/jobs")
            good = await s.post(f"{web}/api/signin", json={"token": token}, headers={"Origin": web})
            me = await (await s.get(f"{web}/api/me")).json()
            page = await s.get(f"{web}/")
            return (bad.status, bad_body, bad_cookies, before.status, good.status,
                    good.headers.getall("Set-Cookie"), await good.json(), me, page.headers, await page.text())

    bad, bad_body, bad_cookies, before, good, cookies, answer, me, headers, html = run(scenario())
    assert (bad, bad_cookies, before, good) == (401, 0, 401, 200)
    assert bad_body["error"].startswith("token:")
    [cookie] = cookies
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; behind a TLS proxy it is (next test)
    assert token not in cookie and token not in json.dumps(answer) and token not in html
    assert me["user"] == answer["user"] == "ana" and me["csrf"] == answer["csrf"] and "WAITING" in me["states"]
    assert "script-src 'self'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert '<script type="module" src="/static/app.js">' in html


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_people_see_the_jobs_the_api_shows_them(cluster, web, tmp_path):
    mine = submit(cluster, tmp_path, "ana", "plate")
    theirs = submit(cluster, tmp_path, "bob", "bracket")
    ana, root = cluster.token("ana"), cluster.token("root", Role.ADMIN)

    async def scenario():
        seen = {}
        for who, token in (("ana", ana), ("root", root)):
            s, _ = await signed_in(web, token)
            async with s:
                listed = await (await s.get(f"{web}/api/jobs")).json()
                other = await s.get(f"{web}/api/jobs/{theirs}")
                bad_state = await s.get(f"{web}/api/jobs", params={"state": "SLEEPING"})
                seen[who] = ({j["id"] for j in listed["jobs"]}, other.status, bad_state.status,
                             (await bad_state.json())["error"])
        return seen

    seen = run(scenario())
    assert seen["ana"][:3] == ({mine}, 404, 400) and seen["ana"][3].startswith("state:")
    assert seen["root"][:2] == ({mine, theirs}, 200)


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_an_action_needs_the_sessions_csrf_token_and_this_origin(cluster, web, tmp_path):
    job_id = submit(cluster, tmp_path, "ana", "plate")
    token = cluster.token("ana")

    async def scenario():
        s, me = await signed_in(web, token)
        async with s:
            url = f"{web}/api/jobs/{job_id}/cancel"
            no_token = await s.post(url, headers={"Origin": web})
            wrong = await s.post(url, headers={"Origin": web, "X-CSRF-Token": "guess"})
            elsewhere = await s.post(url, headers={"Origin": "http://evil.example", "X-CSRF-Token": me["csrf"]})
            cross_site = await s.post(url, headers={"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": me["csrf"]})
            state_after_refusals = (await (await s.get(f"{web}/api/jobs/{job_id}")).json())["state"]
            done = await s.post(url, headers={"Origin": web, "X-CSRF-Token": me["csrf"]})
            return ([r.status for r in (no_token, wrong, elsewhere, cross_site)], state_after_refusals,
                    done.status, await done.json())

    refused, state_after_refusals, status, cancelled = run(scenario())
    assert refused == [403, 403, 403, 403] and state_after_refusals == "WAITING"
    assert status == 200 and cancelled["state"] == "CANCELLED"
    cluster.server.audit.flush()
    refusals = [e for e in cluster.server.store.audit_entries(100) if e.port == "web"]
    assert len(refusals) == 4 and all(e.code == "PERMISSION_DENIED" and e.method.endswith("/cancel") for e in refusals)


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_a_revoked_token_ends_its_session_and_a_node_token_signs_in_nowhere(cluster, web):
    book = cluster.server.tokens
    secret, record = book.create(Principal("ana", Role.DEVELOPER))
    node = cluster.token("node-1", Role.NODE)

    async def scenario():
        s, _ = await signed_in(web, secret)
        async with s:
            before = (await s.get(f"{web}/api/jobs")).status
            book.revoke(record.token_id)
            after = (await s.get(f"{web}/api/jobs")).status
            again = (await s.get(f"{web}/api/me")).status
        async with aiohttp.ClientSession() as s:
            as_node = (await s.post(f"{web}/api/signin", json={"token": node}, headers={"Origin": web})).status
        return before, after, again, as_node

    assert run(scenario()) == (200, 401, 401, 401)


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_changes_arrive_as_server_sent_events_without_a_reload(cluster, web, tmp_path):
    token = cluster.token("ana")

    async def scenario():
        s, _ = await signed_in(web, token)
        async with s:
            garbage = await s.get(f"{web}/api/events", headers={"Last-Event-ID": "garbage"})
            assert garbage.status == 400 and (await garbage.json())["error"].startswith("Last-Event-ID:")
            stream = await s.get(f"{web}/api/events")
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            job_id = await asyncio.to_thread(submit, cluster, tmp_path, "ana", "plate")
            states = []
            while "WAITING" not in states:
                line = (await asyncio.wait_for(stream.content.readline(), 10)).decode()
                if line.startswith("data: "):
                    job = json.loads(line[6:])
                    if job["id"] == job_id:
                        states.append(job["state"])
            stream.close()
            return states

    assert run(scenario())[-1] == "WAITING"


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_static_files_stay_in_their_folder_and_bad_bodies_get_a_clear_400(cluster, web):
    async def scenario():
        async with aiohttp.ClientSession() as s:
            escape = await s.get(f"{web}/static/../site.py")
            listing = await s.get(f"{web}/static/")
            script = await s.get(f"{web}/static/app.js")
            not_json = await s.post(f"{web}/api/signin", data=b"token=x", headers={"Origin": web})
            return escape.status, listing.status, script.status, not_json.status, (await not_json.json())["error"]

    escape, listing, script, not_json, error = run(scenario())
    assert escape in (403, 404) and listing in (403, 404) and script == 200
    assert not_json == 400 and error.startswith("body:")


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_behind_a_proxy_that_ends_tls_the_cookie_is_secure_and_the_https_origin_is_this_one(cluster, web):
    token = cluster.token("ana")
    https_origin = web.replace("http://", "https://")

    async def scenario():
        async with aiohttp.ClientSession() as s:
            answer = await s.post(f"{web}/api/signin", json={"token": token},
                                  headers={"Origin": https_origin, "X-Forwarded-Proto": "https"})
            return answer.status, answer.headers.getall("Set-Cookie")

    status, [cookie] = run(scenario())
    assert status == 200 and "Secure" in cookie


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_admins_approve_and_reject_held_jobs_and_nobody_else_sees_them(cluster, web, tmp_path):
    held = [submit(cluster, tmp_path, "ana", f"big-{i}", requires_approval=True) for i in range(2)]
    tokens = {"guest": cluster.token("gus", Role.GUEST), "ana": cluster.token("ana"),
              "root": cluster.token("root", Role.ADMIN)}

    async def scenario():
        refused = {}
        for who in ("guest", "ana"):
            s, me = await signed_in(web, tokens[who])
            async with s:
                listing = await s.get(f"{web}/api/admin/approvals")
                approve = await s.post(f"{web}/api/admin/jobs/{held[0]}/approve",
                                       headers={"Origin": web, "X-CSRF-Token": me["csrf"]})
                refused[who] = (listing.status, (await listing.json())["error"], approve.status)
        s, me = await signed_in(web, tokens["root"])
        async with s:
            act = {"Origin": web, "X-CSRF-Token": me["csrf"]}
            listed = [j["id"] for j in (await (await s.get(f"{web}/api/admin/approvals")).json())["jobs"]]
            approved = await (await s.post(f"{web}/api/admin/jobs/{held[0]}/approve", headers=act)).json()
            no_reason = await s.post(f"{web}/api/admin/jobs/{held[1]}/reject", json={"reason": " "}, headers=act)
            rejected = await (await s.post(f"{web}/api/admin/jobs/{held[1]}/reject", json={"reason": "too big"},
                                           headers=act)).json()
            again = await s.post(f"{web}/api/admin/jobs/{held[0]}/approve", headers=act)
            left = (await (await s.get(f"{web}/api/admin/approvals")).json())["jobs"]
            return refused, listed, approved, no_reason.status, (await no_reason.json())["error"], rejected, \
                again.status, left

    refused, listed, approved, no_reason, no_reason_error, rejected, again, left = run(scenario())
    for status, error, approve in refused.values():
        assert (status, approve) == (403, 403) and error.startswith("only admins may")
    cluster.server.audit.flush()
    entries = [e for e in cluster.server.store.audit_entries(100) if e.port == "web"]
    done = {(e.user, e.method.rsplit("/", 1)[-1], e.code) for e in entries}
    assert {("root", "approve", "OK"), ("root", "reject", "OK"), ("root", "reject", "INVALID_ARGUMENT"),
            ("gus", "approve", "PERMISSION_DENIED"), ("ana", "approvals", "PERMISSION_DENIED")} <= done
    assert sorted(listed) == sorted(held)
    assert approved["state"] == "WAITING" and not approved["awaiting_approval"]
    assert no_reason == 400 and no_reason_error.startswith("reason:")
    assert rejected["state"] == "CANCELLED" and "too big" in rejected["error_message"]
    assert again == 409 and left == []


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_a_jobs_page_has_its_state_history_every_reason_it_waits_its_log_and_download_links(cluster, web, tmp_path):
    waits = submit(cluster, tmp_path, "ana", "waits", node="nowhere")
    cluster.add_agent("node-1", cpus=2)
    done = run_to_end(cluster, tmp_path, "plate")
    token = cluster.token("ana")

    async def scenario():
        s, _ = await signed_in(web, token)
        async with s:
            waiting = await (await s.get(f"{web}/api/jobs/{waits}")).json()
            finished = await (await s.get(f"{web}/api/jobs/{done.id}")).json()
            log = await (await s.get(f"{web}/api/jobs/{done.id}/log")).json()
            rest = await (await s.get(f"{web}/api/jobs/{done.id}/log",
                                      params={"after_seq": log["lines"][-2]["seq"]})).json()
            bad = await s.get(f"{web}/api/jobs/{done.id}/log", params={"after_seq": "-1"})
            links = await (await s.get(f"{web}/api/jobs/{done.id}/downloads")).json()
            none_yet = await s.get(f"{web}/api/jobs/{waits}/downloads")
            fetched = {}
            async with aiohttp.ClientSession() as browser:  # no cookie: the link alone is the permission
                for f in links["files"]:
                    async with browser.get(f["url"]) as answer:
                        fetched[f["name"]] = (answer.status, len(await answer.read()))
            return (waiting, finished, log, rest, bad.status, (await bad.json())["error"], links, none_yet.status,
                    fetched)

    waiting, finished, log, rest, bad, bad_error, links, none_yet, fetched = run(scenario())
    assert waiting["state"] == "WAITING" and waiting["waiting"]["reasons"]
    assert any("nowhere" in r["message"] for r in waiting["waiting"]["reasons"])
    assert finished["waiting"] is None and finished["state"] == "COMPLETED"
    moves = [(m["state"], m["attempt"], m["node"]) for m in finished["states"]]
    assert moves == [("BLOCKED", 0, ""), ("WAITING", 0, ""), ("STARTING", 1, "node-1"), ("RUNNING", 1, "node-1"),
                     ("COMPLETED", 1, "node-1")]
    times = [m["time"] for m in finished["states"]]
    assert times == sorted(times) and times[0] == finished["create_time"] and times[-1] == finished["end_time"]
    assert [m["state"] for m in waiting["states"]] == ["BLOCKED", "WAITING"]
    assert {f["name"] for f in finished["result_files"]} == {f["name"] for f in links["files"]}
    sources = {line["source"] for line in log["lines"]}
    assert {"scheduler", "agent"} <= sources and [line["seq"] for line in rest["lines"]] == [log["lines"][-1]["seq"]]
    assert bad == 400 and bad_error.startswith("after_seq:")
    assert none_yet == 409
    assert fetched and all(status == 200 for status, _ in fetched.values())
    assert {name: size for name, (_, size) in fetched.items()} == {f["name"]: f["size_bytes"] for f in links["files"]}


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_nodes_show_their_use_and_admins_alone_drain_and_resume_them(cluster, web):
    cluster.add_agent("node-1", cpus=4)
    ana, root = cluster.token("ana"), cluster.token("root", Role.ADMIN)

    async def scenario():
        s, me = await signed_in(web, ana)
        async with s:
            seen = (await (await s.get(f"{web}/api/nodes")).json())["nodes"]
            answer = await s.post(f"{web}/api/admin/nodes/node-1/drain",
                                  headers={"Origin": web, "X-CSRF-Token": me["csrf"]})
            refused = (answer.status, (await answer.json())["error"])
        s, me = await signed_in(web, root)
        async with s:
            act = {"Origin": web, "X-CSRF-Token": me["csrf"]}
            drained = await (await s.post(f"{web}/api/admin/nodes/node-1/drain", headers=act)).json()
            listed = (await (await s.get(f"{web}/api/nodes")).json())["nodes"]
            resumed = await (await s.post(f"{web}/api/admin/nodes/node-1/resume", headers=act)).json()
        return seen, refused, drained, listed, resumed

    seen, refused, drained, listed, resumed = run(scenario())
    [node] = seen
    assert (node["name"], node["state"], node["cpus"], node["cpus_in_use"], node["transfers_held"]) == \
        ("node-1", "ready", 4, 0, 0)
    assert node["seen_s_ago"] is not None and node["seen_s_ago"] < 10
    assert refused[0] == 403 and refused[1].startswith("only admins may")
    assert drained["drained"] and listed[0]["state"] == "draining"
    assert not resumed["drained"] and resumed["state"] == "ready"


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_the_queue_panel_counts_the_queue_and_charts_the_use_of_cores_and_tokens(cluster, web, tmp_path):
    cluster.add_agent("node-1", cpus=4)
    submit(cluster, tmp_path, "ana", "waits", node="nowhere")
    ana, root = cluster.token("ana"), cluster.token("root", Role.ADMIN)

    async def take_sample():  # on the scheduler's loop, as its minutely task does
        cluster.server.usage.sample()

    for _ in range(2):
        cluster.loop_thread.run(take_sample())

    async def scenario():
        answers = {}
        for who, token in (("ana", ana), ("root", root)):
            s, _ = await signed_in(web, token)
            async with s:
                answers[who] = await (await s.get(f"{web}/api/queue")).json()
        return answers

    answers = run(scenario())
    q = answers["root"]
    assert q["by_state"]["WAITING"] == 1 and q["by_user"] == {"ana": 1} and answers["ana"]["by_user"] == {}
    assert (q["cores_in_use"], q["cores_total"]) == (0, 4) and "max_concurrent" in q["settings"]
    assert len(q["usage"]) >= 2 and q["usage"][-1]["cores_total"] == 4 and q["usage"][-1]["waiting"] == 1
    times = [u["time"] for u in q["usage"]]
    assert times == sorted(times)


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_batches_show_their_progress_by_stage_and_their_failures(cluster, web, tmp_path):
    cluster.add_agent("node-1", cpus=2)
    good, bad = tmp_path / "good.inp", tmp_path / "bad.inp"
    good.write_bytes(MODEL)
    bad.write_bytes(MODEL.replace(b"seconds=0", b"seconds=0 fail=model"))
    with cluster.client("ana") as client:
        batch = client.create_batch("sweep", parallelism=2, expected_jobs=3)
        jobs = [client.submit(m, cpus=1, batch_id=batch.id) for m in (good, bad)]
        for j in jobs:
            client.wait(j.id)
    ana, bob = cluster.token("ana"), cluster.token("bob")

    async def scenario():
        s, _ = await signed_in(web, ana)
        async with s:
            listed = (await (await s.get(f"{web}/api/batches")).json())["batches"]
            one = await (await s.get(f"{web}/api/batches/{batch.id}")).json()
        s, _ = await signed_in(web, bob)
        async with s:
            theirs = await s.get(f"{web}/api/batches/{batch.id}")
            bobs = (await (await s.get(f"{web}/api/batches")).json())["batches"]
        return listed, one, theirs.status, bobs

    listed, one, theirs, bobs = run(scenario())
    assert [b["id"] for b in listed] == [batch.id] and bobs == [] and theirs == 404
    assert (one["total_jobs"], one["completed"], one["failed"], one["waiting"]) == (3, 1, 1, 1)
    assert (one["completed_stages"], one["total_stages"]) == (6, 9) and not one["finished"]
    assert [f["id"] for f in one["failures"]] == [jobs[1].id] and one["failures"][0]["error_message"]


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_admins_change_limits_and_create_and_revoke_tokens(cluster, web):
    root, ana = cluster.token("root", Role.ADMIN), cluster.token("ana")

    async def scenario():
        s, me = await signed_in(web, ana)
        async with s:
            act = {"Origin": web, "X-CSRF-Token": me["csrf"]}
            as_developer = [(await s.get(f"{web}/api/admin/settings")).status,
                            (await s.post(f"{web}/api/admin/settings", json={"max_concurrent": 50},
                                          headers=act)).status,
                            (await s.post(f"{web}/api/admin/tokens", json={"user": "eve", "role": "admin"},
                                          headers=act)).status]
        s, me = await signed_in(web, root)
        async with s:
            act = {"Origin": web, "X-CSRF-Token": me["csrf"]}
            changed = await (await s.post(f"{web}/api/admin/settings", json={"max_concurrent": 7,
                                                                              "enable_fair_share": True},
                                          headers=act)).json()
            bad = await s.post(f"{web}/api/admin/settings", json={"user_max_concurrent": 1.5}, headers=act)
            unknown = await s.post(f"{web}/api/admin/settings", json={"speed": 1}, headers=act)
            created = await s.post(f"{web}/api/admin/tokens", json={"user": "carl", "role": "developer",
                                                                     "team": "cae", "ttl_days": 30}, headers=act)
            secret, token_id = (await created.text()).strip(), created.headers["X-Token-Id"]
            disposition = created.headers["Content-Disposition"]
            bad_role = await s.post(f"{web}/api/admin/tokens", json={"user": "carl", "role": "boss"}, headers=act)
            listed = await (await s.get(f"{web}/api/admin/tokens")).text()
            carl, _ = await signed_in(web, secret)
            async with carl:
                carl_before = (await carl.get(f"{web}/api/me")).status
                await s.post(f"{web}/api/admin/tokens/{token_id}/revoke", headers=act)
                carl_after = (await carl.get(f"{web}/api/me")).status
            return (as_developer, changed, bad.status, (await bad.json())["error"], unknown.status, secret,
                    token_id, disposition, bad_role.status, (await bad_role.json())["error"], listed,
                    carl_before, carl_after)

    (as_developer, changed, bad, bad_error, unknown, secret, token_id, disposition, bad_role, bad_role_error,
     listed, carl_before, carl_after) = run(scenario())
    assert as_developer == [403, 403, 403]
    assert changed["max_concurrent"] == 7 and changed["enable_fair_share"] is True
    assert cluster.server.queue.settings.max_concurrent == 7  # the same settings the scheduler uses
    assert bad == 400 and bad_error.startswith("user_max_concurrent:") and unknown == 400
    assert "attachment" in disposition and token_id in json.loads(listed)["tokens"][-1]["token_id"]
    assert secret not in listed and bad_role == 400 and bad_role_error.startswith("role:")
    assert (carl_before, carl_after) == (200, 401)


@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_the_convergence_chart_has_every_increment_attempt_once_with_its_cut_backs(cluster, web, tmp_path):
    cluster.add_agent("node-1", cpus=2)
    job = run_to_end(cluster, tmp_path, "crawl", MODEL.replace(b"seconds=0", b"seconds=1 increments=6 cutbacks=2"))
    token = cluster.token("ana")

    async def scenario():
        s, _ = await signed_in(web, token)
        async with s:
            return await (await s.get(f"{web}/api/jobs/{job.id}/convergence")).json()

    chart = run(scenario())
    rows = chart["rows"]
    keys = [(r["step"], r["increment"], r["attempt"]) for r in rows]
    assert job.state.name == "COMPLETED" and chart["attempt"] == 1
    assert len(keys) == len(set(keys)) and sum(r["cut_back"] for r in rows) >= 2
    assert [r["increment"] for r in rows if not r["cut_back"]] == list(range(1, 7))
    assert all(r["time_increment"] > 0 for r in rows) and rows == sorted(rows, key=lambda r: r["time"])



@pytest.mark.parametrize("cluster", [WEB], indirect=True)
def test_the_jobs_table_filters_by_team_and_by_batch_within_what_each_may_see(cluster, web, tmp_path):
    path = tmp_path / "m.inp"
    path.write_bytes(MODEL)
    with cluster.client("ana", team="cae") as ana, cluster.client("bob", team="cfd") as bob:
        batch = ana.create_batch("sweep", parallelism=1, expected_jobs=2)
        in_batch = ana.submit(path, cpus=1, name="in-batch", batch_id=batch.id, node="nowhere").id
        ana_only = ana.submit(path, cpus=1, name="alone", node="nowhere").id
        bobs = bob.submit(path, cpus=1, name="bobs", node="nowhere").id
    tokens = {"root": cluster.token("root", Role.ADMIN), "lead": cluster.token("lea", Role.LEAD, team="cae"),
              "ana": cluster.token("ana", team="cae"), "bob": cluster.token("bob", team="cfd")}

    async def ids(s, **params):
        answer = await s.get(f"{web}/api/jobs", params=params)
        body = await answer.json()
        return {j["id"] for j in body["jobs"]} if answer.status == 200 else (answer.status, body["error"])

    async def scenario():
        seen = {}
        for who, token in tokens.items():
            s, _ = await signed_in(web, token)
            async with s:
                seen[who] = {"cae": await ids(s, team="cae"), "cfd": await ids(s, team="cfd"),
                             "batch": await ids(s, batch=batch.id)}
        return seen

    seen = run(scenario())
    assert seen["root"] == {"cae": {in_batch, ana_only}, "cfd": {bobs}, "batch": {in_batch}}
    assert seen["lead"]["cae"] == {in_batch, ana_only} and seen["lead"]["cfd"][0] == 403
    assert seen["ana"]["cae"][0] == 403 and seen["ana"]["batch"] == {in_batch}
    assert seen["bob"]["batch"][0] == 404  # another's batch does not exist for them
