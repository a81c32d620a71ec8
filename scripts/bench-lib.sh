# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # top and series: the sourcing script's
#
# Sourced by the benchmark scripts (ktls-bench.sh, ktls-mem.sh,
# ktls-profile.sh): the build before their guest, and what they print of
# its console log. Expects $top (the tree) and $series.

bench_logs=$top/build/bench-logs
mkdir -p "$bench_logs"

# The modules for $series and the tools; NAME's run stops if they fail.
bench_build() { # NAME
	local blog=$bench_logs/build-$series.log

	make --no-print-directory modules SERIES="$series" >"$blog" 2>&1 &&
		make --no-print-directory -C tools >>"$blog" 2>&1 && return
	tail -n 30 "$blog"
	echo "$1: build failed (log: $blog)" >&2
	exit 1
}

# The guest's output from the line matching FIRST up to the kernel log
# (console lines, kernel messages and "# run" progress left out), then
# its "NAME:" and module lines; a failed run says so. Exits with RC.
bench_report() { # NAME LOG RC FIRST
	sed -n -e "/$4/,/^SM4KTLS-VM: dmesg-begin/{/^SM4KTLS-VM/d;/^# run /d;/^\[/d;p}" "$2"
	grep -E "^($1|insmod|modprobe|rmmod):" "$2"
	[ "$3" = 0 ] || echo "$1: guest run failed (exit $3), console log: $2" >&2
	exit "$3"
}
