# Loaded by every bats file: libraries, paths, and helpers for real
# processes on loopback.
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=$ROOT/bin
PATH=$BIN:$PATH
FIX=$ROOT/tests/fixtures
KFIX=$FIX/kalshi
TOOLS=$ROOT/${SSMD_BUILD:-build/cc}/tools	# tests/tools/*.c, built by make check
export ROOT BIN FIX KFIX TOOLS

# A TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Wait until a command succeeds, for at most $1 seconds.
wait_for() {
	local t=$1; shift
	local end=$((SECONDS + t))
	until "$@" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# Every line of file $1 is one valid JSON value (jq reads each in turn).
json_lines_ok() {
	jq -e . < "$1" > /dev/null
}

# Resident set size in KiB of pid $1.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# Peak RSS in KiB of a command run to completion, with this shell's stdin
# (GNU time reads it from the kernel at exit; its own output is dropped).
peak_rss_kib() {
	local f
	f=$(mktemp)
	/usr/bin/time -f %M -o "$f" "$@" > /dev/null 2>&1
	cat "$f"
	rm -f "$f"
}
