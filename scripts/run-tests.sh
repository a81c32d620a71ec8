#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole test suite: build for every kernel series, check the QEMU
# harness itself, run the selftests in a guest of each kernel, and print
# one closing line "N passed, N failed[, N skipped]".
#
# usage: scripts/run-tests.sh [SERIES...]     (default: 6.1 6.12 6.12-debug)
#
# SM4KTLS_SMOKE_SERIES="5.10 7.2" adds a smoke run on those kernels (what
# make check does for the kernels SERIES leaves out): the module built
# with the kernel's own compiler, selftests/run-guest.sh, the data-path
# suite's smoke subset (datapath-tests.sh --smoke) and upstream's tls.c
# of that kernel's own package, one variant.
#
# 6.12-debug is the sanitizer kernel (scripts/debug-kernel.sh, built once
# into a cache outside the tree): the same suites, and a verdict that
# fails on any KASAN/KFENCE/UBSAN/lockdep/kmemleak/ODEBUG report. Beside
# other series (make check) it runs in a lane of its own, alongside them.
#
# Upstream's tls selftest runs on sm4ktls by default (SM4KTLS_UPSTREAM_CI=1:
# variants 13_sm4_gcm, 12_aes_gcm, 13_aes_gcm of fixtures tls and tls_err,
# each kernel its own package's tls.c, then mutliproc_* on 13_sm4_gcm);
# =stock runs the subset on the in-tree tls.ko (the reference), =0 skips
# it. Every knob: Documentation/testing.md, "Knobs".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=${*:-6.1 6.12 6.12-debug}
smoke=${SM4KTLS_SMOKE_SERIES:-}
# Every kernel built for, and whose own copy of upstream's tls.c runs.
kernels=$(for s in $series $smoke; do echo "${s%-debug}"; done | awk '!seen[$0]++' | xargs)
# Beside the stock kernels (make check), the sanitizer kernel runs a
# subset that fits CI's time: every suite but upstream's tls.c (which runs
# on both stock kernels). Alone (make check-debug), or with
# SM4KTLS_DEBUG_FULL=1, it runs everything.
debug_full=${SM4KTLS_DEBUG_FULL:-$([ "$series" = 6.12-debug ] && echo 1 || echo 0)}
# The series but the sanitizer kernel, which has a lane of its own.
stock=$(for s in $series; do [ "$s" = 6.12-debug ] || echo "$s"; done | xargs)
debug=$([[ " $series " == *" 6.12-debug "* ]] && echo 1 || echo 0)
# Two lanes when the sanitizer kernel's subset runs beside stock kernels.
lanes=$([ "$debug" = 1 ] && [ -n "$stock" ] && [ "$debug_full" != 1 ] && echo 1 || echo 0)
logs=$top/build/test-logs
# Our own code builds warning-free here (users' builds do not insist).
export WERROR=1
mkdir -p "$logs"
pass=0 fail=0 skip=0

result() { # STATUS NAME
	if [ "$1" = 0 ]; then
		pass=$((pass + 1)); echo "PASS: $2"
	else
		fail=$((fail + 1)); echo "FAIL: $2"
	fi
	[ "$1" = 0 ]
}

# Count TAP result lines ("ok ..." / "not ok ...", "# SKIP") of a guest log.
count_tap() {
	local p f s
	p=$(grep -Ec '^ok ' "$1")
	s=$(grep -Ec '^ok .*# SKIP' "$1")
	f=$(grep -Ec '^not ok ' "$1")
	pass=$((pass + p - s)); skip=$((skip + s)); fail=$((fail + f))
	scripts/tap-failures.sh "$1" "$2"
}

# selftests/run-guest.sh in a guest of SERIES; TAG marks a smoke run.
guest_suite() { # SERIES TAG
	local log=$logs/guest-$1.log vrc

	echo "=== selftests on $1$2 (log: $log)"
	scripts/vm.sh -t 1500 -l "$log" "$1" selftests/run-guest.sh >/dev/null 2>"$log.verdict"
	vrc=$?
	count_tap "$log" "$1"
	cat "$log.verdict"
	result $vrc "guest $1$2: finished, no kernel splat, runner exit 0"
}

