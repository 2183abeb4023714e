#!/usr/bin/env bash
# Installs everything ivc needs on Debian/Ubuntu: system packages (only those missing), then the npm packages
# (building the native camera and audio backends against the system OpenCV), then builds ivc itself.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(redis-server ffmpeg libopencv-dev pulseaudio xvfb iproute2)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# @u4/opencv4nodejs must build against Debian's OpenCV: its own auto-build downloads OpenCV, which fails offline.
export OPENCV4NODEJS_DISABLE_AUTOBUILD=1
export OPENCV_INCLUDE_DIR=/usr/include/opencv4
export OPENCV_LIB_DIR=/usr/lib/x86_64-linux-gnu
export OPENCV_BIN_DIR=/usr/bin
export npm_config_nodedir=/usr
npm ci --no-audit --no-fund >&2
npm run build >&2
