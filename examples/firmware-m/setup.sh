#!/usr/bin/env bash
# Installs what the firmware-m example needs, when missing: the Rust targets
# for Cortex-M4F and Cortex-M3, the GNU Arm bare-metal compiler and binutils,
# QEMU's Arm system emulator, make. No C library is needed (the firmware
# links none), so newlib is not installed. Safe to run repeatedly.
set -euo pipefail
need=()
command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi)
command -v arm-none-eabi-size >/dev/null || need+=(binutils-arm-none-eabi)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v make >/dev/null || need+=(make)
command -v timeout >/dev/null || need+=(coreutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "firmware-m setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi
installed=$(rustup target list --installed)
for t in thumbv7em-none-eabihf thumbv7m-none-eabi; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
