# SPDX-License-Identifier: GPL-2.0
#
# Thin front end. The module is built out of tree against KDIR; each kernel
# gets its own object tree under build/obj/KVER (a symlink mirror of the
# sources) so one checkout builds for several kernels side by side.

KDIR ?= /lib/modules/$(shell uname -r)/build
KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	  $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
OBJ := $(CURDIR)/build/obj/$(KVER)
# A kernel of another Debian release (fetch-kernel.sh left KVER/suite) is
# built in that release's chroot, with the compiler its headers name.
KRUN := $(if $(wildcard $(CURDIR)/build/kernels/$(KVER)/suite),scripts/kchroot.sh $(KVER) --)
SERIES ?= 6.1 6.12
JOBS ?= $(shell nproc)
# WERROR=1: compiler warnings fail the module build (make check sets it).
WERROR ?= 0

.PHONY: all module module-install headers-install kernels modules selftests tools check demo style clean \
	upstream-tls bench-ktls bench-mem fuzz debug-kernel check-debug deb dkms-test deb-test

all: module

module:
	@test -n "$(KVER)" || { echo "no kernel headers at KDIR=$(KDIR); try 'make kernels' then 'make KDIR=build/kernels/6.1/...'" >&2; exit 1; }
	@mkdir -p $(OBJ)/generated
	@cp -rsf $(CURDIR)/src $(CURDIR)/include $(CURDIR)/compat $(CURDIR)/Kbuild $(CURDIR)/VERSION $(OBJ)/
	@$(KRUN) scripts/probe-kernel.sh $(KDIR) $(OBJ)/generated
	$(KRUN) $(MAKE) -C $(KDIR) M=$(OBJ) -j$(JOBS) \
		SM4KTLS_WERROR=$(if $(filter 1,$(WERROR)),y) modules
	@echo "built $(OBJ)/sm4ktls.ko"

# Install into updates/ (searched before the distribution's modules) and
# refresh the module index so the crypto API can autoload sm4ktls_crypto.
module-install: module
	install -D -m 0644 -t $(DESTDIR)/lib/modules/$(KVER)/updates \
		$(OBJ)/sm4ktls.ko $(OBJ)/sm4ktls_crypto.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

# <sm4ktls/tls.h> for applications: the TLCP version of crypto_info.
headers-install:
	install -D -m 0644 include/uapi/sm4ktls/tls.h \
		$(DESTDIR)/usr/include/sm4ktls/tls.h

# Fetch the Debian kernels (image, headers, kbuild) into build/kernels/.
kernels:
	@for s in $(SERIES); do scripts/fetch-kernel.sh $$s >/dev/null || exit 1; done

# Build the module for every fetched kernel series.
modules: kernels
	@for s in $(SERIES); do \
		k=$$(readlink build/kernels/$$s); \
		$(MAKE) --no-print-directory module KDIR=$(CURDIR)/build/kernels/$$k/root/usr/src/linux-headers-$$k || exit 1; \
	done

selftests:
	$(MAKE) -C selftests

tools:
	$(MAKE) -C tools

# The whole test suite on every kernel series (what CI runs): Debian's
# 6.1 and 6.12, and the sanitizer kernel 6.12-debug; and a smoke run on
# Debian 11's 5.10 and sid's 7.2 unless SERIES names them (then they get
# the whole suite).
CHECK_SERIES ?= $(SERIES) 6.12-debug
CHECK_SMOKE ?= $(filter-out $(SERIES),5.10 7.2)
check:
	SM4KTLS_SMOKE_SERIES="$(CHECK_SMOKE)" scripts/run-tests.sh $(CHECK_SERIES)

# The sanitizer kernel (KASAN, KFENCE, lockdep, kmemleak, UBSAN, ...):
# built from Debian's linux-source-6.12 into /var/cache/sm4ktls once, and
# again when its config or the source package changes (~10 min on 2 cores).
debug-kernel:
	@scripts/debug-kernel.sh

# The whole suite on the sanitizer kernel alone.
check-debug:
	scripts/run-tests.sh 6.12-debug

# Upstream's tls selftest (each Debian package's copy of tls.c, on every
# kernel) against the project's ULP, everything but the rekey tests. Long:
# ~2 s a case under TCG, ~25 min a run. UPSTREAM_TLS_FLAGS=--stock runs it
# on the in-tree tls.ko instead (the reference); see Documentation/testing.md.
UPSTREAM_TLS_FLAGS ?=
upstream-tls: modules
	@$(MAKE) --no-print-directory -C selftests upstream
	@rm -f build/test-logs/upstream-tls.sum; mkdir -p build/test-logs; \
	for s in $(SERIES); do for c in 6.1 6.12; do \
		echo "=== upstream tls.c of $$c on $$s"; \
		scripts/upstream-tls.sh $(UPSTREAM_TLS_FLAGS) --copy $$c $$s | \
			tee /dev/stderr | tail -n 1 >>build/test-logs/upstream-tls.sum; \
	done; done 2>&1; \
	awk '{ p += $$1; f += $$3 } END { print p " passed, " f " failed"; exit f > 0 }' \
		build/test-logs/upstream-tls.sum

