/*
 * node.c: reading the node tree. Mapping lookups (by binary search in a
 * sorted index once a mapping is large, so that a hostile spec's huge
 * mappings cost log n per lookup) and the typed accessors every stage
 * uses to read a value, so that "wrong type" and "unknown key" read the
 * same wherever they are found.
 *
 * Scalars are read by their text, never by YAML 1.1's implicit typing: a
 * plain `off` stays the word off and `stream: off` means what it says.
 */
#include "tablec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Below this many pairs a scan is as fast as a search, and saves the
 * index's memory. */
#define NODE_INDEX_MIN 16

static int index_cmp(const void *pa, const void *pb)
{
	const Pair *a = *(Pair *const *)pa, *b = *(Pair *const *)pb;
	int c = strcmp(a->key->str, b->key->str);
	if (c)
		return c;
	return a < b ? -1 : (a > b); /* the first in the mapping wins */
}

void node_index(Arena *a, Node *map)
{
	map->index = NULL;
	if (map->kind != NODE_MAP || map->npairs < NODE_INDEX_MIN)
		return;
	Pair **ix = arena_alloc(a, map->npairs * sizeof(Pair *));
	for (size_t i = 0; i < map->npairs; i++)
		ix[i] = &map->pairs[i];
	qsort(ix, map->npairs, sizeof(Pair *), index_cmp);
	map->index = ix;
}

