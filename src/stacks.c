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
 * moving to a new stack (a bit all of them share splits nothing). The
 * first stack's id is ""; a new stack's id is the bit string up to the 1
 * that split it off, so ids are unique and the stack that keeps the tables
 * on a split keeps its id (and its file name). Hence:
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
 * needs no rendering; backend.c still refuses a template over the limit.
 */
#include "tablec.h"

#include <limits.h>
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
 * the policy's home: the grant's first table (stacks_plan() makes it the
 * spec's first table when the grant names none). */
static int res_home(const Policy *p, const ResRef *r)
{
	if (r->table)
		return r->table->stack;
	return p->home ? p->home->stack : 0;
}

static bool fits(const Cost *c, const StackLimits *l)
{
	return c->resources <= l->resources && c->outputs <= l->outputs &&
	       c->bytes <= l->bytes;
}

/*
 * The planner works on the tables' indexes in `order`, a trie node being a
 * range of it. What a table costs is computed once: its own resource,
 * outputs and bytes, with the bytes of the policy resources on it; a
 * policy's own resource and bytes count once per stack, which `stamp`
 * (the last range a policy was counted in) tells.
 */
typedef struct Planner {
	Arena *a;
	Model *m;
	const StackLimits *lim;
	uint64_t *hash;
	size_t *order;
	Cost *tcost;
	size_t **tpols; /* per table: the policies with a resource on it */
	size_t *ntpols;
	size_t *pbytes; /* per policy: bytes without its resources */
	size_t *stamp;
	size_t range;
	Stack *stacks;
	size_t nstacks, cap;
} Planner;

static size_t table_index(const Model *m, const Table *t)
{
	return (size_t)(t - m->tables);
}

static void planner_init(Planner *pl)
{
	Model *m = pl->m;
	Arena *a = pl->a;
	size_t nt = m->ntables, np = m->npolicies;
	pl->hash = arena_alloc(a, (nt + 1) * sizeof *pl->hash);
	pl->order = arena_alloc(a, (nt + 1) * sizeof *pl->order);
	pl->tcost = arena_alloc(a, (nt + 1) * sizeof *pl->tcost);
	pl->tpols = arena_alloc(a, (nt + 1) * sizeof *pl->tpols);
	pl->ntpols = arena_alloc(a, (nt + 1) * sizeof *pl->ntpols);
	pl->pbytes = arena_alloc(a, (np + 1) * sizeof *pl->pbytes);
	pl->stamp = arena_alloc(a, (np + 1) * sizeof *pl->stamp);
	size_t *tcap = arena_alloc(a, (nt + 1) * sizeof *tcap);
	for (size_t i = 0; i < nt; i++) {
		const Table *t = &m->tables[i];
		pl->hash[i] = name_hash(t->logical);
		pl->order[i] = i;
		pl->tcost[i] = (Cost){1, table_outputs(t), table_bytes(t)};
	}
	for (size_t p = 0; p < np; p++) {
		const Policy *pol = &m->policies[p];
		pl->pbytes[p] = policy_base_bytes(pol);
		pl->stamp[p] = SIZE_MAX;
		for (size_t j = 0; j < pol->nstmts; j++)
			for (size_t k = 0; k < pol->stmts[j].nres; k++) {
				const ResRef *r = &pol->stmts[j].res[k];
				/* as res_home(): a `*` goes with the home */
				const Table *t = r->table ? r->table : pol->home;
				if (!t)
					continue; /* no table at all */
				size_t ti = table_index(m, t);
				pl->tcost[ti].bytes += res_bytes(r);
				size_t n = pl->ntpols[ti];
				if (n && pl->tpols[ti][n - 1] == p)
					continue; /* policies come in order */
				*VEC_PUSH(a, pl->tpols[ti], pl->ntpols[ti], tcap[ti]) = p;
			}
	}
}

/* The cost of the tables order[lo..hi) in one template. */
static Cost cost_range(Planner *pl, size_t lo, size_t hi)
{
	Cost c = {0, 0, 800}; /* the template's own text */
	pl->range++;
	for (size_t k = lo; k < hi; k++) {
		size_t i = pl->order[k];
		c.resources += pl->tcost[i].resources;
		c.outputs += pl->tcost[i].outputs;
		c.bytes += pl->tcost[i].bytes;
		for (size_t j = 0; j < pl->ntpols[i]; j++) {
			size_t p = pl->tpols[i][j];
			if (pl->stamp[p] == pl->range)
				continue;
			pl->stamp[p] = pl->range;
			c.resources++;
			c.bytes += pl->pbytes[p];
		}
	}
	return c;
}

/* A part of order[] still to place: tables lo..hi, which would be stack `s`,
 * share the first `depth` bits of their hash, `bits`. The stack's id is the
 * first `idlen` bits of `id`: the prefix of the trie node where the stack
 * split off (as the 1 side), or "" for the first stack. */
typedef struct Part {
	size_t lo, hi;
	int s, depth;
	uint64_t bits;
	uint64_t id;
	int idlen;
} Part;

/* Records the finished part p as its stack. */
static void place(Planner *pl, const Part *p, const Cost *c)
{
	char id[65];
	int len = p->idlen;
	for (int i = 0; i < len; i++)
		id[i] = (p->id >> (63 - i) & 1) ? '1' : '0';
	Stack *st = &pl->stacks[p->s];
	st->id = arena_strndup(pl->a, id, (size_t)len);
	st->resources = c->resources;
	st->outputs = c->outputs;
	st->bytes = c->bytes;
	for (size_t k = p->lo; k < p->hi; k++)
		pl->m->tables[pl->order[k]].stack = p->s;
}

/* Splits order[0..n) by hash bits until every part fits. A work list, not
 * recursion: depth-first, the 0 side first, so at most one part waits per
 * level of the 64-bit hash. */
static void plan(Planner *pl, size_t n)
{
	Part todo[66];
	int ntodo = 0;
	todo[ntodo++] = (Part){0, n, 0, 0, 0, 0, 0};
	while (ntodo) {
		Part p = todo[--ntodo];
		Cost c = cost_range(pl, p.lo, p.hi);
		if (fits(&c, pl->lim) || p.hi - p.lo <= 1 || p.depth == 64) {
			place(pl, &p, &c);
			continue;
		}
		/* the tables whose next bit is 0 first, then those with a 1 */
		uint64_t one = (uint64_t)1 << (63 - p.depth);
		size_t mid = p.lo;
		for (size_t k = p.lo; k < p.hi; k++)
			if (!(pl->hash[pl->order[k]] & one)) {
				size_t x = pl->order[k];
				pl->order[k] = pl->order[mid];
				pl->order[mid++] = x;
			}
		if (mid == p.lo || mid == p.hi) {
			/* one side is empty: look deeper, same stack, same id */
			if (mid == p.lo)
				p.bits |= one;
			p.depth++;
			todo[ntodo++] = p;
			continue;
		}
		/* the 0 side keeps the stack and its id; the 1 side is a new
		 * stack, named by the prefix of its trie node (ending in 1, so
		 * no two stacks get one id) */
		int s1 = (int)pl->nstacks;
		VEC_PUSH(pl->a, pl->stacks, pl->nstacks, pl->cap);
		todo[ntodo++] = (Part){mid, p.hi, s1, p.depth + 1, p.bits | one,
				       p.bits | one, p.depth + 1};
		todo[ntodo++] = (Part){p.lo, mid, p.s, p.depth + 1, p.bits,
				       p.id, p.idlen};
	}
}

static int stack_cmp(const void *a, const void *b)
{
	const Stack *x = a, *y = b;
	/* the first stack (""), then by id: shorter ids are older stacks */
	if (slen(x->id) != slen(y->id))
		return slen(x->id) < slen(y->id) ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* E244 and W007 for the cost c of one template. `table` is NULL for a
 * whole environment that is not split, else the one table of a stack that
 * split cannot make smaller (no W007 then: the spec asked for stacks). */
static void report_limits(Diags *d, const Model *m, const Cost *c,
			  const char *table)
{
	const StackLimits *lim = &m->spec->stack_limits;
	Loc at = m->spec->tables_at->loc;
	struct {
		const char *what;
		size_t have, limit;
	} checks[] = {
		{"resources", c->resources, lim->resources},
		{"outputs", c->outputs, lim->outputs},
		{"bytes (estimated)", c->bytes, lim->bytes},
	};
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		if (checks[i].have > checks[i].limit && table) {
			Diag *dg = diag_report(d, "E244", at,
					       "table '%s' with its IAM policies "
					       "needs %zu %s in its CloudFormation "
					       "stack, over the limit of %zu for "
					       "one stack, and one table is not "
					       "split",
					       table, checks[i].have,
					       checks[i].what, checks[i].limit);
			diag_help(dg, d, "raise `cloudformation.max_resources`, "
				  "or give the table fewer grants");
		} else if (checks[i].have > checks[i].limit) {
			Diag *dg = diag_report(d, "E244", at,
					       "the environment's CloudFormation "
					       "template would have %zu %s, over "
					       "the limit of %zu for one stack",
					       checks[i].have,
					       checks[i].what, checks[i].limit);
			diag_help(dg, d, "set `cloudformation: { split: true }` to "
				  "build it as several stacks, or move tables "
				  "to another spec");
		} else if (!table && checks[i].have * 10 > checks[i].limit * 8) {
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

/*
 * A grant cut across stacks is one policy per stack: the first stack that
 * holds a part of it keeps its name, the others get "-<stack id>" after
 * it. Policy.stack_names says which, once, for the checks below and for
 * lower.c.
 */
static void name_policy_parts(Arena *a, Model *m)
{
	for (size_t i = 0; i < m->npolicies; i++) {
		Policy *p = &m->policies[i];
		p->stack_names = arena_alloc(a, m->nstacks * sizeof *p->stack_names);
		int first = INT_MAX;
		for (size_t j = 0; j < p->nstmts; j++)
			for (size_t k = 0; k < p->stmts[j].nres; k++) {
				int st = res_home(p, &p->stmts[j].res[k]);
				if (st < first)
					first = st;
			}
		for (size_t j = 0; j < p->nstmts; j++)
			for (size_t k = 0; k < p->stmts[j].nres; k++) {
				int st = res_home(p, &p->stmts[j].res[k]);
				if (!p->stack_names[st])
					p->stack_names[st] = st == first ? p->name
						: arena_printf(a, "%s-%s", p->name,
							       m->stacks[st].id);
			}
	}
}

/* A suffixed name can be past IAM's 128 characters, or the name of
 * another policy (a grant may be named `p-1` by hand): either is E237,
 * once per grant. */
static void check_policy_names(Arena *a, Diags *d, const Model *m)
{
	Strmap names = {.a = a};
	for (size_t i = 0; i < m->npolicies; i++)
		strmap_put(&names, m->policies[i].name, i);
	for (size_t i = 0; i < m->npolicies; i++) {
		const Policy *p = &m->policies[i];
		const char *too_long = NULL, *taken = NULL;
		size_t other = 0;
		for (size_t st = 0; st < m->nstacks; st++) {
			const char *name = p->stack_names[st];
			if (!name || name == p->name)
				continue;
			size_t had = strmap_put(&names, name, i);
			if (had != i && !taken) {
				taken = name;
				other = had;
			}
			if (strlen(name) > 128 &&
			    (!too_long || strlen(name) > strlen(too_long)))
				too_long = name;
		}
		const Node *at = p->decl->policy_name ? p->decl->policy_name
						      : p->decl->at;
		if (too_long) {
			const char *id = too_long + strlen(p->name) + 1;
			Diag *dg = diag_report(d, "E237", at->loc,
					       "IAM policy name '%s' (the grant's "
					       "part in CloudFormation stack '%s') "
					       "is longer than 128 characters",
					       too_long, id);
			diag_help(dg, d, "set a `policy_name:` of at most %zu "
				  "characters on the grant",
				  127 - strlen(id));
		}
		if (taken) {
			const char *id = taken + strlen(p->name) + 1;
			const Policy *q = &m->policies[other];
			Diag *dg = diag_report(d, "E237", at->loc,
					       "IAM policy name '%s' (the grant's "
					       "part in CloudFormation stack '%s') "
					       "is also the name of %s",
					       taken, id,
					       other == i ? "another of its parts"
					       : strcmp(q->name, taken)
						       ? "another grant's part"
						       : "another grant's policy");
			const Node *qat = q->decl->policy_name
						  ? q->decl->policy_name
						  : q->decl->at;
			diag_note(dg, d, qat->loc, "that grant is here");
			diag_help(dg, d, "give one of the grants another "
				  "`policy_name:`");
		}
	}
}

void stacks_plan(Arena *a, Diags *d, Model *m)
{
	const StackLimits *lim = &m->spec->stack_limits;
	Planner pl = {.a = a, .m = m, .lim = lim};
	for (size_t i = 0; i < m->npolicies; i++)
		if (!m->policies[i].home && m->ntables)
			m->policies[i].home = &m->tables[0];
	planner_init(&pl);
	for (size_t i = 0; i < m->ntables; i++)
		m->tables[i].stack = 0;
	VEC_PUSH(a, pl.stacks, pl.nstacks, pl.cap);
	if (!m->spec->split_stacks) {
		Cost c = cost_range(&pl, 0, m->ntables);
		report_limits(d, m, &c, NULL);
		pl.stacks[0].id = "";
		pl.stacks[0].resources = c.resources;
		pl.stacks[0].outputs = c.outputs;
		pl.stacks[0].bytes = c.bytes;
	} else {
		plan(&pl, m->ntables);
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
	/* with split, a part that cannot be split further (one table with
	 * its policies) can still be over a limit */
	for (size_t i = 0; m->spec->split_stacks && i < m->nstacks; i++) {
		const Stack *st = &m->stacks[i];
		Cost c = {st->resources, st->outputs, st->bytes};
		if (fits(&c, lim))
			continue;
		const char *table = "?";
		for (size_t t = 0; t < m->ntables; t++)
			if (m->tables[t].stack == (int)i) {
				table = m->tables[t].logical;
				break;
			}
		report_limits(d, m, &c, table);
	}
	if (m->nstacks > 1) {
		name_policy_parts(a, m);
		check_policy_names(a, d, m);
	}
}

int stacks_of_resource(const Policy *p, const ResRef *r)
{
	return res_home(p, r);
}
