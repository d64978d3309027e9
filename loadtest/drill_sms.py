"""An SMS gateway for the fault drill: each send is one JSON line in GOVHALL_DRILL_SMS_FILE.

Chosen with GOVHALL_SMS_GATEWAY=drill_sms.FileSmsGateway (the drill puts loadtest/ on the path of
the task consumers). The id it returns is stored on the delivery, so the drill can tell a send
that was recorded from one that happened twice.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping


class FileSmsGateway:
    def send(self, phone: str, template_code: str, params: Mapping[str, str]) -> str:
        message_id = f"drill-{uuid.uuid4().hex}"
        line = json.dumps({"id": message_id, "template": template_code, "pid": os.getpid()}) + "\n"
        # O_APPEND writes of one short line are atomic across processes; fsync before reporting
        # success, as a carrier's acknowledgement would come only once it has the message.
        fd = os.open(os.environ["GOVHALL_DRILL_SMS_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return message_id
