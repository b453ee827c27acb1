#!/usr/bin/env bash
# Installs the system packages the tests use, when any is missing.
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail
need=()
command -v gcc >/dev/null || need+=(gcc)
command -v g++ >/dev/null || need+=(g++)
command -v clang >/dev/null || need+=(clang)
command -v make >/dev/null || need+=(make)
command -v openssl >/dev/null || need+=(openssl)
command -v pkg-config >/dev/null || need+=(pkg-config)
# The CMake snippet (ffi/modelseal.cmake) is configured by ffi/tests/run.sh.
command -v cmake >/dev/null || need+=(cmake)
# Debian's fs-verity tool: the reference the fs-verity digests and trees
# are compared with (tests/verity.rs, the CLI's fs-verity tests).
command -v fsverity >/dev/null || need+=(fsverity)
# OpenSSL's libcrypto: the software device key of the C report tests and examples.
[ -e /usr/include/openssl/evp.h ] || need+=(libssl-dev)
# A real PKCS#11 token for the HSM signing tests.
{ [ -e /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null; } || need+=(softhsm2)
# A real PostgreSQL server for the registry and fleet inventory tests
# (each test runs its own, with initdb in a temporary directory).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  echo "tests/setup.sh: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
