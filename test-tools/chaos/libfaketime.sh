#!/usr/bin/env bash
# Prints the path of libfaketimeMT.so.1, which the chaos suite preloads into a replica to skew its wall clock
# (FAKETIME=+4s). Uses the system's copy when Debian's libfaketime is installed; otherwise downloads that package
# once with `apt-get download` (no root needed, unless the package lists must be fetched first) and unpacks it into
# ${LEASECRON_TOOLS_CACHE:-~/.cache/leasecron-tools}/libfaketime. Exit 1, with the reason on stderr, if neither works.
set -euo pipefail

for lib in /usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
    if [ -r "$lib" ]; then
        echo "$lib"
        exit 0
    fi
done

cache="${LEASECRON_TOOLS_CACHE:-$HOME/.cache/leasecron-tools}/libfaketime"
lib=$(find "$cache" -name libfaketimeMT.so.1 2>/dev/null | head -n 1 || true)
if [ -n "$lib" ]; then
    echo "$lib"
    exit 0
fi

if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "libfaketime is not installed and apt-get/dpkg-deb are not here to fetch it: install libfaketime (Debian/Ubuntu package libfaketime)" >&2
    exit 1
fi
mkdir -p "$cache"
cd "$cache"
if ! apt-get download libfaketime >&2; then
    # A machine whose package lists were never fetched: fetch them (needs root) and try once more.
    if [ "$(id -u)" -ne 0 ] || ! apt-get update -qq >&2 || ! apt-get download libfaketime >&2; then
        echo "apt-get download libfaketime failed (run apt-get update as root, or install libfaketime)" >&2
        exit 1
    fi
fi
dpkg-deb -x libfaketime_*.deb root
lib=$(find "$cache/root" -name libfaketimeMT.so.1 | head -n 1)
if [ -z "$lib" ]; then
    echo "the libfaketime package in $cache has no libfaketimeMT.so.1" >&2
    exit 1
fi
echo "libfaketime unpacked into $cache" >&2
echo "$lib"
