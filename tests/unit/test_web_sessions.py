"""Dashboard sessions: random ids and CSRF tokens, ended by idleness, by age, by sign-out, and the
least recently used one when there are too many."""

from __future__ import annotations

from scheduler.web.sessions import Sessions


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_session_lives_while_used_and_ends_when_idle_too_long_or_too_old():
    clock = Clock()
    sessions = Sessions(clock, idle_s=10, max_age_s=25)
    s = sessions.open("tok")
    assert s.id != s.csrf and len(s.id) >= 40 and s.token == "tok"
    for t in (9, 18, 24):  # used within every 10 s
        clock.now = t
        assert sessions.get(s.id) is s
    clock.now = 26
    assert sessions.get(s.id) is None  # older than 25 s, though used
    idle = sessions.open("tok")
    clock.now = 37
    assert sessions.get(idle.id) is None  # 11 s without a request
    assert sessions.get("") is None and sessions.get("made-up") is None


def test_sign_out_ends_it_and_too_many_end_the_least_recently_used():
    sessions = Sessions(Clock(), most=2)
    a, b = sessions.open("a"), sessions.open("b")
    sessions.get(a.id)  # a used after b
    c = sessions.open("c")
    assert sessions.get(b.id) is None and sessions.get(a.id) is a and sessions.get(c.id) is c
    sessions.close(a.id)
    sessions.close("not-open")
    assert sessions.get(a.id) is None


def test_the_csrf_check_takes_only_the_sessions_own_token():
    s = Sessions(Clock()).open("tok")
    assert s.allows(s.csrf) and not s.allows("") and not s.allows(s.csrf[:-1]) and not s.allows(s.id)
