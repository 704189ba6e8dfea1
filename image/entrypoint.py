"""Container entry point: serve the function named by FUNCTION_TARGET on $PORT, or run an
idmesh command (`idmesh migrate`, `idmesh aml load`, ...) when arguments are given."""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    if argv and argv[0] == "idmesh":
        os.execv("/opt/idmesh/bin/idmesh", ["idmesh", *argv[1:]])
    target = os.environ.get("FUNCTION_TARGET", "")
    source = f"/app/functions/{target}/main.py"
    if not target or not os.path.isfile(source):
        sys.stderr.write(f"FUNCTION_TARGET {target!r} is not a function of this image\n")
        sys.exit(2)
    host = os.environ.get("IDMESH_LISTEN_HOST", "0.0.0.0")
    os.execv(
        "/opt/idmesh/bin/functions-framework",
        [
            "functions-framework",
            "--target",
            target,
            "--source",
            source,
            "--host",
            host,
            "--port",
            os.environ.get("PORT", "8080"),
        ],
    )


if __name__ == "__main__":
    main(sys.argv[1:])
