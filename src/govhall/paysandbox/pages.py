"""The sandbox's HTML: the cashier (收银台), its outcomes, and an overview of recent trades."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from govhall.paysandbox.store import Trade

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;background:#eef3f8;color:#1a1a1a}
header{background:#1677ff;color:#fff;padding:14px 24px;font-size:18px}
header small{opacity:.85;margin-left:8px;font-size:13px}
main{max-width:560px;margin:32px auto;background:#fff;border-radius:8px;padding:28px 32px;
box-shadow:0 2px 8px rgba(0,0,0,.08)}
main.wide{max-width:980px}
h1{font-size:20px;margin:0 0 16px}
dl{display:grid;grid-template-columns:7em 1fr;gap:8px 12px;margin:0 0 20px}
dt{color:#555}dd{margin:0;word-break:break-all}
.amount{font-size:32px;color:#d4380d;font-weight:bold}
.actions{display:flex;gap:12px;margin-top:20px}
button{font-size:16px;padding:10px 28px;border-radius:6px;border:1px solid #1677ff;cursor:pointer}
button.pay{background:#1677ff;color:#fff}button.cancel{background:#fff;color:#1677ff}
button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.note{color:#666;font-size:13px;margin-top:18px}
.error{color:#a8071a}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:6px 4px;text-align:left}
"""


def page(title: str, body: str, *, wide: bool = False) -> bytes:
    main = '<main class="wide">' if wide else "<main>"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · 支付沙箱</title><style>{STYLE}</style></head><body>"
        "<header>支付沙箱 <small>Sandbox payment gateway · 仅供测试，不产生真实资金往来</small></header>"
        f"{main}{body}</main></body></html>"
    ).encode()


def cashier(trade: Trade, *, merchant: str, buyer: str) -> bytes:
    body = f"""
<h1>确认付款</h1>
<p class="amount" aria-label="应付金额">¥ {trade.total_amount:.2f}</p>
<dl>
  <dt>收款方</dt><dd>{escape(merchant)}</dd>
  <dt>商品</dt><dd>{escape(trade.subject)}</dd>
  <dt>商户订单号</dt><dd>{escape(trade.out_trade_no)}</dd>
  <dt>交易号</dt><dd>{escape(trade.trade_no)}</dd>
  <dt>付款账户</dt><dd>{escape(buyer)}（沙箱买家）</dd>
</dl>
<form method="post" action="/cashier/{escape(trade.trade_no)}">
  <input type="hidden" name="token" value="{escape(trade.pay_token)}">
  <div class="actions">
    <button class="pay" type="submit" name="action" value="pay">确认付款</button>
    <button class="cancel" type="submit" name="action" value="cancel">取消</button>
  </div>
</form>
<p class="note">付款后将返回商户页面，并向商户发送异步通知。</p>
"""
    return page("确认付款", body)


def message(title: str, text: str, *, code: str = "", link: str = "") -> bytes:
    parts = [f"<h1>{escape(title)}</h1>", f"<p>{escape(text)}</p>"]
    if code:
        parts.append(f'<p class="error">错误代码 <code>{escape(code)}</code></p>')
    if link:
        parts.append(f'<p><a href="{escape(link)}">返回商户</a></p>')
    return page(title, "".join(parts))


def overview(*, app_id: str, public_key_path: str, trades: Sequence[Trade], pending: int) -> bytes:
    rows = "".join(
        f"<tr><td>{escape(t.trade_no)}</td><td>{escape(t.out_trade_no)}</td><td>{escape(t.subject)}</td>"
        f"<td>{t.total_amount:.2f}</td><td>{escape(t.status)}</td><td>{t.refunded_total:.2f}</td>"
        f"<td>{escape(t.paid_at)}</td></tr>"
        for t in trades
    )
    body = f"""
<h1>支付沙箱</h1>
<dl>
  <dt>网关地址</dt><dd>/gateway.do（RSA2）</dd>
  <dt>应用 APPID</dt><dd>{escape(app_id)}</dd>
  <dt>网关公钥</dt><dd>{escape(public_key_path)}</dd>
  <dt>待送达通知</dt><dd>{pending}</dd>
</dl>
<table><thead><tr><th>交易号</th><th>商户订单号</th><th>商品</th><th>金额</th><th>状态</th><th>已退款</th>
<th>付款时间</th></tr></thead><tbody>{rows or '<tr><td colspan="7">暂无交易</td></tr>'}</tbody></table>
"""
    return page("概览", body, wide=True)
