#!/usr/bin/env bash
# Installs everything ivc needs on Debian/Ubuntu: system packages (only those missing), then the npm packages
# (building the native camera and audio backends against the system OpenCV), then builds ivc itself.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser the tests of `ivc ui` drive (test/ui/, through playwright-core).
packages=(redis-server ffmpeg libopencv-dev pulseaudio xvfb x11-utils iproute2 chromium)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ((${#missing[@]})); then
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

# `ivc` on the PATH (every doc says `ivc listen`): a link to this checkout's bin/run.js, and its man page.
$sudo ln -sfn "$PWD/bin/run.js" /usr/local/bin/ivc
$sudo mkdir -p /usr/local/share/man/man1
$sudo ln -sfn "$PWD/docs/ivc.1" /usr/local/share/man/man1/ivc.1
echo "setup: $(command -v ivc || echo /usr/local/bin/ivc) -> $PWD/bin/run.js; man ivc" >&2
