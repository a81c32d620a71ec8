// SPDX-License-Identifier: GPL-2.0
/*
 * 6.1 onward: <linux/cfi_types.h> and SYM_TYPED_FUNC_START, which marks
 * assembly that C calls through a pointer (ENDBR for IBT, the kCFI type).
 */
#include <linux/cfi_types.h>
