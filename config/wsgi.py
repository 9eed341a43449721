import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, the URL tree) lives as long as the process: moved out
# of the collector's reach, a full collection no longer walks it in the middle of a request
# (the county dashboard's slowest requests at 1M customers were such collections).
gc.freeze()
