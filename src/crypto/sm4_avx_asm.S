/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SM4 in CTR32 mode, 12 blocks (AES-NI + AVX) or 24 blocks (AES-NI + AVX2,
 * GFNI + AVX2) at a time: three sets of 4 (xmm) or 8 (ymm) blocks.
 *
 * Why three sets: each SM4 round depends on the previous one, and with the
 * S-box in the chain a round takes ~25 cycles of latency; two sets leave
 * the vector ports idle a third of the time, three keep them busy. The
 * sets share their scratch registers; register renaming keeps them apart.
 *
 * Layout: blocks are held "transposed", one register per 32-bit word
 * position, so a round is plain lane-wise arithmetic. The counter blocks
 * are built directly in that form (IV words broadcast, counter word =
 * counter + lane offset), so only the output is transposed back.
 *
 * S-box without table lookups: SM4's S-box is affine o inverse o affine
 * over GF(2^8) (field polynomial 0x1f5), AES's is inverse o affine over
 * the isomorphic field 0x11b. So S_sm4 = A_out o S_aes o A_in with A_in,
 * A_out affine maps over GF(2)^8, each done as two 16-entry nibble lookups
 * with vpshufb; S_aes comes from vaesenclast. With GFNI, A_in is one
 * gf2p8affineqb and A_out fused with the inversion is gf2p8affineinvqb.
 * tools/sm4_affine.py derives the constants and checks them.
 *
 * void fn(const u32 *rk, u8 *dst, const u8 *src, const u32 *ctrblk,
 *	   unsigned int nblocks);	nblocks a multiple of the batch
 */
#include "compat_asm.h"

#define RK	%rdi
#define DST	%rsi
#define SRC	%rdx
#define CTRBLK	%rcx
#define NBATCH	%r8d
#define CTR	%r9d
#define RKP	%rax
#define NLOOP	%r10d

.section .rodata.sm4ktls_avx, "a"
.align 32
/* A_in as nibble tables: A_in(x) = in_lo[x & 15] ^ in_hi[x >> 4]. */
.Lin_lo:
	.byte 0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07
	.byte 0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98
	.byte 0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07
	.byte 0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98
.Lin_hi:
	.byte 0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37
	.byte 0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f
	.byte 0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37
	.byte 0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f
/*
 * A_out, low nibble table indexed by (nibble ^ 0xf): vaesenclast uses the
 * 0x0f nibble mask as round key, which flips every low nibble.
 */
.Lout_lo:
	.byte 0x47, 0xff, 0x8d, 0x35, 0x79, 0xc1, 0xb3, 0x0b
	.byte 0x20, 0x98, 0xea, 0x52, 0x1e, 0xa6, 0xd4, 0x6c
	.byte 0x47, 0xff, 0x8d, 0x35, 0x79, 0xc1, 0xb3, 0x0b
	.byte 0x20, 0x98, 0xea, 0x52, 0x1e, 0xa6, 0xd4, 0x6c
.Lout_hi:
	.byte 0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d
	.byte 0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed
	.byte 0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d
	.byte 0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed
/* Undo the ShiftRows that vaesenclast applies after SubBytes. */
.Linv_shift_rows:
	.byte 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3
	.byte 0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3
.Lrol8:
	.byte 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14
	.byte 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14
.Lrol16:
	.byte 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
	.byte 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
.Lrol24:
	.byte 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12
	.byte 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12
/* The same rotations applied after undoing ShiftRows, in one shuffle. */
.Lsr_rol8:
	.byte 7, 0, 13, 10, 11, 4, 1, 14, 15, 8, 5, 2, 3, 12, 9, 6
	.byte 7, 0, 13, 10, 11, 4, 1, 14, 15, 8, 5, 2, 3, 12, 9, 6
.Lsr_rol16:
	.byte 10, 7, 0, 13, 14, 11, 4, 1, 2, 15, 8, 5, 6, 3, 12, 9
	.byte 10, 7, 0, 13, 14, 11, 4, 1, 2, 15, 8, 5, 6, 3, 12, 9
