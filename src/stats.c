// SPDX-License-Identifier: GPL-2.0
/*
 * sm4ktls: per-netns counters with upstream's names, in
 * /proc/net/sm4ktls_stat (tls.ko owns /proc/net/tls_stat and the
 * netns MIB slot, and may be loaded beside us under another ULP name).
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "sm4ktls.h"

struct sm4ktls_net {
	long __percpu *stats;	/* [SM4KTLS_NUM_STATS] per CPU */
};

static unsigned int sm4ktls_net_id __read_mostly;

static const char *const sm4ktls_stat_names[SM4KTLS_NUM_STATS] = {
	[SM4KTLS_STAT_CURR_TX_SW]	= "TlsCurrTxSw",
	[SM4KTLS_STAT_CURR_RX_SW]	= "TlsCurrRxSw",
	[SM4KTLS_STAT_CURR_TX_DEVICE]	= "TlsCurrTxDevice",
	[SM4KTLS_STAT_CURR_RX_DEVICE]	= "TlsCurrRxDevice",
	[SM4KTLS_STAT_TX_SW]		= "TlsTxSw",
	[SM4KTLS_STAT_RX_SW]		= "TlsRxSw",
	[SM4KTLS_STAT_TX_DEVICE]	= "TlsTxDevice",
	[SM4KTLS_STAT_RX_DEVICE]	= "TlsRxDevice",
	[SM4KTLS_STAT_DECRYPT_ERROR]	= "TlsDecryptError",
	[SM4KTLS_STAT_RX_DEVICE_RESYNC]	= "TlsRxDeviceResync",
	[SM4KTLS_STAT_DECRYPT_RETRY]	= "TlsDecryptRetry",
	[SM4KTLS_STAT_RX_NO_PAD_VIOLATION] = "TlsRxNoPadViolation",
	[SM4KTLS_STAT_TX_REKEY_OK]	= "TlsTxRekeyOk",
	[SM4KTLS_STAT_RX_REKEY_OK]	= "TlsRxRekeyOk",
	[SM4KTLS_STAT_TX_REKEY_ERROR]	= "TlsTxRekeyError",
	[SM4KTLS_STAT_RX_REKEY_ERROR]	= "TlsRxRekeyError",
	[SM4KTLS_STAT_RX_REKEY_RECEIVED] = "TlsRxRekeyReceived",
	/* Ours: device-mode TX records, skbs the fallback encrypted. */
	[SM4KTLS_STAT_TX_DEVICE_RECORDS] = "TlsTxDeviceRecords",
	[SM4KTLS_STAT_TX_FALLBACK]	= "TlsTxFallbackSkbs",
	[SM4KTLS_STAT_TX_FALLBACK_ERROR] = "TlsTxFallbackErrors",
	/* Ours: device-mode RX records by who opened them. */
	[SM4KTLS_STAT_RX_DEVICE_RECORDS] = "TlsRxDeviceRecords",
	[SM4KTLS_STAT_RX_DEVICE_REENCRYPT] = "TlsRxDeviceReencrypt",
	[SM4KTLS_STAT_RX_DEVICE_SW]	= "TlsRxDeviceSwRecords",
};

void sm4ktls_stat_add(struct sock *sk, enum sm4ktls_stat stat, long delta)
{
	struct sm4ktls_net *sn = net_generic(sock_net(sk), sm4ktls_net_id);

	this_cpu_add(sn->stats[stat], delta);
}

/* Counters of a direction that took its key, by how it is served. */
static void sm4ktls_stat_served(bool tx, u8 conf, enum sm4ktls_stat *total,
				enum sm4ktls_stat *curr)
{
	bool dev = conf == SM4KTLS_HW;

	if (tx) {
		*total = dev ? SM4KTLS_STAT_TX_DEVICE : SM4KTLS_STAT_TX_SW;
		*curr = dev ? SM4KTLS_STAT_CURR_TX_DEVICE : SM4KTLS_STAT_CURR_TX_SW;
	} else {
		*total = dev ? SM4KTLS_STAT_RX_DEVICE : SM4KTLS_STAT_RX_SW;
		*curr = dev ? SM4KTLS_STAT_CURR_RX_DEVICE : SM4KTLS_STAT_CURR_RX_SW;
	}
}

/* A key went in (TLS_TX or TLS_RX), served as @conf. */
void sm4ktls_stat_start(struct sock *sk, bool tx, u8 conf)
{
	enum sm4ktls_stat total, curr;

	sm4ktls_stat_served(tx, conf, &total, &curr);
	sm4ktls_stat_inc(sk, total);
	sm4ktls_stat_inc(sk, curr);
}

/* That direction is gone (close). */
void sm4ktls_stat_stop(struct sock *sk, bool tx, u8 conf)
{
	enum sm4ktls_stat total, curr;

	sm4ktls_stat_served(tx, conf, &total, &curr);
	sm4ktls_stat_add(sk, curr, -1);
}

static long sm4ktls_stat_sum(struct sm4ktls_net *sn, int stat)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(sn->stats, cpu)[stat];
	return sum;
}

static int sm4ktls_stat_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct sm4ktls_net *sn = net_generic(net, sm4ktls_net_id);
	int i;

	for (i = 0; i < SM4KTLS_NUM_STATS; i++)
		seq_printf(seq, "%-32s\t%ld\n", sm4ktls_stat_names[i],
			   sm4ktls_stat_sum(sn, i));
	return 0;
}

static int __net_init sm4ktls_net_init(struct net *net)
{
	struct sm4ktls_net *sn = net_generic(net, sm4ktls_net_id);

	sn->stats = __alloc_percpu(sizeof(long) * SM4KTLS_NUM_STATS,
				   sizeof(long));
	if (!sn->stats)
		return -ENOMEM;
	if (!proc_create_net_single("sm4ktls_stat", 0444, net->proc_net,
				    sm4ktls_stat_show, NULL)) {
		free_percpu(sn->stats);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit sm4ktls_net_exit(struct net *net)
{
	struct sm4ktls_net *sn = net_generic(net, sm4ktls_net_id);

	remove_proc_entry("sm4ktls_stat", net->proc_net);
	free_percpu(sn->stats);
}

static struct pernet_operations sm4ktls_net_ops = {
	.init = sm4ktls_net_init,
	.exit = sm4ktls_net_exit,
	.id = &sm4ktls_net_id,
	.size = sizeof(struct sm4ktls_net),
};

int sm4ktls_stats_init(void)
{
	return register_pernet_subsys(&sm4ktls_net_ops);
}

void sm4ktls_stats_exit(void)
{
	unregister_pernet_subsys(&sm4ktls_net_ops);
}
