# Shared by the bench scripts (sourced): tool checks and machine-wide CPU counters.

# bench_needs SCRIPT TOOL:PACKAGE... — stops with the package to install when a tool is missing.
bench_needs() {
  local script=$1 tool
  shift
  for tool in "$@"; do
    command -v "${tool%%:*}" >/dev/null \
      || { echo "$script: ${tool%%:*} is not installed (apt-get install ${tool#*:})" >&2; exit 1; }
  done
}

# machine_cpu — the machine's idle+iowait ticks and all ticks so far (/proc/stat), for idle shares.
machine_cpu() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
