"""Django's JSON fixture format with timestamps to the microsecond, for backups (`manage.py backup`).

Django's encoder cuts timestamps to milliseconds, so a backup lost the rest and a restored record
was not the record that was saved. `loaddata` reads this format as plain `json`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.serializers.json import Deserializer, DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer

__all__ = ["Deserializer", "Serializer"]


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return f"{text[:-6]}Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(JSONSerializer):
    def start_serialization(self) -> None:
        super().start_serialization()  # sets json_kwargs, which every object is written with
        self.json_kwargs["cls"] = ExactEncoder