.Lsr_rol24:
	.byte 13, 10, 7, 0, 1, 14, 11, 4, 5, 2, 15, 8, 9, 6, 3, 12
	.byte 13, 10, 7, 0, 1, 14, 11, 4, 5, 2, 15, 8, 9, 6, 3, 12
.Lbswap32:
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
.Lnibble_mask:
	.rept 32
	.byte 0x0f
	.endr
/* GFNI matrices (row i in byte 7 - i of each qword), see the header. */
.Lgf_in:
	.quad 0x4c287db91a22505d, 0x4c287db91a22505d
	.quad 0x4c287db91a22505d, 0x4c287db91a22505d
.Lgf_out:
	.quad 0xf3ab34a974a6b589, 0xf3ab34a974a6b589
	.quad 0xf3ab34a974a6b589, 0xf3ab34a974a6b589
/*
 * Counter offsets per lane. After the final transpose register e of a set
 * holds the blocks of element e of every 128-bit lane: with xmm that is
 * block e; with ymm, blocks 2e (low lane) and 2e + 1 (high lane).
 */
.Lctr_x:
	.long 0, 1, 2, 3
	.long 4, 5, 6, 7
	.long 8, 9, 10, 11
.Lctr_y:
	.long 0, 2, 4, 6, 1, 3, 5, 7
	.long 8, 10, 12, 14, 9, 11, 13, 15
	.long 16, 18, 20, 22, 17, 19, 21, 23

.text

/*
 * Register use (numbers; w is xmm or ymm): 0-3, 4-7, 8-11 the words of
 * sets A, B, C; 12 round temp t, 13-14 scratch; 15 round key.
 */

/* t = A_in(t) as nibble lookups; u, v scratch. */
.macro AFFINE_NIBBLES w, lo, hi, t, u, v
	vpand		.Lnibble_mask(%rip), %\w\t, %\w\u
	vpsrld		$4, %\w\t, %\w\t
	vpand		.Lnibble_mask(%rip), %\w\t, %\w\t
	vmovdqa		\lo(%rip), %\w\v
	vpshufb		%\w\u, %\w\v, %\w\u
	vmovdqa		\hi(%rip), %\w\v
	vpshufb		%\w\t, %\w\v, %\w\t
	vpxor		%\w\u, %\w\t, %\w\t
.endm

/*
 * The AES-NI S-boxes leave their output ShiftRows-permuted; LINEAR undoes
 * that in the shuffles it needs anyway (sr = 1).
 */
.macro SBOX_AESNI_X t, u, v
	AFFINE_NIBBLES	xmm, .Lin_lo, .Lin_hi, \t, \u, \v
	vaesenclast	.Lnibble_mask(%rip), %xmm\t, %xmm\t
	AFFINE_NIBBLES	xmm, .Lout_lo, .Lout_hi, \t, \u, \v
.endm

/* No VAES assumed: the two 128-bit halves go through vaesenclast apart. */
.macro SBOX_AESNI_Y t, u, v
	AFFINE_NIBBLES	ymm, .Lin_lo, .Lin_hi, \t, \u, \v
	vextracti128	$1, %ymm\t, %xmm\v
	vaesenclast	.Lnibble_mask(%rip), %xmm\t, %xmm\t
	vaesenclast	.Lnibble_mask(%rip), %xmm\v, %xmm\v
	vinserti128	$1, %xmm\v, %ymm\t, %ymm\t
	AFFINE_NIBBLES	ymm, .Lout_lo, .Lout_hi, \t, \u, \v
.endm

.macro SBOX_GFNI_Y t, u, v
	vgf2p8affineqb	$0x3e, .Lgf_in(%rip), %ymm\t, %ymm\t
	vgf2p8affineinvqb $0xd3, .Lgf_out(%rip), %ymm\t, %ymm\t
.endm

