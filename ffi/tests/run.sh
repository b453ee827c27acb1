#!/usr/bin/env bash
# Builds and runs every C test of the C API, from a clean clone:
#   1. the header compiles as strict C99 and as C++11 (gcc; clang too when
#      installed), and so does every C example of docs/C-API.md;
#   2. tests/c/test_api.c under AddressSanitizer + UndefinedBehaviorSanitizer
#      (its version-report tests sign with OpenSSL's Ed25519 as the software
#      device key),
#      against the host build (std, debug assertions) and the ECU build
#      (no_std, panic=abort, fat LTO) of the static library, and against the
#      shared library;
#   3. the freestanding link test: the ECU build with the small crypto
#      backends, linked with -ffreestanding -nostdlib -static and only mem*
#      and _start, verifies an embedded bundle;
#   4. the examples (c-boot, hil-readback), linked through the pkg-config
#      file the build writes, the Makefile fragment and the CMake snippet, on
#      good, tampered, rolled-back, wrong-hardware and rotating bundles; the
#      Make and CMake fragments refuse, at configure time and with what to
#      build, a library that is not there.
# Uses $CARGO_TARGET_DIR when set (default: the workspace target/).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
target=${CARGO_TARGET_DIR:-$repo/target}
export CARGO_TARGET_DIR=$target
out=$target/ffi-tests
rm -rf "$out"
mkdir -p "$out"

