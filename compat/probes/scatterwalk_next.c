// SPDX-License-Identifier: GPL-2.0
/*
 * 6.15 onward: scatterwalk_next() maps and scatterwalk_done_src/dst()
 * unmap and advance; scatterwalk_map() no longer returns the address.
 */
#include <crypto/scatterwalk.h>

void probe_walk(struct scatter_walk *w);
void probe_walk(struct scatter_walk *w)
{
	unsigned int n = scatterwalk_next(w, 16);

	scatterwalk_done_src(w, n);
}
