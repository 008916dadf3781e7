"""Binance error codes and messages, as the sandbox answers them (``{"code": N, "msg": "..."}``)."""
from __future__ import annotations


class ApiError(Exception):
    """An error answered to the client: HTTP ``status`` with body ``{"code": code, "msg": msg}``."""

    def __init__(self, code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


NUMBER_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"


def unknown() -> ApiError:
    return ApiError(-1000, "An unknown error occurred while processing the request.", 500)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(-1003, "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. "
                    "Please use WebSocket Streams for live updates to avoid polling the API.", 429,
                    {"Retry-After": str(retry_after)})


def banned(retry_after: int) -> ApiError:
    return ApiError(-1003, f"Way too much request weight used; IP banned for {retry_after} seconds.", 418,
                    {"Retry-After": str(retry_after)})


def too_many_orders(limit: int, interval: str) -> ApiError:
    return ApiError(-1015, f"Too many new orders; current limit is {limit} orders per {interval}.", 429,
                    {"Retry-After": "1"})


def timestamp_outside() -> ApiError:
    return ApiError(-1021, "Timestamp for this request is outside of the recvWindow.")


def timestamp_ahead() -> ApiError:
    return ApiError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")


def bad_signature() -> ApiError:
    return ApiError(-1022, "Signature for this request is not valid.")


def replayed() -> ApiError:
    return ApiError(-1022, "Signature for this request was already used (replayed request).")


def illegal_chars(name: str) -> ApiError:
    return ApiError(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{NUMBER_RANGE}'.")


def illegal_chars_plain(name: str) -> ApiError:
    return ApiError(-1100, f"Illegal characters found in parameter '{name}'.")


def duplicate_param(name: str) -> ApiError:
    return ApiError(-1101, f"Duplicate values for parameter '{name}'.")


def mandatory(name: str) -> ApiError:
    return ApiError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def quantity_or_quote() -> ApiError:
    return ApiError(-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!")


def recv_window_too_large() -> ApiError:
    return ApiError(-1131, "recvWindow must be less than 60000")


def param_empty(name: str) -> ApiError:
    return ApiError(-1105, f"Parameter '{name}' was empty.")


def not_required(name: str) -> ApiError:
    return ApiError(-1106, f"Parameter '{name}' sent when not required.")


def bad_precision(name: str) -> ApiError:
    return ApiError(-1111, f"Parameter '{name}' has too much precision.")


def invalid_tif() -> ApiError:
    return ApiError(-1115, "Invalid timeInForce.")


def invalid_order_type() -> ApiError:
    return ApiError(-1116, "Invalid orderType.")


def invalid_side() -> ApiError:
    return ApiError(-1117, "Invalid side.")


def bad_interval() -> ApiError:
    return ApiError(-1120, "Invalid interval.")


def bad_symbol() -> ApiError:
    return ApiError(-1121, "Invalid symbol.")


def invalid_listen_key() -> ApiError:
    return ApiError(-1125, "This listenKey does not exist.")


def window_too_large() -> ApiError:
    return ApiError(-1127, "More than 24 hours between startTime and endTime.")


def invalid_param(name: str, detail: str) -> ApiError:
    return ApiError(-1130, f"Invalid data sent for a parameter: '{name}' {detail}.")


def unsupported() -> ApiError:
    return ApiError(-1020, "This operation is not supported.")


def filter_failure(name: str) -> ApiError:
    return ApiError(-1013, f"Filter failure: {name}")


def order_rejected(msg: str) -> ApiError:
    return ApiError(-2010, msg)


def cancel_rejected(msg: str = "Unknown order sent.") -> ApiError:
    return ApiError(-2011, msg)


def no_such_order() -> ApiError:
    return ApiError(-2013, "Order does not exist.")


def bad_key_format() -> ApiError:
    return ApiError(-2014, "API-key format invalid.", 401)


def rejected_key() -> ApiError:
    return ApiError(-2015, "Invalid API-key, IP, or permissions for action.", 401)


def server_fault(status: int) -> ApiError:
    return ApiError(-1000, "An unknown error occurred while processing the request.", status)


def not_found() -> ApiError:
    return ApiError(-1000, "Unknown endpoint.", 404)
