/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls_crypto's assembly: routines C calls through a pointer start with
 * SYM_TYPED_FUNC_START, which gives them the ENDBR an IBT kernel checks
 * (7.x's SYM_FUNC_START no longer adds one). 5.10 has no IBT and no such
 * macro. See compat.h.
 */
#ifndef _SM4KTLS_COMPAT_ASM_H
#define _SM4KTLS_COMPAT_ASM_H

#include <linux/linkage.h>

#include "sm4ktls_probes.h"

#ifdef SM4KTLS_HAVE_CFI_TYPES_H
#include <linux/cfi_types.h>
#else
#define SYM_TYPED_FUNC_START(name)	SYM_FUNC_START(name)
#endif

#endif /* _SM4KTLS_COMPAT_ASM_H */
