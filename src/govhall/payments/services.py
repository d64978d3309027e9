"""Writes on fee orders: issuing them (from the catalogue at approval, or by staff), closing and
expiring them. Paying is in :mod:`settlement`, refunds in :mod:`refunds`, the gateway's
notifications in :mod:`callbacks`.

Every write locks the order row first, so a notification, a return, a query and a clerk acting on
the same order at once are serialised and each sees what the one before did. Calls to the gateway
(query, close) are made before that transaction, never while holding the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from govhall.cases.models import Case, CaseResult
from govhall.cases.notify import beijing
from govhall.cases.transitions import log as case_log
from govhall.core import permissions
from govhall.core.audit import record_event
from govhall.core.errors import Conflict, PermissionDenied
from govhall.identity.models import Role, User
from govhall.notifications.services import notify
from govhall.payments import channels, clock, codes, conf, money, supervision
from govhall.payments.channels import ChannelError
from govhall.payments.common import (
    context,
    field_error,
    lock,
    order_link,
    require,
    snapshot,
    wrong_status,
)
from govhall.payments.models import FeeOrder, FeeOrderLine
from govhall.payments.permissions import STAFF_ACTIONS
from govhall.payments.settlement import stop_online_payment, sync_with_gateway

logger = logging.getLogger(__name__)

ISSUABLE_CASE_STATUSES = frozenset(
    {Case.Status.ACCEPTED, Case.Status.IN_REVIEW, Case.Status.SUSPENDED, Case.Status.APPROVED}
)
CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class LineSpec:
    name: str
    amount: Decimal
    basis: str = ""
    quantity: int = 1
    fee_id: int | None = None


def catalogue_lines(case: Case) -> list[LineSpec]:
    return [
        LineSpec(name=fee.name, amount=fee.amount, basis=fee.basis, fee_id=fee.pk)
        for fee in case.item_version.fees.all()
        if fee.amount > 0
    ]


# --- Issuing -------------------------------------------------------------------------------------


def order_for_approved_case(case: Case, result: CaseResult) -> FeeOrder | None:
    """The case-result hook: an approved case whose item charges fees gets its order.

    Runs inside the deciding transaction. Orders are issued at approval, not at acceptance: the
    fees in the catalogue are charged for a granted licence or certificate (工本费、登记费), and a
    denied application owes nothing. An item without fees (or only zero ones) gets no order.
    """
    lines = catalogue_lines(case)
    if not lines:
        return None
    return _issue(actor=None, case=case, lines=lines, idempotency_key=f"decision:{result.pk}")


def issue_order(
    *, actor: User, case: Case, lines: Sequence[LineSpec] | None = None, idempotency_key: str = ""
) -> FeeOrder:
    """Issue an order for ``case`` by a member of its lead department's staff.

    ``lines`` default to the item's catalogue fees. A charge that is not the catalogue's — another
    amount, an item outside the catalogue, any charge on a free item — is issued but raises a
    charge alert to the supervisors (see :func:`_charge_alert`).
    """
    roles = STAFF_ACTIONS["issue"]
    if not roles & permissions.roles_of(actor, case.lead_department_id):
        raise PermissionDenied(
            "forbidden", "您无权为该办件开具缴费单", "you may not issue orders for this case", status=403
        )
    if len(idempotency_key) > 80:
        raise field_error(
            "idempotency_key", "invalid_idempotency_key", "幂等键过长", "the idempotency key is too long"
        )
    chosen = list(lines) if lines is not None else catalogue_lines(case)
    return _issue(actor=actor, case=case, lines=chosen, idempotency_key=idempotency_key)


def _check_lines(lines: Sequence[LineSpec]) -> list[LineSpec]:
    if not lines:
        raise field_error(
            "lines", "lines_required", "缴费单至少要有一个收费项目", "an order needs at least one fee"
        )
    checked = []
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        try:
            amount = money.to_amount(line.amount)
        except ValueError:
            raise field_error(f"{where}.amount", "invalid_amount", "金额无效", "invalid amount") from None
        if amount <= 0:
            raise field_error(
                f"{where}.amount", "invalid_amount", "金额须大于零", "an amount must be positive"
            )
        if not line.name.strip():
            raise field_error(f"{where}.name", "name_required", "收费项目名称不能为空", "a fee needs a name")
        if line.quantity < 1 or line.quantity > 10000:
            raise field_error(f"{where}.quantity", "invalid_quantity", "数量无效", "invalid quantity")
        checked.append(
            LineSpec(
                name=line.name.strip()[:200],
                amount=amount,
                basis=line.basis.strip(),
                quantity=line.quantity,
                fee_id=line.fee_id,
            )
        )
    return checked


def _deviation(case: Case, lines: Sequence[LineSpec]) -> list[str]:
    catalogue = {fee.pk: fee for fee in case.item_version.fees.all()}
    problems = []
    if not any(fee.amount > 0 for fee in catalogue.values()):
        problems.append("事项在目录中为不收费事项 the item is free of charge in the catalogue")
    for line in lines:
        fee = catalogue.get(line.fee_id) if line.fee_id is not None else None
        if fee is None:
            problems.append(f"「{line.name}」不是目录中的收费项目 not a catalogue fee")
        elif fee.amount != line.amount:
            problems.append(
                f"「{line.name}」按 {line.amount} 元收取，目录标准 {fee.amount} 元 differs from the catalogue"
            )
    return problems


def _issue(*, actor: User | None, case: Case, lines: Sequence[LineSpec], idempotency_key: str) -> FeeOrder:
    checked = _check_lines(lines)
    at = clock.now()
    with transaction.atomic():
        if idempotency_key:
            existing = FeeOrder.objects.filter(case=case, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
        list(Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).values_list("pk", flat=True))
        if case.status not in ISSUABLE_CASE_STATUSES:
            raise Conflict(
                "case_not_chargeable",
                "办件当前状态不能开具缴费单",
                f"cannot issue an order for a case in status {case.status}",
                status=409,
            )
        if FeeOrder.objects.filter(
            case=case, status__in=[FeeOrder.Status.UNPAID, FeeOrder.Status.PAYING]
        ).exists():
            raise Conflict(
                "order_outstanding",
                "该办件已有待缴费的缴费单，请先关闭",
                "the case already has an unpaid order; close it first",
                status=409,
            )
        problems = _deviation(case, checked)
        order = _create(
            case=case, lines=checked, actor=actor, key=idempotency_key, at=at, deviation="；".join(problems)
        )
        record_event(
            actor=actor, action="payments.order_issued", obj=order, after=_issued_facts(order, checked)
        )
        case_log(
            case,
            actor=actor,
            kind="fee_order_issued",
            at=at,
            from_status=case.status,
            note=f"应缴 {money.yuan(order.amount)} 元，缴款码 {order.payment_code}",
            data={"payment_code": order.payment_code, "amount": money.yuan(order.amount)},
        )
        notify(
            recipients=[case.applicant],
            event="payment.order_issued",
            context=context(order, expires=beijing(order.expires_at)),
            link=order_link(order),
            related=order,
        )
        if problems:
            _charge_alert(order, problems, actor=actor)
    return order


def _create(
    *, case: Case, lines: Sequence[LineSpec], actor: User | None, key: str, at: datetime, deviation: str
) -> FeeOrder:
    total = sum((line.amount * line.quantity for line in lines), start=Decimal("0.00"))
    region = case.lead_department.region.code
    for attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                order = FeeOrder.objects.create(
                    payment_code=codes.new_payment_code(division=region, year=at.year),
                    case=case,
                    payer=case.applicant,
                    payer_name=case.applicant_name or case.applicant.display_name,
                    department=case.lead_department,
                    item_name=case.item_version.name,
                    amount=total,
                    expires_at=at + timedelta(days=conf.order_days()),
                    idempotency_key=key,
                    created_by=actor,
                    deviation=deviation,
                )
        except IntegrityError:
            # Eleven random digits rarely collide; when they do, draw again.
            if attempt == CODE_ATTEMPTS - 1:
                raise
            continue
        FeeOrderLine.objects.bulk_create(
            FeeOrderLine(
                order=order,
                fee_id=line.fee_id,
                order_no=index,
                name=line.name,
                basis=line.basis,
                quantity=line.quantity,
                unit_amount=line.amount,
                amount=line.amount * line.quantity,
                catalogue_amount=_catalogue_amount(case, line.fee_id),
            )
            for index, line in enumerate(lines, start=1)
        )
        return order
    raise AssertionError("unreachable")


def _catalogue_amount(case: Case, fee_id: int | None) -> Decimal | None:
    if fee_id is None:
        return None
    fee = case.item_version.fees.filter(pk=fee_id).first()
    return fee.amount if fee else None


def _issued_facts(order: FeeOrder, lines: Sequence[LineSpec]) -> dict[str, Any]:
    return {
        **snapshot(order),
        "case_no": order.case.case_no,
        "department": order.department.code,
        "lines": [
            {"name": line.name, "amount": line.amount, "quantity": line.quantity, "fee": line.fee_id}
            for line in lines
        ],
        "deviation": order.deviation,
    }


def _charge_alert(order: FeeOrder, problems: list[str], *, actor: User | None) -> None:
    """The supervision hook: a charge that is not the catalogue's is kept on the audit chain and
    raised as a supervision alert once the order commits (see :mod:`govhall.payments.supervision`);
    without the supervision app the region's supervisors are told directly."""
    record_event(
        actor=actor,
        action="payments.charge_alert",
        obj=order,
        after={"payment_code": order.payment_code, "case_no": order.case.case_no, "problems": problems},
    )
    if supervision.installed():
        supervision.check_on_commit(order)
        return
    region_path = order.department.region.path
    supervisors = [
        user
        for user in User.objects.filter(is_active=True, memberships__role=Role.SUPERVISOR).distinct()
        if any(
            g.role == Role.SUPERVISOR and region_path.startswith(g.region_path)
            for g in permissions.grants(user)
        )
    ]
    if supervisors:
        notify(
            recipients=supervisors,
            event="payment.charge_alert",
            context={**context(order), "problems": problems},
            related=order,
        )


