"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Exports up to `WANGGE_EXPORT_INLINE_ROWS` rows (20,000) are written inside the request,
which takes a few seconds; larger ones and imports run in the task worker. The worker
timeout still leaves room above gunicorn's default 30 s, which killed a whole county's
export (200,000 rows, 30-40 s) mid-way when everything ran in the request.
"""

import os

bind = os.environ.get("WANGGE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WANGGE_WORKERS", "3"))
timeout = int(os.environ.get("WANGGE_TIMEOUT", "180"))
# Uploads of a few MB and exports stream to slow phone connections.
graceful_timeout = 30
