#!/usr/bin/env bash
# Checks nginx/muc-kick.conf with curl against a real nginx: renders it with
# render.sh (without and with keep-alive), puts the reference responder of
# Benchmarks/fcgi in `dump` mode behind it (it answers with the FastCGI
# parameters it received), and checks what reaches the responder and what
# nginx answers by itself. Needs nginx, curl, cc and libfcgi-dev.
#
# Usage: nginx/test.sh        (PORT=18090 to change the port)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PORT=${PORT:-18090}
TMP=$(mktemp -d /tmp/muc-kick-nginx-test.XXXXXX)
BIN="$TMP/ref_responder"
SOCK="$TMP/fcgi.sock"
URL="http://127.0.0.1:$PORT/muc_kick"
RESP_PID="" NGINX_PID=""
fails=0 checks=0

cleanup() {
    local rc=$?
    for pid in $NGINX_PID $RESP_PID; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cc -O2 -o "$BIN" "$ROOT/Benchmarks/fcgi/ref_responder.c" -lfcgi -lpthread

check() { # check NAME CONDITION...
    local name=$1
    shift
    checks=$((checks + 1))
    if "$@"; then
        echo "   ok   $name"
    else
        echo "   FAIL $name"
        fails=$((fails + 1))
    fi
}

# req ARGS...: runs curl; sets CODE, HEADERS (lower-cased names) and BODY
req() {
    CODE=$(curl -sS -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@" || true)
    BODY=$(cat "$TMP/body" 2>/dev/null || true)
    HEADERS=$(tr -d '\r' <"$TMP/headers" | sed 's/^\([^:]*\):/\L\1:/')
}
has_header() { grep -qxF "$1" <<<"$HEADERS"; }
body_is() { [ "$BODY" = "$1" ]; }
body_has() { grep -qF -- "$1" <<<"$BODY"; }
code_is() { [ "$CODE" = "$1" ]; }

start() { # start KEEPALIVE
    "$HERE/render.sh" --prefix "$TMP/ngx" --socket "$SOCK" --port "$PORT" --keepalive "$1" \
        --workers 1 -o "$TMP/ngx/nginx.conf" --check
    nginx -p "$TMP/ngx/" -e "$TMP/ngx/error.log" -c "$TMP/ngx/nginx.conf" &
    NGINX_PID=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "$URL" && return 0
        sleep 0.05
    done
    echo "nginx did not start" >&2
    exit 1
}
stop_nginx() { kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""; }

head -c 70000 /dev/zero | tr '\0' x | sed 's/^/{"nickname":"/; s/$/"}/' >"$TMP/big.json"
head -c 65000 /dev/zero | tr '\0' x | sed 's/^/{"nickname":"/; s/$/"}/' >"$TMP/fits.json"

for ka in 0 4; do
    echo "== keepalive $ka"
    "$BIN" --listen "$SOCK" --threads 8 --mode dump 2>/dev/null &
    RESP_PID=$!
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
    start "$ka"

    req -X POST -H 'Authorization: s3cret, x' -H 'Content-Type: application/json' \
        --data '{"nickname":"Bob","muc":"room@chat.example.org"}' "$URL"
    check "POST reaches the responder" code_is 200
    check "Authorization passed as HTTP_AUTHORIZATION" body_has '"HTTP_AUTHORIZATION":"s3cret, x"'
    check "REQUEST_METHOD=POST" body_has '"REQUEST_METHOD":"POST"'
    check "SCRIPT_NAME=/muc_kick" body_has '"SCRIPT_NAME":"/muc_kick"'
    check "CONTENT_LENGTH" body_has '"CONTENT_LENGTH":"48"'
    check "body passed" body_has '"body":"{\"nickname\":\"Bob\",\"muc\":\"room@chat.example.org\"}"'

    req -X OPTIONS -H 'Origin: https://example.org' "$URL"
    check "OPTIONS reaches the responder" body_has '"REQUEST_METHOD":"OPTIONS"'

    for m in GET PUT DELETE PATCH PROPFIND; do
        req -X "$m" "$URL"
        check "$m: 405 with Allow, JSON type and body" \
            eval 'code_is 405 && has_header "allow: POST, OPTIONS" && has_header "content-type: application/json" && body_is "{\"error\":\"Method not allowed\"}"'
    done
    req --head "$URL"
    check "HEAD: 405 with Allow" eval 'code_is 405 && has_header "allow: POST, OPTIONS"'

    req -X POST -H 'Authorization: a' --data-binary @"$TMP/fits.json" "$URL"
    check "65015-byte body accepted" code_is 200
    for how in length chunked expect; do
        case $how in
            length) extra=() ;;
            chunked) extra=(-H 'Transfer-Encoding: chunked') ;;
            expect) extra=(-H 'Expect: 100-continue') ;;
        esac
        req -X POST -H 'Authorization: a' "${extra[@]}" --data-binary @"$TMP/big.json" "$URL"
        check "70015-byte body ($how): 413 JSON" \
            eval 'code_is 413 && has_header "content-type: application/json" && body_is "{\"error\":\"Request body too large\"}"'
    done

    kill "$RESP_PID"; wait "$RESP_PID" 2>/dev/null || true; RESP_PID=""
    rm -f "$SOCK"
    req -X POST -H 'Authorization: a' --data '{}' "$URL"
    check "responder down: 502 JSON" \
        eval 'code_is 502 && has_header "content-type: application/json" && body_is "{\"error\":\"Responder unavailable\"}"'
    stop_nginx
done

echo "== $((checks - fails))/$checks checks passed"
[ "$fails" = 0 ]
