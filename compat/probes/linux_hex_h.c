// SPDX-License-Identifier: GPL-2.0
/* 7.x: hex2bin() and hex_to_bin() moved from <linux/kernel.h> to <linux/hex.h>. */
#include <linux/hex.h>

int probe_hex(u8 *dst, const char *src);
int probe_hex(u8 *dst, const char *src)
{
	return hex2bin(dst, src, 1);
}
