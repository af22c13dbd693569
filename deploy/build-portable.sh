#!/usr/bin/env bash
# Builds muc-kick-fcgi, roomd and roomctl for a Linux host that has no Swift installed (shared
# hosting, a minimal server): release mode, stripped, the Swift runtime linked in
# (--static-swift-stdlib), and the C libraries of Package.swift's system-library modules (libfcgi,
# libcrypto of OpenSSL 3, libsqlite3, libexpat, ...) linked in from their static archives. What stays
# dynamic is glibc (libc, libm), libstdc++ and libgcc_s, which every glibc Linux has.
#
#   deploy/build-portable.sh [--out DIR] [--product NAME]...
#
#   --out DIR        where the binaries go (default: .build-portable/dist, git-ignored)
#   --product NAME   build only this product (repeatable; default: muc-kick-fcgi roomd roomctl)
#
# Environment: SCRATCH (default .build-portable: its own build directory, so it never fights
# with the debug/release builds in .build), SWIFT (default swift).
#
# It prints each binary's size and `ldd` output. It fails if a binary still needs a Swift runtime
# library (libswift*, libFoundation*, libdispatch, libBlocksRuntime); a C library without a static
# archive (no -dev package installed) stays dynamic and is named in a note.
#
# The binaries need the build machine's architecture and a glibc and libstdc++ about as new as its
# own (the script prints the minimum; from Debian 12: glibc 2.35/2.36, GCC 11's libstdc++). Build
# on the oldest distribution you deploy to. Sizes, ldd and the how: docs/deploy.md, "Binaries".
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
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-portable.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
((${#products[@]})) || products=(muc-kick-fcgi roomd roomctl)
case $SCRATCH in /*) ;; *) SCRATCH="$repo/$SCRATCH" ;; esac
out=${out:-$SCRATCH/dist}
case $out in /*) ;; *) out="$(pwd)/$out" ;; esac

# Static archives of the C libraries, in a directory of their own. SwiftPM takes the link flags of
# the package's system-library modules (CFastCGI, COpenSSLCrypto, CSQLite, ...: every `pkgConfig:` in
# Package.swift) from their pkg-config files, whose `-L/usr/lib/<multiarch>` would make `-lfcgi` find
# libfcgi.so first. So this script writes its own .pc file for each of them, put first on
# PKG_CONFIG_PATH, whose `-L` is that directory and whose libraries are the static ones (with their
# private dependencies): there `-lfcgi` finds only libfcgi.a. The Swift sources and Package.swift
# need no change. A library without a static archive stays dynamic and is reported below.
# A static binary keeps the libraries it was built with: never build it from stale ones.
deploy/check-build-deps.sh --strict >&2 || {
    echo "build-portable.sh: upgrade the libraries above first (deploy/install-deps.sh build)" >&2
    exit 1
}
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
static_dir="$SCRATCH/static-libs"
rm -rf "$static_dir"
mkdir -p "$static_dir/pkgconfig"
find_archive() {
    local dir
    for dir in "/usr/local/lib/$multiarch" /usr/local/lib "/usr/lib/$multiarch" /usr/lib; do
        if [ -f "$dir/lib$1.a" ]; then echo "$dir/lib$1.a"; return 0; fi
    done
    return 1
}
for pc in $(grep -o 'pkgConfig: *"[^"]*"' Package.swift | cut -d'"' -f2 | sort -u); do
    own=$(pkg-config --libs-only-l "$pc") || { echo "build-portable.sh: pkg-config knows no $pc" >&2; exit 1; }
    all=$(pkg-config --static --libs-only-l "$pc")
    missing=""
    for flag in $own; do
        lib=${flag#-l}
        archive=$(find_archive "$lib") || { missing="$missing lib$lib.a"; continue; }
        ln -sf "$archive" "$static_dir/lib$lib.a"
    done
    if [ -n "$missing" ]; then
        echo "build-portable.sh: no$missing for $pc (install its -dev package): it stays dynamic" >&2
        continue
    fi
    # private dependencies (e.g. -lz of sqlite3): static too when an archive exists, except glibc's own
    for flag in $all; do
        lib=${flag#-l}
        case $lib in c|m|dl|pthread|rt|util|resolv) continue ;; esac
        [ -e "$static_dir/lib$lib.a" ] && continue
        archive=$(find_archive "$lib") && ln -sf "$archive" "$static_dir/lib$lib.a"
    done
    printf 'Name: %s\nDescription: %s linked statically, for deploy/build-portable.sh\nVersion: 0\nLibs: -L%s %s -lpthread\nCflags: %s\n' \
        "$pc" "$pc" "$static_dir" "$all" "$(pkg-config --cflags "$pc")" >"$static_dir/pkgconfig/$pc.pc"
done
export PKG_CONFIG_PATH="$static_dir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

# What is linked in, by Debian package and version, for each binary's --version: a static binary does
# not get the distribution's security updates, so an operator must be able to see what it carries.
embedded=""
for archive in "$static_dir"/lib*.a; do
    [ -e "$archive" ] || continue
    package=$(dpkg -S "$(readlink -f "$archive")" 2>/dev/null | head -n 1 | cut -d: -f1) || package=""
    if [ -n "$package" ]; then
        entry="$package $(dpkg-query -W -f='${Version}' "$package")"
    else
        entry="$(basename "$archive") (not from a Debian package)"
    fi
    case ", $embedded, " in *", $entry, "*) ;; *) embedded="${embedded:+$embedded, }$entry" ;; esac
done
echo "== linked in: ${embedded:-nothing}" >&2

flags=(-c release --static-swift-stdlib --scratch-path "$SCRATCH" -Xlinker -s
    -Xcc "-DMUCKICK_STATIC_LIBRARIES=\"$embedded\"")
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
    echo "== $out/$product: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }') MiB)"
    libs=$(ldd "$out/$product" 2>&1 || true)
    echo "$libs"
    if grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu|not found' <<<"$libs"; then
        echo "build-portable.sh: $product still needs the Swift runtime (see ldd above)" >&2
        status=1
    fi
    if command -v objdump >/dev/null; then
        glibc=$(objdump -T "$out/$product" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
        glibcxx=$(objdump -T "$out/$product" | grep -o 'GLIBCXX_[0-9.]*' | sed 's/GLIBCXX_//' | sort -uV | tail -n 1)
        echo "   needs glibc >= ${glibc:-?}${glibcxx:+, libstdc++ >= GLIBCXX_$glibcxx}"
    fi
    extra=$(awk '{print $1}' <<<"$libs" | grep -Ev '^(linux-vdso|/lib64/ld-linux|ld-linux|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libutil\.so|libstdc\+\+\.so|libgcc_s\.so)' || true)
    if [ -n "$extra" ]; then
        echo "build-portable.sh: note: $product also needs" $extra "on the target host" >&2
    fi
done
exit "$status"
