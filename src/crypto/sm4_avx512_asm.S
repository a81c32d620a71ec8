/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SM4 in CTR32 mode with GFNI + AVX-512, and GHASH with VPCLMULQDQ on zmm
 * registers, 16 blocks per reduction. A set is four registers, one per
 * word position, 16 blocks in zmm (8 in ymm). Two round designs:
 *
 * - the throughput round (ROUND_Z): 11 instructions, ~16 cycles of
 *   latency; four sets of it keep the ports busy, for 64-block batches
 *   and the fused CTR+GHASH routine;
 * - the latency round (ROUND_1): 15 instructions, ~8 cycles; for the
 *   narrower routines (8 to 48 blocks), which wait on a round's latency.
 *
 * Same transposed layout and S-box derivation as sm4_avx_asm.S; AVX-512
 * adds the rotations (vprold) and three-way xors (vpternlogd 0x96), and
 * embedded broadcasts for the round keys and GFNI matrices.
 *
 * void sm4ktls_ctr32_gfni_avx512(const u32 *rk, u8 *dst, const u8 *src,
 *				  const u32 *ctrblk, unsigned int nblocks);
 *	(and _x48, _x32, _x16, _x8: the same, that many blocks at a time)
 * void sm4ktls_ghash_vpclmul_avx512(const struct sm4ktls_ghash_key *key,
 *				     u8 *state, const u8 *src,
 *				     unsigned int nblocks);
 * void sm4ktls_ctr32_ghash_gfni_avx512(const u32 *rk, u8 *dst,
 *		const u8 *src, const u32 *ctrblk, unsigned int nblocks,
 *		const u8 *hsrc, const struct sm4ktls_ghash_key *key,
 *		u8 *state);
 */
#include "compat_asm.h"

.section .rodata.sm4ktls_avx512, "a"
.align 64
/*
 * Counter offsets: after the final transpose register e of a set holds
 * blocks 4e .. 4e + 3 (one per 128-bit lane); lane l, element e is block
 * 4e + l.
 */
.Lctr_z:
	.long 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15
.Lctr_y:
	.long 0, 2, 4, 6, 1, 3, 5, 7
.Lbswap32_z:
	.byte 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12
.Lrol8_z:
	.byte 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14
.Lrol16_z:
	.byte 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
.Lrol24_z:
	.byte 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12
.Lbswap128_z:
	.byte 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
.Lgf_in_z:
	.quad 0x4c287db91a22505d
.Lgf_out_z:
	.quad 0xf3ab34a974a6b589
.Lgfpoly_z:
	.quad 1, 0xc200000000000000
.Linc16_z:
	.long 16
.Linc32_z:
	.long 32
.Linc48_z:
	.long 48
.Linc64_z:
	.long 64
.align 8
.Lgf_a0_z:
	.quad 0x040db891e9a481b7
.Lgf_a1_z:
	.quad 0x2c020425162040ad
.Lgf_a3_z:
	.quad 0x280fbcb4ff84c11a
.Lgf_ainv_z:
	.quad 0xb3a4f5863284728b
.align 64
.Lbswap128_z64:
	.rept 4
	.byte 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
	.endr

.text

#define RK	%rdi
#define DST	%rsi
#define SRC	%rdx
#define CTRBLK	%rcx
#define NBLK	%r8d
#define CTR	%r9d
#define RKP	%rax
#define NLOOP	%r10d

/*
 * zmm0-3 set A, zmm4-7 set B, zmm8-11 set C, zmm12-15 set D; zmm24
 * bswap32 mask, zmm25 counter offsets. Throughput round: scratch zmm16-18
 * for A and C, zmm20-22 for B and D (renaming keeps the sets
 * independent), zmm29-31 byte rotation masks. Latency round: each set's
 * t in 16-18, shared scratch 20-23, 26, 27.
 */

