"""Kombu's file-system broker, with each message written whole before a worker can see it.

Kombu's own transport opens `<time>_<uuid>.<queue>.msg` in the queue folder and then writes
into it, while a worker polling the folder may already move and read the file: it reads it
empty or half written and fails on the JSON (seen under load in the fault tests). Here the
message is written under a name the workers skip, then renamed into place, which is atomic
within one folder. Celery uses it for `filesystem://` (vitrine.config.celery registers it).
"""

from __future__ import annotations

import os
import time
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written to a hidden file, then renamed into the queue folder."""
        name = f"{time.monotonic() * 1000:.0f}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".partial_{uuid.uuid4()}")  # a name no queue matches
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