# The data-path suite in a guest of SERIES, with datapath-tests.sh FLAGS.
datapath_suite() { # SERIES TAG [FLAG...]
	local s=$1 tag=$2 log=$logs/datapath-$1.log vrc

	shift 2
	echo "=== data-path tests on $s$tag (log: $log)"
	scripts/datapath-tests.sh "$@" -l "$log" "$s" >"$log.out" 2>&1
	vrc=$?
	count_tap "$log" "$s datapath"
	grep -a "^# datapath" "$log.out"
	cat "$log.verdict"
	result $vrc "guest $s data-path$tag: finished, no kernel splat, runner exit 0"
}

# Upstream's variant names in a kernel's copy of tls.c: 5.10's knows only
# "12" and "13" (AES-GCM-128). With "smoke", one variant.
upstream_variants() { # COPY [smoke]
	case $1${2:+-smoke} in
	5.10) echo 12,13 ;;
	5.10-smoke) echo 13 ;;
	*-smoke) echo 13_sm4_gcm ;;
	*) echo 13_sm4_gcm,12_aes_gcm,13_aes_gcm ;;
	esac
}

# Upstream's tls selftest subset on each kernel (SM4KTLS_UPSTREAM_CI);
# its binaries are built before the lanes start.
upstream_ci() { # sm4ktls|stock SERIES...
	local mode=$1 s log flags=()

	shift
	# Debian's stock tls.ko has no TLS 1.3 KeyUpdate; sm4ktls has.
	local rekey=
	[ "$mode" = stock ] && flags=(--stock) && rekey=--exclude-rekey
	for s in "$@"; do
		log=$logs/upstream-ci-$s.log
		echo "=== upstream tls.c subset on $s, $mode (log: $log)"
		# mutliproc_* run on their own below, one variant.
		scripts/upstream-tls.sh "${flags[@]}" $rekey --exclude 'mutliproc_*' \
			--copy "${s%-debug}" \
			--variants "$(upstream_variants "${s%-debug}")" -t 2400 -l "$log" "$s" \
			>"$log.out" 2>&1
		result $? "guest $s: upstream tls.c subset on $mode (${s}'s copy)"
		count_tap "$log" "upstream $s"
		grep '^# upstream-tls' "$log.out"
		# Upstream's multi-process stress (readers and writers of one
		# socket, 6 MB each way): SM4-GCM only, 120 s per case, on
		# 6.12 (CI's time; stress.c covers concurrency on every kernel).
		[ "$s" = 6.12 ] || [ "$debug_full" = 1 ] || continue
		log=$logs/upstream-mutliproc-$s.log
		echo "=== upstream tls.c mutliproc_* on $s, $mode, 13_sm4_gcm (log: $log)"
		scripts/upstream-tls.sh "${flags[@]}" --copy "${s%-debug}" \
			--variants 13_sm4_gcm --tests 'mutliproc_*' -t 1800 -l "$log" "$s" \
			>"$log.out" 2>&1
		result $? "guest $s: upstream tls.c mutliproc_* on $mode (${s}'s copy)"
		count_tap "$log" "upstream mutliproc $s"
		grep '^# upstream-tls' "$log.out"
	done
}

