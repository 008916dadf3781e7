"""Session requests: startApi (client id, error 326 for one already connected), managed accounts, next valid id,
current time, market data type; the farm notices (2104/2106/2158) sent after connecting."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .connection import Connection, handles
from .wire import Fields

if TYPE_CHECKING:
    from .server import PaperServer

FARM_NOTICES = (
    (2104, "Market data farm connection is OK:usfarm"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefil"),
)


@handles(71)
def start_api(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()  # version
    client_id = f.int()
    if conn.client_id is not None:
        return
    if server.clients(client_id):
        conn.error(-1, 326, "Unable to connect as the client id is already in use. Retry with a unique client id.")
        conn.close()
        return
    conn.client_id = client_id
    conn.send(15, 1, server.account)
    conn.send(9, 1, server.orders.next_valid_id(client_id))
    for code, text in FARM_NOTICES:
        conn.error(-1, code, text)
    if server.faults.farm_down:
        conn.error(-1, 1100, "Connectivity between IB and Trader Workstation has been lost.")


@handles(17)
def managed_accounts(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.send(15, 1, server.account)


@handles(8)
def req_ids(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.send(9, 1, server.orders.next_valid_id(conn.client_id or 0))


@handles(49)
def current_time(server: "PaperServer", conn: Connection, f: Fields) -> None:
    conn.send(49, 1, server.clock.now_ms() // 1000)


@handles(59)
def market_data_type(server: "PaperServer", conn: Connection, f: Fields) -> None:
    f.skip()
    kind = f.int()
    if kind not in (1, 2, 3, 4):
        conn.error(-1, 321, f"Error validating request:-'' : cause - invalid market data type {kind}")
        return
    conn.md_type = kind


@handles(15)
def auto_open_orders(server: "PaperServer", conn: Connection, f: Fields) -> None:
    """reqAutoOpenOrders: nothing to answer (orders of TWS itself do not exist here)."""
