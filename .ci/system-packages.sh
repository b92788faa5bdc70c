#!/usr/bin/env bash
# Debian packages the test suites drive as real programs: Prometheus (PromQL
# rollout gates, promtool checks of the alert rules), Chromium (the console's
# Playwright tests), Ansible (bench/rollout's baseline) and systemd (systemd-analyze
# verify of deploy/systemd units). Installs only what is
# missing; needs root or passwordless sudo, and names the command to run otherwise.
set -euo pipefail

declare -A wanted=([prometheus]=prometheus [promtool]=prometheus [chromium]=chromium [ansible-playbook]=ansible [systemd-analyze]=systemd)
missing=()
for command in "${!wanted[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${wanted[$command]}")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages: prometheus, promtool, chromium, ansible and systemd-analyze are present" >&2
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else
    echo "system packages: missing ${missing[*]}; run: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