finish() {
	local retries
	retries=$(cat "$logs"/*.verdict "$logs"/*.out 2>/dev/null | grep -c '^vm: boot retry')
	echo "guest boots retried (died before the start marker under TCG): $retries"
	if [ $skip -gt 0 ]; then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	[ $fail = 0 ]
	exit
}

# Upstream's selftest subset on sm4ktls (default), on the in-tree tls.ko
# (stock), or not at all (0): $upstream, checked before anything runs.
upstream_of() { # SERIES...
	[ $# -gt 0 ] || return 0
	case $upstream in
	0) ;;
	stock) upstream_ci stock "$@" ;;
	*) upstream_ci sm4ktls "$@" ;;
	esac
}

# Data-path tests (Documentation/testing.md): on sm4ktls.ko by default,
# SM4KTLS_DATAPATH_CI=stock on the in-tree tls.ko, 0 to skip them.
datapath_of() { # SERIES
	local dp=${SM4KTLS_DATAPATH_CI:-1} flags=() sub=

	[ "$dp" != 0 ] || return 0
	[ "$dp" = stock ] && flags+=(--stock)
	# CI's subset on the sanitizer kernel (datapath-tests.sh).
	[ "$1" != 6.12-debug ] || [ "$debug_full" = 1 ] || flags+=(--subset)
	# Beside it, stock 6.12 runs the other two device-case pairs:
	# between them 6.12 sees all four (6.1 runs all four itself).
	[ "$1" = 6.12 ] && [ "$debug" = 1 ] && [ "$debug_full" != 1 ] && sub=2
	SM4KTLS_OFFLOAD_SUBSET=$sub datapath_suite "$1" "" "${flags[@]}"
}

# The module built for SERIES..., each with its kernel's compiler.
build_modules() { # LOG SERIES...
	local log=$1

	shift
	[ $# -gt 0 ] || return 0
	if make --no-print-directory modules SERIES="$*" >"$log" 2>&1; then
		result 0 "build module for: $* (each with its kernel's compiler)"
	else
		tail -n 30 "$log"
		result 1 "build module for: $*"
	fi
}

# A kernel without the TLS_DEVICE hooks gets software kTLS alone (Kbuild
# leaves device offload out): build that too, against SERIES.
build_no_offload() { # SERIES
	local k nooff

	k=$(readlink "build/kernels/$1")
	nooff=$top/build/obj/no-offload-$k
	if make --no-print-directory module OBJ="$nooff" SM4KTLS_PROBES_OFF=tls_device_hooks \
		KDIR="$top/build/kernels/$k/root/usr/src/linux-headers-$k" >"$logs/build-no-offload.log" 2>&1 &&
		[ ! -e "$nooff/sm4ktls_sim.ko" ] && ! nm "$nooff/sm4ktls.ko" | grep -q sm4ktls_offload_register; then
		result 0 "build without device offload (no TLS_DEVICE hooks) for $k"
	else
		tail -n 20 "$logs/build-no-offload.log"
		result 1 "build without device offload (no TLS_DEVICE hooks) for $k"
	fi
}

# The smoke run on the kernels SERIES leaves out (see the top).
smoke_runs() {
	local s log

	for s in $smoke; do
		guest_suite "$s" " (smoke)"
		datapath_suite "$s" " (smoke)" --smoke
		log=$logs/upstream-ci-$s.log
		echo "=== smoke on $s: upstream tls.c of $s, $(upstream_variants "$s" smoke) (log: $log)"
		scripts/upstream-tls.sh --copy "$s" --exclude 'mutliproc_*' \
			--variants "$(upstream_variants "$s" smoke)" -t 2400 -l "$log" "$s" \
			>"$log.out" 2>&1
		result $? "guest $s (smoke): upstream tls.c of $s on sm4ktls"
		count_tap "$log" "upstream $s"
		grep '^# upstream-tls' "$log.out"
	done
}

# Everything but the sanitizer kernel: the stock kernels, and the smoke
# runs unless they end the sanitizer lane (debug_beside).
stock_lane() {
	local s t first=${stock%% *}

	# shellcheck disable=SC2086 # lists of series
	build_modules "$logs/build.log" $stock $smoke || return
	[ -z "$stock" ] || build_no_offload "${stock##* }"
	# Tongsuo with the project's kTLS patches, and without them (the peer
	# that proves the wire format), for selftests/tongsuo-ktls.sh; cached.
	for t in 8.5.0-pre2 "--unpatched 8.5.0-pre2" 8.4.0; do
		# shellcheck disable=SC2086 # "--unpatched VERSION" is two words
		scripts/tongsuo.sh $t >>"$logs/tongsuo-build.log" 2>&1
		result $? "build Tongsuo $t (log: $logs/tongsuo-build.log)"
	done
	scripts/nginx.sh >"$logs/nginx-build.log" 2>&1
	result $? "build nginx (Debian's source) on Tongsuo (log: $logs/nginx-build.log)"

	# The crypto sources, built natively (every CPU path runs here, not in TCG).
	make --no-print-directory -C selftests/crypto >"$logs/crypto-native.log" 2>&1 &&
		make --no-print-directory -s -C selftests/crypto run >>"$logs/crypto-native.log" 2>&1
	result $? "native crypto tests build and run (log: $logs/crypto-native.log)"
	count_tap "$logs/crypto-native.log" native

	scripts/checkpatch.sh >"$logs/checkpatch.log" 2>&1
	result $? "checkpatch --strict clean (log: $logs/checkpatch.log)"

	# The harness's own checks, on a stock kernel if there is one.
	first=${first:-6.12-debug}
	scripts/test-harness.sh "$first" >"$logs/harness.log" 2>&1
	while read -r verdict name; do
		[ "$verdict" = PASS: ]
		result $? "$name on $first"
	done < <(grep -E '^(PASS|FAIL): ' "$logs/harness.log")

	for s in $stock; do
		guest_suite "$s" ""
	done
	# shellcheck disable=SC2086 # a list of series
	upstream_of $stock
	for s in $stock; do
		datapath_of "$s"
	done
	# Beside the sanitizer lane, the smoke runs go at its end (debug_beside).
	[ "$lanes" = 1 ] || smoke_runs
}

# The sanitizer kernel (scripts/debug-kernel.sh, built on first use): every
# kind of report it prints fails a run.
debug_lane() {
	local seed secs log vrc

	build_modules "$logs/build-6.12-debug.log" 6.12-debug || return
	[ -n "$stock" ] || build_no_offload 6.12-debug
	scripts/test-harness.sh --sanitizers 6.12-debug >"$logs/harness-debug.log" 2>&1
	while read -r verdict name; do
		[ "$verdict" = PASS: ]
		result $? "$name on 6.12-debug"
	done < <(grep -E '^(PASS|FAIL): ' "$logs/harness-debug.log")
	guest_suite 6.12-debug ""
	[ "$debug_full" != 1 ] || upstream_of 6.12-debug
	datapath_of 6.12-debug
	# The seeded fuzzer (selftests/fuzz.c) for a bounded time; `make fuzz
	# FUZZ_MINUTES=N` runs it longer. The seed is printed so a failure
	# replays.
	seed=${SM4KTLS_FUZZ_SEED:-$(date +%s)}
	secs=${SM4KTLS_FUZZ_SECONDS:-120}
	log=$logs/fuzz-6.12-debug.log
	echo "=== fuzz on 6.12-debug, seed $seed, ${secs} s (log: $log)"
	scripts/vm.sh -t $((secs + 900)) -l "$log" 6.12-debug \
		"FUZZ_SECONDS=$secs FUZZ_SEED=$seed selftests/run-fuzz.sh" \
		>/dev/null 2>"$log.verdict"
	vrc=$?
	count_tap "$log" "6.12-debug fuzz seed $seed"
	# What failed and how to replay it, so CI's output alone tells.
	grep -E '^# (FAIL|HANG|reproduce|  )' "$log" | head -n 30
	cat "$log.verdict"
	result $vrc "guest 6.12-debug fuzz (seed $seed): finished, no kernel splat, runner exit 0"
}

# The sanitizer kernel's lane beside the rest: a TCG guest keeps about
# one core of two busy, so two lanes of guests share the machine's time
# rather than queueing (make check on 2 cores: about 90 min in one lane).
# The smoke runs end it: it would otherwise finish about 9 min first.
# Its output follows the other lane's; its tallies join the total.
debug_beside() {
	local out=$logs/lane-debug.out counts=$logs/lane-debug.counts lane p f s

	rm -f "$counts"
	# shellcheck disable=SC2030,SC2031 # the lane counts for itself
	(
		pass=0 fail=0 skip=0
		debug_lane
		# Its data path ends sooner than the stock kernels' two.
		smoke_runs
		echo "$pass $fail $skip" >"$counts"
	) >"$out" 2>&1 &
	lane=$!
	stock_lane
	wait "$lane"
	echo "=== the sanitizer kernel's lane, run beside the above (log: $out)"
	cat "$out"
	# shellcheck disable=SC2031 # the parent's own counts, not the lane's
	if read -r p f s <"$counts"; then
		pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	else
		result 1 "the sanitizer kernel's lane finished"
	fi
}

upstream=${SM4KTLS_UPSTREAM_CI:-1}
case $upstream in
0 | 1 | sm4ktls | stock) ;;
*) result 1 "SM4KTLS_UPSTREAM_CI=$upstream: want 0, 1, sm4ktls or stock"; finish ;;
esac
# Built once, before the lanes: what both lanes run.
make --no-print-directory -C selftests >"$logs/selftests-build.log" 2>&1
result $? "build selftests" || finish
if [ "$upstream" != 0 ]; then
	make --no-print-directory -C selftests upstream UPSTREAM_SERIES="$kernels" \
		>>"$logs/selftests-build.log" 2>&1
	result $? "build upstream tls selftests ($kernels packages)" || finish
fi
if [ "$lanes" = 1 ]; then
	debug_beside
else
	stock_lane
	[ "$debug" = 0 ] || debug_lane
fi
finish
