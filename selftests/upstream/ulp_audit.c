// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD audit for upstream's tls selftest: appends one line per
 * TCP_ULP or SOL_TLS TLS_TX/TLS_RX setsockopt() to the file named by
 * $SM4KTLS_AUDIT, with its result:
 *
 *   ulp tls 0          TCP_ULP "tls" attached
 *   ulp tls -2         failed with ENOENT (no "tls" ULP: "testing without tls")
 *   tx 52 0            TLS_TX, cipher type 52 (TLS_CIPHER_AES_GCM_128), success
 *
 * selftests/run-upstream-tls.sh counts these to prove that the cases it ran
 * really had a ULP and keys installed, whichever module serves "tls".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#define TLS_TX 1
#define TLS_RX 2

typedef int (*setsockopt_fn)(int, int, int, const void *, socklen_t);

static void audit(const char *line)
{
	const char *path = getenv("SM4KTLS_AUDIT");
	int fd, len = strlen(line);

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, len) != len)
		len = -1;
	close(fd);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static setsockopt_fn real;
	char line[64];
	int saved, ret;

	if (!real)
		real = (setsockopt_fn)dlsym(RTLD_NEXT, "setsockopt");
	ret = real(fd, level, name, val, len);
	saved = errno;
	if (level == IPPROTO_TCP && name == TCP_ULP && val && len < 16) {
		char ulp[16] = "";

		memcpy(ulp, val, len);
		snprintf(line, sizeof(line), "ulp %s %d\n", ulp, ret ? -saved : 0);
		audit(line);
	} else if (level == SOL_TLS && (name == TLS_TX || name == TLS_RX) &&
		   val && len >= 4) {
		/* struct tls_crypto_info: u16 version, u16 cipher_type */
		unsigned short cipher;

		memcpy(&cipher, (const char *)val + 2, sizeof(cipher));
		snprintf(line, sizeof(line), "%s %u %d\n", name == TLS_TX ? "tx" : "rx",
			 cipher, ret ? -saved : 0);
		audit(line);
	}
	errno = saved;
	return ret;
}
