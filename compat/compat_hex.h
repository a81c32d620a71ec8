/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sm4ktls: hex2bin() and hex_to_bin() moved from <linux/kernel.h> to
 * <linux/hex.h> in 7.x. See compat.h.
 */
#ifndef _SM4KTLS_COMPAT_HEX_H
#define _SM4KTLS_COMPAT_HEX_H

#include <linux/kernel.h>

#include "sm4ktls_probes.h"

#ifdef SM4KTLS_HAVE_LINUX_HEX_H
#include <linux/hex.h>
#endif

#endif /* _SM4KTLS_COMPAT_HEX_H */
