/*
 * test_util.c: unit tests of util.c (strbuf, arena, vectors, util_read_file,
 * UTF-8, edit distance). No framework: ASSERT counts and reports, and the
 * program ends with "N passed, N failed" and a non-zero status on failure.
 */
#include "tablec.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void test_strbuf(void)
{
	Strbuf sb = STRBUF_INIT;
	ASSERT(sb.buf != NULL && sb.len == 0 && sb.buf[0] == '\0');

	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, ',');
	strbuf_add(&sb, " world!!", 6);
	ASSERT(sb.len == 12 && !strcmp(sb.buf, "hello, world"));

	strbuf_addf(&sb, " %d-%s", 42, "x");
	ASSERT(!strcmp(sb.buf, "hello, world 42-x"));

	strbuf_add(&sb, "", 0);
	ASSERT(sb.len == 17);

	/* embedded NUL is kept: lengths, not strlen, rule */
	strbuf_add(&sb, "a\0b", 3);
	ASSERT(sb.len == 20 && sb.buf[18] == '\0' && sb.buf[19] == 'b' &&
	       sb.buf[20] == '\0');

	strbuf_reset(&sb);
	ASSERT(sb.len == 0 && sb.buf[0] == '\0');

	/* growth well past the first allocation, by pieces and at once */
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	ASSERT(sb.len == 100000 && sb.buf[100000] == '\0');
	ASSERT(sb.buf[99999] == 'a' + 99999 % 26);
	char *big = malloc(3 * 1024 * 1024);
	memset(big, 'z', 3 * 1024 * 1024);
	strbuf_add(&sb, big, 3 * 1024 * 1024);
	free(big);
	ASSERT(sb.len == 100000 + 3 * 1024 * 1024 && sb.buf[sb.len] == '\0');
	strbuf_addf(&sb, "%s", "tail");
	ASSERT(!strcmp(sb.buf + sb.len - 4, "tail"));

	size_t len;
	char *p = strbuf_detach(&sb, &len);
	ASSERT(len == 100000 + 3 * 1024 * 1024 + 4);
	ASSERT(sb.len == 0 && sb.alloc == 0 && sb.buf == strbuf_slopbuf);
	free(p);

	/* detaching an empty buffer still gives a malloc'd "" */
	p = strbuf_detach(&sb, NULL);
	ASSERT(p != strbuf_slopbuf && p[0] == '\0');
	free(p);

	strbuf_init(&sb, 1000);
	ASSERT(sb.alloc >= 1001 && sb.len == 0 && sb.buf[0] == '\0');
	strbuf_grow(&sb, 10);
	strbuf_addf(&sb, "%05d", 7);
	ASSERT(!strcmp(sb.buf, "00007"));
	strbuf_release(&sb);
	ASSERT(sb.buf == strbuf_slopbuf && sb.len == 0);
	strbuf_release(&sb); /* twice is harmless */

	/* a long formatted string (past any fixed-size guess) */
	strbuf_addf(&sb, "%5000s|", "x");
	ASSERT(sb.len == 5001 && sb.buf[4999] == 'x' && sb.buf[5000] == '|');
	strbuf_release(&sb);
}

static void test_arena(void)
{
	Arena *a = arena_new();
	char *prev = NULL;
	int ok = 1;

	/* many small allocations: zeroed, aligned, not overlapping */
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(i % 97) + 1;
		unsigned char *p = arena_alloc(a, n);
		for (size_t k = 0; k < n; k++)
			if (p[k])
				ok = 0;
		if ((uintptr_t)p % _Alignof(max_align_t))
			ok = 0;
		memset(p, 0xAB, n);
		if (prev && prev[0] != (char)0xAB)
			ok = 0;
		prev = (char *)p;
	}
	ASSERT(ok);

	/* big ones, bigger than a block, interleaved with small ones */
	char *small = arena_strdup(a, "before");
	char *bigs[8];
	for (int i = 0; i < 8; i++) {
		size_t n = (size_t)(i + 1) * 100 * 1024;
		bigs[i] = arena_alloc(a, n);
		ok = 1;
		for (size_t k = 0; k < n; k++)
			if (bigs[i][k])
				ok = 0;
		ASSERT(ok);
		memset(bigs[i], 'A' + i, n);
	}
	char *after = arena_strdup(a, "after");
	ASSERT(!strcmp(small, "before") && !strcmp(after, "after"));
	for (int i = 0; i < 8; i++)
		ASSERT(bigs[i][0] == 'A' + i &&
		       bigs[i][(size_t)(i + 1) * 100 * 1024 - 1] == 'A' + i);

	char *s = arena_strndup(a, "abcdef", 3);
	ASSERT(!strcmp(s, "abc"));
	s = arena_printf(a, "%s=%d", "n", 12);
	ASSERT(!strcmp(s, "n=12"));
	void *z = arena_alloc(a, 0);
	ASSERT(z != NULL);

	/* VEC_PUSH keeps earlier elements through growth */
	int *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 10000; i++)
		*VEC_PUSH(a, v, n, cap) = i * 3;
	ok = n == 10000 && cap >= n;
	for (int i = 0; i < 10000; i++)
		if (v[i] != i * 3)
			ok = 0;
	ASSERT(ok);

	arena_free(a);
	arena_free(NULL);
}

