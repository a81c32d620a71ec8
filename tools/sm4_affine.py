#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Derive the constants of the table-free SM4 S-boxes in src/crypto/*.S.

SM4's S-box is S(x) = A * inv_sm4(A * x + C) + C over GF(2^8) with field
polynomial 0x1f5 (A circulant, C = 0xd3); inversion in that field is
carried to AES's field (0x11b) by an isomorphism T. Hence

  S(x) = A_out(aes_sbox(A_in(x)))          (AES-NI: vaesenclast)
  S(x) = G_out * inv_aes(A_in(x)) + C       (GFNI: gf2p8affineinvqb)

with A_in = T*A, c_in = T*C, G_out = A*T^-1, A_out = G_out*M^-1 (M the AES
affine map).

The linear layer commutes with rotations by whole bytes, so it splits into
bit maps within a byte and byte rotations (rot8k: rotate the word left by
8k, P2/P6: each byte shifted left by 2 / right by 6):

  L(y) = (I+P2) y ^ rot8((P2+P6) y) ^ rot16((P2+P6) y) ^ rot24((I+P6) y)

The latency round of sm4_avx512_asm.S keeps every word x as A x (A the
linear part of A_in; round keys enter as A rk + c_in), so the next S-box
input needs no affine step of its own: each byte map M of L becomes one
gf2p8affineinvqb matrix A M G_out (constant A M C), and the words return
through A^-1 at the end.

