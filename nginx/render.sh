#!/usr/bin/env bash
# Renders a complete, standalone nginx.conf that serves muc-kick, for tests,
# benchmarks and local runs: no root-owned paths, everything nginx writes
# (pid, logs, temp files) lives under a prefix directory.
#
# The location blocks are not copied: they are taken from nginx/muc-kick.conf
# (and, with --keepalive, the upstream from nginx/muc-kick-upstream.conf) with
# sed, so the shipped snippet stays the single source of truth. The rewrites:
#   - unix:/run/muc-kick/fcgi.sock  -> unix:SOCKET
#   - include fastcgi_params;        -> include NGINX_ETC/fastcgi_params;
#   - with --keepalive N: the `# muc-kick:direct` fastcgi_pass line is
#     commented out, the `# muc-kick:keepalive` one uncommented, and the
#     upstream's `keepalive` set to N.
#
# Usage:
#   nginx/render.sh --prefix DIR --socket PATH [--port 8080] [--listen 127.0.0.1]
#                   [--keepalive N] [--workers auto|N] [--daemon on|off]
#                   [--access-log on|off] [--user USER] [-o FILE] [--check]
#
#   --prefix DIR      directory for nginx.pid, error.log, access.log and tmp/
#                     (created, with tmp/, if missing)
#   --socket PATH     the responder's FastCGI socket
#   --port, --listen  address nginx listens on (default 127.0.0.1:8080)
#   --keepalive N     0 (default): one FastCGI connection per request;
#                     N > 0: upstream with `keepalive N` + fastcgi_keep_conn
#   --workers         worker_processes (default auto)
#   --daemon          nginx's `daemon` (default off: stays in the foreground)
#   --access-log      default on (PREFIX/access.log); off for benchmarks
#   --user USER       emit `user USER;`. When run as root without --user,
#                     `user root;` is emitted so that the workers can reach a
#                     socket and prefix inside a private temporary directory;
#                     do not use rendered files for production.
#   -o FILE           write to FILE instead of standard output
#   --check           also run `nginx -t` on the result (needs -o)
#
# Environment: NGINX_ETC (default /etc/nginx) for mime.types and
# fastcgi_params; NGINX (default nginx) for --check.
#
# Example:
#   nginx/render.sh --prefix /tmp/mk --socket /tmp/mk/fcgi.sock --port 18080 -o /tmp/mk/nginx.conf --check
#   nginx -p /tmp/mk -e /tmp/mk/error.log -c /tmp/mk/nginx.conf
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SNIPPET="$HERE/muc-kick.conf"
UPSTREAM="$HERE/muc-kick-upstream.conf"
NGINX_ETC=${NGINX_ETC:-/etc/nginx}
NGINX=${NGINX:-nginx}
DEFAULT_SOCKET=/run/muc-kick/fcgi.sock

prefix="" socket="" port=8080 listen=127.0.0.1 keepalive=0 workers=auto daemon=off
access_log=on user="" out="" check=0

usage() {
    sed -n '/^# Usage:/,/^# Example:/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) prefix=${2:?}; shift 2 ;;
        --socket) socket=${2:?}; shift 2 ;;
        --port) port=${2:?}; shift 2 ;;
        --listen) listen=${2:?}; shift 2 ;;
        --keepalive) keepalive=${2:?}; shift 2 ;;
        --workers) workers=${2:?}; shift 2 ;;
        --daemon) daemon=${2:?}; shift 2 ;;
        --access-log) access_log=${2:?}; shift 2 ;;
        --user) user=${2:?}; shift 2 ;;
        -o) out=${2:?}; shift 2 ;;
        --check) check=1; shift ;;
        -h|--help) usage ;;
        *) echo "render.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[ -n "$prefix" ] && [ -n "$socket" ] || usage
