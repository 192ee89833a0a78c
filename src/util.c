/*
 * util.c: the arena, the string buffer, file reading, UTF-8 and edit
 * distance. Everything else in tablec is built on these; none of them
 * reports to the user, and out-of-memory is the one fatal condition.
 */
#include "tablec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tablec: internal error at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nthis is a bug in tablec; please report it with the spec that "
	      "triggered it\n", stderr);
	exit(70);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		BUG("out of memory (%zu bytes)", n);
	return q;
}

/* ---- arena: a list of blocks; big requests get a block of their own. */

#define ARENA_BLOCK ((size_t)64 << 10)

typedef struct Block {
	struct Block *next;
	size_t used, size;
	max_align_t data[];
} Block;

struct Arena {
	Block *head;
};

Arena *arena_new(void)
{
	Arena *a = calloc(1, sizeof *a);
	if (!a)
		BUG("out of memory");
	return a;
}

void arena_free(Arena *a)
{
	if (!a)
		return;
	for (Block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *arena_alloc(Arena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	Block *b = a->head;
	if (!b || b->size - b->used < size) {
		size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
		b = xrealloc(NULL, sizeof *b + cap);
		b->used = 0;
		b->size = cap;
		if (a->head && size > ARENA_BLOCK) {
			/* keep the current block in front: it still has room */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(Arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
	Strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	char *p = arena_strndup(a, sb.buf, sb.len);
	strbuf_release(&sb);
	return p;
}

void *vec_grow(Arena *a, void *ptr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return ptr;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	void *p = arena_alloc(a, ncap * elem);
	if (ptr)
		memcpy(p, ptr, *cap * elem);
	*cap = ncap;
	return p;
}

/* ---- strbuf */

char strbuf_slopbuf[1];

void strbuf_init(Strbuf *sb, size_t hint)
{
	sb->buf = strbuf_slopbuf;
	sb->len = sb->alloc = 0;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(Strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

void strbuf_reset(Strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void strbuf_grow(Strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->alloc)
		return;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < sb->len + extra + 1)
		n *= 2;
	if (!sb->alloc) {
		sb->buf = xrealloc(NULL, n);
		sb->buf[0] = '\0';
	} else {
		sb->buf = xrealloc(sb->buf, n);
	}
	sb->alloc = n;
}

void strbuf_add(Strbuf *sb, const void *data, size_t len)
{
	if (!len)
		return;
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(Strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_vaddf(Strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("bad format string %s", fmt);
	strbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void strbuf_addf(Strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

char *strbuf_detach(Strbuf *sb, size_t *len)
{
	if (!sb->alloc)
		strbuf_grow(sb, 0);
	char *p = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb, 0);
	return p;
}

/* ---- files */

int util_read_file(const char *path, size_t limit, Strbuf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > limit) {
			fclose(f);
			errno = EFBIG;
			return -1;
		}
		strbuf_add(out, chunk, n);
	}
	int err = ferror(f);
	int saved = errno;
	fclose(f);
	if (err) {
		errno = saved ? saved : EIO;
		return -1;
	}
	return 0;
}

/* ---- UTF-8, per RFC 3629: no overlongs, no surrogates, max U+10FFFF */

long utf8_invalid_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned lo = 0x80, hi = 0xBF;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		} else {
			return (long)i;
		}
		if (i + n >= len)
			return (long)i;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return (long)i;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return (long)i;
		i += n + 1;
	}
	return -1;
}

uint32_t utf8_decode(const char *str, size_t *len)
{
	const unsigned char *s = (const unsigned char *)str;
	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] < 0xE0) {
		*len = 2;
		return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if (s[0] < 0xF0) {
		*len = 3;
		return ((uint32_t)(s[0] & 0x0F) << 12) |
		       ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
	}
	*len = 4;
	return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
	       ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* ---- edit distance (for did-you-mean); names are short, two rows do */

size_t util_edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	size_t prev[65], cur[65];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			cur[j] = v;
		}
		memcpy(prev, cur, sizeof cur);
	}
	return prev[lb];
}

/* ---- Strmap */

/*
 * SipHash-1-3 under a key drawn once per process: names come from
 * untrusted specs, and with a fixed hash (FNV) a spec could be made of
 * names that all land in one slot, turning every lookup into a scan of
 * the whole table. Maps are only looked up, never iterated, so the key
 * changes no output.
 */
static uint64_t sip_key[2];
static bool sip_keyed;

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                              \
	do {                                                                  \
		v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);     \
		v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                        \
		v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                        \
		v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);     \
	} while (0)

static void sip_init_key(void)
{
	unsigned char k[16] = {0};
	FILE *f = fopen("/dev/urandom", "rb");
	size_t got = f ? fread(k, 1, sizeof k, f) : 0;
	if (f)
		fclose(f);
	if (got != sizeof k) { /* no /dev/urandom: still vary per process */
		uint64_t x = (uint64_t)(uintptr_t)&got ^ (uint64_t)time(NULL);
		memcpy(k, &x, sizeof x);
	}
	memcpy(&sip_key[0], k, 8);
	memcpy(&sip_key[1], k + 8, 8);
	sip_keyed = true;
}

static uint64_t str_hash(const char *s)
{
	if (!sip_keyed)
		sip_init_key();
	size_t len = strlen(s);
	uint64_t v0 = sip_key[0] ^ 0x736f6d6570736575ull;
	uint64_t v1 = sip_key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = sip_key[0] ^ 0x6c7967656e657261ull;
	uint64_t v3 = sip_key[1] ^ 0x7465646279746573ull;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = len;
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t m;
		memcpy(&m, p, 8); /* the hash need not agree across endianness */
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t i = 0; i < n; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
#undef SIPROUND

size_t strmap_get(const Strmap *m, const char *key)
{
	if (!m->cap)
		return SIZE_MAX;
	for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return SIZE_MAX;
		if (!strcmp(m->keys[i], key))
			return m->vals[i];
	}
}

static void strmap_grow(Strmap *m)
{
	size_t cap = m->cap ? 2 * m->cap : 64;
	const char **keys = arena_alloc(m->a, cap * sizeof *keys);
	size_t *vals = arena_alloc(m->a, cap * sizeof *vals);
	for (size_t j = 0; j < m->cap; j++) {
		if (!m->keys[j])
			continue;
		size_t i = str_hash(m->keys[j]) & (cap - 1);
		while (keys[i])
			i = (i + 1) & (cap - 1);
		keys[i] = m->keys[j];
		vals[i] = m->vals[j];
	}
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
}

size_t strmap_put(Strmap *m, const char *key, size_t val)
{
	if (2 * (m->n + 1) > m->cap) /* at most half full */
		strmap_grow(m);
	size_t i = str_hash(key) & (m->cap - 1);
	for (; m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key))
			return m->vals[i];
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return val;
}

void strmap_set(Strmap *m, const char *key, size_t val)
{
	if (2 * (m->n + 1) > m->cap)
		strmap_grow(m);
	size_t i = str_hash(key) & (m->cap - 1);
	for (; m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key)) {
			m->vals[i] = val;
			return;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}
