#!/bin/sh
# Install the Debian packages pagelab needs to build and test.
# As root it installs them; otherwise it prints the exact command and fails.
set -eu
pkgs="cmake make gcc pkg-config libcmocka-dev libxxhash-dev spin clang libclang-rt-14-dev libxml2-utils"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "pagelab: missing build dependencies. Run as root:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "pagelab: installing$missing" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
