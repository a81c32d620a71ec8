// SPDX-License-Identifier: GPL-2.0
/* Up to 6.x: __strp_unpause() parses at once under the socket lock. */
#include <net/strparser.h>

void probe_unpause(struct strparser *strp);
void probe_unpause(struct strparser *strp)
{
	__strp_unpause(strp);
}
