// SPDX-License-Identifier: GPL-2.0
/*
 * ktls-demo: open a loopback TCP connection, attach the "tls" ULP on both
 * ends, install TLS 1.3 SM4-GCM keys (TLS_SM4_GCM_SM3 traffic keys would
 * come from a handshake; fixed ones do here), show that sm4ktls serves it
 * (getsockopt, module refcount, ss -tie) and move a message across,
 * encrypted by the kernel. COMMAND, if given, runs while the keys are in
 * place (make demo: tools/sm4ktls-status).
 *
 * usage: ktls-demo [ULP_NAME [COMMAND]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/tls.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static void die(const char *what)
{
	fprintf(stderr, "ktls-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int refcnt(void)
{
	FILE *f = fopen("/sys/module/sm4ktls/refcnt", "r");
	int n = -1;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static void pair(int *cfd, int *sfd, unsigned short *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (void *)&a, len) || listen(lfd, 1) ||
	    getsockname(lfd, (void *)&a, &len))
		die("listen");
	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*cfd < 0 || connect(*cfd, (void *)&a, len))
		die("connect");
	*sfd = accept(lfd, NULL, NULL);
	if (*sfd < 0)
		die("accept");
	*port = ntohs(a.sin_port);
	close(lfd);
}

/* The same demo key for both directions; a real peer derives two. */
static void set_keys(int fd)
{
	struct tls12_crypto_info_sm4_gcm ci = {
		.info.version = TLS_1_3_VERSION,
		.info.cipher_type = TLS_CIPHER_SM4_GCM,
	};

	memset(ci.key, 0x5a, sizeof(ci.key));
	memset(ci.salt, 0xa5, sizeof(ci.salt));
	if (setsockopt(fd, SOL_TLS, TLS_TX, &ci, sizeof(ci)) ||
	    setsockopt(fd, SOL_TLS, TLS_RX, &ci, sizeof(ci)))
		die("setsockopt(SOL_TLS, TLS_TX/TLS_RX, SM4-GCM)");
}

int main(int argc, char **argv)
{
	const char *ulp = argc > 1 ? argv[1] : "tls";
	char name[32] = {}, buf[64], cmd[96];
	socklen_t len = sizeof(name);
	unsigned short port;
	int cfd, sfd, before = refcnt();
	const char msg[] = "hello through the sm4ktls ULP";

	pair(&cfd, &sfd, &port);
	if (setsockopt(cfd, SOL_TCP, TCP_ULP, ulp, strlen(ulp)) ||
	    setsockopt(sfd, SOL_TCP, TCP_ULP, ulp, strlen(ulp)))
		die("setsockopt(TCP_ULP)");
	if (getsockopt(cfd, SOL_TCP, TCP_ULP, name, &len))
		die("getsockopt(TCP_ULP)");
	printf("connection 127.0.0.1:%u, ULP \"%s\" on both ends\n", port, name);
	printf("sm4ktls module refcount: %d -> %d (%s)\n", before, refcnt(),
	       refcnt() == before + 2 ? "served by sm4ktls" : "NOT sm4ktls");
	set_keys(cfd);
	set_keys(sfd);
	printf("TLS 1.3 SM4-GCM keys installed on both ends (TLS_TX, TLS_RX)\n");
	snprintf(cmd, sizeof(cmd), "ss -tieH 'sport = :%u'", port);
	printf("$ %s\n", cmd);
	fflush(stdout);
	if (system(cmd))
		fprintf(stderr, "ktls-demo: ss failed\n");
	if (send(cfd, msg, sizeof(msg), 0) != sizeof(msg) ||
	    recv(sfd, buf, sizeof(msg), MSG_WAITALL) != sizeof(msg))
		die("transfer");
	printf("received: \"%s\" (one SM4-GCM record on the wire)\n", buf);
	printf("$ grep -E 'TlsCurr|TlsTxSw|TlsRxSw' /proc/net/sm4ktls_stat\n");
	fflush(stdout);
	if (system("grep -E 'TlsCurr.xSw|TlsTxSw|TlsRxSw' /proc/net/sm4ktls_stat"))
		fprintf(stderr, "ktls-demo: no sm4ktls counters\n");
	if (argc > 2) {
		printf("$ %s\n", argv[2]);
		fflush(stdout);
		if (system(argv[2]))
			fprintf(stderr, "ktls-demo: %s failed\n", argv[2]);
	}
	close(cfd);
	close(sfd);
	return refcnt() >= 0 && before >= 0 ? 0 : 1;
}
