#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel coding style: checkpatch.pl --strict (from Debian's linux-source,
# see fetch-ksft.sh) over every C source and header of the module, and the
# native crypto tests and benchmark built from the same sources.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/fetch-ksft.sh" 6.12
cp=$top/build/ksft/6.12/scripts/checkpatch.pl
cd "$top"
files=$(ls src/*.[ch] src/crypto/*.[ch] src/sim/*.[ch] src/testmod/*.c include/sm4ktls/*.h \
	compat/*.h compat/probes/*.c \
	selftests/crypto/*.[ch] selftests/crypto/shim/sm4ktls_*.h tools/sm4bench.c 2>/dev/null)
# Ignored on purpose: CONST_STRUCT (our proto_ops tables are built at run
# time from TCP's, as upstream's are) and MACRO_ARG_REUSE (a struct name
# passed to offsetof() several times in the cipher table has no side effect).
perl "$cp" --no-tree --strict --quiet --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,CONST_STRUCT,MACRO_ARG_REUSE \
	--codespellfile /dev/null -f $files