/* x0 ^= T(x1 ^ x2 ^ x3 ^ rk); x3 is the newest word. t, u, v scratch. */
.macro ROUND_Z off, x0, x1, x2, x3, t, u, v
	vpxord		%zmm\x1, %zmm\x2, %zmm\t
	vpternlogd	$0x96, \off(RKP){1to16}, %zmm\x3, %zmm\t
	vgf2p8affineqb	$0x3e, .Lgf_in_z(%rip){1to8}, %zmm\t, %zmm\t
	vgf2p8affineinvqb $0xd3, .Lgf_out_z(%rip){1to8}, %zmm\t, %zmm\t
	/*
	 * L(b) = b ^ rol(b, 24) ^ rol(b ^ rol(b, 8) ^ rol(b, 16), 2): the
	 * byte rotations as shuffles (port 5) balance the rotates and GFNI
	 * (port 0), better than four vprold.
	 */
	vpshufb		%zmm29, %zmm\t, %zmm\u
	vpshufb		%zmm30, %zmm\t, %zmm\v
	vpternlogd	$0x96, %zmm\t, %zmm\v, %zmm\u
	vpshufb		%zmm31, %zmm\t, %zmm\v
	vpternlogd	$0x96, %zmm\t, %zmm\v, %zmm\x0
	vprold		$2, %zmm\u, %zmm\u
	vpxord		%zmm\u, %zmm\x0, %zmm\x0
.endm

.macro ROUND_Z4 off, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3
	ROUND_Z		\off, \a0, \a1, \a2, \a3, 16, 17, 18
	ROUND_Z		\off, \b0, \b1, \b2, \b3, 20, 21, 22
	ROUND_Z		\off, \c0, \c1, \c2, \c3, 16, 17, 18
	ROUND_Z		\off, \d0, \d1, \d2, \d3, 20, 21, 22
.endm

.macro TRANSPOSE4 w, r0, r1, r2, r3, t0, t1
	vpunpckhdq	%\w\()mm\r1, %\w\()mm\r0, %\w\()mm\t0
	vpunpckldq	%\w\()mm\r1, %\w\()mm\r0, %\w\()mm\r0
	vpunpckldq	%\w\()mm\r3, %\w\()mm\r2, %\w\()mm\t1
	vpunpckhdq	%\w\()mm\r3, %\w\()mm\r2, %\w\()mm\r2
	vpunpckhqdq	%\w\()mm\t1, %\w\()mm\r0, %\w\()mm\r1
	vpunpcklqdq	%\w\()mm\t1, %\w\()mm\r0, %\w\()mm\r0
	vpunpckhqdq	%\w\()mm\r2, %\w\()mm\t0, %\w\()mm\r3
	vpunpcklqdq	%\w\()mm\r2, %\w\()mm\t0, %\w\()mm\r2
.endm

.macro XOR_STORE w, r, off
	vpshufb		%\w\()mm24, %\w\()mm\r, %\w\()mm\r
	vpxord		\off(SRC), %\w\()mm\r, %\w\()mm\r
	vmovdqu64	%\w\()mm\r, \off(DST)
.endm

/* Set s (0-3) as counter blocks: IV words broadcast, counter + lane. */
.macro LOAD_SET_Z x0, x1, x2, x3
	vmovdqa64	%zmm0, %zmm\x0
	vmovdqa64	%zmm1, %zmm\x1
	vmovdqa64	%zmm2, %zmm\x2
	vpbroadcastd	CTR, %zmm\x3
	vpaddd		%zmm25, %zmm\x3, %zmm\x3
	add		$16, CTR
.endm

/* A set's blocks out: n blocks (n / 4 per register) at base, xored with src. */
.macro STORE_SET w, n, x0, x1, x2, x3, t0, t1, base
	TRANSPOSE4	\w, \x3, \x2, \x1, \x0, \t0, \t1
	XOR_STORE	\w, \x3, \base
	XOR_STORE	\w, \x2, (\base + \n * 4)
	XOR_STORE	\w, \x1, (\base + \n * 8)
	XOR_STORE	\w, \x0, (\base + \n * 12)
.endm

/* The CTR32 body on four sets of 16 blocks, the throughput round. */
.macro SM4_CTR32_Z
	test		NBLK, NBLK
	jz		.Lctr_done_\@
	mov		12(CTRBLK), CTR
	vbroadcasti32x4	.Lbswap32_z(%rip), %zmm24
	vmovdqa64	.Lctr_z(%rip), %zmm25
	vbroadcasti32x4	.Lrol8_z(%rip), %zmm29
	vbroadcasti32x4	.Lrol16_z(%rip), %zmm30
	vbroadcasti32x4	.Lrol24_z(%rip), %zmm31
