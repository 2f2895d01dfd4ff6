#!/usr/bin/env bash
# Debian packages the suites need: a real etcd (etcd-server) for the storage and API suites,
# unzip for the kubectl/helm releases unpacked from npm. Installed only when missing, as root.
set -euo pipefail
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "The test suites need these Debian packages: ${need[*]}. Run 'npm test' as root to install them, or install them yourself." >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
