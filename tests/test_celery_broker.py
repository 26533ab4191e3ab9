"""The embedded filesystem broker keeps all its files under var/, none in the working directory."""

from __future__ import annotations

import pytest
from django.conf import settings
from kombu import Exchange, Queue

from clinic.celery import app


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("filesystem://"), reason="the filesystem broker's folders only"
)
def test_binding_a_queue_writes_the_exchange_table_under_var_not_the_working_directory(tmp_path, monkeypatch):
    # kombu's default control folder is "control" relative to the working directory: a worker
    # started from the repository root used to leave control/celery.exchange there.
    monkeypatch.chdir(tmp_path)
    queue = Queue("broker-test", Exchange("broker-test", type="direct"), routing_key="broker-test")
    with app.connection_for_write() as connection:
        queue(connection.default_channel).declare()
    assert (settings.VAR_DIR / "celery" / "control" / "broker-test.exchange").is_file()
    assert list(tmp_path.iterdir()) == []
