"""In-app notifications: after commit, once per key, only the recipient's, a page to read."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.db import transaction
from django.urls import reverse

from wangge.core import notify
from wangge.core.models import Notification
from wangge.org.models import User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people() -> tuple[User, User]:
    return (
        User.objects.create_user("n1", password="pw-n1-secret"),
        User.objects.create_user("n2", password="pw-n2-secret"),
    )


def test_written_after_commit_and_not_on_rollback(people: tuple[User, User]) -> None:
    a, b = people
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.send([a], kind="t", title="never")
        raise RuntimeError
    assert not Notification.objects.exists()
    with transaction.atomic():
        notify.send([a, b, None], kind="t", title="hello", url="/x/")
        assert not Notification.objects.exists()
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"n1", "n2"}


def test_a_key_lands_once(people: tuple[User, User]) -> None:
    a, _b = people
    for _ in range(3):
        notify.send([a], kind="overdue", title="overdue", key="order-1")
    notify.send([a], kind="overdue", title="overdue 2", key="order-2")
    assert Notification.objects.filter(recipient=a).count() == 2


def test_a_failing_deliverer_breaks_nothing(people: tuple[User, User]) -> None:
    got: list[str] = []

    def broken(ns: Sequence[Notification]) -> None:
        raise ConnectionError("down")

    def fine(ns: Sequence[Notification]) -> None:
        got.extend(n.title for n in ns)

    notify.add_deliverer("broken", broken)
    notify.add_deliverer("fine", fine)
    try:
        notify.send([people[0]], kind="t", title="hi")
    finally:
        notify.deliverers.pop("broken")
        notify.deliverers.pop("fine")
    assert got == ["hi"]
    assert Notification.objects.count() == 1


def test_the_inbox_shows_only_ones_own_and_marks_read(client, people) -> None:  # type: ignore[no-untyped-def]
    a, b = people
    notify.send([a], kind="t", title="for-a")
    notify.send([b], kind="t", title="for-b")
    client.force_login(a)
    page = client.get(reverse("core:notifications"))
    text = page.content.decode()
    assert "for-a" in text and "for-b" not in text
    assert 'data-testid="unread">1<' in text
    other = Notification.objects.get(recipient=b)
    client.post(reverse("core:notifications_read"), {"id": [str(other.pk)]})
    other.refresh_from_db()
    assert other.read_at is None  # not hers to mark
    client.post(reverse("core:notifications_read"))
    assert notify.unread_count(a) == 0
    assert notify.unread_count(b) == 1
