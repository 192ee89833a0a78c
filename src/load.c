/*
 * load.c: YAML bytes -> a tree of Nodes, each with its file:line:col.
 *
 * libyaml's event API is used rather than its document API so that the
 * tree lives in the compilation's arena, every key keeps its own location,
 * and the limits below are enforced while parsing instead of after. The
 * input is untrusted (specs come from pull requests), so:
 *   - size, nesting depth and scalar length are bounded;
 *   - an alias shares its anchor's node instead of copying it, and the
 *     expanded size of the tree is counted, so an alias bomb is an error
 *     (E004) found in linear time, not an exponential walk later;
 *   - duplicate keys are found by sorting, not by an O(n^2) scan.
 * Merge keys (`<<: *base`) are honoured as YAML 1.1 defines them: explicit
 * keys win over merged ones.
 */
#include "tablec.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct Frame {
	Node *node;
	Node *key; /* a mapping's key waiting for its value */
	Pair *pairs;
	size_t npairs, cap;
	Node **items;
	size_t nitems, icap;
	const char *anchor;
} Frame;

typedef struct Loader {
	Arena *a;
	Diags *d;
	const Source *src;
	Strmap anchors; /* name -> index in anchor_nodes */
	Node **anchor_nodes;
	size_t nanchors, acap;
	Frame stack[LOAD_MAX_DEPTH + 1];
	int depth;
	Node *root;
	bool failed;
} Loader;

/* libyaml marks are 0-based; columns count characters. */
static Loc mark_loc(const Loader *l, yaml_mark_t start, yaml_mark_t end)
{
	Loc loc = {l->src, (int)start.line + 1, (int)start.column + 1, 1};
	if (end.line == start.line && end.column > start.column)
		loc.len = (int)(end.column - start.column);
	return loc;
}

/* Location of byte offset `off`, for problems found before libyaml runs. */
static Loc offset_loc(const Source *src, size_t off)
{
	Loc loc = {src, 1, 1, 1};
	size_t line_start = 0;
	for (size_t i = 0; i < off && i < src->len; i++)
		if (src->text[i] == '\n') {
			loc.line++;
			line_start = i + 1;
		}
	for (size_t i = line_start; i < off;) {
		size_t n = 1;
		if ((unsigned char)src->text[i] >= 0x80)
			utf8_decode(src->text + i, &n);
		i += n;
		loc.col++;
	}
	return loc;
}

static bool tag_ok(Loader *l, const yaml_char_t *tag, Loc loc, bool *is_str)
{
	if (!tag)
		return true;
	const char *t = (const char *)tag;
	if (!strcmp(t, "!")) { /* the non-specific tag of quoted scalars */
		*is_str = true;
		return true;
	}
	const char *prefix = "tag:yaml.org,2002:";
	if (!strncmp(t, prefix, strlen(prefix))) {
		static const char *const core[] = {"str", "int", "bool", "null",
						   "float", "map", "seq"};
		const char *name = t + strlen(prefix);
		for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
			if (!strcmp(name, core[i])) {
				if (!strcmp(name, "str"))
					*is_str = true;
				return true;
			}
	}
	Diag *dg = diag_report(l->d, "E009", loc,
			       "YAML tag '%.60s' is not supported in a spec", t);
	diag_help(dg, l->d, "remove the tag; tablec writes CloudFormation "
		  "functions itself");
	l->failed = true;
	return false;
}

/* Anchors are looked up by hash: a spec of 100,000 anchors and as many
 * aliases must not compare every alias with every anchor. */
static void remember_anchor(Loader *l, const yaml_char_t *anchor, Node *n)
{
	if (!anchor)
		return;
	*VEC_PUSH(l->a, l->anchor_nodes, l->nanchors, l->acap) = n;
	/* the latest definition wins, as in YAML */
	strmap_set(&l->anchors, arena_strdup(l->a, (const char *)anchor),
		   l->nanchors - 1);
}

static Node *find_anchor(Loader *l, const char *name)
{
	size_t i = strmap_get(&l->anchors, name);
	return i < l->nanchors ? l->anchor_nodes[i] : NULL;
}

