#!/usr/bin/env bash
# Builds muc-kick-fcgi, roomd and roomctl for a Linux host that has no Swift installed (shared
# hosting, a minimal server): release mode, the Swift runtime linked in (--static-swift-stdlib),
# and libfcgi, libcrypto (OpenSSL 3) and libsqlite3 linked in from their static archives. What is
# left dynamic is glibc (libc, libm), libstdc++ and libgcc_s, which every glibc Linux has.
#
#   deploy/build-portable.sh [--out DIR] [--product NAME]...
#
#   --out DIR        where the binaries go (default: .build-portable/dist, git-ignored)
#   --product NAME   build only this product (repeatable; default: muc-kick-fcgi roomd roomctl)
#
# Environment: SCRATCH (default .build-portable: its own build directory, so it never fights
# with the debug/release builds in .build), SWIFT (default swift).
#
# It prints each binary's size and `ldd` output, and fails if a binary still needs a Swift runtime
# library (libswift*, libFoundation*, libdispatch, libBlocksRuntime) or libfcgi/libcrypto/libsqlite3.
#
# The binaries need a glibc at least as new as the build machine's (Debian 12: glibc 2.36) on
# x86_64 (or the build machine's architecture). Build on the oldest distribution you deploy to.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build-portable}
out=""
products=()
while [ $# -gt 0 ]; do
    case $1 in
        --out) out=${2:?}; shift 2 ;;
        --product) products+=("${2:?}"); shift 2 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-portable.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
((${#products[@]})) || products=(muc-kick-fcgi roomd roomctl)
case $SCRATCH in /*) ;; *) SCRATCH="$repo/$SCRATCH" ;; esac
out=${out:-$SCRATCH/dist}
case $out in /*) ;; *) out="$(pwd)/$out" ;; esac

# Static archives of the C libraries, in a directory of their own. SwiftPM takes the link flags of
# its system-library modules (CFastCGI, COpenSSLCrypto, CSQLite) from pkg-config files, whose
# `-L/usr/lib/<multiarch>` would make `-lfcgi` find libfcgi.so first; so this script writes its own
# fcgi.pc, libcrypto.pc and sqlite3.pc, put first on PKG_CONFIG_PATH, whose `-L` is that directory:
# there `-lfcgi` finds only libfcgi.a. The Swift sources and Package.swift need no change. A library
# without a static archive stays dynamic and is reported below.
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
static_dir="$SCRATCH/static-libs"
rm -rf "$static_dir"
mkdir -p "$static_dir/pkgconfig"
for pair in fcgi:fcgi libcrypto:crypto sqlite3:sqlite3; do
    pc=${pair%%:*} lib=${pair#*:}
    for dir in "/usr/lib/$multiarch" /usr/lib /usr/local/lib; do
        if [ -f "$dir/lib$lib.a" ]; then
            ln -sf "$dir/lib$lib.a" "$static_dir/lib$lib.a"
            break
        fi
    done
    if [ -e "$static_dir/lib$lib.a" ]; then
        extra=""
        [ "$lib" = crypto ] && extra=" -ldl -lpthread"
        [ "$lib" = sqlite3 ] && extra=" -lm -ldl -lpthread"
        printf 'Name: %s\nDescription: static lib%s for deploy/build-portable.sh\nVersion: 0\nLibs: -L%s -l%s%s\nCflags:\n' \
            "$pc" "$lib" "$static_dir" "$lib" "$extra" >"$static_dir/pkgconfig/$pc.pc"
    else
        echo "build-portable.sh: no lib$lib.a (install its -dev package); lib$lib stays dynamic" >&2
    fi
done
export PKG_CONFIG_PATH="$static_dir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

flags=(-c release --static-swift-stdlib --scratch-path "$SCRATCH" -Xlinker -s)
for product in "${products[@]}"; do
    echo "== $SWIFT build ${flags[*]} --product $product" >&2
    "$SWIFT" build "${flags[@]}" --product "$product" >&2
done
bin=$("$SWIFT" build "${flags[@]}" --show-bin-path)

mkdir -p "$out"
status=0
for product in "${products[@]}"; do
    cp -f "$bin/$product" "$out/$product.tmp"
    mv -f "$out/$product.tmp" "$out/$product"
    size=$(stat -c %s "$out/$product")
    echo "== $out/$product: $size bytes ($(( (size + 524288) / 1048576 )) MiB)"
    libs=$(ldd "$out/$product" 2>&1 || true)
    echo "$libs"
    if grep -Eq 'libswift|libFoundation|libdispatch|libBlocksRuntime|libicu|libfcgi|libcrypto|libsqlite3|not found' <<<"$libs"; then
        echo "build-portable.sh: $product still depends on a library it should carry" >&2
        status=1
    fi
done
exit "$status"