.Lctr_batch_\@:
	vpbroadcastd	0(CTRBLK), %zmm0
	vpbroadcastd	4(CTRBLK), %zmm1
	vpbroadcastd	8(CTRBLK), %zmm2
	vpbroadcastd	CTR, %zmm3
	vpaddd		%zmm25, %zmm3, %zmm3
	add		$16, CTR
	LOAD_SET_Z	4, 5, 6, 7
	LOAD_SET_Z	8, 9, 10, 11
	LOAD_SET_Z	12, 13, 14, 15
	mov		RK, RKP
	mov		$8, NLOOP
.Lctr_rounds_\@:
	ROUND_Z4	0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	ROUND_Z4	4, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12
	ROUND_Z4	8, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13
	ROUND_Z4	12, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14
	add		$16, RKP
	dec		NLOOP
	jnz		.Lctr_rounds_\@
	STORE_SET	z, 16, 0, 1, 2, 3, 16, 17, 0
	STORE_SET	z, 16, 4, 5, 6, 7, 20, 21, 256
	STORE_SET	z, 16, 8, 9, 10, 11, 26, 27, 512
	STORE_SET	z, 16, 12, 13, 14, 15, 16, 17, 768
	add		$1024, SRC
	add		$1024, DST
	sub		$64, NBLK
	jnz		.Lctr_batch_\@
	vzeroupper
.Lctr_done_\@:
.endm

/*
 * The latency round, for routines that wait on it rather than on the
 * ports. Words are kept as A x, A the linear part of the S-box's input
 * map (MAP_SET), and t is the next round's S-box input after that
 * map: t' = A (x0 ^ x2 ^ x3 ^ rk') ^ c_in ^ A L(y), y = S(t), so the
 * round starts at the inversion, and the new word (t' ^ d, d = A (x2 ^
 * x3) ^ A rk' ^ c_in) is off the chain. L commutes with byte rotations:
 * L(y) = M0 y ^ rot8(M1 y) ^ rot16(M1 y) ^ rot24(M3 y), M0, M1, M3 bit
 * maps within a byte, and A M_k times the S-box's output map is one
 * gf2p8affineinvqb matrix (tools/sm4_affine.py derives and checks them).
 * The chain is GFNI, one rotate, two xors: ~8 cycles where rotating y and
 * folding L take ~16. w is z or y, q the qwords in a register; d, z0,
 * z1, z3, r8, r16 scratch; 28 holds the next round key (ROUND_L), which
 * the last round has none of.
 */
.macro ROUND_1 w, q, x0, x1, x2, x3, t, d, z0, z1, z3, r8, r16, last
	vgf2p8affineinvqb $0x63, .Lgf_a1_z(%rip){1to\q}, %\w\()mm\t, %\w\()mm\z1
	vgf2p8affineinvqb $0x11, .Lgf_a3_z(%rip){1to\q}, %\w\()mm\t, %\w\()mm\z3
	vgf2p8affineinvqb $0x72, .Lgf_a0_z(%rip){1to\q}, %\w\()mm\t, %\w\()mm\z0
	.if \last
	vmovdqa64	%\w\()mm\x0, %\w\()mm\t
	.else
	vmovdqa64	%\w\()mm28, %\w\()mm\d
	vpternlogd	$0x96, %\w\()mm\x2, %\w\()mm\x3, %\w\()mm\d
	vpxord		%\w\()mm\d, %\w\()mm\x0, %\w\()mm\t
	.endif
	vprold		$8, %\w\()mm\z1, %\w\()mm\r8
	vprold		$16, %\w\()mm\z1, %\w\()mm\r16
	vprold		$24, %\w\()mm\z3, %\w\()mm\z3
	vpxord		%\w\()mm\z0, %\w\()mm\t, %\w\()mm\t
	vpternlogd	$0x96, %\w\()mm\r8, %\w\()mm\r16, %\w\()mm\t
	vpxord		%\w\()mm\z3, %\w\()mm\t, %\w\()mm\t
	.if \last
	vmovdqa64	%\w\()mm\t, %\w\()mm\x0
	.else
	vpxord		%\w\()mm\d, %\w\()mm\t, %\w\()mm\x0
	.endif
.endm

/*
 * Round off of 1 to 3 sets (words a, b, c), each set's t in 16-18; the
 * next round key, as A rk + c_in, in 28. The rest of the scratch is
 * shared, renaming keeps the sets apart.
 */
