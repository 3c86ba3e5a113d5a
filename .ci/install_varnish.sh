#!/usr/bin/env bash
# Debian's Varnish (with varnish-modules for vmod xkey), nginx and wrk, for system_tests/test_varnish.py
# and bench/varnish.py. Idempotent: installs only what is missing. The tests run their own varnishd and
# nginx on free ports, so any system instance the packages start is stopped again.
set -euo pipefail

need=()
[ -x /usr/sbin/varnishd ] || need+=(varnish)
compgen -G "/usr/lib/*/varnish/vmods/libvmod_xkey.so" >/dev/null || need+=(varnish-modules)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi

echo "installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

# Stop what the packages may have started (systemd, or sysvinit/service in containers), and nothing else.
for name in varnish varnishncsa nginx; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$name" 2>/dev/null; then
        systemctl stop "$name" || true
    elif command -v service >/dev/null; then
        service "$name" stop >/dev/null 2>&1 || true
    fi
done
for pidfile in /run/nginx.pid /run/varnishd.pid /run/varnish.pid; do
    if [ -s "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
done
