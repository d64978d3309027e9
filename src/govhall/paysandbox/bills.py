"""The day's trade statement in the layout of Alipay's business detail file (业务明细), GBK CSV.

Comment lines start with ``#``; payments are ``交易`` rows with the order amount, refunds ``退款`` rows
whose 商家实收 is the negative refund and whose 退款批次号/请求号 is the merchant's request number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from govhall.paysandbox.store import Refund, Trade

HEADER = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
]
ZERO = "0.00"


def _row(trade: Trade, *, kind: str, finished: str, received: str, request_no: str = "") -> list[str]:
    return [
        trade.trade_no,
        trade.out_trade_no,
        kind,
        trade.subject,
        trade.created_at,
        finished,
        "",
        "",
        "",
        "",
        trade.buyer_logon_id,
        f"{trade.total_amount:.2f}",
        received,
        ZERO,
        ZERO,
        ZERO,
        ZERO,
        ZERO,
        "",
        ZERO,
        ZERO,
        request_no,
        ZERO,
        ZERO,
        "",
    ]


def statement_csv(
    *,
    account: str,
    start: datetime,
    end: datetime,
    trades: Sequence[Trade],
    refunds: Sequence[tuple[Refund, Trade]],
    exported: str,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("#支付宝业务明细查询\r\n")
    out.write(f"#账号：[{account}]\r\n")
    out.write(f"#起始日期：[{start:%Y年%m月%d日 %H:%M:%S}]   终止日期：[{end:%Y年%m月%d日 %H:%M:%S}]\r\n")
    out.write(
        "#-----------------------------------------业务明细列表----------------------------------------\r\n"
    )
    writer.writerow(HEADER)
    paid_total = sum((t.total_amount for t in trades), start=0)
    for trade in trades:
        writer.writerow(
            _row(trade, kind="交易", finished=trade.paid_at, received=f"{trade.total_amount:.2f}")
        )
    refund_total = sum((r.amount for r, _ in refunds), start=0)
    for refund, trade in refunds:
        writer.writerow(
            _row(
                trade,
                kind="退款",
                finished=refund.created_at,
                received=f"-{refund.amount:.2f}",
                request_no=refund.out_request_no,
            )
        )
    out.write(
        "#-----------------------------------------业务明细列表结束------------------------------------\r\n"
    )
    out.write(f"#交易合计：{len(trades)}笔，商家实收：{paid_total:.2f}元，商家优惠：0.00元\r\n")
    out.write(f"#退款合计：{len(refunds)}笔，商家实收：-{refund_total:.2f}元，商家优惠：0.00元\r\n")
    out.write(f"#导出时间：[{exported}]\r\n")
    return out.getvalue().encode("gbk", errors="replace")