.macro ROUND_L w, q, sets, off, a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, last
	.if !\last
	vpbroadcastd	(\off+4)(RKP), %\w\()mm28
	vgf2p8affineqb	$0x3e, .Lgf_in_z(%rip){1to\q}, %\w\()mm28, %\w\()mm28
	.endif
	ROUND_1		\w, \q, \a0, \a1, \a2, \a3, 16, 20, 21, 22, 23, 26, 27, \last
	.if \sets >= 2
	ROUND_1		\w, \q, \b0, \b1, \b2, \b3, 17, 20, 21, 22, 23, 26, 27, \last
	.endif
	.if \sets >= 3
	ROUND_1		\w, \q, \c0, \c1, \c2, \c3, 18, 20, 21, 22, 23, 26, 27, \last
	.endif
.endm

.macro ROUNDS4_L w, q, sets, last=0
	ROUND_L		\w, \q, \sets, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0
	ROUND_L		\w, \q, \sets, 4, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 0
	ROUND_L		\w, \q, \sets, 8, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 0
	ROUND_L		\w, \q, \sets, 12, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, \last
.endm

/*
 * The latency round works on A x for each word x, A the linear part of
 * the S-box's input map: words go in through m = .Lgf_in_z and come back
 * through m = .Lgf_ainv_z.
 */
.macro MAP_SET w, q, m, x0, x1, x2, x3
	vgf2p8affineqb	$0, \m(%rip){1to\q}, %\w\()mm\x0, %\w\()mm\x0
	vgf2p8affineqb	$0, \m(%rip){1to\q}, %\w\()mm\x1, %\w\()mm\x1
	vgf2p8affineqb	$0, \m(%rip){1to\q}, %\w\()mm\x2, %\w\()mm\x2
	vgf2p8affineqb	$0, \m(%rip){1to\q}, %\w\()mm\x3, %\w\()mm\x3
.endm

/* A set's first S-box input t, its words in A's basis (20: A rk0 + c_in). */
.macro FIRST_T w, x1, x2, x3, t
	vpxord		%\w\()mm\x1, %\w\()mm\x2, %\w\()mm\t
	vpternlogd	$0x96, %\w\()mm20, %\w\()mm\x3, %\w\()mm\t
.endm

/* Set s as counter blocks, as LOAD_SET_Z (0-2 already in A's basis), and its t. */
.macro LOAD_SET_L x0, x1, x2, x3, t
	LOAD_SET_Z	\x0, \x1, \x2, \x3
	vgf2p8affineqb	$0, .Lgf_in_z(%rip){1to8}, %zmm\x3, %zmm\x3
	FIRST_T		z, \x1, \x2, \x3, \t
.endm

/*
 * The CTR32 body on 1 to 3 sets of 16 blocks in zmm registers (w = z,
 * n = 16 dwords, q = 8 qwords, ctr = .Lctr_z), or one of 8 in ymm
 * (y, 8, 4, .Lctr_y), the latency round. Register e of a set holds
 * blocks e * n / 4 .. e * n / 4 + n / 4 - 1 after the transpose, one per
 * 128-bit lane.
 */
.macro SM4_CTR32_L w, n, q, ctr, sets
	test		NBLK, NBLK
	jz		.Lctr_done_\@
	mov		12(CTRBLK), CTR
	vbroadcasti32x4	.Lbswap32_z(%rip), %\w\()mm24
	vmovdqa64	\ctr(%rip), %\w\()mm25
.Lctr_batch_\@:
	vpbroadcastd	0(CTRBLK), %\w\()mm0
	vpbroadcastd	4(CTRBLK), %\w\()mm1
	vpbroadcastd	8(CTRBLK), %\w\()mm2
	vpbroadcastd	CTR, %\w\()mm3
	vpaddd		%\w\()mm25, %\w\()mm3, %\w\()mm3
	add		$\n, CTR
	mov		RK, RKP
	MAP_SET		\w, \q, .Lgf_in_z, 0, 1, 2, 3
	vpbroadcastd	(RKP), %\w\()mm20
	vgf2p8affineqb	$0x3e, .Lgf_in_z(%rip){1to\q}, %\w\()mm20, %\w\()mm20
	FIRST_T		\w, 1, 2, 3, 16
	.if \sets >= 2
	LOAD_SET_L	4, 5, 6, 7, 17
	.endif
	.if \sets >= 3
	LOAD_SET_L	8, 9, 10, 11, 18
	.endif
	mov		$7, NLOOP