Everything is checked against the S-box table of src/crypto/sm4_core.c
for all 256 inputs (and L on every byte position); run it to print the
tables.
"""
import functools
import os
import re

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = open(os.path.join(TOP, 'src/crypto/sm4_core.c')).read()
SBOX = [int(v, 16) for v in
        re.findall(r'0x([0-9a-f]{2})', re.search(r'sbox\[256\] = \{(.*?)\};', SRC, re.S).group(1))]
P_SM4, P_AES = 0x1f5, 0x11b


def gmul(a, b, poly):
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= poly
    return r


def ginv(a, poly):
    return 0 if a == 0 else next(b for b in range(1, 256) if gmul(a, b, poly) == 1)


def mv(m, x):  # matrix (8 row bytes, bit j of row i = m[i][j]) times vector
    return sum((bin(m[i] & x).count('1') & 1) << i for i in range(8))


def from_linear(f):
    cols = [f(1 << j) for j in range(8)]
    return [sum(((cols[j] >> i) & 1) << j for j in range(8)) for i in range(8)]


def mm(a, b):
    return from_linear(lambda x: mv(a, mv(b, x)))


def minv(m):
    inv = {mv(m, x): x for x in range(256)}
    return from_linear(lambda y: inv[y])


def aes_sbox(x):
    y = ginv(x, P_AES)
    return y ^ functools.reduce(lambda r, k: r ^ (((y << k) | (y >> (8 - k))) & 0xff),
                                range(1, 5), 0) ^ 0x63


A = [((0xa7 << i) | (0xa7 >> (8 - i))) & 0xff for i in range(8)]
C = 0xd3
assert all(mv(A, ginv(mv(A, x) ^ C, P_SM4)) ^ C == SBOX[x] for x in range(256))

# T maps x^k of the SM4 field to beta^k, beta a root of 0x1f5 in AES's field.
def poly_at(b):
    r, p = 0, 1
    for k in range(9):
        if (P_SM4 >> k) & 1:
            r ^= p
        p = gmul(p, b, P_AES)
    return r


beta = next(b for b in range(2, 256) if poly_at(b) == 0)
pw = [1]
for _ in range(7):
    pw.append(gmul(pw[-1], beta, P_AES))
T = from_linear(lambda x: functools.reduce(lambda a, k: a ^ (pw[k] if (x >> k) & 1 else 0), range(8), 0))
M = from_linear(lambda y: aes_sbox(ginv(y, P_AES)) ^ 0x63)

A_in, c_in = mm(T, A), mv(T, C)
G_out = mm(A, minv(T))
A_out = mm(G_out, minv(M))
c_out = mv(A_out, 0x63) ^ C
assert all(mv(A_out, aes_sbox(mv(A_in, x) ^ c_in)) ^ c_out == SBOX[x] for x in range(256))
assert all(mv(G_out, ginv(mv(A_in, x) ^ c_in, P_AES)) ^ C == SBOX[x] for x in range(256))


def hexes(v):
    return ', '.join('0x%02x' % b for b in v)


def qword(m):  # gf2p8affine: row i in byte 7 - i
    return sum(m[i] << (8 * (7 - i)) for i in range(8))


print('in_lo  ', hexes([mv(A_in, i) ^ c_in for i in range(16)]))
print('in_hi  ', hexes([mv(A_in, i << 4) for i in range(16)]))
# vaesenclast runs with the 0x0f nibble mask as round key: index by lo ^ 0xf.
print('out_lo ', hexes([mv(A_out, i ^ 0xf) ^ c_out for i in range(16)]))
print('out_hi ', hexes([mv(A_out, i << 4) for i in range(16)]))
print('gfni in  matrix 0x%016x imm 0x%02x' % (qword(A_in), c_in))
print('gfni out matrix 0x%016x imm 0x%02x' % (qword(G_out), C))

# L's byte maps folded into G_out and carried into A's basis: I+P2, P2+P6, I+P6.
P2 = from_linear(lambda x: (x << 2) & 0xff)
P6 = from_linear(lambda x: x >> 6)
I8 = from_linear(lambda x: x)
madd = lambda a, b: [a[i] ^ b[i] for i in range(8)]
L_MAPS = [('0', madd(I8, P2)), ('1', madd(P2, P6)), ('3', madd(I8, P6))]
A_inv = minv(A_in)
folded = {k: (mm(A_in, mm(m, G_out)), mv(A_in, mv(m, C))) for k, m in L_MAPS}


def rol32(w, n):
    return ((w << n) | (w >> (32 - n))) & 0xffffffff


def bytewise(f, w):
    return sum(f((w >> (8 * i)) & 0xff) << (8 * i) for i in range(4))


def round_ref(x, rk):  # x0 ^ L(S(x1 ^ x2 ^ x3 ^ rk))
    y = bytewise(lambda b: SBOX[b], x[1] ^ x[2] ^ x[3] ^ rk)
    return x[0] ^ y ^ rol32(y, 2) ^ rol32(y, 10) ^ rol32(y, 18) ^ rol32(y, 24)


def round_a(x, rk):  # the same in A's basis, as the assembly computes it
    a = [bytewise(lambda b: mv(A_in, b), w) for w in x]
    u = a[1] ^ a[2] ^ a[3] ^ bytewise(lambda b: mv(A_in, b) ^ c_in, rk)
    z = {k: bytewise(lambda b: mv(m, ginv(b, P_AES)) ^ c, u) for k, (m, c) in folded.items()}
    new = a[0] ^ z['0'] ^ rol32(z['1'], 8) ^ rol32(z['1'], 16) ^ rol32(z['3'], 24)
    return bytewise(lambda b: mv(A_inv, b), new)


for i in range(1024):  # every S-box input byte in every position
    w = [(i * 0x9e3779b1 + k * 0x85ebca6b) & 0xffffffff for k in range(5)]
    pos = 8 * (i >> 8)
    t = (w[4] & ~(0xff << pos)) | ((i & 0xff) << pos)
    rk = w[1] ^ w[2] ^ w[3] ^ t
    assert round_a(w[:4], rk) == round_ref(w[:4], rk)
for k, (m, c) in folded.items():
    print('gfni out in A basis, L term %s: matrix 0x%016x imm 0x%02x' % (k, qword(m), c))
print('A^-1 matrix 0x%016x' % qword(A_inv))
