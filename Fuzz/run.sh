#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of the Parsers module. See Fuzz/README.md.
#
#   Fuzz/run.sh [target...] [--runs N | --seconds S] [--jobs J]
#
# A target is a folder Fuzz/<target>/ holding main.swift (with LLVMFuzzerTestOneInput) and any helper
# files; it is compiled together with every file under Sources/Parsers/ by swiftc, no SwiftPM, into
# .build-fuzz/bin/<target>. Its committed seeds are Fuzz/corpus/<target>/ (read, never written); what
# libFuzzer finds on the way goes to .build-fuzz/corpus/<target>/ and crashing inputs to
# .build-fuzz/artifacts/<target>/. Without targets, all of them run. The default, --runs 20000, is
# the short fixed setting CI uses. Exits non-zero when any target crashed, leaked, timed out or failed
# a check, after printing how to reproduce.
set -euo pipefail
# A failed check traps; libFuzzer saves the input. Swift's backtracer would then read memory that
# AddressSanitizer flags, burying the finding under a second report.
export SWIFT_BACKTRACE=enable=no
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-fuzz"
limit=(-runs=20000)
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) limit=(-runs="$2"); shift 2 ;;
        --seconds) limit=(-max_total_time="$2"); shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        -*) echo "fuzz: unknown option $1" >&2; exit 64 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    for main in "$root"/Fuzz/*/main.swift; do targets+=("$(basename "$(dirname "$main")")"); done
fi

mapfile -t parser_sources < <(find "$root/Sources/Parsers" -name '*.swift' | sort)

# Rebuilds a target only when a source is newer than its binary: a rebuild takes about half a minute.
build() {
    local target="$1" binary="$out/bin/$1"
    local sources=("${parser_sources[@]}" "$root/Fuzz/Shared"/*.swift "$root/Fuzz/$target"/*.swift)
    if [ -x "$binary" ] && [ -z "$(find "${sources[@]}" "$0" -newer "$binary" 2>/dev/null)" ]; then return 0; fi
    mkdir -p "$out/bin"
    echo "fuzz: building $target"
    swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -g -package-name smsledger -module-name "Fuzz_$target" \
        "${sources[@]}" -o "$binary.tmp" 2>&1 | grep -v "Cannot export local symbol" >&2 || true
    [ -x "$binary.tmp" ] || { echo "fuzz: building $target failed" >&2; exit 1; }
    mv "$binary.tmp" "$binary"
}

failed=()
for target in "${targets[@]}"; do
    if [ ! -f "$root/Fuzz/$target/main.swift" ]; then echo "fuzz: no target Fuzz/$target/main.swift" >&2; exit 64; fi
    build "$target"
    mkdir -p "$out/corpus/$target" "$out/artifacts/$target" "$root/Fuzz/corpus/$target"
    echo "fuzz: running $target (${limit[*]})"
    started=$SECONDS
    log="$out/$target.log"
    # -max_len: receipts are a few hundred bytes, config files a few KiB; longer inputs only slow it.
    if "$out/bin/$target" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target/" "$out/corpus/$target" "$root/Fuzz/corpus/$target" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        echo "fuzz: $target passed, $runs executions in $((SECONDS - started)) s"
    else
        failed+=("$target")
        grep -E 'FUZZ FAILURE|^input|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|Fatal error|SUMMARY' "$log" | head -20 || true
        artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
        echo "fuzz: $target FAILED after $((SECONDS - started)) s; full log: $log"
        if [ -n "$artifact" ]; then
            echo "fuzz: reproduce with:  $out/bin/$target $artifact"
            echo "fuzz: minimise with:   $out/bin/$target -minimize_crash=1 -runs=10000 $artifact"
        fi
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