/*
 * x ^= L(b), L(b) = b ^ rol(b, 2) ^ rol(b, 10) ^ rol(b, 18) ^ rol(b, 24)
 *		  = b ^ rol(b, 24) ^ rol(b ^ rol(b, 8) ^ rol(b, 16), 2),
 * with b = t, or b = InvShiftRows(t) if sr. Ordered for a short
 * dependency chain: the rounds are latency bound.
 */
.macro LINEAR w, sr, t, u, v, x
	.if \sr
	vpshufb		.Lsr_rol8(%rip), %\w\t, %\w\u
	vpshufb		.Lsr_rol16(%rip), %\w\t, %\w\v
	vpxor		%\w\v, %\w\u, %\w\u
	vpshufb		.Lsr_rol24(%rip), %\w\t, %\w\v
	vpshufb		.Linv_shift_rows(%rip), %\w\t, %\w\t
	.else
	vpshufb		.Lrol8(%rip), %\w\t, %\w\u
	vpshufb		.Lrol16(%rip), %\w\t, %\w\v
	vpxor		%\w\v, %\w\u, %\w\u
	vpshufb		.Lrol24(%rip), %\w\t, %\w\v
	.endif
	vpxor		%\w\t, %\w\u, %\w\u
	vpxor		%\w\v, %\w\t, %\w\t
	vpxor		%\w\t, %\w\x, %\w\x
	vpslld		$2, %\w\u, %\w\v
	vpsrld		$30, %\w\u, %\w\u
	vpxor		%\w\v, %\w\x, %\w\x
	vpxor		%\w\u, %\w\x, %\w\x
.endm

/*
 * One round on one set: x0 ^= T(x1 ^ x2 ^ x3 ^ rk). x3 is the word the
 * previous round produced, so it is xored in last.
 */
.macro ROUND_SET w, sbox, sr, x0, x1, x2, x3
	vpxor		%\w\x2, %\w\x1, %\w\()12
	vpxor		%\w\()15, %\w\()12, %\w\()12
	vpxor		%\w\x3, %\w\()12, %\w\()12
	\sbox		12, 13, 14
	LINEAR		\w, \sr, 12, 13, 14, \x0
.endm

/* One round on the three sets (the word roles rotate from round to round). */
.macro ROUND3 w, sbox, sr, off, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3
	vbroadcastss	\off(RKP), %\w\()15
	ROUND_SET	\w, \sbox, \sr, \a0, \a1, \a2, \a3
	ROUND_SET	\w, \sbox, \sr, \b0, \b1, \b2, \b3
	ROUND_SET	\w, \sbox, \sr, \c0, \c1, \c2, \c3
.endm

/* 4x4 transpose of 32-bit words within each 128-bit lane; t0/t1 scratch. */
.macro TRANSPOSE4 w, r0, r1, r2, r3, t0, t1
	vpunpckhdq	%\w\r1, %\w\r0, %\w\t0
	vpunpckldq	%\w\r1, %\w\r0, %\w\r0
	vpunpckldq	%\w\r3, %\w\r2, %\w\t1
	vpunpckhdq	%\w\r3, %\w\r2, %\w\r2
	vpunpckhqdq	%\w\t1, %\w\r0, %\w\r1
	vpunpcklqdq	%\w\t1, %\w\r0, %\w\r0
	vpunpckhqdq	%\w\r2, %\w\t0, %\w\r3
	vpunpcklqdq	%\w\r2, %\w\t0, %\w\r2
.endm

/* dst[off] = src[off] ^ bswap32(r) */
.macro XOR_STORE w, r, off
	vpshufb		.Lbswap32(%rip), %\w\r, %\w\r
	vpxor		\off(SRC), %\w\r, %\w\r
	vmovdqu		%\w\r, \off(DST)
.endm

/* The three sets as counter blocks: IV words broadcast, counter + lane. */
.macro LOAD_CTR_X
	vbroadcastss	0(CTRBLK), %xmm0
	vbroadcastss	4(CTRBLK), %xmm1
	vbroadcastss	8(CTRBLK), %xmm2
	vmovd		CTR, %xmm15
	vpshufd		$0, %xmm15, %xmm15
	vpaddd		.Lctr_x(%rip), %xmm15, %xmm3
	vpaddd		.Lctr_x+16(%rip), %xmm15, %xmm7
	vpaddd		.Lctr_x+32(%rip), %xmm15, %xmm11