.Lctr_rounds_\@:
	ROUNDS4_L	\w, \q, \sets
	add		$16, RKP
	dec		NLOOP
	jnz		.Lctr_rounds_\@
	ROUNDS4_L	\w, \q, \sets, 1
	MAP_SET		\w, \q, .Lgf_ainv_z, 0, 1, 2, 3
	STORE_SET	\w, \n, 0, 1, 2, 3, 16, 17, 0
	.if \sets >= 2
	MAP_SET		z, 8, .Lgf_ainv_z, 4, 5, 6, 7
	STORE_SET	z, 16, 4, 5, 6, 7, 20, 21, 256
	.endif
	.if \sets >= 3
	MAP_SET		z, 8, .Lgf_ainv_z, 8, 9, 10, 11
	STORE_SET	z, 16, 8, 9, 10, 11, 20, 21, 512
	.endif
	add		$(\sets * \n * 16), SRC
	add		$(\sets * \n * 16), DST
	sub		$(\sets * \n), NBLK
	jnz		.Lctr_batch_\@
	vzeroupper
.Lctr_done_\@:
.endm

SYM_TYPED_FUNC_START(sm4ktls_ctr32_gfni_avx512)
	SM4_CTR32_Z
	RET
SYM_FUNC_END(sm4ktls_ctr32_gfni_avx512)

/*
 * Narrower, for what does not fill a batch (short messages, tails): they
 * finish sooner when that is all a message needs. 8 blocks are in ymm
 * registers: a 64-byte record and E_K(J0) fit, and half-width
 * instructions issue twice as fast on AMD's Zen 4.
 */
SYM_TYPED_FUNC_START(sm4ktls_ctr32_gfni_avx512_x48)
	SM4_CTR32_L	z, 16, 8, .Lctr_z, 3
	RET
SYM_FUNC_END(sm4ktls_ctr32_gfni_avx512_x48)

SYM_TYPED_FUNC_START(sm4ktls_ctr32_gfni_avx512_x32)
	SM4_CTR32_L	z, 16, 8, .Lctr_z, 2
	RET
SYM_FUNC_END(sm4ktls_ctr32_gfni_avx512_x32)

SYM_TYPED_FUNC_START(sm4ktls_ctr32_gfni_avx512_x16)
	SM4_CTR32_L	z, 16, 8, .Lctr_z, 1
	RET
SYM_FUNC_END(sm4ktls_ctr32_gfni_avx512_x16)

SYM_TYPED_FUNC_START(sm4ktls_ctr32_gfni_avx512_x8)
	SM4_CTR32_L	y, 8, 4, .Lctr_y, 1
	RET
SYM_FUNC_END(sm4ktls_ctr32_gfni_avx512_x8)

/* struct sm4ktls_ghash_key: hpow[i] = H^(NPOW - i), SM4KTLS_GHASH_POWERS. */
#define NPOW	64

#define KEY	%rdi
#define STATE	%rsi
#define GSRC	%rdx
#define GNBLK	%ecx

/*
 * GHASH, as in ghash_clmul_asm.S but four blocks per zmm register:
 * zmm0 state (lane 0), zmm1-4 data, zmm5-8 H^16..H^1 (four per register),
 * zmm9/10/11 LO/MI/HI sums, zmm12/13 scratch, zmm14 poly, zmm15 bswap128;
 * rax walks the powers of H for a last run of fewer than 16 blocks.
 */
.macro GMUL_ACC_Z data, key, first
	.if \first
	vpclmulqdq	$0x00, %zmm\key, %zmm\data, %zmm9
	vpclmulqdq	$0x11, %zmm\key, %zmm\data, %zmm11
	vpclmulqdq	$0x01, %zmm\key, %zmm\data, %zmm10
	vpclmulqdq	$0x10, %zmm\key, %zmm\data, %zmm12
	vpxord		%zmm12, %zmm10, %zmm10
	.else
	vpclmulqdq	$0x00, %zmm\key, %zmm\data, %zmm12
	vpclmulqdq	$0x11, %zmm\key, %zmm\data, %zmm13
	vpxord		%zmm12, %zmm9, %zmm9
	vpxord		%zmm13, %zmm11, %zmm11
	vpclmulqdq	$0x01, %zmm\key, %zmm\data, %zmm12
	vpclmulqdq	$0x10, %zmm\key, %zmm\data, %zmm13
	vpternlogd	$0x96, %zmm12, %zmm13, %zmm10
	.endif
