/*
 * unit.h: the few lines every unit test program shares. No framework:
 * ASSERT counts and reports the failing expression's source (as chibicc's
 * tests do), and unit_done() prints "N passed, N failed" and gives the exit
 * status.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdio.h>

static int unit_pass, unit_fail;

#define ASSERT(x)                                                             \
	do {                                                                  \
		if (x) {                                                      \
			unit_pass++;                                          \
		} else {                                                      \
			unit_fail++;                                          \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,      \
				__LINE__, #x);                                \
		}                                                             \
	} while (0)

static inline int unit_done(void)
{
	printf("%d passed, %d failed\n", unit_pass, unit_fail);
	return unit_fail ? 1 : 0;
}

#endif
