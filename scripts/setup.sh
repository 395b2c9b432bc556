#!/usr/bin/env bash
# Installs sluice's build and test dependencies from Debian 12's archive.
# Idempotent: installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang
  librdkafka-dev libavro-dev librocksdb-dev libcmocka-dev
  libjansson-dev libyaml-dev libxxhash-dev libmicrohttpd-dev libcurl4-openssl-dev libjemalloc-dev
  python3 python3-avro python3-yaml kcat prometheus gnuplot-nox curl
  libjson-c5 libcjson1 linux-perf valgrind
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "sluice setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
