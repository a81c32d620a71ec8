/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim for the module's assembly (src/crypto/ *.S): the kernel's
 * symbol annotations and return macro, as plain ELF directives.
 */
#ifndef SM4KTLS_SHIM_LINUX_LINKAGE_H
#define SM4KTLS_SHIM_LINUX_LINKAGE_H

#define SYM_FUNC_START(name)		\
	.globl name;			\
	.type name, @function;		\
	.p2align 4;			\
	name:

#define SYM_FUNC_END(name)		\
	.size name, . - name

#define RET	ret

#endif