# Boot Debian 6.1 in QEMU with the module and show a socket served by it.
demo:
	scripts/demo.sh

style:
	scripts/checkpatch.sh

# kTLS throughput in a guest, sm4ktls beside the in-tree tls.ko (figures,
# not a test): one table per kernel. Only 6.12 unless SERIES is given;
# BENCH_ARGS goes to scripts/ktls-bench.sh (e.g. "-s 64 -r 5"; "-i" for
# the deterministic mode: instructions per record under QEMU's -icount).
BENCH_SERIES = $(if $(filter command line environment,$(origin SERIES)),$(SERIES),6.12)
bench-ktls:
	@for s in $(BENCH_SERIES); do scripts/ktls-bench.sh $(BENCH_ARGS) $$s || exit 1; done

# Kernel memory per idle kTLS socket, sm4ktls beside the in-tree tls.ko and
# plain TCP (10,000 sockets each by default); BENCH_ARGS as for
# scripts/ktls-mem.sh (e.g. "-n 2000 -r 3"; "-s" for a stalled reader).
bench-mem:
	@for s in $(BENCH_SERIES); do scripts/ktls-mem.sh $(BENCH_ARGS) $$s || exit 1; done

# The seeded ULP fuzzer (selftests/fuzz.c) in one guest for FUZZ_MINUTES,
# on the sanitizer kernel when it has been built, else stock 6.12.
# FUZZ_SEED replays a run; FUZZ_ARGS goes to the fuzzer ("-1", "-i N").
FUZZ_MINUTES ?= 5
FUZZ_SERIES ?= $(if $(wildcard build/kernels/6.12-debug),6.12-debug,6.12)
ifndef FUZZ_SEED
FUZZ_SEED := $(shell date +%s)
endif
FUZZ_ARGS ?=
# A kernel already under build/kernels is used as it is: `modules` would
# refresh it (for 6.12-debug, rebuild the sanitizer kernel after any
# change of its config).
fuzz:
	@k=$$(readlink build/kernels/$(FUZZ_SERIES)); \
	if [ -n "$$k" ]; then \
		$(MAKE) --no-print-directory module \
			KDIR=$(CURDIR)/build/kernels/$$k/root/usr/src/linux-headers-$$k; \
	else \
		$(MAKE) --no-print-directory modules SERIES=$(FUZZ_SERIES); \
	fi >build/fuzz-build.log 2>&1 || { tail -n 20 build/fuzz-build.log; echo "0 passed, 1 failed"; exit 1; }
	@$(MAKE) --no-print-directory -C selftests $(CURDIR)/build/selftests/fuzz
	@mkdir -p build/test-logs; log=build/test-logs/fuzz-$(FUZZ_SERIES)-$(FUZZ_SEED).log; \
	echo "fuzz: $(FUZZ_SERIES), seed $(FUZZ_SEED), $(FUZZ_MINUTES) min; log $$log"; \
	scripts/vm.sh -t $$(( $(FUZZ_MINUTES) * 60 + 600 )) -l $$log $(FUZZ_SERIES) \
		"FUZZ_SECONDS=$$(( $(FUZZ_MINUTES) * 60 )) FUZZ_SEED=$(FUZZ_SEED) FUZZ_ARGS='$(FUZZ_ARGS)' selftests/run-fuzz.sh" \
		>/dev/null 2>$$log.verdict; vrc=$$?; \
	awk '/^# (FAIL|HANG)/ { f = 1 } /^# reproduce/ { print; f = 0 } \
		f || /^(not )?ok |^# (summary|op counts|results|data)|refcount [0-9-]+ ->/' $$log; \
	cat $$log.verdict; \
	pass=$$(grep -aEc '^ok ' $$log); fail=$$(grep -aEc '^not ok ' $$log); \
	[ $$vrc = 0 ] || fail=$$((fail + 1)); \
	echo "$$pass passed, $$fail failed"; [ $$fail = 0 ]

# Debian packages: sm4ktls-dkms and sm4ktls-tools, into build/deb/.
deb:
	scripts/make-deb.sh

# The packages through DKMS for each kernel of SERIES, then a guest of
# each loads the DKMS-built modules the way the package makes it.
dkms-test:
	scripts/dkms-test.sh $(SERIES)

# The packages installed with apt in a fresh debootstrap'd system of each
# kernel's Debian release (postinst builds through its DKMS), loaded by a
# guest of the kernel, then purged without a trace (~5 min a series).
deb-test:
	scripts/deb-test.sh $(SERIES)

clean:
	rm -rf build/obj
	$(MAKE) -C selftests clean
	$(MAKE) -C tools clean