/* Adds a finished node (or alias) to the collection being built. */
static void attach(Loader *l, Node *n, Loc loc)
{
	if (l->depth == 0) {
		l->root = n;
		return;
	}
	Frame *f = &l->stack[l->depth - 1];
	Node *parent = f->node;
	if (parent->weight + n->weight > LOAD_MAX_NODES ||
	    parent->weight + n->weight < parent->weight) {
		diag_report(l->d, "E004", loc,
			    "aliases expand to more than %u nodes",
			    (unsigned)LOAD_MAX_NODES);
		l->failed = true;
		return;
	}
	parent->weight += n->weight;
	if (parent->kind == NODE_SEQ) {
		*VEC_PUSH(l->a, f->items, f->nitems, f->icap) = n;
		return;
	}
	if (!f->key) {
		if (n->kind != NODE_SCALAR) {
			diag_report(l->d, "E009", n->loc,
				    "a mapping key must be a plain value, not a %s",
				    node_kind_name(n));
			l->failed = true;
		}
		f->key = n;
		return;
	}
	Pair *p = VEC_PUSH(l->a, f->pairs, f->npairs, f->cap);
	p->key = f->key;
	p->value = n;
	f->key = NULL;
}

static bool is_merge_key(const Node *k)
{
	return k->kind == NODE_SCALAR && !k->quoted && !strcmp(k->str, "<<");
}

static int pair_cmp(const void *pa, const void *pb)
{
	const Pair *a = *(Pair *const *)pa, *b = *(Pair *const *)pb;
	int c = strcmp(a->key->str, b->key->str);
	if (c)
		return c;
	/* equal keys: source order, so the later one is reported */
	if (a->key->loc.line != b->key->loc.line)
		return a->key->loc.line < b->key->loc.line ? -1 : 1;
	return a->key->loc.col < b->key->loc.col ? -1 : (a->key->loc.col > b->key->loc.col);
}

/* Candidate pairs of a mapping with their position, for dropping the
 * merged pairs whose key came earlier. */
typedef struct Cand {
	Pair p;
	size_t pos;
	bool drop;
} Cand;

static int cand_cmp(const void *pa, const void *pb)
{
	const Cand *a = *(Cand *const *)pa, *b = *(Cand *const *)pb;
	int c = strcmp(a->p.key->str, b->p.key->str);
	if (c)
		return c;
	return a->pos < b->pos ? -1 : (a->pos > b->pos);
}

/*
 * Finishes a mapping: reports duplicate keys, then applies merge keys.
 * Only the explicit pairs are checked for duplicates; merged pairs fill in
 * the keys that are not written out, the first source winning. Both are
 * done by sorting, so a mapping of many keys costs n log n, not n^2.
 */
static void finish_map(Loader *l, Frame *f)
{
	Node *m = f->node;
	size_t nexplicit = 0;
	for (size_t i = 0; i < f->npairs; i++)
		nexplicit += !is_merge_key(f->pairs[i].key);
	Pair **sorted = arena_alloc(l->a, (nexplicit + 1) * sizeof *sorted);
	size_t k = 0;
	for (size_t i = 0; i < f->npairs; i++)
		if (!is_merge_key(f->pairs[i].key))
			sorted[k++] = &f->pairs[i];
	qsort(sorted, k, sizeof *sorted, pair_cmp);
	for (size_t i = 1; i < k; i++) {
		if (strcmp(sorted[i - 1]->key->str, sorted[i]->key->str))
			continue;
		Diag *dg = diag_report(l->d, "E007", sorted[i]->key->loc,
				       "duplicate key '%s'", sorted[i]->key->str);
		diag_note(dg, l->d, sorted[i - 1]->key->loc,
			  "'%s' is first defined here", sorted[i]->key->str);
		diag_help(dg, l->d, "remove one of the two; YAML would silently "
			  "keep only the last");
	}

	/* explicit pairs first, then every merged pair in source order */
	Cand *cand = NULL;
	size_t ncand = 0, cap = 0;
	bool merged = false;
	for (size_t i = 0; i < f->npairs; i++)
		if (!is_merge_key(f->pairs[i].key)) {
			size_t at = ncand; /* VEC_PUSH increments ncand */
			*VEC_PUSH(l->a, cand, ncand, cap) = (Cand){f->pairs[i], at, false};
		}
	for (size_t i = 0; i < f->npairs; i++) {
		if (!is_merge_key(f->pairs[i].key))
			continue;
		Node *v = f->pairs[i].value;
		Node **srcs = &v;
		size_t nsrc = 1;
		if (v->kind == NODE_SEQ) {
			srcs = v->items;
			nsrc = v->nitems;
		}
		for (size_t s = 0; s < nsrc; s++) {
			if (srcs[s]->kind != NODE_MAP) {
				diag_report(l->d, "E009", srcs[s]->loc,
					    "a merge key (<<) takes a mapping or "
					    "a list of mappings, not a %s",
					    node_kind_name(srcs[s]));
				l->failed = true;
				continue;
			}
			for (size_t j = 0; j < srcs[s]->npairs; j++) {
				size_t at = ncand;
				*VEC_PUSH(l->a, cand, ncand, cap) =
					(Cand){srcs[s]->pairs[j], at, false};
				merged = true;
			}
		}
	}
	if (merged) {
		Cand **by_key = arena_alloc(l->a, (ncand + 1) * sizeof(Cand *));
		for (size_t i = 0; i < ncand; i++)
			by_key[i] = &cand[i];
		qsort(by_key, ncand, sizeof(Cand *), cand_cmp);
		/* a merged pair whose key came earlier is dropped; explicit
		 * duplicates stay (E007 already failed the run) */
		for (size_t i = 1; i < ncand; i++)
			if (by_key[i]->pos >= nexplicit &&
			    !strcmp(by_key[i - 1]->p.key->str, by_key[i]->p.key->str))
				by_key[i]->drop = true;
	}
	m->pairs = arena_alloc(l->a, (ncand + 1) * sizeof *m->pairs);
	m->npairs = 0;
	for (size_t i = 0; i < ncand; i++)
		if (!cand[i].drop)
			m->pairs[m->npairs++] = cand[i].p;
	node_index(l->a, m);
}

