"""WSGI entry point, used by `runserver` and by gunicorn in production."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_wsgi_application()

from cooperation.conditional import NotModifiedApp  # noqa: E402 (needs the apps loaded)

# A matching conditional GET of a record is answered before Django's handler (cooperation/conditional.py).
application = NotModifiedApp(django_application)

# Everything loaded so far (Django, DRF, the schema generator, the URL conf...) lives as long as the
# process: move it out of the garbage collector's reach, so that each full collection walks only what
# requests allocate. Without this, collections over the startup heap cost a list read about a tenth
# of its CPU (the Python documentation recommends freezing before forking workers, for the same reason).
gc.freeze()
