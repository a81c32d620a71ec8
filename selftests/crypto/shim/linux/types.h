/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: lets the module's crypto sources (src/crypto/) build as a
 * native library. Adds the kernel's short integer types on top of the uapi
 * <linux/types.h>.
 */
#ifndef SM4KTLS_SHIM_LINUX_TYPES_H
#define SM4KTLS_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#endif
