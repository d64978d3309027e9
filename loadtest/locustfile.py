"""The main mix of a government services platform, for locust (headless; see scripts/load.py).

    citizens (weight 8): browse the catalogue (home, item list, search, guides, the catalogue API),
        apply online (draft with a counter material, upload the application form as PDF, submit with
        an Idempotency-Key), query the status of their cases
        and answer supplement requests
    window clerk (weight 1): accept submitted applications, or ask for a supplement (3 in 10), and
        ask a second time once answered (breaking 一次性告知: supervision raises an alert)
    reviewer/approver (weight 1): claim and complete review and decision tasks

Reads the fixture written by loadtest/prepare.py (GOVHALL_LOAD_FIXTURE). A submission that fails
with a connection error, 502 or 503 is retried with the same Idempotency-Key (at most
GOVHALL_LOAD_RETRIES times, one second apart), as a real client would; every acknowledged
submission (2xx) is appended to GOVHALL_LOAD_RECORD (JSON lines: key, case number, status, tries)
for the drill to check against the database. At most GOVHALL_LOAD_MAX_SUBMISSIONS applications are
filed per locust process; after that citizens only browse and query.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["GOVHALL_LOAD_FIXTURE"]).read_text(encoding="utf-8"))
RECORD = os.environ.get("GOVHALL_LOAD_RECORD", "")
RETRIES = int(os.environ.get("GOVHALL_LOAD_RETRIES", "30"))
MAX_SUBMISSIONS = int(os.environ.get("GOVHALL_LOAD_MAX_SUBMISSIONS", "400"))
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FORM = {"contact_name": "压力测试", "contact_phone": "13800138000"}
RETRYABLE = {0, 502, 503, 504}
# Share of submitted applications the window sends back for a supplement instead of accepting.
SUPPLEMENT_SHARE = float(os.environ.get("GOVHALL_LOAD_SUPPLEMENT_SHARE", "0.3"))

_citizens = itertools.cycle(FIXTURE["citizens"])
_lock = threading.Lock()
_submitted = 0
_counters = {"retried": 0, "gave_up": 0, "conflicts": 0}


def _reserve_submission() -> bool:
    global _submitted
    with _lock:
        if _submitted >= MAX_SUBMISSIONS:
            return False
        _submitted += 1
        return True


def _record(entry: dict[str, Any]) -> None:
    if not RECORD:
        return
    with _lock, open(RECORD, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")


@events.quitting.add_listener
def _report(environment: Any, **kwargs: Any) -> None:
    print(f"govhall-load: submissions={_submitted} " + " ".join(f"{k}={v}" for k, v in _counters.items()))


class Citizen(HttpUser):
    weight = 8
    wait_time = between(0.3, 1.5)

    def on_start(self) -> None:
        with _lock:
            self.account = next(_citizens)
        self.headers = {"Authorization": f"Bearer {self.account['token']}"}
        self.cases: list[str] = []

    # --- browsing --------------------------------------------------------------------------------

    @task(6)
    def browse(self) -> None:
        code = random.choice(FIXTURE["browse"])
        choice = random.random()
        if choice < 0.2:
            self.client.get("/", name="page: home")
        elif choice < 0.45:
            self.client.get("/items/?page=" + str(random.randint(1, 3)), name="page: item list")
        elif choice < 0.75:
            self.client.get(f"/items/{code}/", name="page: item guide")
        elif choice < 0.9:
            self.client.get(
                "/api/v1/catalog/items?q=" + random.choice(["许可", "登记", "证明", "社会保险"]),
                name="api: catalogue search",
            )
        else:
            self.client.get(f"/api/v1/catalog/items/{code}", name="api: item detail")

    # --- applying ----------------------------------------------------------------------------------

    def _post_retrying(self, url: str, name: str, **kwargs: Any) -> Any:
        """POST, retrying connection errors, 502 and 503 with the same request (and key)."""
        for attempt in range(RETRIES + 1):
            with self.client.post(url, name=name, catch_response=True, **kwargs) as response:
                if response.status_code in RETRYABLE and attempt < RETRIES:
                    response.failure(f"{response.status_code}, retrying")
                    with _lock:
                        _counters["retried"] += 1
                else:
                    if response.status_code < 400:
                        response.success()
                    return response
            time.sleep(1)
        return None

    @task(2)
    def apply(self) -> None:
        if not _reserve_submission():
            self.status()
            return
        draft = self._post_retrying(
            "/api/v1/cases",
            "api: save draft",
            headers=self.headers,
            json={
                "item": FIXTURE["item"],
                "form": FORM,
                "draft": True,
                "materials": [{"material_id": FIXTURE["counter_material"], "kind": "counter"}],
            },
        )
        if draft is None or draft.status_code != 201:
            return
        reference = draft.json()["reference"]
        upload = self._post_retrying(
            f"/api/v1/cases/{reference}/materials",
            "api: upload material",
            headers=self.headers,
            data={"material_id": str(FIXTURE["upload_material"])},
            files={"file": ("申请书.pdf", PDF, "application/pdf")},
        )
        if upload is None or upload.status_code != 201:
            return
        key = uuid.uuid4().hex
        started = time.monotonic()
        tries = 0
        status_code = 0
        body: dict[str, Any] | None = None
        for _attempt in range(RETRIES + 1):
            tries += 1
            with self.client.post(
                f"/api/v1/cases/{reference}/submit",
                name="api: submit (Idempotency-Key)",
                headers={**self.headers, "Idempotency-Key": key},
                json={},
                catch_response=True,
            ) as response:
                status_code = response.status_code
                if status_code in RETRYABLE:
                    response.failure(f"{status_code}, retrying with the same key")
                    with _lock:
                        _counters["retried"] += 1
                elif status_code in (200, 201):
                    response.success()
                    body = response.json()
                    break
            time.sleep(1)
        if body is None:
            with _lock:
                _counters["gave_up"] += 1
            return
        self.cases.append(body["reference"])
        _record(
            {
                "key": key,
                "reference": reference,
                "case_no": body["case_no"],
                "status": status_code,
                "tries": tries,
                "seconds": round(time.monotonic() - started, 3),
            }
        )

    @task(2)
    def supplement(self) -> None:
        """Answer the window's supplement requests (补正) on one's own cases."""
        response = self.client.get(
            "/api/v1/cases?mine=true&status=supplement_requested&limit=5",
            headers=self.headers,
            name="api: cases to supplement",
        )
        if response.status_code != 200:
            return
        for case in response.json():
            self.client.post(
                f"/api/v1/cases/{case['reference']}/supplement",
                headers=self.headers,
                json={"form": {**FORM, "contact_phone": "13900139000"}},
                name="api: supplement",
            )

    # --- status ------------------------------------------------------------------------------------

    @task(3)
    def status(self) -> None:
        if self.cases and random.random() < 0.6:
            self.client.get(
                f"/api/v1/cases/{random.choice(self.cases)}", headers=self.headers, name="api: my case"
            )
        else:
            self.client.get("/api/v1/cases?mine=true&limit=10", headers=self.headers, name="api: my cases")


class Staff(HttpUser):
    """Abstract: a staff member working a queue; 409 (someone else was quicker) is not an error."""

    abstract = True
    wait_time = between(0.5, 1.5)
    token_key = ""

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {FIXTURE[self.token_key]}"}

    def post_staff(self, url: str, name: str, payload: dict[str, Any]) -> Any:
        with self.client.post(
            url, name=name, headers=self.headers, json=payload, catch_response=True
        ) as response:
            if response.status_code == 409:
                with _lock:
                    _counters["conflicts"] += 1
                response.success()
            return response


class WindowClerk(Staff):
    weight = 1
    token_key = "clerk"  # noqa: S105 - the fixture entry holding the token

    def on_start(self) -> None:
        super().on_start()
        self.sent_back: list[str] = []

    def request_supplement(self, reference: str, name: str) -> Any:
        return self.post_staff(
            f"/api/v1/cases/{reference}/supplement-request",
            name,
            {"items": [{"name": "联系电话", "reason": "预留电话无法接通，请核实"}]},
        )

    @task
    def accept(self) -> None:
        # A case sent back and answered by its applicant is asked again, for something the first
        # request should have listed: that breaks 一次性告知, and supervision raises a yellow card
        # from the task queued at commit, which the drill counts.
        if self.sent_back:
            reference = self.sent_back.pop(0)
            response = self.client.get(f"/api/v1/cases/{reference}", headers=self.headers, name="api: case")
            if response.status_code == 200 and response.json()["status"] == "submitted":
                self.request_supplement(reference, "api: request supplement again")
                return
            if response.status_code == 200 and response.json()["status"] == "supplement_requested":
                self.sent_back.append(reference)
        response = self.client.get(
            "/api/v1/cases?status=submitted&limit=20", headers=self.headers, name="api: cases to accept"
        )
        if response.status_code != 200:
            return
        ours = [c for c in response.json() if c["item_code"] == FIXTURE["item"]]
        if not ours:
            return
        case = random.choice(ours)
        if random.random() < SUPPLEMENT_SHARE:
            answer = self.request_supplement(case["reference"], "api: request supplement")
            if answer.status_code == 201:
                self.sent_back.append(case["reference"])
        else:
            self.post_staff(
                f"/api/v1/cases/{case['reference']}/accept", "api: accept", {"opinion": "材料齐全"}
            )


class Approver(Staff):
    weight = 1
    token_key = "approver"  # noqa: S105

    @task
    def work(self) -> None:
        response = self.client.get("/api/v1/tasks?limit=20", headers=self.headers, name="api: task queue")
        if response.status_code != 200:
            return
        tasks = [t for t in response.json() if "approve" in t["allowed_actions"]]
        if not tasks:
            return
        chosen = random.choice(tasks)
        if not chosen["assignee"]:
            claimed = self.post_staff(f"/api/v1/tasks/{chosen['id']}/claim", "api: claim task", {})
            if claimed.status_code != 200:
                return
        self.post_staff(
            f"/api/v1/tasks/{chosen['id']}/complete",
            "api: complete task",
            {"action": "approve", "opinion": "同意"},
        )
