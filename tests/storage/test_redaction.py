"""Log redaction: registered secrets and signatures never reach a handler."""
from __future__ import annotations

import logging

from terminal.storage import redaction


def test_registered_secrets_and_signatures_are_masked_in_any_logger(caplog):
    redaction.install()
    redaction.register("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j", "short")
    log = logging.getLogger("terminal.some.module")
    with caplog.at_level(logging.INFO):
        log.info("secret is %s", "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
        log.info("GET /api/v3/order?symbol=BTCUSDT&timestamp=1&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
        log.info('headers {"X-MBX-APIKEY": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"}')
        log.info("short stays short")
    text = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert "NhqPtmdS" not in text and "c8db56825ae7" not in text and "vmPUZE6mv9SD" not in text
    assert text.count("****") >= 3 and "short stays short" in text
