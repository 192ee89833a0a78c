/*
 * stacks.c: one environment's CloudFormation resources -> stacks.
 *
 * A CloudFormation template holds at most 500 resources, 200 outputs and
 * 1 MB of body. An environment that fits is one stack, as always. One that
 * does not is an error (E244), unless the spec sets
 * `cloudformation: { split: true }`; then its tables are spread over
 * several stacks, each table's IAM policy statements beside it, so that no
 * stack refers to another.
 *
 * The assignment is a hash trie (extendible hashing). Every table has a
 * 64-bit hash of its logical name (name_hash). A stack holds the tables whose
 * hash starts with some bit string; a stack that is over a limit is split
 * in two by the next bit, the tables with a 0 staying and those with a 1
 * moving to a new stack. A stack's id is its bit string without trailing
 * zeros, so the stack that keeps the tables on a split keeps its id (and
 * its file name), and the first stack's id is "". Hence:
 *
 *   - a table's stack depends on its own name and on how full its own part
 *     of the trie is, never on the order of tables in the spec;
 *   - adding a table moves no other table unless the stack it lands in
 *     overflows, and then only tables of that stack, to a new stack;
 *   - removing tables can let two stacks that were split fit in one
 *     again; they are then merged back (the plan keeps no state).
 *
 * Bytes are an estimate from the model (written to err on the large side,
 * checked against the rendered templates by the tests), so that planning
 * needs no rendering; render.c still refuses a template over the limit.
 */
#include "tablec.h"

#include <string.h>

/* What a part of the trie costs in one template. */
typedef struct Cost {
	size_t resources, outputs, bytes;
} Cost;

/* FNV-1a, then MurmurHash3's finalizer: FNV alone leaves the high bits,
 * which the trie reads first, nearly equal for names like t001 and t002. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return h;
}

/* The model is complete even after errors, but a name that failed its
 * check may be missing. */
static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

static size_t key_bytes(const KeyDef *k)
{
	return 70 + slen(k->pk) + (k->sk ? 70 + slen(k->sk) : 0);
}

static size_t index_bytes(const Index *ix)
{
	size_t n = 230 + slen(ix->name) + key_bytes(&ix->key);
	for (size_t i = 0; i < ix->ninclude; i++)
		n += 8 + slen(ix->include[i]);
	if (ix->cap.set || ix->odm.set)
		n += 200;
	return n;
}

/* The template text of one table, its outputs included, over-estimated:
 * the JSON form (the larger of the two) of each part, plus a margin. Free
 * text counts six bytes a byte, as if all of it were \u-escaped. */
static size_t table_bytes(const Table *t)
{
	size_t n = 1000 + 3 * slen(t->physical) + 2 * slen(t->id);
	if (t->description)
		n += 12 * slen(t->description) + 60; /* twice, \u-escaped */
	for (size_t i = 0; i < t->nattrs; i++)
		n += 65 + slen(t->attrs[i].name);
	n += key_bytes(&t->key);
	for (size_t i = 0; i < t->ngsis; i++)
		n += index_bytes(&t->gsis[i]);
	for (size_t i = 0; i < t->nlsis; i++)
		n += index_bytes(&t->lsis[i]);
	for (size_t i = 0; i < t->ntags; i++)
		n += 50 + 6 * (slen(t->tags[i].key) + slen(t->tags[i].value));
	if (t->kms_key)
		n += 200 + slen(t->kms_key);
	if (t->export_name)
		n += 700 + 6 * slen(t->export_name) + 3 * slen(t->id);
	return n;
}

static size_t table_outputs(const Table *t)
{
	if (!t->export_name)
		return 0;
	return t->stream != STREAM_OFF ? 3 : 2;
}

/* A statement's resource costs its line in the policy. */
static size_t res_bytes(const ResRef *r)
{
	size_t n = 90;
	if (r->table)
		n += 2 * slen(r->table->id);
	if (r->index)
		n += 60 + slen(r->index);
	return n;
}

