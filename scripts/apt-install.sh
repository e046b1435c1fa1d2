#!/usr/bin/env bash
# Install Debian packages the project needs (chromium for browser tests, nodejs if missing).
# Uses sudo when not root. Idempotent: apt-get skips what is already installed.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@"
