import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

application = get_wsgi_application()

# What lives as long as the process (Django, the apps, the URL tree and the API's schemas)
# is loaded now and frozen, so a full collection never walks it inside a request.
from config.warm import settle  # noqa: E402  (needs the settings above)

settle()