.endm

/* xmm = xor of the four 128-bit lanes of zmm (xmm12 scratch). */
.macro FOLD_LANES n
	vextracti64x4	$1, %zmm\n, %ymm12
	vpxord		%ymm12, %ymm\n, %ymm\n
	vextracti128	$1, %ymm\n, %xmm12
	vpxor		%xmm12, %xmm\n, %xmm\n
.endm

/* xmm0 = (HI xmm11 : MI xmm10 : LO xmm9) mod P. */
.macro GREDUCE
	vpclmulqdq	$0x01, %xmm9, %xmm14, %xmm12
	vpshufd		$0x4e, %xmm9, %xmm9
	vpternlogd	$0x96, %xmm9, %xmm12, %xmm10
	vpclmulqdq	$0x01, %xmm10, %xmm14, %xmm12
	vpshufd		$0x4e, %xmm10, %xmm10
	vpternlogd	$0x96, %xmm10, %xmm12, %xmm11
	vmovdqa		%xmm11, %xmm0
.endm

SYM_TYPED_FUNC_START(sm4ktls_ghash_vpclmul_avx512)
	vbroadcasti32x4	.Lbswap128_z(%rip), %zmm15
	vmovdqa		.Lgfpoly_z(%rip), %xmm14
	vmovdqu		(STATE), %xmm0
	vpshufb		%xmm15, %xmm0, %xmm0
	cmp		$16, GNBLK
	jb		.Lghash_single
	vmovdqu64	((NPOW - 16) * 16)(KEY), %zmm5
	vmovdqu64	((NPOW - 12) * 16)(KEY), %zmm6
	vmovdqu64	((NPOW - 8) * 16)(KEY), %zmm7
	vmovdqu64	((NPOW - 4) * 16)(KEY), %zmm8
.Lghash_loop16:
	vmovdqu64	0(GSRC), %zmm1
	vmovdqu64	64(GSRC), %zmm2
	vmovdqu64	128(GSRC), %zmm3
	vmovdqu64	192(GSRC), %zmm4
	vpshufb		%zmm15, %zmm1, %zmm1
	vpshufb		%zmm15, %zmm2, %zmm2
	vpshufb		%zmm15, %zmm3, %zmm3
	vpshufb		%zmm15, %zmm4, %zmm4
	/* xmm0 written by VEX/EVEX.128 has zero upper lanes. */
	vpxord		%zmm0, %zmm1, %zmm1
	GMUL_ACC_Z	1, 5, 1
	GMUL_ACC_Z	2, 6, 0
	GMUL_ACC_Z	3, 7, 0
	GMUL_ACC_Z	4, 8, 0
	FOLD_LANES	9
	FOLD_LANES	10
	FOLD_LANES	11
	GREDUCE
	add		$256, GSRC
	sub		$16, GNBLK
	cmp		$16, GNBLK
	jae		.Lghash_loop16
.Lghash_single:
	test		GNBLK, GNBLK
	jz		.Lghash_done
	/*
	 * Fewer than 16 blocks (short messages, AAD, the lengths): block j
	 * of n times H^(n - j), one reduction for all of them.
	 */
	mov		$NPOW, %eax
	sub		GNBLK, %eax
	shl		$4, %eax
	add		KEY, %rax
	vpxor		%xmm9, %xmm9, %xmm9
	vpxor		%xmm10, %xmm10, %xmm10
	vpxor		%xmm11, %xmm11, %xmm11
.Lghash_loop1:
	vmovdqu		(GSRC), %xmm1
	vmovdqu		(%rax), %xmm5
	vpshufb		%xmm15, %xmm1, %xmm1
	vpxor		%xmm0, %xmm1, %xmm1
	vpxor		%xmm0, %xmm0, %xmm0
	vpclmulqdq	$0x00, %xmm5, %xmm1, %xmm12
	vpclmulqdq	$0x11, %xmm5, %xmm1, %xmm13
	vpxor		%xmm12, %xmm9, %xmm9
	vpxor		%xmm13, %xmm11, %xmm11
	vpclmulqdq	$0x01, %xmm5, %xmm1, %xmm12
	vpclmulqdq	$0x10, %xmm5, %xmm1, %xmm13
	vpternlogd	$0x96, %xmm12, %xmm13, %xmm10
	add		$16, GSRC
	add		$16, %rax
	dec		GNBLK
	jnz		.Lghash_loop1
	GREDUCE