[[ $port =~ ^[0-9]+$ ]] || { echo "render.sh: bad --port: $port" >&2; exit 2; }
[[ $keepalive =~ ^[0-9]+$ ]] || { echo "render.sh: bad --keepalive: $keepalive" >&2; exit 2; }
[[ $workers =~ ^(auto|[0-9]+)$ ]] || { echo "render.sh: bad --workers: $workers" >&2; exit 2; }
case $daemon in on|off) ;; *) echo "render.sh: --daemon on|off" >&2; exit 2 ;; esac
case $access_log in on|off) ;; *) echo "render.sh: --access-log on|off" >&2; exit 2 ;; esac
[ "$check" = 0 ] || [ -n "$out" ] || { echo "render.sh: --check needs -o FILE" >&2; exit 2; }
case $prefix in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
case $socket in /*) ;; *) socket="$(pwd)/$socket" ;; esac
prefix=${prefix%/}

# the socket marker must be in the snippet, or the rendering would silently
# point at /run/muc-kick
grep -q "unix:$DEFAULT_SOCKET;  # muc-kick:direct\$" "$SNIPPET" || {
    echo "render.sh: $SNIPPET lost its '# muc-kick:direct' fastcgi_pass line" >&2; exit 1; }
grep -q '^ *#fastcgi_pass muc_kick; fastcgi_keep_conn on;  # muc-kick:keepalive$' "$SNIPPET" || {
    echo "render.sh: $SNIPPET lost its '# muc-kick:keepalive' line" >&2; exit 1; }

sed_escape() { printf '%s' "$1" | sed -e 's/[\\#&]/\\&/g'; }
S_SOCK=$(sed_escape "$socket")
S_ETC=$(sed_escape "$NGINX_ETC")

render_snippet() {
    local args=(-e "s#unix:$DEFAULT_SOCKET;#unix:$S_SOCK;#g"
                -e "s#^\\([[:space:]]*\\)include fastcgi_params;#\\1include $S_ETC/fastcgi_params;#")
    if [ "$keepalive" -gt 0 ]; then
        args+=(-e '/# muc-kick:direct$/ s/^\([[:space:]]*\)fastcgi_pass/\1#fastcgi_pass/'
               -e '/# muc-kick:keepalive$/ s/^\([[:space:]]*\)#fastcgi_pass/\1fastcgi_pass/')
    fi
    sed "${args[@]}" "$SNIPPET" | sed 's/^./        &/'
}

render_upstream() {
    sed -e "s#unix:$DEFAULT_SOCKET;#unix:$S_SOCK;#g" \
        -e "s/^\\([[:space:]]*\\)keepalive [0-9][0-9]*;/\\1keepalive $keepalive;/" \
        "$UPSTREAM" | sed 's/^./    &/'
}

render() {
    local whoami_uid
    whoami_uid=$(id -u)
    echo "# Rendered by nginx/render.sh from nginx/muc-kick.conf on $(date -u '+%Y-%m-%d %H:%M:%S UTC')."
    echo "# For tests and local runs only. Do not edit: re-render."
    if [ -n "$user" ]; then
        echo "user $user;"
    elif [ "$whoami_uid" = 0 ]; then
        echo "user root;  # rendered as root: workers must reach the private prefix and socket"
    fi
    echo "worker_processes $workers;"
    echo "daemon $daemon;"
    echo "pid $prefix/nginx.pid;"
    echo "error_log $prefix/error.log warn;"
    echo
    echo "events {"
    echo "    worker_connections 4096;"
    echo "}"
    echo
    echo "http {"
    echo "    include $NGINX_ETC/mime.types;"
    echo "    default_type application/octet-stream;"
    if [ "$access_log" = on ]; then
        echo "    access_log $prefix/access.log;"
    else
        echo "    access_log off;"
    fi
    echo "    client_body_temp_path $prefix/tmp/client_body;"
    echo "    fastcgi_temp_path $prefix/tmp/fastcgi;"
    echo "    proxy_temp_path $prefix/tmp/proxy;"
    echo "    uwsgi_temp_path $prefix/tmp/uwsgi;"
    echo "    scgi_temp_path $prefix/tmp/scgi;"
    echo "    server_tokens off;"
    echo
    if [ "$keepalive" -gt 0 ]; then
        echo "    # ---- from nginx/muc-kick-upstream.conf (keepalive $keepalive)"
        render_upstream
        echo
    fi
    echo "    server {"
    echo "        listen $listen:$port;"
    echo "        server_name _;"
    echo
    echo "        # ---- from nginx/muc-kick.conf"
    render_snippet
    echo "    }"
    echo "}"
}

mkdir -p "$prefix/tmp"
if [ -n "$out" ]; then
    render >"$out.tmp.$$"
    mv "$out.tmp.$$" "$out"
    if [ "$check" = 1 ]; then
        "$NGINX" -t -q -p "$prefix/" -e "$prefix/error.log" -c "$out"
    fi
else
    render
fi
