#!/usr/bin/env bash
# pvlab's developer entry point, for a fresh Debian 12 machine (run as root, or with sudo
# available for the package step).
#   tools/dev.sh demo    install what is missing, build, run the demo guest
#   tools/dev.sh test    install what is missing, build, run every test; ends "N passed, N failed"
#   tools/dev.sh deps [PKG...]   only install the packages (and any extra ones named)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential gcc-multilib g++-multilib meson ninja-build pkg-config cmake python3
  libzydis-dev libcapstone-dev doctest-dev libcli11-dev libunicorn-dev libxen-dev libzstd-dev libxxhash-dev libinih-dev gdb
  grub-common grub-xen-bin   # Debian's GRUB for Xen, booted by the pv-grub tests
  libsdl2-dev libimgui-dev libgl-dev libstb-dev libgl1-mesa-dri xvfb xauth   # the GUI debugger and its test
)

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "pvlab: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  local opts=(--buildtype=release)
  [ "${CI:-}" = "true" ] && opts+=(--werror)
  if [ ! -f build/build.ninja ]; then
    meson setup build "${opts[@]}" >/dev/null
  else
    meson configure build "${opts[@]}" >/dev/null
  fi
  ninja -C build
}

case "${1:-}" in
  deps) shift; install_deps "$@" ;;
  demo)
    install_deps
    build >/dev/null
    exec build/frontend/pvlab run --stats ;;
  test)
    install_deps
    build
    set +e
    meson test -C build --num-processes 2 --print-errorlogs >build/test-output.txt 2>&1
    grep -E '^ *[0-9]+/[0-9]+ ' build/test-output.txt | awk '!seen[$0]++' || true
    python3 tools/test_summary.py build/meson-logs/testlog.json ;;
  *)
    echo "usage: tools/dev.sh demo|test|deps" >&2
    exit 2 ;;
esac
