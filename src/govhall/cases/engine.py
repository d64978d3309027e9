"""The process engine: SpiffWorkflow 3.2 behind a small interface the case services use.

Conventions a process must follow (see ``processes/*.bpmn``):

- every user task carries spiffworkflow properties ``step_kind`` (accept, accept_decide, review,
  decide, joint_review, complete), ``candidate_group`` (``lead:<role>`` for the case's lead
  department, ``participant:<role>`` for the department code in the instance's ``department``
  variable), ``actions`` (comma-separated) and optionally ``time_limit_days``;
- completing a task writes ``action`` into its data (and, for an instance of a multi-instance
  task, into the instance's output item, e.g. ``decision`` collected into ``decisions``); gateways
  branch on them;
- an event with the property ``outcome`` (approved, denied, rejected) records the decision.

The parsed spec is serialised once into :class:`~govhall.cases.models.ProcessTemplate` and restored
once per process per template version; a case stores only its workflow state (tasks and data, no
spec), which is what makes a transition cheap.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from govhall.cases.models import ProcessTemplate
from govhall.core.errors import DomainError
from govhall.identity.models import Role

PROCESS_DIR = Path(__file__).resolve().parent / "processes"
SHIPPED = {"standard": "standard.bpmn", "instant": "instant.bpmn", "joint": "joint.bpmn"}
STEP_KINDS = frozenset({"accept", "accept_decide", "review", "decide", "joint_review", "complete"})
OUTCOMES = frozenset({"approved", "denied", "rejected"})
STATE_VERSION_KEY = "serializer_version"

# SpiffWorkflow logs every task state change at INFO: several lines per transition, per case.
logging.getLogger("spiff").setLevel(logging.WARNING)


class ProcessError(DomainError):
    status = 500


class _StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Workflow state without its spec; the spec comes from the template when restoring."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> Any:
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer.configure(config)


_SERIALIZER = BpmnWorkflowSerializer(_registry())
# Conditions are plain expressions over task data; no builtins, so a template cannot import or open.
_SCRIPT_ENGINE = PythonScriptEngine(environment=TaskDataEnvironment({"__builtins__": {}}))


# --- Templates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedProcess:
    process_id: str
    name: str
    spec: dict[str, Any]


def _invalid(message_en: str) -> DomainError:
    return DomainError("invalid_process", f"流程定义无效：{message_en}", message_en, status=400)


def _check_user_task(name: str, props: dict[str, str]) -> None:
    if props.get("step_kind") not in STEP_KINDS:
        raise _invalid(f"user task {name} needs step_kind, one of {sorted(STEP_KINDS)}")
    scope, _, role = props.get("candidate_group", "").partition(":")
    if scope not in {"lead", "participant"} or role not in Role.values:
        raise _invalid(f"user task {name} needs candidate_group lead:<role> or participant:<role>")
    if not [action for action in props.get("actions", "").split(",") if action.strip()]:
        raise _invalid(f"user task {name} needs actions")
    limit = props.get("time_limit_days", "")
    if limit and not limit.isdigit():
        raise _invalid(f"user task {name}: time_limit_days must be a whole number")


def parse_bpmn(bpmn_xml: str) -> ParsedProcess:
    """Validate and parse one BPMN document with one executable process; the spec as JSON data."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_str(bpmn_xml.encode("utf-8"))
        process_ids = parser.get_process_ids()
        if len(process_ids) != 1:
            raise _invalid("exactly one executable process is required")
        process_id = process_ids[0]
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, etree.LxmlError, WorkflowException) as exc:
        raise _invalid(str(exc).splitlines()[0][:300]) from exc
    if subprocess_specs:
        raise _invalid("call activities and subprocesses are not supported")
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ == "UserTask":
            _check_user_task(task_spec.bpmn_id, _properties(task_spec))
    return ParsedProcess(
        process_id=process_id,
        name=spec.description or process_id,
        spec=_SERIALIZER.to_dict(spec),
    )


@cache
def shipped_xml(code: str) -> str:
    return (PROCESS_DIR / SHIPPED[code]).read_text(encoding="utf-8")


@cache
def shipped_digest(code: str) -> str:
    return digest_of(shipped_xml(code))


def digest_of(bpmn_xml: str) -> str:
    return hashlib.sha256(bpmn_xml.encode("utf-8")).hexdigest()


def store_template(*, code: str, bpmn_xml: str) -> ProcessTemplate:
    """Store ``bpmn_xml`` as the active version of ``code`` (parsed here, once); caller holds a transaction."""
    parsed = parse_bpmn(bpmn_xml)
    current = ProcessTemplate.objects.select_for_update().filter(code=code, is_active=True).first()
    if current is not None and current.digest == digest_of(bpmn_xml):
        return current
    last = ProcessTemplate.objects.filter(code=code).order_by("-version").first()
    ProcessTemplate.objects.filter(code=code, is_active=True).update(is_active=False)
    return ProcessTemplate.objects.create(
        code=code,
        version=(last.version + 1) if last else 1,
        name=parsed.name,
        process_id=parsed.process_id,
        bpmn_xml=bpmn_xml,
        digest=digest_of(bpmn_xml),
        spec=parsed.spec,
    )