static Node *new_node(Loader *l, NodeKind kind, Loc loc)
{
	Node *n = arena_alloc(l->a, sizeof *n);
	n->kind = kind;
	n->loc = loc;
	n->weight = 1;
	n->str = "";
	return n;
}

static void on_scalar(Loader *l, yaml_event_t *ev)
{
	Loc loc = mark_loc(l, ev->start_mark, ev->end_mark);
	bool is_str = false;
	if (!tag_ok(l, ev->data.scalar.tag, loc, &is_str))
		return;
	if (ev->data.scalar.length > LOAD_MAX_SCALAR) {
		diag_report(l->d, "E011", loc,
			    "value of %zu bytes is longer than the limit of %u",
			    ev->data.scalar.length, (unsigned)LOAD_MAX_SCALAR);
		l->failed = true;
		return;
	}
	Node *n = new_node(l, NODE_SCALAR, loc);
	n->str = arena_strndup(l->a, (const char *)ev->data.scalar.value,
			       ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	if (strlen(n->str) != n->len) {
		/* a "\0" escape in a quoted scalar */
		diag_report(l->d, "E002", loc, "value contains a NUL character");
		l->failed = true;
		return;
	}
	n->quoted = is_str || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
	remember_anchor(l, ev->data.scalar.anchor, n);
	attach(l, n, loc);
}

static void on_start(Loader *l, yaml_event_t *ev, NodeKind kind)
{
	Loc loc = mark_loc(l, ev->start_mark, ev->start_mark);
	bool is_str = false;
	const yaml_char_t *tag = kind == NODE_MAP ? ev->data.mapping_start.tag
						  : ev->data.sequence_start.tag;
	const yaml_char_t *anchor = kind == NODE_MAP
					    ? ev->data.mapping_start.anchor
					    : ev->data.sequence_start.anchor;
	if (!tag_ok(l, tag, loc, &is_str))
		return;
	if (l->depth >= LOAD_MAX_DEPTH) {
		diag_report(l->d, "E005", loc,
			    "collections nested deeper than %d levels",
			    LOAD_MAX_DEPTH);
		l->failed = true;
		return;
	}
	Frame *f = &l->stack[l->depth++];
	memset(f, 0, sizeof *f);
	f->node = new_node(l, kind, loc);
	f->anchor = anchor ? arena_strdup(l->a, (const char *)anchor) : NULL;
}

static void on_end(Loader *l)
{
	Frame *f = &l->stack[--l->depth];
	Node *n = f->node;
	if (n->kind == NODE_MAP) {
		finish_map(l, f);
	} else {
		n->items = f->items;
		n->nitems = f->nitems;
	}
	if (f->anchor)
		remember_anchor(l, (const yaml_char_t *)f->anchor, n);
	attach(l, n, n->loc);
}

static void on_alias(Loader *l, yaml_event_t *ev)
{
	Loc loc = mark_loc(l, ev->start_mark, ev->end_mark);
	const char *name = (const char *)ev->data.alias.anchor;
	Node *n = find_anchor(l, name);
	if (!n) {
		/* an anchor of an enclosing, unfinished collection is not
		 * defined yet: a recursive alias */
		diag_report(l->d, "E010", loc, "alias '*%.60s' refers to no "
			    "anchor defined before it", name);
		l->failed = true;
		return;
	}
	attach(l, n, loc);
}

/* libyaml's context reads "while parsing a block mapping": keep the
 * thing, for "a block mapping starts here". */
static const char *context_what(const char *ctx)
{
	static const char *const verbs[] = {"while scanning ", "while parsing "};
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (!strncmp(ctx, verbs[i], strlen(verbs[i])))
			return ctx + strlen(verbs[i]);
	return ctx;
}

/* Checks the raw bytes: size, UTF-8 and NUL, before libyaml sees them. */
static bool check_bytes(Loader *l)
{
	const Source *s = l->src;
	const char *nul = memchr(s->text, '\0', s->len);
	long bad = utf8_invalid_at(s->text, s->len);
	if (nul && (bad < 0 || nul - s->text < bad)) {
		diag_report(l->d, "E002", offset_loc(s, (size_t)(nul - s->text)),
			    "the file contains a NUL byte");
		return false;
	}
	if (bad >= 0) {
		Diag *dg = diag_report(l->d, "E002", offset_loc(s, (size_t)bad),
				       "invalid UTF-8 byte 0x%02x",
				       (unsigned char)s->text[bad]);
		diag_help(dg, l->d, "save the spec as UTF-8");
		return false;
	}
	return true;
}

Node *load_yaml(Arena *a, Diags *d, const Source *src)
{
	Loader l = {.a = a, .d = d, .src = src, .anchors = {.a = a}};
	if (src->len > LOAD_MAX_FILE) {
		diag_report(d, "E006", (Loc){src, 1, 1, 1},
			    "spec is %zu bytes, over the limit of %u bytes",
			    src->len, (unsigned)LOAD_MAX_FILE);
		return NULL;
	}
	if (!check_bytes(&l))
		return NULL;

	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		BUG("cannot initialize libyaml");
	yaml_parser_set_input_string(&p, (const unsigned char *)src->text,
				     src->len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	int docs = 0;
	bool done = false;
	while (!done && !l.failed) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			Loc loc = mark_loc(&l, p.problem_mark, p.problem_mark);
			Diag *dg = diag_report(d, "E001", loc, "invalid YAML: %s%s%s",
					       p.problem ? p.problem : "syntax error",
					       p.context ? " " : "",
					       p.context ? p.context : "");
			if (p.problem && strstr(p.problem, "cannot start any token"))
				diag_help(dg, d, "YAML forbids tabs for "
					  "indentation; indent with spaces");
			else if (p.context && (p.context_mark.line != p.problem_mark.line ||
					       p.context_mark.column != p.problem_mark.column))
				diag_note(dg, d, mark_loc(&l, p.context_mark, p.context_mark),
					  "%s starts here", context_what(p.context));
			l.failed = true;
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				Diag *dg = diag_report(d, "E008",
					mark_loc(&l, ev.start_mark, ev.end_mark),
					"a second YAML document starts here");
				diag_help(dg, d, "a spec is one document; put "
					  "other specs in their own files");
				l.failed = true;
			}
			break;
		case YAML_SCALAR_EVENT:
			on_scalar(&l, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&l, &ev, NODE_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&l, &ev, NODE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&l);
			break;
		case YAML_ALIAS_EVENT:
			on_alias(&l, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (l.failed)
		return NULL;
	if (!l.root || (l.root->kind == NODE_SCALAR && !l.root->quoted &&
			(!l.root->len || !strcmp(l.root->str, "~") ||
			 !strcasecmp(l.root->str, "null")))) {
		Diag *dg = diag_report(d, "E003", (Loc){src, 1, 1, 1},
				       "the spec is empty");
		diag_help(dg, d, "start with `tablec: 1` and a `tables:` mapping");
		return NULL;
	}
	return l.root;
}
