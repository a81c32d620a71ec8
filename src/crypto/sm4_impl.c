// SPDX-License-Identifier: GPL-2.0
/*
 * Which x86-64 SM4 implementations may serve, decided once at load for the
 * two drivers built on each (gcm(sm4) and ctr(sm4)): the CPU must have what
 * the implementation needs, and its CTR32 routines must give GB/T 32907's
 * answers, example 1 through every routine and example 2 (1,000,000
 * chained encryptions) through the narrowest one. Then the registration
 * both driver kinds share: self-test, timing against the C path, priority.
 *
 * The chain takes a fraction of a second per routine on a real CPU and
 * minutes under binary translation (QEMU TCG emulates every SIMD
 * instruction), so kat_million=0 leaves it out, and says so in the log;
 * by default it runs.
 */
#include <asm/cpu_device_id.h>
#include <asm/cpufeature.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "sm4_impl.h"
#include "sm4_selftest.h"

static bool kat_million = true;
module_param(kat_million, bool, 0444);
MODULE_PARM_DESC(kat_million,
		 "Run GB/T 32907's 1,000,000-encryption chain through every SIMD implementation at load (default: yes)");

/* Usable x86 implementations, by index in sm4ktls_x86_impls[]. */
static bool sm4ktls_impl_ok[SM4KTLS_NR_IMPLS];

/* Chains run so far: a routine two implementations share runs once. */
static struct {
	sm4ktls_ctr32_fn fn;
	const struct sm4ktls_impl *by;
	int err;
} sm4ktls_chained[SM4KTLS_NR_IMPLS];
static unsigned int sm4ktls_nr_chained;

static bool sm4ktls_cpu_has(unsigned int needs)
{
	u64 xfeatures = XFEATURE_MASK_SSE | XFEATURE_MASK_YMM;

	if ((needs & SM4KTLS_NEED_AESNI_AVX) &&
	    !(boot_cpu_has(X86_FEATURE_AES) && boot_cpu_has(X86_FEATURE_PCLMULQDQ) &&
	      boot_cpu_has(X86_FEATURE_AVX)))
		return false;
	if ((needs & SM4KTLS_NEED_AVX2) && !boot_cpu_has(X86_FEATURE_AVX2))
		return false;
	if ((needs & SM4KTLS_NEED_GFNI) && !boot_cpu_has(X86_FEATURE_GFNI))
		return false;
	if ((needs & SM4KTLS_NEED_VPCLMULQDQ) &&
	    !boot_cpu_has(X86_FEATURE_VPCLMULQDQ))
		return false;
	if (needs & SM4KTLS_NEED_AVX512) {
		if (!(boot_cpu_has(X86_FEATURE_AVX512F) &&
		      boot_cpu_has(X86_FEATURE_AVX512BW) &&
		      boot_cpu_has(X86_FEATURE_AVX512VL)))
			return false;
		xfeatures |= XFEATURE_MASK_AVX512;
	}
	return cpu_has_xfeatures(xfeatures, NULL);
}

/* The previous chain of fn, or NULL. */
static int *sm4ktls_chained_err(sm4ktls_ctr32_fn fn,
				const struct sm4ktls_impl **by)
{
	unsigned int i;

	for (i = 0; i < sm4ktls_nr_chained; i++) {
		if (sm4ktls_chained[i].fn == fn) {
			*by = sm4ktls_chained[i].by;
			return &sm4ktls_chained[i].err;
		}
	}
	return NULL;
}

/* Example 2 through impl's narrowest routine, unless that ran already. */
static int sm4ktls_impl_million(const struct sm4ktls_impl *impl)
{
	const struct sm4ktls_impl *by;
	unsigned int batch;
	sm4ktls_ctr32_fn fn = sm4ktls_ctr32_fit(impl, 1, &batch);
	int *prev = sm4ktls_chained_err(fn, &by);
	u64 ms = ktime_get_ns();
	int err;

	if (prev) {
		if (!*prev)
			pr_info("%s, %s: GB/T 32907 1,000,000 iterations passed (%u-block CTR32 routine, the one chained for %s)\n",
				impl->name, impl->ctr_name, batch, by->name);
		return *prev;
	}
	err = sm4ktls_ctr32_kat_million(impl);
	ms = div_u64(ktime_get_ns() - ms, NSEC_PER_MSEC);
	if (!err)
		pr_info("%s, %s: GB/T 32907 1,000,000 iterations passed (%u-block CTR32 routine, %llu ms)\n",
			impl->name, impl->ctr_name, batch, ms);
	if (sm4ktls_nr_chained < ARRAY_SIZE(sm4ktls_chained)) {
		sm4ktls_chained[sm4ktls_nr_chained].fn = fn;
		sm4ktls_chained[sm4ktls_nr_chained].by = impl;
		sm4ktls_chained[sm4ktls_nr_chained++].err = err;
	}
	return err;
}

/* The known answers of impl's CTR32 routines; the log says which failed. */
static bool sm4ktls_impl_kats(const struct sm4ktls_impl *impl)
{
	const char *fail = NULL;

	if (sm4ktls_ctr32_kat_once(impl))
		fail = "GB/T 32907 example 1 through the CTR32 routines fails";
	else if (!kat_million)
		pr_info("%s, %s: GB/T 32907 1,000,000 iterations not run (kat_million=0)\n",
			impl->name, impl->ctr_name);
	else if (sm4ktls_impl_million(impl))
		fail = "GB/T 32907 1,000,000 iterations fail";
	if (fail)
		pr_err("%s, %s: %s, not registered\n", impl->name, impl->ctr_name,
		       fail);
	return !fail;
}