def active_template(code: str) -> ProcessTemplate:
    """The active template ``code``; a shipped process is stored on first use and when its file changes."""
    # The spec and the XML are large and needed only once per process (see _spec_for).
    current = ProcessTemplate.objects.defer("spec", "bpmn_xml").filter(code=code, is_active=True).first()
    if code not in SHIPPED:
        if current is None:
            raise DomainError(
                "unknown_process", f"流程模板 {code} 不存在", f"unknown process template {code}", status=400
            )
        return current
    xml = shipped_xml(code)
    if current is not None and current.digest == shipped_digest(code):
        return current
    try:
        with transaction.atomic():
            return store_template(code=code, bpmn_xml=xml)
    except IntegrityError:
        # Another process stored the same file first.
        return ProcessTemplate.objects.get(code=code, is_active=True)


_SPECS: dict[tuple[int, str], Any] = {}
_SPECS_LOCK = threading.Lock()


def _spec_for(template: ProcessTemplate) -> Any:
    key = (template.pk, template.digest)
    spec = _SPECS.get(key)
    if spec is None:
        with _SPECS_LOCK:
            spec = _SPECS.get(key)
            if spec is None:
                stored = ProcessTemplate.objects.values_list("spec", flat=True).get(pk=template.pk)
                spec = _SERIALIZER.from_dict(stored)
                _SPECS[key] = spec
    return spec


# --- Running -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadyTask:
    engine_id: UUID
    step: str
    name: str
    step_kind: str
    scope: str  # "lead" or "participant"
    role: str
    department_code: str  # the participant's department; "" for lead tasks
    time_limit_days: int | None
    actions: tuple[str, ...]


def _properties(task_spec: Any) -> dict[str, str]:
    extensions = getattr(task_spec, "extensions", None) or {}
    return dict(extensions.get("properties", {}))


class Run:
    """One case's workflow, restored for one transition."""

    def __init__(self, template: ProcessTemplate, workflow: Any) -> None:
        self.template = template
        self.workflow = workflow

    def ready_tasks(self) -> list[ReadyTask]:
        ready = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            props = _properties(task.task_spec)
            scope, _, role = props.get("candidate_group", "").partition(":")
            limit = props.get("time_limit_days", "")
            ready.append(
                ReadyTask(
                    engine_id=task.id,
                    step=task.task_spec.bpmn_id,
                    name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                    step_kind=props.get("step_kind", ""),
                    scope=scope,
                    role=role,
                    department_code=str(task.data.get("department", "")) if scope == "participant" else "",
                    time_limit_days=int(limit) if limit.isdigit() else None,
                    actions=tuple(a.strip() for a in props.get("actions", "").split(",") if a.strip()),
                )
            )
        return ready

    def complete(self, engine_id: UUID, *, action: str) -> None:
        task = self.workflow.get_task_from_id(engine_id)
        if task is None or task.state != TaskState.READY:
            raise ProcessError(
                "task_not_ready", "该环节当前不可办理", "the task is not ready in the process", status=409
            )
        task.data["action"] = action
        parent = task.parent.task_spec if task.parent is not None else None
        if isinstance(parent, MultiInstanceTask) and parent.output_item is not None:
            # Each instance's action is collected into the multi-instance output (e.g. "decisions").
            task.data[parent.output_item.bpmn_id] = action
        task.run()
        self.workflow.do_engine_steps()

    @property
    def finished(self) -> bool:
        return bool(self.workflow.is_completed())

    @property
    def outcome(self) -> str:
        """The latest outcome marker the process has passed: approved, denied, rejected or ""."""
        latest, value = -1.0, ""
        for task in self.workflow.get_tasks(state=TaskState.COMPLETED):
            marker = _properties(task.task_spec).get("outcome", "")
            if marker in OUTCOMES and task.last_state_change >= latest:
                latest, value = task.last_state_change, marker
        return value

    def cancel(self) -> None:
        self.workflow.cancel()

    def dump(self) -> dict[str, Any]:
        state: dict[str, Any] = _SERIALIZER.to_dict(self.workflow)
        state[STATE_VERSION_KEY] = SERIALIZER_VERSION
        return state


def start(template: ProcessTemplate, *, data: dict[str, Any]) -> Run:
    """A new workflow of ``template`` whose first tasks see ``data`` (e.g. ``departments``)."""
    workflow = BpmnWorkflow(_spec_for(template), script_engine=_SCRIPT_ENGINE)
    workflow.task_tree.data.update(data)
    workflow.do_engine_steps()
    return Run(template, workflow)


def _in_tree_order(tasks: dict[str, Any], root: str) -> dict[str, Any]:
    """Parents before children: a task's data is restored as a delta over its parent's.

    PostgreSQL's jsonb does not keep key order, so the stored mapping may come back in any order.
    """
    ordered: dict[str, Any] = {}
    queue = deque([root])
    while queue:
        task_id = queue.popleft()
        entry = tasks.get(task_id)
        if entry is None or task_id in ordered:
            continue
        ordered[task_id] = entry
        queue.extend(entry.get("children", ()))
    for task_id, entry in tasks.items():
        ordered.setdefault(task_id, entry)
    return ordered


def restore(template: ProcessTemplate, state: dict[str, Any]) -> Run:
    state = dict(state)
    version = state.pop(STATE_VERSION_KEY, None)
    if version != SERIALIZER_VERSION:
        raise ProcessError(
            "process_state_version",
            "流程状态版本不兼容",
            f"workflow state version {version} does not match the engine's {SERIALIZER_VERSION}",
        )
    state["tasks"] = _in_tree_order(state["tasks"], state["root"])
    workflow = _SERIALIZER.from_dict(state, spec=_spec_for(template), subprocess_specs={})
    workflow.script_engine = _SCRIPT_ENGINE
    return Run(template, workflow)
