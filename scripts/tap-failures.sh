#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The failed TAP lines of a guest log as "FAIL: [LABEL] not ok ...", each
# followed by the reasons the kselftest harness gave for it (its
# "# file.c:LINE:test:..." lines: failed expectations and their TH_LOG
# messages, at most 6), so that a summary says why without the log.
#
# usage: scripts/tap-failures.sh LOG LABEL
set -u
awk -v label="$2" '
	/^#  RUN / { why = ""; nwhy = 0; next }
	/^# [^ :]+\.c:[0-9]+:/ {
		if (nwhy++ < 6)
			why = why "\nFAIL: [" label "]     " $0
		next
	}
	/^not ok / {
		print "FAIL: [" label "] " $0 why
		why = ""
		nwhy = 0
	}' "$1"
