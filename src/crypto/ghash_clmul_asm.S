/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GHASH with PCLMULQDQ (AVX encoding), 8 blocks per reduction.
 *
 * Representation (see struct sm4ktls_ghash_key): a block is byte-reversed
 * into a 128-bit integer, so bit 127 is the x^0 coefficient; the key powers
 * are stored already multiplied by x^-1. The carry-less product of such
 * operands is then the 256-bit bit-reversed product itself, whose low half
 * holds the coefficients x^255..x^128. Those are folded away 64 bits at a
 * time, Montgomery style: the low qword L stands for L * x^192 and
 * x^128 = x^7 + x^2 + x + 1, so L is added back as L * 2^128 plus
 * clmul(L, 0xc2 << 56) * 2^64. Two folds leave the result in the high half.
 * Aggregation: S = sum_j (X_j [^ S]) * H^(8 - j) is accumulated unreduced
 * (LO, MI, HI) and reduced once per 8 blocks.
 *
 * void sm4ktls_ghash_clmul_avx(const struct sm4ktls_ghash_key *key,
 *				u8 *state, const u8 *src, unsigned int nblocks);
 */
#include "compat_asm.h"

/* struct sm4ktls_ghash_key: hpow[i] = H^(NPOW - i), SM4KTLS_GHASH_POWERS. */
#define NPOW	64

#define KEY	%rdi
#define STATE	%rsi
#define SRC	%rdx
#define NBLK	%ecx

.section .rodata.sm4ktls_ghash, "a"
.align 16
.Lbswap128:
	.byte 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
.Lgfpoly:
	.quad 1, 0xc200000000000000

.text

/* xmm0 state, 1 block, 2 key, 3 LO, 4 HI, 5 MI, 6 temp, 14 poly, 15 bswap */

/* Accumulate block j (of 8) times H^(8 - j); the first one starts sums. */
.macro MUL_ACC j, first
	vmovdqu		(\j * 16)(SRC), %xmm1
	vpshufb		%xmm15, %xmm1, %xmm1
	.if \first
	vpxor		%xmm0, %xmm1, %xmm1
	.endif
	vmovdqu		((NPOW - 8 + \j) * 16)(KEY), %xmm2
	.if \first
	vpclmulqdq	$0x00, %xmm2, %xmm1, %xmm3
	vpclmulqdq	$0x11, %xmm2, %xmm1, %xmm4
	vpclmulqdq	$0x01, %xmm2, %xmm1, %xmm5
	vpclmulqdq	$0x10, %xmm2, %xmm1, %xmm6
	vpxor		%xmm6, %xmm5, %xmm5
	.else
	vpclmulqdq	$0x00, %xmm2, %xmm1, %xmm6
	vpxor		%xmm6, %xmm3, %xmm3
	vpclmulqdq	$0x11, %xmm2, %xmm1, %xmm6
	vpxor		%xmm6, %xmm4, %xmm4
	vpclmulqdq	$0x01, %xmm2, %xmm1, %xmm6
	vpxor		%xmm6, %xmm5, %xmm5
	vpclmulqdq	$0x10, %xmm2, %xmm1, %xmm6
	vpxor		%xmm6, %xmm5, %xmm5
	.endif
.endm

/* xmm0 = (HI:MI:LO) mod P, per the header. */
.macro REDUCE
	vpclmulqdq	$0x01, %xmm3, %xmm14, %xmm6
	vpshufd		$0x4e, %xmm3, %xmm3
	vpxor		%xmm3, %xmm5, %xmm5
	vpxor		%xmm6, %xmm5, %xmm5
	vpclmulqdq	$0x01, %xmm5, %xmm14, %xmm6
	vpshufd		$0x4e, %xmm5, %xmm5
	vpxor		%xmm5, %xmm4, %xmm4
	vpxor		%xmm6, %xmm4, %xmm0
.endm

SYM_TYPED_FUNC_START(sm4ktls_ghash_clmul_avx)
	vmovdqa		.Lbswap128(%rip), %xmm15
	vmovdqa		.Lgfpoly(%rip), %xmm14
	vmovdqu		(STATE), %xmm0
	vpshufb		%xmm15, %xmm0, %xmm0
	cmp		$8, NBLK
	jb		.Lsingle
.Lloop8:
	MUL_ACC		0, 1
	MUL_ACC		1, 0
	MUL_ACC		2, 0
	MUL_ACC		3, 0
	MUL_ACC		4, 0
	MUL_ACC		5, 0
	MUL_ACC		6, 0
	MUL_ACC		7, 0
	REDUCE
	add		$128, SRC
	sub		$8, NBLK
	cmp		$8, NBLK
	jae		.Lloop8
.Lsingle:
	test		NBLK, NBLK
	jz		.Ldone
.Lloop1:
	/* H^1 is the last power: block "7" of a batch of 8. */
	sub		$(7 * 16), SRC
	MUL_ACC		7, 1
	add		$(8 * 16), SRC
	REDUCE
	dec		NBLK
	jnz		.Lloop1
.Ldone:
	vpshufb		%xmm15, %xmm0, %xmm0
	vmovdqu		%xmm0, (STATE)
	RET
SYM_FUNC_END(sm4ktls_ghash_clmul_avx)
