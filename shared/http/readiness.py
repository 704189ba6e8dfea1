"""`/readyz` of the web functions (hosted pages, console): ready when what they wait for
answers, else 503 naming it, as the event functions' probe does."""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

from shared.db.tenant_tx import Database


def readiness(db: Database) -> Response:
    if db.ping():
        body, status = {"status": "ready"}, 200
    else:
        body, status = {"status": "starting", "waiting_for": "database"}, 503
    return Response(json.dumps(body), status=status, mimetype="application/json")
