"""The file-system broker (the embedded path's) never shows a worker a message half written."""

from __future__ import annotations

import json
import os
import threading

from kombu import Connection

import vitrine.config.celery  # noqa: F401 (registers the transport for filesystem://)
from vitrine.config.kombu_filesystem import Transport


def test_a_worker_polling_the_folder_only_ever_reads_whole_messages(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False}
    stop = threading.Event()
    torn: list[str] = []
    seen = set()

    def worker_polling():
        while not stop.is_set():
            for name in os.listdir(folder):
                if not name.endswith(".msg") or name in seen:
                    continue
                try:
                    data = (folder / name).read_bytes()
                except FileNotFoundError:
                    continue
                try:
                    json.loads(data)
                    seen.add(name)
                except ValueError:
                    torn.append(name)

    reader = threading.Thread(target=worker_polling)
    reader.start()
    try:
        with Connection("filesystem://", transport_options=options) as connection:
            assert isinstance(connection.transport, Transport)
            queue = connection.SimpleQueue("tasks")
            for n in range(200):
                queue.put({"n": n, "padding": "x" * 200_000})
            queue.close()
    finally:
        stop.set()
        reader.join()

    assert torn == []
    assert len([name for name in os.listdir(folder) if name.endswith(".msg")]) == 200
    assert not [name for name in os.listdir(folder) if name.startswith(".partial")]