.Lghash_done:
	vpshufb		%xmm15, %xmm0, %xmm0
	vmovdqu		%xmm0, (STATE)
	vzeroupper
	RET
SYM_FUNC_END(sm4ktls_ghash_vpclmul_avx512)

/*
 * CTR32 interleaved with GHASH: for each batch i of 64 blocks, the CTR
 * above and, in the idle slots of its rounds, GHASH of the 64 blocks at
 * hsrc + 1024 i with one reduction (block j times H^(64 - j)). Every hsrc
 * block of a batch is loaded before that batch is stored, so decryption
 * passes hsrc = src, in place or not; encryption passes the previous
 * batch's output, hsrc = dst - 1024.
 *
 * zmm0-11 sets A-C, 26/27/28/15 set D, 16-18/20-22 scratch, 24 bswap32,
 * 29-31 rotations as before; zmm12 counters of set A, 13/14/19 GHASH
 * LO/MI/HI (xmm19 the GHASH state between batches), 23 data, 25 temp.
 * Registers 16-31 need EVEX forms even at 128 bits (vmovdqu64, vpxord).
 */
#define HSRC	%r9
#define GKEY	%r11

/* LO/MI/HI += data(hsrc + 64 g) * hpow[4 g .. 4 g + 3] (relative). */
.macro GHASH_STEP_Z g
	vmovdqu64	(64 * \g)(HSRC), %zmm23
	vpshufb		.Lbswap128_z64(%rip), %zmm23, %zmm23
	vpclmulqdq	$0x00, (64 * \g)(GKEY), %zmm23, %zmm25
	vpxord		%zmm25, %zmm13, %zmm13
	vpclmulqdq	$0x11, (64 * \g)(GKEY), %zmm23, %zmm25
	vpxord		%zmm25, %zmm19, %zmm19
	vpclmulqdq	$0x01, (64 * \g)(GKEY), %zmm23, %zmm25
	vpxord		%zmm25, %zmm14, %zmm14
	vpclmulqdq	$0x10, (64 * \g)(GKEY), %zmm23, %zmm25
	vpxord		%zmm25, %zmm14, %zmm14
.endm

/* xmm n = xor of the four 128-bit lanes of zmm n (zmm25 scratch). */
.macro FOLD_LANES_T n
	vextracti64x4	$1, %zmm\n, %ymm25
	vpxord		%ymm25, %ymm\n, %ymm\n
	vextracti32x4	$1, %ymm\n, %xmm25
	vpxord		%xmm25, %xmm\n, %xmm\n
.endm

/* Start the sums with state * H^64: (X_0 ^ S) H^64 = X_0 H^64 ^ S H^64. */
.macro GHASH_INIT_Z
	vmovdqu64	(GKEY), %xmm25
	vpclmulqdq	$0x00, %xmm25, %xmm19, %xmm13
	vpclmulqdq	$0x01, %xmm25, %xmm19, %xmm14
	vpclmulqdq	$0x10, %xmm25, %xmm19, %xmm23
	vpxord		%xmm23, %xmm14, %xmm14
	vpclmulqdq	$0x11, %xmm25, %xmm19, %xmm19
.endm

/* xmm19 = (HI 19 : MI 14 : LO 13) mod P, as in ghash_clmul_asm.S. */
.macro GHASH_FINISH_Z
	FOLD_LANES_T	13
	FOLD_LANES_T	14
	FOLD_LANES_T	19
	vpclmulqdq	$0x10, .Lgfpoly_z(%rip), %xmm13, %xmm25
	vpshufd		$0x4e, %xmm13, %xmm13
	vpternlogd	$0x96, %xmm13, %xmm25, %xmm14
	vpclmulqdq	$0x10, .Lgfpoly_z(%rip), %xmm14, %xmm25
	vpshufd		$0x4e, %xmm14, %xmm14
	vpternlogd	$0x96, %xmm14, %xmm25, %xmm19
.endm