# --- Closing and expiry --------------------------------------------------------------------------


def close_order(*, actor: User, order: FeeOrder, reason: str) -> FeeOrder:
    """Staff close an unpaid order (fee waived, issued in error) with the reason."""
    if not reason.strip():
        raise field_error("reason", "reason_required", "请填写关闭原因", "a reason is required")
    current = FeeOrder.objects.select_related("department").get(pk=order.pk)
    require(actor, current, "close")
    if current.status == FeeOrder.Status.PAYING:
        stop_online_payment(current)
    with transaction.atomic():
        locked = lock(order)
        if not locked.is_payable:
            raise wrong_status(locked, "关闭", "close")
        _end(
            locked, status=FeeOrder.Status.CLOSED, actor=actor, reason=reason.strip(), kind="fee_order_closed"
        )
    return locked


def _end(order: FeeOrder, *, status: str, actor: User | None, reason: str, kind: str) -> None:
    before = snapshot(order)
    at = clock.now()
    order.status = status
    order.closed_at = at
    order.close_reason = reason
    order.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    record_event(
        actor=actor,
        action=f"payments.order_{status}",
        obj=order,
        before=before,
        after={**snapshot(order), "reason": reason},
    )
    case_log(order.case, actor=actor, kind=kind, at=at, from_status=order.case.status, note=reason)


def expire_orders(*, limit: int = 500) -> int:
    """Orders past their deadline expire; one being paid online is closed at the gateway first
    (or, when the gateway says it was paid, gets that payment instead)."""
    at = clock.now()
    due = list(
        FeeOrder.objects.filter(
            status__in=[FeeOrder.Status.UNPAID, FeeOrder.Status.PAYING], expires_at__lte=at
        ).order_by("expires_at")[:limit]
    )
    expired = 0
    for order in due:
        if order.status == FeeOrder.Status.PAYING:
            try:
                if not channels.online().close(out_trade_no=order.payment_code):
                    sync_with_gateway(order, source="expiry")
                    continue
            except ChannelError as error:
                logger.warning("could not close %s at the gateway: %s", order.payment_code, error)
                continue
        with transaction.atomic():
            locked = lock(order)
            if not locked.is_payable or locked.expires_at > at:
                continue
            _end(
                locked,
                status=FeeOrder.Status.EXPIRED,
                actor=None,
                reason="超过缴费期限 past the payment deadline",
                kind="fee_order_expired",
            )
            expired += 1
    return expired