static size_t policy_base_bytes(const Policy *p)
{
	size_t n = 450 + 2 * slen(p->name) + slen(p->resource_id) +
		   slen(p->role) + (p->role_arn ? slen(p->role_arn) : 0);
	for (size_t i = 0; i < p->nstmts; i++) {
		n += 130;
		for (size_t j = 0; j < p->stmts[i].nactions; j++)
			n += 32 + slen(p->stmts[i].actions[j]);
		if (p->stmts[i].leading_keys)
			for (size_t j = 0; j < p->nleading_keys; j++)
				n += 40 + 6 * slen(p->leading_keys[j]);
	}
	return n;
}

/* The stack a resource of a policy belongs to; a `*` resource goes with
 * the policy's first table (or to the first stack if it names none). */
static int res_home(const Policy *p, const ResRef *r)
{
	if (r->table)
		return r->table->stack;
	for (size_t i = 0; i < p->nstmts; i++)
		for (size_t j = 0; j < p->stmts[i].nres; j++)
			if (p->stmts[i].res[j].table)
				return p->stmts[i].res[j].table->stack;
	return 0;
}

/* The cost of the tables marked with stack `s` (t->stack) and of their
 * policies' statements. */
static Cost cost_of(const Model *m, int s)
{
	Cost c = {0, 0, 800};
	for (size_t i = 0; i < m->ntables; i++) {
		const Table *t = &m->tables[i];
		if (t->stack != s)
			continue;
		c.resources++;
		c.outputs += table_outputs(t);
		c.bytes += table_bytes(t);
	}
	for (size_t i = 0; i < m->npolicies; i++) {
		const Policy *p = &m->policies[i];
		bool here = false;
		for (size_t j = 0; j < p->nstmts; j++)
			for (size_t k = 0; k < p->stmts[j].nres; k++)
				if (res_home(p, &p->stmts[j].res[k]) == s) {
					here = true;
					c.bytes += res_bytes(&p->stmts[j].res[k]);
				}
		if (here) {
			c.resources++;
			c.bytes += policy_base_bytes(p);
		}
	}
	return c;
}

static bool fits(const Cost *c, const StackLimits *l)
{
	return c->resources <= l->resources && c->outputs <= l->outputs &&
	       c->bytes <= l->bytes;
}

typedef struct Planner {
	Arena *a;
	Model *m;
	const StackLimits *lim;
	uint64_t *hash;
	Stack *stacks;
	size_t nstacks, cap;
} Planner;

/* Splits the tables of stack number `s`, which hold hash prefix `bits`
 * (depth `depth`), until every part fits. */
static void plan(Planner *pl, int s, char *bits, int depth)
{
	Cost c = cost_of(pl->m, s);
	size_t n = 0;
	for (size_t i = 0; i < pl->m->ntables; i++)
		n += pl->m->tables[i].stack == s;
	if (fits(&c, pl->lim) || n <= 1 || depth == 64) {
		Stack *st = &pl->stacks[s];
		size_t len = (size_t)depth;
		while (len && bits[len - 1] == '0')
			len--;
		st->id = arena_strndup(pl->a, bits, len);
		st->resources = c.resources;
		st->outputs = c.outputs;
		st->bytes = c.bytes;
		return;
	}
	size_t ones = 0;
	for (size_t i = 0; i < pl->m->ntables; i++)
		ones += pl->m->tables[i].stack == s &&
			(pl->hash[i] >> (63 - depth) & 1);
	if (ones == 0 || ones == n) { /* one side is empty: look deeper */
		bits[depth] = ones ? '1' : '0';
		plan(pl, s, bits, depth + 1);
		bits[depth] = '\0';
		return;
	}
	/* the tables whose next bit is 1 go to a new stack */
	int s1 = (int)pl->nstacks;
	VEC_PUSH(pl->a, pl->stacks, pl->nstacks, pl->cap);
	for (size_t i = 0; i < pl->m->ntables; i++) {
		Table *t = &pl->m->tables[i];
		if (t->stack == s && (pl->hash[i] >> (63 - depth) & 1))
			t->stack = s1;
	}
	bits[depth] = '0';
	plan(pl, s, bits, depth + 1);
	bits[depth] = '1';
	plan(pl, s1, bits, depth + 1);
	bits[depth] = '\0';
}

