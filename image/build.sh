#!/usr/bin/env bash
# `./dev image [TAG]`: build the idmesh image from Debian packages only, verify it, export it
# as an OCI layout under .image/oci. Heavy: run through /work/heavy on shared machines.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\033[1m[image]\033[0m %s\n' "$*" >&2; }
TAG="${1:-dev}"
IMAGE="localhost/idmesh:${TAG}"
BASE="localhost/idmesh-base:bookworm"
OUT=".image"
export CONTAINERS_CONF="$PWD/image/containers.conf"
mkdir -p "$OUT"

need=()
for tool in podman buildah runc mmdebstrap skopeo; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} (Debian packages)"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    podman buildah runc mmdebstrap skopeo uidmap >/dev/null
fi

if ! podman image exists "$BASE"; then
  # Registries are unreachable: the base is bootstrapped from the Debian archive.
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)"
  log "base image from mmdebstrap (${mirror:-default mirror})"
  mmdebstrap --variant=apt --quiet bookworm "$OUT/base.tar" ${mirror:+"$mirror"}
  podman import --quiet "$OUT/base.tar" "$BASE" >/dev/null
  rm -f "$OUT/base.tar"
fi

log "building $IMAGE"
t0=$(date +%s)
podman build --quiet --network host --pull=never \
  --secret id=cabundle,src=/etc/ssl/certs/ca-certificates.crt \
  --build-arg BASE="$BASE" -f image/Containerfile -t "$IMAGE" . >/dev/null
log "built in $(( $(date +%s) - t0 )) s"

if [ "${IDMESH_IMAGE_POSTGRES:-0}" = "1" ]; then
  log "building localhost/idmesh-postgres:15 (container tests only)"
  podman build --quiet --network host --pull=never --build-arg BASE="$BASE" \
    -f image/Containerfile.postgres -t localhost/idmesh-postgres:15 . >/dev/null
fi

log "verifying"
image/verify.sh "$IMAGE"

log "exporting the OCI layout to $OUT/oci"
rm -rf "$OUT/oci"
skopeo copy --quiet "containers-storage:$IMAGE" "oci:$OUT/oci:idmesh:$TAG"
podman run --rm --read-only --network none "$IMAGE" \
  cat /opt/idmesh/share/idmesh/sbom.cdx.json > "$OUT/sbom.cdx.json" 2>/dev/null || true
log "done: $IMAGE, $OUT/oci (OCI layout), $OUT/sbom.cdx.json"
