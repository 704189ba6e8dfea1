"""N concurrent sessions while random parts of a running local stack are killed; then
every session must be decided exactly once, with exactly one webhook (one webhook-id)
each, none lost. Used by `./dev bench faults` and by tests/platform/test_faults.py.

Faults: SIGKILL of a function process (the supervisor restarts it), SIGKILL of the broker
(restarted on its port; its queue is on disk), SIGKILL of the relay process (the outbox is
transactional), and a Postgres restart (stop, start on the same port).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import psycopg
from psycopg.rows import dict_row

from shared.db.cluster import EmbeddedPostgres
from shared.local.demo import WORKFLOW, code_for
from shared.local.stack import Stack
from shared.local.webhook_receiver import WebhookReceiver

FUNCTION_TARGETS = ("orchestrator", "email", "phone", "webhooks")
DECIDED = {"approved", "declined", "in_review"}


@dataclass
class FaultReport:
    sessions: int
    kills: Counter = field(default_factory=Counter)
    decided: int = 0
    decided_events: Counter = field(default_factory=Counter)  # session -> decided events
    webhook_ids: dict[str, set[str]] = field(default_factory=dict)  # session -> ids
    deliveries: int = 0  # raw HTTP deliveries received (retries included)
    submit_retries: int = 0
    seconds: float = 0.0

    @property
    def decided_once(self) -> int:
        return sum(1 for n in self.decided_events.values() if n == 1)

    @property
    def one_webhook(self) -> int:
        return sum(1 for ids in self.webhook_ids.values() if len(ids) == 1)

    @property
    def lost(self) -> int:
        return self.sessions - min(self.decided, self.one_webhook)

    def ok(self) -> bool:
        return (
            self.decided == self.sessions
            and self.decided_once == self.sessions
            and self.one_webhook == self.sessions
        )

    def lines(self) -> list[str]:
        return [
            f"sessions {self.sessions}, faults {dict(self.kills)} in {self.seconds:.0f} s",
            f"decided {self.decided}/{self.sessions}, decided exactly once "
            f"{self.decided_once}/{self.sessions}",
            f"exactly one webhook (one webhook-id) {self.one_webhook}/{self.sessions}; "
            f"{self.deliveries} HTTP deliveries received",
            f"lost {self.lost}; submit calls retried after 5xx/connection errors: "
            f"{self.submit_retries}",
        ]


class FaultInjector:
    def __init__(self, stack: Stack, kinds: list[str], rng: random.Random) -> None:
        self.stack = stack
        self.kinds = kinds
        self.rng = rng
        self.kills: Counter = Counter()

    def one(self, kind: str | None = None) -> str:
        kind = kind or self.rng.choice(self.kinds)
        if kind == "function":
            name = self.rng.choice([n for n in FUNCTION_TARGETS if n in self.stack.processes])
            self.stack.processes[name].kill()
            self.kills[f"function:{name}"] += 1
        elif kind == "broker":
            assert self.stack.broker is not None
            self.stack.broker.kill()
            self.kills["broker"] += 1
        elif kind == "relay":
            self.stack.processes["relay"].kill()
            self.kills["relay"] += 1
        elif kind == "postgres":
            cluster = EmbeddedPostgres(self.stack.settings.data_dir)
            cluster.stop()
            time.sleep(0.5)
            cluster.start()
            self.kills["postgres"] += 1
        return kind


def _retrying(fn, attempts: int = 60, report: FaultReport | None = None):
    """Call an API operation until it answers below 500 (the client's retry on 5xx and
    connection errors, as any API client does)."""
    for i in range(attempts):
        try:
            r = fn()
            if r.status_code < 500:
                return r
        except httpx.HTTPError:
            pass
        if report is not None:
            report.submit_retries += 1
        time.sleep(min(2.0, 0.2 * (i + 1)))
    raise RuntimeError("the API kept failing")


def run_faults(
    stack: Stack,
    admin_url: str,
    sessions: int,
    faults: int,
    kinds: list[str],
    seed: int = 13,
    timeout: float = 240.0,
) -> FaultReport:
    rng = random.Random(seed)
    report = FaultReport(sessions)
    receiver = WebhookReceiver().start()
    t0 = time.perf_counter()
    try:
        with httpx.Client(base_url=stack.api_url, timeout=30) as api:
            email = f"faults-{uuid.uuid4().hex[:8]}@tenant.example"
            api.post("/v1/register", json={"email": email, "organization": "Faults"})
            reg = api.post(
                "/v1/register/verify", json={"email": email, "code": code_for(admin_url, email)}
            ).json()
            key = {"Authorization": f"Bearer {reg['api_key']}"}
            hook = api.put(
                "/v1/webhook",
                headers=key,
                json={"url": receiver.url, "events": ["session.decided"]},
            ).json()
            receiver.secret = hook["secret"]
            wf = api.post("/v1/workflows", headers=key, json=WORKFLOW).json()["id"]

            def prepare(i: int) -> tuple[str, dict[str, str]]:
                s = api.post("/v1/sessions", headers=key, json={"workflow_id": wf}).json()
                user = {"Authorization": f"Bearer {s['session_token']}"}
                sid = s["session_id"]
                mail = f"f{i}-{uuid.uuid4().hex[:6]}@example.org"
                phone = f"+1415555{rng.randint(1000, 9999)}"
                api.post(f"/v1/sessions/{sid}/email", headers=user, json={"email": mail})
                api.post(f"/v1/sessions/{sid}/phone", headers=user, json={"phone": phone})
                for ch, target in (("email", mail), ("phone", phone)):
                    code = code_for(admin_url, target)
                    api.post(f"/v1/sessions/{sid}/{ch}/check", headers=user, json={"code": code})
                return sid, user

            with ThreadPoolExecutor(4) as pool:
                prepared = list(pool.map(prepare, range(sessions)))

            injector = FaultInjector(stack, kinds, rng)
            stop = threading.Event()

            def inject() -> None:
                planned = [kinds[i % len(kinds)] for i in range(faults)]
                rng.shuffle(planned)
                for kind in planned:
                    if stop.wait(rng.uniform(0.5, 2.0)):
                        return
                    injector.one(kind)

            killer = threading.Thread(target=inject, daemon=True)
            killer.start()

            def submit(item: tuple[str, dict[str, str]]) -> None:
                sid, user = item
                time.sleep(rng.uniform(0, max(2.0, faults * 1.2)))
                r = _retrying(
                    lambda: api.post(f"/v1/sessions/{sid}/submit", headers=user), report=report
                )
                assert r.status_code in (202, 409), r.text  # 409: a retried submit landed

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(submit, prepared))
            killer.join()
            stop.set()
            report.kills = injector.kills

            ids = [sid for sid, _ in prepared]
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                states = [
                    _retrying(lambda s=s: api.get(f"/v1/sessions/{s}", headers=key)).json()
                    for s in ids
                ]
                report.decided = sum(1 for s in states if s["status"] in DECIDED)
                hooks = _webhooks(receiver, set(ids))
                if report.decided == sessions and all(hooks.get(s) for s in ids):
                    break
                time.sleep(1.0)
            time.sleep(3.0)  # late duplicates would show now
            report.webhook_ids = {s: _webhooks(receiver, set(ids)).get(s, set()) for s in ids}
            report.deliveries = sum(
                1 for m in receiver.received if m["body"].get("data", {}).get("session_id") in ids
            )
            with psycopg.connect(admin_url, row_factory=dict_row) as conn:
                rows = conn.execute(
                    "SELECT event->>'sessionid' AS sid, count(*) AS n FROM outbox "
                    "WHERE event_type = 'io.idmesh.session.decided.v1' "
                    "AND event->>'sessionid' = ANY(%s) GROUP BY 1",
                    (ids,),
                ).fetchall()
            report.decided_events = Counter({r["sid"]: r["n"] for r in rows})
    finally:
        receiver.stop()
    report.seconds = time.perf_counter() - t0
    return report


def _webhooks(receiver: WebhookReceiver, ids: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for m in list(receiver.received):
        sid = m["body"].get("data", {}).get("session_id")
        if sid in ids and m["verified"]:
            out.setdefault(sid, set()).add(m["headers"]["webhook-id"])
    return out