static int stack_cmp(const void *a, const void *b)
{
	const Stack *x = a, *y = b;
	/* the first stack (""), then by id: shorter ids are older stacks */
	if (slen(x->id) != slen(y->id))
		return slen(x->id) < slen(y->id) ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void report_limits(Diags *d, const Model *m, const Cost *c,
			  const StackLimits *lim)
{
	const Spec *s = m->spec;
	Loc at = s->tables_at ? s->tables_at->loc : s->root->loc;
	struct {
		const char *what;
		size_t have, limit;
	} checks[] = {
		{"resources", c->resources, lim->resources},
		{"outputs", c->outputs, lim->outputs},
		{"bytes (estimated)", c->bytes, lim->bytes},
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (checks[i].have > checks[i].limit) {
			Diag *dg = diag_report(d, "E244", at,
					       "the environment's CloudFormation "
					       "template would have %zu %s, over "
					       "the limit of %zu for one stack",
					       checks[i].have,
					       checks[i].what, checks[i].limit);
			diag_help(dg, d, "set `cloudformation: { split: true }` to "
				  "build it as several stacks, or move tables "
				  "to another spec");
		} else if (checks[i].have * 10 > checks[i].limit * 8) {
			Diag *dg = diag_report(d, "W007", at,
					       "the environment's CloudFormation "
					       "template has %zu %s, near the limit "
					       "of %zu for one stack",
					       checks[i].have,
					       checks[i].what, checks[i].limit);
			diag_help(dg, d, "past it, set `cloudformation: { split: "
				  "true }` to build several stacks");
		}
	}
}

void plan_stacks(Arena *a, Diags *d, Model *m)
{
	const StackLimits *lim = &m->spec->stack_limits;
	Planner pl = {.a = a, .m = m, .lim = lim};
	pl.hash = arena_alloc(a, (m->ntables + 1) * sizeof *pl.hash);
	for (size_t i = 0; i < m->ntables; i++) {
		pl.hash[i] = name_hash(m->tables[i].logical);
		m->tables[i].stack = 0;
	}
	VEC_PUSH(a, pl.stacks, pl.nstacks, pl.cap);
	if (!m->spec->split_stacks) {
		Cost c = cost_of(m, 0);
		report_limits(d, m, &c, lim);
		pl.stacks[0].id = "";
		pl.stacks[0].resources = c.resources;
		pl.stacks[0].outputs = c.outputs;
		pl.stacks[0].bytes = c.bytes;
	} else {
		char bits[65] = {0};
		plan(&pl, 0, bits, 0);
	}
	/* number the stacks in a stable order: by id */
	int *old_to_new = arena_alloc(a, pl.nstacks * sizeof *old_to_new);
	Stack *sorted = arena_alloc(a, pl.nstacks * sizeof *sorted);
	memcpy(sorted, pl.stacks, pl.nstacks * sizeof *sorted);
	for (size_t i = 0; i < pl.nstacks; i++)
		sorted[i].index = i; /* remember where it came from */
	qsort(sorted, pl.nstacks, sizeof *sorted, stack_cmp);
	for (size_t i = 0; i < pl.nstacks; i++)
		old_to_new[sorted[i].index] = (int)i;
	for (size_t i = 0; i < pl.nstacks; i++)
		sorted[i].index = i;
	for (size_t i = 0; i < m->ntables; i++)
		m->tables[i].stack = old_to_new[m->tables[i].stack];
	m->stacks = sorted;
	m->nstacks = pl.nstacks;
}

int stack_of_resource(const Policy *p, const ResRef *r)
{
	return res_home(p, r);
}