void sm4ktls_impls_probe(void)
{
	const struct sm4ktls_impl *impl;
	unsigned int i;

	for (i = 0; (impl = sm4ktls_x86_impls[i]); i++) {
		if (WARN_ON(i + 1 >= SM4KTLS_NR_IMPLS))
			break;
		if (!sm4ktls_cpu_has(impl->needs)) {
			pr_info("%s, %s: CPU lacks the features they need, not registered\n",
				impl->name, impl->ctr_name);
			continue;
		}
		sm4ktls_impl_ok[i] = sm4ktls_impl_kats(impl);
	}
}

bool sm4ktls_impl_usable(const struct sm4ktls_impl *impl)
{
	unsigned int i;

	for (i = 0; sm4ktls_x86_impls[i] && i + 1 < SM4KTLS_NR_IMPLS; i++)
		if (sm4ktls_x86_impls[i] == impl)
			return sm4ktls_impl_ok[i];
	/* The C path: its block cipher passed both examples before. */
	return impl == &sm4ktls_impl_generic;
}

/*
 * CPUs that downclock when 512-bit vectors run, where the kernel's own
 * AES-GCM does not prefer its zmm drivers either (Skylake-X, Ice Lake,
 * Tiger Lake); by model number, which every kernel's match macros take.
 */
static const struct x86_cpu_id sm4ktls_zmm_slow[] = {
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x55, NULL),	/* Skylake-X */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x6a, NULL),	/* Ice Lake-X */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x6c, NULL),	/* Ice Lake-D */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x7d, NULL),	/* Ice Lake */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x7e, NULL),	/* Ice Lake-L */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x9d, NULL),	/* Ice Lake NNPI */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x8c, NULL),	/* Tiger Lake-L */
	X86_MATCH_VENDOR_FAM_MODEL(INTEL, 6, 0x8d, NULL),	/* Tiger Lake */
	{}
};

/* Best of a few runs of one SM4KTLS_TIME_LEN encryption, in ns. */
static u64 sm4ktls_drv_time(const struct sm4ktls_driver_kind *k, void *t,
			    const struct sm4ktls_impl *impl)
{
	u64 best = U64_MAX, start;
	int i;

	for (i = 0; i < 3; i++) {
		start = ktime_get_ns();
		sm4ktls_fpu_begin(impl);
		k->time_one(t, impl);
		sm4ktls_fpu_end(impl);
		best = min(best, ktime_get_ns() - start);
	}
	return best;
}

/*
 * @impl's priority, lowered (and logged) for 512-bit vectors on a CPU
 * they downclock, or when it loses to the C path (@c_ns) here. Without
 * timing scratch (@t NULL) drivers keep their nominal order.
 */
static int sm4ktls_drv_priority(const struct sm4ktls_driver_kind *k, void *t,
				const struct sm4ktls_impl *impl, u64 c_ns)
{
	const char *name = k->name(impl);
	u64 ns;

	if ((impl->needs & SM4KTLS_NEED_AVX512) && x86_match_cpu(sm4ktls_zmm_slow)) {
		pr_info("%s: 512-bit vectors downclock this CPU, priority %d\n",
			name, SM4KTLS_SLOW_PRIO);
		return SM4KTLS_SLOW_PRIO;
	}
	if (!t)
		return impl->priority;
	ns = sm4ktls_drv_time(k, t, impl);
	if (ns <= c_ns)
		return impl->priority;
	pr_info("%s: slower than the portable C path on this CPU (%llu vs %llu ns per 4 KiB: emulated SIMD?), priority %d\n",
		name, ns, c_ns, SM4KTLS_SLOW_PRIO);
	return SM4KTLS_SLOW_PRIO;
}

/* Test, then register, one implementation; a failure only skips it. */
static void sm4ktls_drv_try(struct sm4ktls_drivers *d, unsigned int slot,
			    const struct sm4ktls_impl *impl, void *t, u64 c_ns)
{
	const struct sm4ktls_driver_kind *k = d->kind;
	int priority, err;

	if (!sm4ktls_impl_usable(impl) || (k->fits && !k->fits(impl)))
		return;	/* the log says why */
	if (k->selftest(impl))
		return;	/* the self-test said which test failed */
	priority = sm4ktls_drv_priority(k, t, impl, c_ns);
	err = k->add(slot, impl, priority);
	if (err) {
		pr_err("%s: cannot register: %d\n", k->name(impl), err);
		return;
	}
	d->registered[slot] = true;
	pr_info("%s: registered, priority %d\n", k->name(impl), priority);
}

int sm4ktls_drivers_register(struct sm4ktls_drivers *d)
{
	const struct sm4ktls_driver_kind *k = d->kind;
	u64 c_ns = 0;
	unsigned int i;
	void *t;

	/* The C path is every driver's fallback: without it, nothing. */
	if (k->selftest(&sm4ktls_impl_generic))
		return -EINVAL;
	/* The key and data timed are zeroes: nothing secret in them. */
	t = kzalloc(k->timing_size, GFP_KERNEL);
	if (t)
		c_ns = sm4ktls_drv_time(k, t, &sm4ktls_impl_generic);
	for (i = 0; sm4ktls_x86_impls[i]; i++) {
		if (WARN_ON(i + 1 >= SM4KTLS_NR_IMPLS))
			break;
		sm4ktls_drv_try(d, i, sm4ktls_x86_impls[i], t, c_ns);
	}
	sm4ktls_drv_try(d, i, &sm4ktls_impl_generic, NULL, 0);
	kfree(t);
	return 0;
}

void sm4ktls_drivers_unregister(struct sm4ktls_drivers *d)
{
	unsigned int i;

	for (i = 0; i < SM4KTLS_NR_IMPLS; i++) {
		if (d->registered[i])
			d->kind->del(i);
		d->registered[i] = false;
	}
}
