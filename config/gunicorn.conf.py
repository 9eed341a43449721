"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Exports are written inside the request: a whole county's households (about 200,000 rows)
take 30-40 s on a small machine, past gunicorn's default 30 s worker timeout, which kills
the worker and answers 500. Imports run in the task worker and are not affected.
"""

import os

bind = os.environ.get("WANGGE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WANGGE_WORKERS", "3"))
timeout = int(os.environ.get("WANGGE_TIMEOUT", "180"))
# Uploads of a few MB and exports stream to slow phone connections.
graceful_timeout = 30
