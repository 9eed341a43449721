"""Chat-webhook delivery (企业微信 group robot) against a local HTTP server: the message
format, off by default, bounded retries when the robot is down, and never an error back
into the request that notified."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from tests.personas import World
from wangge.core import notify, notify_webhook
from wangge.core.models import Notification


class Robot:
    """A local stand-in for the robot: records bodies, answers the queued statuses."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                robot.bodies.append(json.loads(self.rfile.read(length)))
                status, reply = robot.answers.pop(0) if robot.answers else (200, {"errcode": 0})
                payload = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=k"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Robot:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def robot(settings: Any) -> Iterator[Robot]:
    with Robot() as r:
        settings.WANGGE_WEBHOOK_URL = r.url
        settings.WANGGE_WEBHOOK_BACKOFF = 0
        settings.WANGGE_WEBHOOK_ATTEMPTS = 3
        yield r


def _notify(world: World, capture: Any, title: str = "日志被退回") -> None:
    with capture(execute=True):
        notify.send([world.user("account_a")], kind="t", title=title, body="写清楚客户名")


def test_off_by_default(
    world: World, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[Any] = []

    def post(*args: Any, **kwargs: Any) -> bool:
        sent.append(args)
        return True

    monkeypatch.setattr(notify_webhook, "post", post)
    _notify(world, django_capture_on_commit_callbacks)
    assert sent == []
    assert Notification.objects.count() == 1


def test_a_notification_reaches_the_robot_as_markdown(
    world: World, robot: Robot, django_capture_on_commit_callbacks: Any
) -> None:
    _notify(world, django_capture_on_commit_callbacks)
    assert len(robot.bodies) == 1
    body = robot.bodies[0]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["content"] == "**客户经理甲**：日志被退回\n> 写清楚客户名"


def test_text_format_behind_its_setting(
    world: World, robot: Robot, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.WANGGE_WEBHOOK_FORMAT = "text"
    _notify(world, django_capture_on_commit_callbacks)
    assert robot.bodies[0] == {
        "msgtype": "text",
        "text": {"content": "客户经理甲：日志被退回\n写清楚客户名"},
    }


def test_a_robot_that_fails_is_retried_then_accepted(
    world: World, robot: Robot, django_capture_on_commit_callbacks: Any
) -> None:
    robot.answers = [(500, {}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    _notify(world, django_capture_on_commit_callbacks)
    assert len(robot.bodies) == 3  # two failures, then the default answer: accepted


def test_a_dead_robot_is_retried_a_bounded_number_of_times_and_logged(
    world: World, robot: Robot, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    robot.answers = [(503, {})] * 10
    _notify(world, django_capture_on_commit_callbacks)
    assert len(robot.bodies) == 3
    assert "Webhook gave up after 3 attempts" in caplog.text
    assert Notification.objects.count() == 1  # the notification itself stands


def test_an_unreachable_robot_never_breaks_the_caller(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    with Robot() as gone:
        url = gone.url
    settings.WANGGE_WEBHOOK_URL = url  # nobody listens there any more
    settings.WANGGE_WEBHOOK_BACKOFF = 0
    _notify(world, django_capture_on_commit_callbacks)
    assert Notification.objects.count() == 1
    assert "Webhook gave up" in caplog.text


def test_a_long_message_is_clipped_to_the_robots_limit(world: World) -> None:
    notes = [Notification(recipient=world.user("account_a"), title="很长" * 200) for _ in range(10)]
    content = notify_webhook.message(notes)["markdown"]["content"]
    assert len(content.encode()) <= notify_webhook.LIMITS["markdown"]