static void test_read_file(void)
{
	char path[] = "/tmp/tablec-test-util-XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	if (fd < 0)
		return;
	const char data[] = "line one\nline \0two\n";
	ASSERT(write(fd, data, sizeof data - 1) == (ssize_t)(sizeof data - 1));
	close(fd);

	Strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "kept:");
	ASSERT(util_read_file(path, 1024, &sb) == 0);
	ASSERT(sb.len == 5 + sizeof data - 1);
	ASSERT(!memcmp(sb.buf + 5, data, sizeof data - 1));
	strbuf_release(&sb);

	errno = 0;
	ASSERT(util_read_file(path, 4, &sb) == -1 && errno == EFBIG);
	strbuf_release(&sb);

	unlink(path);
	errno = 0;
	ASSERT(util_read_file(path, 1024, &sb) == -1 && errno == ENOENT);
	strbuf_release(&sb);
}

#define INVALID_AT(lit) utf8_invalid_at(lit, sizeof lit - 1)

static void test_utf8(void)
{
	ASSERT(INVALID_AT("") == -1);
	ASSERT(INVALID_AT("plain ascii\n\t") == -1);
	ASSERT(INVALID_AT("caf\xc3\xa9") == -1);          /* 2-byte */
	ASSERT(INVALID_AT("\xe2\x82\xac") == -1);         /* 3-byte */
	ASSERT(INVALID_AT("\xf0\x9d\x84\x9e") == -1);     /* 4-byte */
	ASSERT(INVALID_AT("\xf4\x8f\xbf\xbf") == -1);     /* U+10FFFF */
	ASSERT(INVALID_AT("\xed\x9f\xbf") == -1);         /* U+D7FF */
	ASSERT(INVALID_AT("\xee\x80\x80") == -1);         /* U+E000 */
	ASSERT(INVALID_AT("a\0b") == -1);                 /* NUL is valid */

	ASSERT(INVALID_AT("ab\x80") == 2);                /* stray cont. */
	ASSERT(INVALID_AT("\xc0\xaf") == 0);              /* overlong / */
	ASSERT(INVALID_AT("\xc1\xbf") == 0);              /* overlong */
	ASSERT(INVALID_AT("\xe0\x80\xaf") == 0);          /* overlong 3 */
	ASSERT(INVALID_AT("\xf0\x80\x80\xaf") == 0);      /* overlong 4 */
	ASSERT(INVALID_AT("x\xed\xa0\x80") == 1);         /* U+D800 */
	ASSERT(INVALID_AT("\xed\xbf\xbf") == 0);          /* U+DFFF */
	ASSERT(INVALID_AT("\xf4\x90\x80\x80") == 0);      /* U+110000 */
	ASSERT(INVALID_AT("\xf5\x80\x80\x80") == 0);
	ASSERT(INVALID_AT("\xff") == 0);
	ASSERT(INVALID_AT("ok\xc3") == 2);                /* truncated */
	ASSERT(INVALID_AT("ok\xe2\x82") == 2);
	ASSERT(INVALID_AT("ok\xf0\x9d\x84") == 2);
	ASSERT(INVALID_AT("\xe2\x28\xa1") == 0);          /* bad 2nd byte */
	ASSERT(INVALID_AT("\xf0\x9d\x28\x9e") == 0);      /* bad 3rd byte */

	/* the length bounds the scan: a cut sequence is invalid */
	ASSERT(utf8_invalid_at("\xc3\xa9", 1) == 0);
	ASSERT(utf8_invalid_at("\xc3\xa9", 2) == -1);

	size_t n;
	ASSERT(utf8_decode("A", &n) == 'A' && n == 1);
	ASSERT(utf8_decode("\xc3\xa9", &n) == 0xE9 && n == 2);
	ASSERT(utf8_decode("\xe2\x80\xa8", &n) == 0x2028 && n == 3);
	ASSERT(utf8_decode("\xf0\x9d\x84\x9e", &n) == 0x1D11E && n == 4);
	ASSERT(utf8_decode("\xf4\x8f\xbf\xbf", &n) == 0x10FFFF && n == 4);
}

static void test_edit_distance(void)
{
	ASSERT(util_edit_distance("", "", 3) == 0);
	ASSERT(util_edit_distance("abc", "abc", 3) == 0);
	ASSERT(util_edit_distance("abc", "", 3) == 3);
	ASSERT(util_edit_distance("kitten", "sitting", 5) == 3);
	ASSERT(util_edit_distance("billing_mode", "biling_mode", 2) == 1);
	ASSERT(util_edit_distance("ab", "ba", 2) == 2);
	ASSERT(util_edit_distance("read", "write", 2) > 2);   /* beyond max */
	ASSERT(util_edit_distance("a", "abcdefgh", 3) > 3);   /* length gap */
}

int main(void)
{
	test_strbuf();
	test_arena();
	test_read_file();
	test_utf8();
	test_edit_distance();
	return unit_done();
}