STRICT=(-std=c99 -Wall -Wextra -Wpedantic -Werror)
SAN=(-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
HOST_LIBS=(-lpthread -ldl -lm -lrt -lutil)
SMALL_BACKENDS='--cfg curve25519_dalek_backend="serial" --cfg sha2_backend="soft" --cfg sha2_backend_soft="compact"'
passed=0
step() { echo "== ffi: $*"; }
ok() { passed=$((passed + 1)); }
fail() { echo "ffi/tests/run.sh: FAILED: $*" >&2; echo "ffi: $passed passed, 1 failed"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- header
step "header: strict C99 and C++11"
printf '#include "modelseal.h"\nint main(void) { return modelseal_version()[0] == 0; }\n' >"$out/header.c"
gcc "${STRICT[@]}" -Iinclude -c "$out/header.c" -o "$out/header-gcc.o" && ok
g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ -c "$out/header.c" \
  -o "$out/header-gxx.o" && ok
if have clang; then
  clang "${STRICT[@]}" -Iinclude -c "$out/header.c" -o "$out/header-clang.o" && ok
  clang++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -Iinclude -x c++ -c "$out/header.c" \
    -o "$out/header-clangxx.o" && ok
else
  echo "   (clang not installed: skipped; tests/setup.sh installs it)"
fi

# ------------------------------------------------------ the documentation
# Every ```c block of docs/C-API.md that includes the header is a whole
# translation unit (the firmware services it uses are declared in it):
# each must compile as strict C99, so the documented examples cannot rot.
step "docs: the C examples of docs/C-API.md compile as strict C99"
awk -v out="$out/doc-example" '
  /^```c$/ { inblock = 1; n++; text = ""; next }
  inblock && /^```$/ {
    inblock = 0
    if (text ~ /#include "modelseal.h"/) { f = out "-" n ".c"; printf "%s", text > f; close(f) }
    next
  }
  inblock { text = text $0 "\n" }
' docs/C-API.md
doc_examples=("$out"/doc-example-*.c)
[ -e "${doc_examples[0]}" ] || fail "no complete C example in docs/C-API.md"
grep -q "boot_check" "${doc_examples[@]}" || fail "the boot check of docs/C-API.md was not extracted"
for f in "${doc_examples[@]}"; do
  gcc "${STRICT[@]}" -Iinclude -c "$f" -o "${f%.c}-gcc.o" || fail "docs/C-API.md: $(basename "$f") (gcc)"
  if have clang; then
    clang "${STRICT[@]}" -Iinclude -c "$f" -o "${f%.c}-clang.o" || fail "docs/C-API.md: $(basename "$f") (clang)"
  fi
  ok
done

TEST_SRC=(ffi/tests/c/test_api.c ffi/tests/c/sha256.c)
# Extra bundles the C tests and the examples use (made like tests/data).
cargo run --quiet -p modelseal-ffi --example gen-c-fixtures -- "$out/fixtures" >/dev/null

# ----------------------------------------------------- host build, ASan+UBSan
step "C tests under ASan+UBSan: host build of the library (std, debug assertions)"
cargo build --quiet -p modelseal-ffi
gcc "${STRICT[@]}" "${SAN[@]}" -Iinclude "${TEST_SRC[@]}" "$target/debug/libmodelseal.a" \
  "${HOST_LIBS[@]}" -lcrypto -o "$out/test_api_host"
"$out/test_api_host" tests/data "$out/fixtures" 2>"$out/test_api_host.log" || { cat "$out/test_api_host.log"; fail "C tests (host build)"; }
ok

# ------------------------------------------------------ ECU build, ASan+UBSan
step "C tests under ASan+UBSan: ECU build of the library (no_std, panic=abort, fat LTO)"
cargo build --quiet -p modelseal-ffi --profile ecu
cc=gcc
have clang && cc=clang
$cc "${STRICT[@]}" "${SAN[@]}" -Iinclude "${TEST_SRC[@]}" "$target/ecu/libmodelseal.a" -lpthread \
  -lcrypto -o "$out/test_api_ecu"
"$out/test_api_ecu" tests/data "$out/fixtures" 2>"$out/test_api_ecu.log" || { cat "$out/test_api_ecu.log"; fail "C tests (ECU build, $cc)"; }
ok

step "C tests against the shared library"
gcc "${STRICT[@]}" -O1 -Iinclude "${TEST_SRC[@]}" -L"$target/ecu" -l:libmodelseal.so -lpthread -lcrypto \
  -Wl,-rpath,"$target/ecu" -o "$out/test_api_shared"
"$out/test_api_shared" tests/data "$out/fixtures" 2>"$out/test_api_shared.log" || { cat "$out/test_api_shared.log"; fail "C tests (shared library)"; }
ok

# ----------------------------------------------------------- freestanding
step "freestanding link test (ECU profile, small crypto backends)"
fw_target=$target/firmware
CARGO_TARGET_DIR=$fw_target RUSTFLAGS="$SMALL_BACKENDS" \
  cargo build --quiet -p modelseal-ffi --profile ecu
fw_lib=$fw_target/ecu/libmodelseal.a
FREESTANDING=(-Os -ffreestanding -nostdlib -static -fno-stack-protector -fno-pie -no-pie
  -ffunction-sections -fdata-sections -Wl,--gc-sections -Iinclude)
# FULL accepts fs-verity digests and verifies the standard component (its
# weights carry one); the others take flat digests only, on the same
# component with flat digests.
verity_inputs=(-DACCEPT_VERITY -DROOT_FILE="\"tests/data/valid-component/root.msr\""
  -DBUNDLE_FILE="\"tests/data/valid-component/bundle.msb\""
  -DBAD_BUNDLE_FILE="\"tests/data/artifact-modified/bundle.msb\"")
for variant in FULL VERIFY_ONLY NO_VERIFIER; do
  if [ "$variant" = FULL ]; then
    inputs=("${verity_inputs[@]}")
  else
    inputs=(-DROOT_FILE="\"tests/data/valid-flat-digests/root.msr\""
      -DBUNDLE_FILE="\"tests/data/valid-flat-digests/bundle.msb\""
      -DBAD_BUNDLE_FILE="\"tests/data/flat-weights-modified/bundle.msb\"")
  fi
  gcc "${STRICT[@]}" "${FREESTANDING[@]}" "${inputs[@]}" -D"$variant" ffi/tests/c/start.S ffi/tests/c/freestanding.c \
    "$fw_lib" -o "$out/freestanding-$variant" || fail "freestanding link ($variant)"
  undefined=$(nm -u "$out/freestanding-$variant")
  [ -z "$undefined" ] || fail "freestanding binary has undefined symbols: $undefined"
  "$out/freestanding-$variant" || fail "freestanding run ($variant) exited $?"
  ok
done
# Every exported function, linked freestanding.
nm -g --defined-only "$fw_lib" 2>/dev/null | awk '$2=="T" && $3 ~ /^modelseal_/ {print "KEEP(" $3 ")"}' |
  sort -u >"$out/keep.inc"
gcc "${STRICT[@]}" "${FREESTANDING[@]}" "${verity_inputs[@]}" -DEVERY_FUNCTION -DKEEP_FILE="\"$out/keep.inc\"" \
  ffi/tests/c/start.S ffi/tests/c/freestanding.c "$fw_lib" -o "$out/freestanding-EVERY_FUNCTION" ||
  fail "freestanding link (every function)"
[ -z "$(nm -u "$out/freestanding-EVERY_FUNCTION")" ] || fail "undefined symbols (every function)"
"$out/freestanding-EVERY_FUNCTION" || fail "freestanding run (every function)"
ok
size -A "$out/freestanding-NO_VERIFIER" "$out/freestanding-VERIFY_ONLY" "$out/freestanding-FULL" |
  awk '/^\/|:$/ {name=$1} $1==".text"||$1==".rodata" {printf "   %-60s %-8s %7d\n", name, $1, $2}'

# ------------------------------------------------------ panic-path audit
# What can still panic after optimisation, in the firmware image that links
# every API function: each call into the panic machinery must come from the
# panic machinery itself or from the allowlisted call sites inside
# curve25519-dalek and the compact software SHA-2 (bounds checks LLVM does
# not remove; docs/SECURITY.md says why). Any other caller -- modelseal,
# postcard, serde -- fails here.
# (A build with `--cfg modelseal_panic_proof` turns the panic handler into
# an undefined symbol: that link fails, because of exactly these sites.)
step "panic paths left in the firmware image (ECU profile, every API function)"
# (Crate disambiguators such as core[0123456789abcdef] are dropped.)
objdump -d --no-show-raw-insn "$out/freestanding-EVERY_FUNCTION" | c++filt |
  sed -E 's/\[[0-9a-f]{16}\]//g' >"$out/every.asm"
# Call edges; functions of core that reach a panic count as panic machinery
# (a slice helper, say), so each path is charged to the first caller
# outside core.
callers=$(awk '
  /^[0-9a-f]+ <.*>:$/ { fn = substr($0, index($0, "<") + 1); sub(/>:$/, "", fn); next }
  /(call|jmp)[ \t]+[0-9a-f]+ </ {
    callee = substr($0, index($0, "<") + 1); sub(/>$/, "", callee); sub(/\+0x[0-9a-f]+$/, "", callee)
    from[n] = fn; to[n] = callee; n++
  }
  END {
    seed = "^(core::panicking::|core::slice::index::slice_[a-z_]*fail|core::slice::copy_from_slice_impl::len_mismatch_fail|core::option::(unwrap|expect)_failed|core::result::unwrap_failed|(__rustc::)?rust_begin_unwind)"
    for (i = 0; i < n; i++) { if (to[i] ~ seed) p[to[i]] = 1; if (from[i] ~ seed) p[from[i]] = 1 }
    do {
      grown = 0
      for (i = 0; i < n; i++)
        if ((to[i] in p) && !(from[i] in p) && from[i] ~ /^<?core::/) { p[from[i]] = 1; grown = 1 }
    } while (grown)
    for (i = 0; i < n; i++) if ((to[i] in p) && !(from[i] in p)) print from[i]
  }
' "$out/every.asm" | sed 's/::h[0-9a-f]\{16\}$//' | sort -u)
echo "$callers" | sed 's/^/   reaches a panic: /'
# The matcher itself is checked: a panic function in the image must have a caller.
if grep -q '^[0-9a-f]* <core::panicking::' "$out/every.asm"; then
  [ -n "$callers" ] || fail "the panic-path audit matched no call site"
fi
allowed='^(curve25519_dalek::window::NafLookupTable5<T>::select|<curve25519_dalek::backend::serial::u64::scalar::Scalar52 as core::ops::index::Index(Mut)?<usize>>::index(_mut)?|sha2::sha256::compress256|sha2::sha512::compress512)$'
unexpected=$(echo "$callers" | grep -Ev "$allowed" || true)
[ -z "$unexpected" ] || fail "panic paths outside the allowlisted dependency sites: $unexpected"
ok

# ---------------------------------------------------------------- examples
step "packaging: the pkg-config file the build writes, the Make and CMake fragments"
# The build of each profile wrote its own pkg-config file beside the
# library (ffi/build.rs): prefix, libdir and version filled in, the static
# link flags following from the profile.
version=$(sed -n 's/^#define MODELSEAL_VERSION_MAJOR //p;s/^#define MODELSEAL_VERSION_MINOR //p;s/^#define MODELSEAL_VERSION_PATCH //p' include/modelseal.h | paste -sd.)
pc() { PKG_CONFIG_PATH="$1/pkgconfig" pkg-config "${@:2}" modelseal | sed 's/[[:space:]]*$//'; }
for profile in ecu debug; do
  [ -f "$target/$profile/pkgconfig/modelseal.pc" ] || fail "no pkg-config file for the $profile build"
  [ "$(pc "$target/$profile" --modversion)" = "$version" ] || fail "pkg-config version ($profile)"
  [ "$(pc "$target/$profile" --variable=prefix)" = "$repo" ] || fail "pkg-config prefix ($profile)"
  [ "$(pc "$target/$profile" --variable=libdir)" = "$target/$profile" ] || fail "pkg-config libdir ($profile)"
  [ "$(pc "$target/$profile" --cflags)" = "-I$repo/include" ] || fail "pkg-config cflags ($profile)"
done
[ "$(pc "$target/ecu" --libs --static)" = "$target/ecu/libmodelseal.a" ] ||
  fail "the ECU build links no system library: $(pc "$target/ecu" --libs --static)"
# A host build links Rust's std: the static flags bring what it needs.
# shellcheck disable=SC2046
gcc "${STRICT[@]}" "$out/header.c" $(pc "$target/debug" --cflags --libs --static) -o "$out/pc-host" ||
  fail "pkg-config --static flags of the host build do not link"
"$out/pc-host" || fail "modelseal_version() of the host build is empty"
ok
# The boot example, compiled and linked with nothing but pkg-config.
# shellcheck disable=SC2046
gcc "${STRICT[@]}" -O2 examples/c-boot/boot.c $(pc "$target/ecu" --cflags --libs --static) -o "$out/c-boot"
# The same boot program with a work-buffer budget below the bundles' heads:
# it must refuse from the bundle's header, not overrun its buffer.
# shellcheck disable=SC2046
gcc "${STRICT[@]}" -O2 -DBOOT_MAX_HEAD_LEN=256 examples/c-boot/boot.c \
  $(pc "$target/ecu" --cflags --libs --static) -o "$out/c-boot-small"
ok
# The Makefile fragment: the library found under $CARGO_TARGET_DIR ...
make --no-print-directory -s -C examples/hil-readback OUT="$out" "$out/hil-readback"
make --no-print-directory -s -C examples/c-boot OUT="$out/mk" "$out/mk/c-boot"
ok
# ... and, where it is not, a refusal at include time that says what to
# build, before any compiler runs; `make clean` still works.
set +e
make --no-print-directory -C examples/c-boot MODELSEAL_LIB_DIR="$out/nowhere" OUT="$out/mk-missing" \
  >"$out/mk-missing.log" 2>&1
got=$?
set -e
[ "$got" != 0 ] || fail "make with no library succeeded"
grep -q "libmodelseal.a not found (profile ecu). Build it first, in $repo: cargo build -p modelseal-ffi --profile ecu" \
  "$out/mk-missing.log" || { cat "$out/mk-missing.log"; fail "make with no library: no clear message"; }
[ ! -e "$out/mk-missing" ] || fail "make with no library ran a recipe"
make --no-print-directory -s -C examples/c-boot MODELSEAL_LIB_DIR="$out/nowhere" OUT="$out/mk" clean
[ ! -e "$out/mk/c-boot" ] || fail "make clean needed the library"
set +e
make --no-print-directory -C examples/c-boot MODELSEAL_PROFILE=release CARGO_TARGET_DIR="$out/nowhere" \
  OUT="$out/mk-missing" >"$out/mk-missing.log" 2>&1
set -e
grep -q "Build it first, in $repo: cargo build -p modelseal-ffi --release" "$out/mk-missing.log" ||
  { cat "$out/mk-missing.log"; fail "make (release profile) with no library: no clear message"; }
echo "   make with no library: $(grep -o 'modelseal: .*not found[^.]*' "$out/mk-missing.log" | head -1)"
ok
# The CMake snippet: a project that links the boot example through the
# imported target builds and boots; with no library, configuring fails.
mkdir -p "$out/cmake/src"
cat >"$out/cmake/src/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.13)
project(boot_via_cmake C)
set(MODELSEAL_ROOT "$repo")
include("$repo/ffi/modelseal.cmake")
add_executable(c-boot "$repo/examples/c-boot/boot.c")
set_property(TARGET c-boot PROPERTY C_STANDARD 99)
target_compile_options(c-boot PRIVATE -Wall -Wextra -Wpedantic -Werror)
target_link_libraries(c-boot PRIVATE modelseal::modelseal)
CMAKE
cmake -S "$out/cmake/src" -B "$out/cmake/build" >"$out/cmake.log" 2>&1 || { cat "$out/cmake.log"; fail "cmake configure"; }
cmake --build "$out/cmake/build" >>"$out/cmake.log" 2>&1 || { cat "$out/cmake.log"; fail "cmake build"; }
"$out/cmake/build/c-boot" "$out/fixtures/root.msr" "$out/fixtures/valid/bundle.msb" >"$out/cmake-boot.log" 2>&1 ||
  { cat "$out/cmake-boot.log"; fail "c-boot built with CMake did not boot"; }
set +e
cmake -S "$out/cmake/src" -B "$out/cmake/missing" -DMODELSEAL_LIB_DIR="$out/nowhere" >"$out/cmake-missing.log" 2>&1
got=$?
set -e
[ "$got" != 0 ] || fail "cmake with no library configured"
# (CMake wraps the message: compare with the line breaks folded.)
tr -s '[:space:]' ' ' <"$out/cmake-missing.log" |
  grep -q "libmodelseal.a not found (profile ecu)\. Build it first, in $repo: cargo build -p modelseal-ffi --profile ecu" ||
  { cat "$out/cmake-missing.log"; fail "cmake with no library: no clear message"; }
echo "   cmake with no library: configure failed with what to build"
ok

boot() { # expected-exit root bundle [state]
  local want=$1; shift
  set +e
  "$out/c-boot" "$@" >"$out/boot.log" 2>&1
  local got=$?
  set -e
  [ "$got" = "$want" ] || { cat "$out/boot.log"; fail "c-boot $* exited $got, expected $want"; }
  local what=${2:-(no bundle)}
  echo "   c-boot $(basename "$(dirname "$what")")/$(basename "$what"): exit $got ($(head -1 "$out/boot.log"))"
  ok
}
readback() { # expected-exit identity bundle
  local want=$1
  set +e
  "$out/hil-readback" "$2" "$fx/root.msr" "$3" >"$out/readback.log" 2>&1
  local got=$?
  set -e
  [ "$got" = "$want" ] || { cat "$out/readback.log"; fail "hil-readback $2 $3 exited $got, expected $want"; }
  echo "   hil-readback $(basename "$2") vs $(basename "$(dirname "$3")"): exit $got ($(tail -1 "$out/readback.log"))"
  ok
}
fx=$out/fixtures
state=$out/nvm
mkdir -p "$state"
boot 0 "$fx/root.msr" "$fx/valid/bundle.msb" "$state"
[ "$(cat "$state/counter-floor")" = 7 ] || fail "counter floor not persisted"
boot 27 "$fx/root.msr" tests/data/artifact-modified/bundle.msb
boot 11 "$fx/root.msr" tests/data/forged-signature/bundle.msb
boot 16 "$fx/root.msr" "$fx/other-hardware/bundle.msb"
boot 0 "$fx/root.msr" "$fx/older/bundle.msb"           # fine on a fresh device ...
boot 20 "$fx/root.msr" "$fx/older/bundle.msb" "$state" # ... a rollback after counter 7
boot 100 "$fx/root.msr"
boot 3 "$fx/root.msr" tests/data/empty-file/bundle.msb
boot 1 "$fx/root.msr" "$fx/root.msr"                   # no bundle: a root envelope
set +e
"$out/c-boot-small" "$fx/root.msr" "$fx/valid/bundle.msb" >"$out/boot.log" 2>&1
got=$?
set -e
[ "$got" = 29 ] || { cat "$out/boot.log"; fail "c-boot with a small work buffer exited $got, expected 29"; }
grep -q "exceeds this ECU's budget" "$out/boot.log" || fail "c-boot did not size its buffer from the header"
echo "   c-boot (256-byte head budget) valid/bundle.msb: exit $got ($(tail -1 "$out/boot.log"))"
ok
rot=$out/nvm-rotation
mkdir -p "$rot"
boot 0 tests/data/valid-rotation/root.msr tests/data/valid-rotation/bundle.msb "$rot"
grep -q "trust root       v2" "$out/boot.log" || fail "rotation not reported"
[ -s "$rot/root.msr" ] || fail "new root not persisted"

readback 0 "$state/identity.bin" "$fx/valid/bundle.msb"
od -An -v -tx1 "$state/identity.bin" >"$out/identity.hex"
readback 0 "$out/identity.hex" "$fx/valid/bundle.msb"
readback 1 "$state/identity.bin" "$fx/older/bundle.msb"
cp "$state/identity.bin" "$out/damaged.bin"
printf '\x00' | dd of="$out/damaged.bin" bs=1 seek=20 conv=notrunc status=none
readback 2 "$out/damaged.bin" "$fx/valid/bundle.msb"
readback 3 "$state/identity.bin" tests/data/artifact-modified/bundle.msb

step "examples: the HiL rig asks for a signed version report (ecu-answer + ask.sh, OpenSSL keys)"
cargo build --quiet -p modelseal-cli
ms=$target/debug/modelseal
rep=$out/report
mkdir -p "$rep/ecu-ed" "$rep/ecu-p256"
openssl genpkey -algorithm ed25519 -out "$rep/ed.key" 2>/dev/null
openssl pkey -in "$rep/ed.key" -pubout -out "$rep/ed.pub"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$rep/p256.key" 2>/dev/null
openssl pkey -in "$rep/p256.key" -pubout -out "$rep/p256.pub"
for alg in ed p256; do
  examples/hil-readback/ask.sh "$fx/root.msr" "$fx/valid/bundle.msb" "$rep/ecu-$alg" \
    "$rep/$alg.key" "$rep/$alg.pub" SN-000123 >"$rep/ask.log" 2>&1 || { cat "$rep/ask.log"; fail "ask.sh ($alg)"; }
  grep -q "^VERIFIED" "$rep/ask.log" || fail "ask.sh ($alg) did not verify"
  # Asked again: a new nonce, the next sequence number.
  examples/hil-readback/ask.sh "$fx/root.msr" "$fx/valid/bundle.msb" "$rep/ecu-$alg" \
    "$rep/$alg.key" "$rep/$alg.pub" SN-000123 >"$rep/ask.log" 2>&1 || { cat "$rep/ask.log"; fail "ask.sh ($alg, twice)"; }
  [ "$(cat "$rep/ecu-$alg/rig-last-sequence")" = 2 ] || fail "sequence not advanced ($alg)"
  echo "   ask.sh ($alg): verified twice, sequence 2"
  ok
done
refuse() { # expected-exit args...
  local want=$1; shift
  set +e
  "$ms" report verify "$@" >"$rep/verify.log" 2>&1
  local got=$?
  set -e
  [ "$got" = "$want" ] || { cat "$rep/verify.log"; fail "report verify $* exited $got, expected $want"; }
  echo "   report verify refused: exit $got ($(tail -1 "$rep/verify.log"))"
  ok
}
r=$rep/ecu-ed/report.bin
nonce=$("$ms" report request)
refuse 12 "$r" --ecu-key "$rep/ed.pub" --nonce "$nonce"
openssl genpkey -algorithm ed25519 -out "$rep/ed2.key" 2>/dev/null
openssl pkey -in "$rep/ed2.key" -pubout -out "$rep/ed2.pub"
refuse 10 "$r" --ecu-key "$rep/ed2.pub" --unsolicited --last-sequence 0
refuse 11 "$r" --ecu-key "$rep/ed.pub" --ecu-serial SN-999 --unsolicited --last-sequence 0
refuse 13 "$r" --ecu-key "$rep/ed.pub" --unsolicited --last-sequence 2
refuse 16 "$r" --ecu-key "$rep/ed.pub" --unsolicited --last-sequence 0 --bundle "$fx/older/bundle.msb"
refuse 17 "$r" --ecu-key "$rep/p256.pub" --unsolicited --last-sequence 0
head -c 100 "$r" >"$rep/truncated.bin"
refuse 14 "$rep/truncated.bin" --ecu-key "$rep/ed.pub" --unsolicited --last-sequence 0
flip() { # file offset: flips the lowest bit of one byte
  local b
  b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
  printf "\\x$(printf %02x $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$r" "$rep/flipped.bin"
flip "$rep/flipped.bin" $(($(wc -c <"$r") - 10)) # in the signature
refuse 10 "$rep/flipped.bin" --ecu-key "$rep/ed.pub" --unsolicited --last-sequence 0
cp "$r" "$rep/flipped.bin"
flip "$rep/flipped.bin" 9 # the body length
refuse 14 "$rep/flipped.bin" --ecu-key "$rep/ed.pub" --unsolicited --last-sequence 0
cp "$r" "$rep/bad-char.bin"
printf '\x01' | dd of="$rep/bad-char.bin" bs=1 seek=60 conv=notrunc status=none # a control character in the serial
refuse 15 "$rep/bad-char.bin" --ecu-key "$rep/ed.pub" --unsolicited --last-sequence 0

echo "ffi: $passed passed, 0 failed"