Pair *node_pair(const Node *map, const char *key)
{
	if (!map || map->kind != NODE_MAP)
		return NULL;
	if (!map->index) {
		for (size_t i = 0; i < map->npairs; i++)
			if (!strcmp(map->pairs[i].key->str, key))
				return &map->pairs[i];
		return NULL;
	}
	/* the lower bound: the first pair of that key */
	size_t lo = 0, hi = map->npairs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(map->index[mid]->key->str, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < map->npairs && !strcmp(map->index[lo]->key->str, key)
		? map->index[lo] : NULL;
}

Node *node_get(const Node *map, const char *key)
{
	Pair *p = node_pair(map, key);
	return p ? p->value : NULL;
}

const char *node_kind_name(const Node *n)
{
	switch (n->kind) {
	case NODE_MAP:
		return "mapping";
	case NODE_SEQ:
		return "list";
	default:
		return "scalar";
	}
}

/* ---- typed accessors */

bool node_is_null(const Node *n)
{
	return n && n->kind == NODE_SCALAR && !n->quoted &&
	       (!n->len || !strcmp(n->str, "~") || !strcasecmp(n->str, "null"));
}

const char *node_found(const Node *n)
{
	if (n->kind != NODE_SCALAR)
		return node_kind_name(n);
	if (node_is_null(n))
		return "nothing (null)";
	return n->quoted ? "text" : "a value";
}

bool node_want_map(Diags *d, const Node *n, const char *what)
{
	if (n->kind == NODE_MAP)
		return true;
	diag_report(d, "E101", n->loc, "'%s' must be a mapping, found %s",
		    what, node_found(n));
	return false;
}

bool node_want_seq(Diags *d, const Node *n, const char *what)
{
	if (n->kind == NODE_SEQ)
		return true;
	diag_report(d, "E101", n->loc, "'%s' must be a list, found %s", what,
		    node_found(n));
	return false;
}

bool node_want_str(Diags *d, const Node *n, const char *what, const char **out)
{
	if (n->kind == NODE_SCALAR && !node_is_null(n)) {
		*out = n->str;
		return true;
	}
	diag_report(d, "E101", n->loc, "'%s' must be text, found %s", what,
		    node_found(n));
	return false;
}

bool node_want_bool(Diags *d, const Node *n, const char *what, bool *out)
{
	if (n->kind == NODE_SCALAR && !n->quoted) {
		if (!strcmp(n->str, "true") || !strcmp(n->str, "True") ||
		    !strcmp(n->str, "TRUE")) {
			*out = true;
			return true;
		}
		if (!strcmp(n->str, "false") || !strcmp(n->str, "False") ||
		    !strcmp(n->str, "FALSE")) {
			*out = false;
			return true;
		}
	}
	bool show = n->kind == NODE_SCALAR && !node_is_null(n);
	Diag *dg = diag_report(d, "E101", n->loc,
			       "'%s' must be true or false, found %s%s%.40s%s",
			       what, node_found(n), show ? " '" : "",
			       show ? n->str : "", show ? "'" : "");
	if (n->kind == NODE_SCALAR && n->quoted)
		diag_help(dg, d, "remove the quotes");
	else
		diag_help(dg, d, "write true or false");
	return false;
}

bool node_want_int(Diags *d, const Node *n, const char *what, long long *out)
{
	if (n->kind == NODE_SCALAR && !n->quoted && n->len) {
		const char *s = n->str;
		bool ok = (*s == '-' || (*s >= '0' && *s <= '9'));
		for (const char *p = s + 1; ok && *p; p++)
			ok = *p >= '0' && *p <= '9';
		if (ok && strcmp(s, "-")) {
			errno = 0;
			long long v = strtoll(s, NULL, 10);
			if (errno == ERANGE) {
				diag_report(d, "E101", n->loc,
					    "'%s' is out of range: %.40s", what, s);
				return false;
			}
			*out = v;
			return true;
		}
	}
	bool show = n->kind == NODE_SCALAR && !node_is_null(n);
	Diag *dg = diag_report(d, "E101", n->loc,
			       "'%s' must be a whole number, found %s%s%.40s%s",
			       what, node_found(n), show ? " '" : "",
			       show ? n->str : "", show ? "'" : "");
	if (n->kind == NODE_SCALAR && n->quoted)
		diag_help(dg, d, "write the number without quotes");
	return false;
}

static size_t count(const char *const *list)
{
	size_t n = 0;
	while (list[n])
		n++;
	return n;
}

int node_want_enum(Diags *d, const Node *n, const char *what,
	      const char *const *choices)
{
	if (n->kind == NODE_SCALAR && !node_is_null(n))
		for (size_t i = 0; choices[i]; i++)
			if (!strcmp(n->str, choices[i]))
				return (int)i;
	Strbuf list = STRBUF_INIT;
	for (size_t i = 0; choices[i]; i++)
		strbuf_addf(&list, "%s%s", i ? ", " : "", choices[i]);
	if (n->kind != NODE_SCALAR || node_is_null(n)) {
		diag_report(d, "E101", n->loc, "'%s' must be one of %s, found %s",
			    what, list.buf, node_found(n));
	} else {
		Diag *dg = diag_report(d, "E104", n->loc,
				       "'%.60s' is not a valid %s (expected %s)", n->str,
				       what, list.buf);
		const char *s = diag_suggest(d, n->str, choices, count(choices));
		if (s)
			diag_help(dg, d, "did you mean '%s'?", s);
	}
	strbuf_release(&list);
	return -1;
}

size_t node_check_keys(Diags *d, const Node *map, const char *const *allowed,
		  const char *where)
{
	if (!map || map->kind != NODE_MAP)
		return 0;
	size_t unknown = 0;
	Strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < map->npairs; i++) {
		const Node *k = map->pairs[i].key;
		bool ok = false;
		for (size_t j = 0; allowed[j] && !ok; j++)
			ok = !strcmp(k->str, allowed[j]);
		if (ok)
			continue;
		unknown++;
		if (diag_full(d)) { /* counted, not kept: skip the search */
			diag_report(d, "E100", k->loc, "unknown key");
			continue;
		}
		const char *s = diag_suggest(d, k->str, allowed, count(allowed));
		if (s) {
			diag_report(d, "E100", k->loc,
				    "unknown key '%.60s' in %s; did you mean '%s'?",
				    k->str, where, s);
		} else {
			Diag *dg = diag_report(d, "E100", k->loc,
					 "unknown key '%.60s' in %s", k->str, where);
			if (!list.len) /* built once per mapping */
				for (size_t j = 0; allowed[j]; j++)
					strbuf_addf(&list, "%s%s", j ? ", " : "",
						    allowed[j]);
			diag_help(dg, d, "the keys here are: %s", list.buf);
		}
	}
	strbuf_release(&list);
	return unknown;
}

