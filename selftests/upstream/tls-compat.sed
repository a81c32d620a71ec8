# SPDX-License-Identifier: GPL-2.0
#
# Applied at build time to Debian's copy of tools/testing/selftests/net/tls.c
# (6.1.192 and 6.12.117): their backported rekey tests call
# tls_crypto_info_init() with the key generation argument upstream added in
# 6.14 while the helper itself still takes three arguments. Give the helper
# upstream's four-argument form (key bytes filled with the generation, the
# header zeroed) and let the old three-argument calls default it to 0.
# Both copies build against 6.12's harness (6.1's lacks __test_passed(),
# which its backported tests use): include it through -I.
s|^#include "\.\./kselftest_harness\.h"$|#include "kselftest_harness.h"|
/^static void tls_crypto_info_init(uint16_t tls_version, uint16_t cipher_type,$/{
i\
#define TCI_PICK(_1, _2, _3, _4, name, ...) name\
#define TCI_GEN0(v, c, k) tls_crypto_info_init_gen(v, c, k, 0)\
#define tls_crypto_info_init(...) \\\
	TCI_PICK(__VA_ARGS__, tls_crypto_info_init_gen, TCI_GEN0, _)(__VA_ARGS__)
s/tls_crypto_info_init(/tls_crypto_info_init_gen(/
n
s/\*tls12)$/*tls12, char key_generation)/
n
n
s/^\tmemset(tls12, 0, sizeof(\*tls12));$/\tmemset(tls12, key_generation, sizeof(*tls12));\
\tmemset(tls12, 0, sizeof(struct tls_crypto_info));/
}
# mutliproc_*: 12-16 processes moving 6 MB each, which under QEMU's TCG
# on this two-core machine takes about twice the harness's default 30 s:
# give them 120 s.
s/^TEST_F(tls, \(mutliproc_[a-z_]*\))$/TEST_F_TIMEOUT(tls, \1, 120)/