.endm

.macro LOAD_CTR_Y
	vbroadcastss	0(CTRBLK), %ymm0
	vbroadcastss	4(CTRBLK), %ymm1
	vbroadcastss	8(CTRBLK), %ymm2
	vmovd		CTR, %xmm15
	vpbroadcastd	%xmm15, %ymm15
	vpaddd		.Lctr_y(%rip), %ymm15, %ymm3
	vpaddd		.Lctr_y+32(%rip), %ymm15, %ymm7
	vpaddd		.Lctr_y+64(%rip), %ymm15, %ymm11
.endm

/*
 * Transpose one set back to blocks and xor it into 4 registers' worth.
 * Output words are X35, X34, X33, X32: registers x3, x2, x1, x0.
 */
.macro OUTPUT_SET w, x3, x2, x1, x0, stride, base
	TRANSPOSE4	\w, \x3, \x2, \x1, \x0, 12, 13
	XOR_STORE	\w, \x3, \base
	XOR_STORE	\w, \x2, (\base+\stride)
	XOR_STORE	\w, \x1, (\base+2*\stride)
	XOR_STORE	\w, \x0, (\base+3*\stride)
.endm

/*
 * The CTR32 function body. blocks: batch size; stride: bytes per register
 * after the transpose (16 or 32).
 */
.macro SM4_CTR32 w, sbox, sr, load_ctr, blocks, stride
	test		NBATCH, NBATCH
	jz		.Ldone_\@
	mov		12(CTRBLK), CTR
.Lbatch_\@:
	\load_ctr
	vmovdqa		%\w\()0, %\w\()4
	vmovdqa		%\w\()1, %\w\()5
	vmovdqa		%\w\()2, %\w\()6
	vmovdqa		%\w\()0, %\w\()8
	vmovdqa		%\w\()1, %\w\()9
	vmovdqa		%\w\()2, %\w\()10
	mov		RK, RKP
	mov		$8, NLOOP
.Lrounds_\@:
	ROUND3		\w, \sbox, \sr, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
	ROUND3		\w, \sbox, \sr, 4, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8
	ROUND3		\w, \sbox, \sr, 8, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9
	ROUND3		\w, \sbox, \sr, 12, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10
	add		$16, RKP
	dec		NLOOP
	jnz		.Lrounds_\@
	OUTPUT_SET	\w, 3, 2, 1, 0, \stride, 0
	OUTPUT_SET	\w, 7, 6, 5, 4, \stride, (4*\stride)
	OUTPUT_SET	\w, 11, 10, 9, 8, \stride, (8*\stride)
	add		$(\blocks * 16), SRC
	add		$(\blocks * 16), DST
	add		$\blocks, CTR
	sub		$\blocks, NBATCH
	jnz		.Lbatch_\@
.Ldone_\@:
.endm

SYM_TYPED_FUNC_START(sm4ktls_ctr32_aesni_avx)
	SM4_CTR32	xmm, SBOX_AESNI_X, 1, LOAD_CTR_X, 12, 16
	RET
SYM_FUNC_END(sm4ktls_ctr32_aesni_avx)

SYM_TYPED_FUNC_START(sm4ktls_ctr32_aesni_avx2)
	SM4_CTR32	ymm, SBOX_AESNI_Y, 1, LOAD_CTR_Y, 24, 32
	vzeroupper
	RET
SYM_FUNC_END(sm4ktls_ctr32_aesni_avx2)

SYM_TYPED_FUNC_START(sm4ktls_ctr32_gfni_avx2)
	SM4_CTR32	ymm, SBOX_GFNI_Y, 0, LOAD_CTR_Y, 24, 32
	vzeroupper
	RET
SYM_FUNC_END(sm4ktls_ctr32_gfni_avx2)