SYM_TYPED_FUNC_START(sm4ktls_ctr32_ghash_gfni_avx512)
	test		NBLK, NBLK
	jz		.Lfused_done
	mov		8(%rsp), GKEY
	mov		16(%rsp), %rax
	vmovdqu64	(%rax), %xmm19
	vpshufb		.Lbswap128_z(%rip), %xmm19, %xmm19
	vbroadcasti32x4	.Lbswap32_z(%rip), %zmm24
	vbroadcasti32x4	.Lrol8_z(%rip), %zmm29
	vbroadcasti32x4	.Lrol16_z(%rip), %zmm30
	vbroadcasti32x4	.Lrol24_z(%rip), %zmm31
	vpbroadcastd	12(CTRBLK), %zmm12
	vpaddd		.Lctr_z(%rip), %zmm12, %zmm12
.Lfused_batch:
	vpbroadcastd	0(CTRBLK), %zmm0
	vpbroadcastd	4(CTRBLK), %zmm1
	vpbroadcastd	8(CTRBLK), %zmm2
	vmovdqa64	%zmm12, %zmm3
	vpaddd		.Linc16_z(%rip){1to16}, %zmm12, %zmm7
	vpaddd		.Linc32_z(%rip){1to16}, %zmm12, %zmm11
	vpaddd		.Linc48_z(%rip){1to16}, %zmm12, %zmm15
	vpaddd		.Linc64_z(%rip){1to16}, %zmm12, %zmm12
	vmovdqa64	%zmm0, %zmm4
	vmovdqa64	%zmm1, %zmm5
	vmovdqa64	%zmm2, %zmm6
	vmovdqa64	%zmm0, %zmm8
	vmovdqa64	%zmm1, %zmm9
	vmovdqa64	%zmm2, %zmm10
	vmovdqa64	%zmm0, %zmm26
	vmovdqa64	%zmm1, %zmm27
	vmovdqa64	%zmm2, %zmm28
	GHASH_INIT_Z
	mov		RK, RKP
	mov		$4, NLOOP
.Lfused_rounds:
	GHASH_STEP_Z	0
	ROUND_Z4	0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 26, 27, 28, 15
	ROUND_Z4	4, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 27, 28, 15, 26
	GHASH_STEP_Z	1
	ROUND_Z4	8, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 28, 15, 26, 27
	ROUND_Z4	12, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 26, 27, 28
	GHASH_STEP_Z	2
	ROUND_Z4	16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 26, 27, 28, 15
	ROUND_Z4	20, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 27, 28, 15, 26
	GHASH_STEP_Z	3
	ROUND_Z4	24, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 28, 15, 26, 27
	ROUND_Z4	28, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 26, 27, 28
	add		$32, RKP
	add		$256, HSRC
	add		$256, GKEY
	dec		NLOOP
	jnz		.Lfused_rounds
	sub		$1024, GKEY
	GHASH_FINISH_Z
	TRANSPOSE4	z, 3, 2, 1, 0, 16, 17
	TRANSPOSE4	z, 7, 6, 5, 4, 20, 21
	TRANSPOSE4	z, 11, 10, 9, 8, 16, 17
	TRANSPOSE4	z, 15, 28, 27, 26, 20, 21
	XOR_STORE	z, 3, 0
	XOR_STORE	z, 2, 64
	XOR_STORE	z, 1, 128
	XOR_STORE	z, 0, 192
	XOR_STORE	z, 7, 256
	XOR_STORE	z, 6, 320
	XOR_STORE	z, 5, 384
	XOR_STORE	z, 4, 448
	XOR_STORE	z, 11, 512
	XOR_STORE	z, 10, 576
	XOR_STORE	z, 9, 640
	XOR_STORE	z, 8, 704
	XOR_STORE	z, 15, 768
	XOR_STORE	z, 28, 832
	XOR_STORE	z, 27, 896
	XOR_STORE	z, 26, 960
	add		$1024, SRC
	add		$1024, DST
	sub		$64, NBLK
	jnz		.Lfused_batch
	mov		16(%rsp), %rax
	vpshufb		.Lbswap128_z(%rip), %xmm19, %xmm19
	vmovdqu64	%xmm19, (%rax)
	vzeroupper
.Lfused_done:
	RET
SYM_FUNC_END(sm4ktls_ctr32_ghash_gfni_avx512)
