/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim of compat/compat_asm.h: no IBT, no CFI types here. */
#ifndef SM4KTLS_SHIM_COMPAT_ASM_H
#define SM4KTLS_SHIM_COMPAT_ASM_H

#include <linux/linkage.h>

#define SYM_TYPED_FUNC_START(name)	SYM_FUNC_START(name)

#endif
