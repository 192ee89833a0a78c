/*
 * grants.c: the grants of one environment -> IAM policies. Each access
 * level is one fixed set of actions, and each action goes where IAM lets
 * it act: item and table actions on the tables and their indexes, stream
 * actions on the streams, account actions on "*". Policy names are made
 * unique here, and every backend renders the same statements.
 */
#include "tablec.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* actions that IAM knows for DynamoDB, lowercase and sorted */
static const char *const dynamodb_actions[] = {
#include "gen/dynamodb_actions.inc"
};
/* actions with no resource type: IAM matches them only on "*" */
static const char *const account_actions[] = {
#include "gen/dynamodb_account_actions.inc"
};
/* actions on streams only */
static const char *const stream_only_actions[] = {
#include "gen/dynamodb_stream_actions.inc"
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- grants */

/* The access levels of the language, in the order of access_names. */
typedef enum Access {
	ACCESS_NONE = -1, /* not given, or not a level: `actions:` instead */
	ACCESS_READ,
	ACCESS_WRITE,
	ACCESS_READ_WRITE,
	ACCESS_STREAM_READ,
	ACCESS_FULL,
} Access;

static const char *const access_names[] = {"read", "write", "read_write",
					   "stream_read", "full", NULL};
const char *const *const grants_access_names = access_names; /* schema.c */
static const char *const read_actions[] = {
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
	"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query",
	"dynamodb:Scan", NULL};
/* With leading_keys, Scan is left out: a Scan carries no partition key, so
 * a ForAllValues condition on dynamodb:LeadingKeys would hold vacuously and
 * let a tenant read every tenant's items. */
static const char *const read_actions_lk[] = {
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
	"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", NULL};
static const char *const write_actions[] = {
	"dynamodb:BatchWriteItem", "dynamodb:DeleteItem",
	"dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem", NULL};
static const char *const stream_actions[] = {
	"dynamodb:DescribeStream", "dynamodb:GetRecords",
	"dynamodb:GetShardIterator", NULL};
static const char *const list_streams[] = {"dynamodb:ListStreams", NULL};
static const char *const all_actions[] = {"dynamodb:*", NULL};

/* Lowercases an action name into buf (IAM ignores case); false if long. */
static bool action_lower(const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	if (n >= size)
		return false;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	return true;
}

/* Is `name` (or, with wildcards, any action it matches) in `list`? */
static bool action_in(const char *name, const char *const *list, size_t n)
{
	char low[64];
	if (!action_lower(name, low, sizeof low))
		return false;
	if (strpbrk(low, "*?")) {
		for (size_t i = 0; i < n; i++)
			if (!fnmatch(low, list[i], 0))
				return true;
		return false;
	}
	const char *key = low;
	return bsearch(&key, list, n, sizeof *list, cmp_str) != NULL;
}

#define IN_LIST(name, list) action_in((name), (list), sizeof(list) / sizeof((list)[0]))

static bool action_known(const char *name)
{
	return IN_LIST(name, dynamodb_actions);
}

static const char **action_list(Arena *a, const char *const *src, size_t *n)
{
	size_t k = 0;
	while (src[k])
		k++;
	const char **out = arena_alloc(a, (k + 1) * sizeof *out);
	memcpy(out, src, k * sizeof *out);
	*n = k;
	return out;
}

static Statement *add_stmt(Validator *v, Policy *p, size_t *cap, const char *sid,
			   const char **actions, size_t nactions, bool lk)
{
	Statement *s = VEC_PUSH(v->a, p->stmts, p->nstmts, *cap);
	s->sid = sid;
	s->actions = actions;
	s->nactions = nactions;
	s->leading_keys = lk;
	return s;
}

/* A statement with one of the fixed action sets above. */
static Statement *add_fixed(Validator *v, Policy *p, size_t *cap, const char *sid,
			    const char *const *actions, bool lk)
{
	size_t n;
	const char **list = action_list(v->a, actions, &n);
	return add_stmt(v, p, cap, sid, list, n, lk);
}

static void add_res(Validator *v, Statement *s, size_t *cap, ResKind kind,
		    const Table *t, const char *index)
{
	ResRef *r = VEC_PUSH(v->a, s->res, s->nres, *cap);
	r->kind = kind;
	r->table = t;
	r->index = index;
}

typedef struct GrantCtx {
	const Table **tables;
	size_t ntables;
	bool all_indexes;           /* indexes: true */
	const char **index_names;   /* indexes: [names] */
	size_t nindex_names;
	Strmap wanted;              /* index_names -> position in the list */
} GrantCtx;

typedef struct IndexPick {
	size_t pos;
	const char *name;
} IndexPick;

static int pick_cmp(const void *a, const void *b)
{
	size_t x = ((const IndexPick *)a)->pos, y = ((const IndexPick *)b)->pos;
	return (x > y) - (x < y);
}

/* Table ARNs, and with `with_index` the index ARNs the grant covers. */
static void add_table_res(Validator *v, Statement *s, const GrantCtx *g, bool with_index)
{
	size_t cap = 0;
	for (size_t i = 0; i < g->ntables; i++)
		add_res(v, s, &cap, RES_TABLE, g->tables[i], NULL);
	if (!with_index)
		return;
	for (size_t i = 0; i < g->ntables; i++) {
		const Table *t = g->tables[i];
		if (g->all_indexes && (t->ngsis || t->nlsis)) {
			add_res(v, s, &cap, RES_INDEX, t, "*");
			continue;
		}
		/* the table's indexes that the grant names, in the grant's
		 * order: looked up, so that a long list costs no more than
		 * its length */
		IndexPick *picks = arena_alloc(v->a, (t->ngsis + t->nlsis + 1) *
						     sizeof *picks);
		size_t np = 0;
		for (size_t k = 0; k < t->ngsis + t->nlsis; k++) {
			const Index *ix = k < t->ngsis ? &t->gsis[k]
						       : &t->lsis[k - t->ngsis];
			size_t pos = strmap_get(&g->wanted, ix->name);
			bool dup = false; /* an index name used twice (E227) */
			for (size_t q = 0; q < np && !dup && pos != SIZE_MAX; q++)
				dup = picks[q].pos == pos;
			if (pos != SIZE_MAX && !dup)
				picks[np++] = (IndexPick){pos, ix->name};
		}
		if (np > 1)
			qsort(picks, np, sizeof *picks, pick_cmp);
		for (size_t k = 0; k < np; k++)
			add_res(v, s, &cap, RES_INDEX, t, picks[k].name);
	}
}

static void add_stream_res(Validator *v, Statement *s, const GrantCtx *g)
{
	size_t cap = 0;
	for (size_t i = 0; i < g->ntables; i++)
		if (g->tables[i]->stream != STREAM_OFF)
			add_res(v, s, &cap, RES_STREAM, g->tables[i], NULL);
}

/* The logical names, for did-you-mean; made once per environment. */
static const char **table_names(Validator *v)
{
	if (v->names)
		return v->names;
	v->names = arena_alloc(v->a, (v->m->ntables + 1) * sizeof *v->names);
	/* `tables` is NULL only when there are none; said for the analyzer */
	for (size_t i = 0; v->m->tables && i < v->m->ntables; i++)
		v->names[i] = v->m->tables[i].logical;
	return v->names;
}

static const Table *find_table(Validator *v, const char *name)
{
	if (!v->table_index.a) { /* built on first use */
		v->table_index.a = v->a;
		for (size_t i = 0; i < v->m->ntables; i++)
			strmap_put(&v->table_index, v->m->tables[i].logical, i);
	}
	size_t i = strmap_get(&v->table_index, name);
	return i == SIZE_MAX ? NULL : &v->m->tables[i];
}

static bool grant_in_env(Validator *v, const GrantDecl *g)
{
	if (!g->environments)
		return true;
	if (!node_want_seq(v->d, g->environments, "environments"))
		return false;
	bool in = false;
	for (size_t i = 0; i < g->environments->nitems; i++) {
		const char *e;
		Node *n = g->environments->items[i];
		if (!node_want_str(v->d, n, "environments", &e))
			continue;
		bool known = false;
		for (size_t j = 0; j < v->spec->nenvs && !known; j++)
			known = !strcmp(v->spec->envs[j].name, e);
		if (!known) {
			const char **names = arena_alloc(v->a, (v->spec->nenvs + 1) *
							 sizeof *names);
			for (size_t j = 0; j < v->spec->nenvs; j++)
				names[j] = v->spec->envs[j].name;
			Diag *dg = diag_report(v->d, "E234", n->loc,
					       "grant names unknown environment '%.60s'", e);
			const char *m = diag_suggest(v->d, e, names, v->spec->nenvs);
			if (m)
				diag_help(dg, v->d, "did you mean '%s'?", m);
		}
		if (!strcmp(e, v->env->name))
			in = true;
	}
	return in;
}

static bool grant_tables(Validator *v, const GrantDecl *g, GrantCtx *gc)
{
	size_t cap = 0;
	Node *n = g->tables;
	if (n->kind == NODE_SCALAR && !strcmp(n->str, "*")) {
		for (size_t i = 0; i < v->m->ntables; i++)
			*VEC_PUSH(v->a, gc->tables, gc->ntables, cap) = &v->m->tables[i];
		return true;
	}
	if (n->kind == NODE_SCALAR) {
		Diag *dg = diag_report(v->d, "E101", n->loc,
				       "'tables' must be a list of table names or \"*\"");
		diag_help(dg, v->d, "write `tables: [%.60s]`", n->str);
		return false;
	}
	if (!node_want_seq(v->d, n, "tables"))
		return false;
	if (!n->nitems) {
		Diag *dg = diag_report(v->d, "E101", n->loc,
				       "'tables' lists no table");
		diag_help(dg, v->d, "list the tables, or write \"*\" for all");
		return false;
	}
	bool ok = true;
	if (!v->listed)
		v->listed = arena_alloc(v->a, (v->m->ntables + 1) * sizeof *v->listed);
	v->stamp++;
	for (size_t i = 0; i < n->nitems; i++) {
		const char *name;
		if (!node_want_str(v->d, n->items[i], "tables", &name)) {
			ok = false;
			continue;
		}
		const Table *t = find_table(v, name);
		if (!t) {
			Diag *dg = diag_report(v->d, "E215", n->items[i]->loc,
					       "grant names unknown table '%.80s'", name);
			const char *m = diag_suggest(v->d, name, table_names(v),
						     v->m->ntables);
			if (m)
				diag_help(dg, v->d, "did you mean '%s'?", m);
			ok = false;
			continue;
		}
		/* listed twice: marked with the grant's stamp, not searched */
		size_t ti = (size_t)(t - v->m->tables);
		if (v->listed[ti] == v->stamp) {
			diag_report(v->d, "E241", n->items[i]->loc,
				    "table '%.80s' is listed twice in the grant", name);
			continue;
		}
		v->listed[ti] = v->stamp;
		*VEC_PUSH(v->a, gc->tables, gc->ntables, cap) = t;
	}
	return ok;
}

static bool grant_indexes(Validator *v, const GrantDecl *g, GrantCtx *gc)
{
	gc->all_indexes = true;
	Node *n = g->indexes;
	if (!n || node_is_null(n))
		return true;
	if (n->kind == NODE_SCALAR)
		return node_want_bool(v->d, n, "indexes", &gc->all_indexes);
	if (!node_want_seq(v->d, n, "indexes"))
		return false;
	gc->all_indexes = false;
	gc->wanted.a = v->a;
	size_t cap = 0;
	bool ok = true;
	/* every index name of the grant's tables, built at the first name
	 * asked about: one hash lookup per name instead of a scan */
	Strmap have = {.a = v->a};
	const char **names = NULL;
	size_t nn = 0, ncap = 0;
	for (size_t i = 0; i < n->nitems; i++) {
		const char *name;
		if (!node_want_str(v->d, n->items[i], "indexes", &name))
			continue;
		if (!names) {
			for (size_t t = 0; t < gc->ntables; t++)
				props_index_names(v->a, gc->tables[t], &names, &nn, &ncap);
			for (size_t k = 0; k < nn; k++)
				strmap_put(&have, names[k], k);
			if (!names) /* no table has an index */
				names = arena_alloc(v->a, sizeof *names);
		}
		if (strmap_get(&have, name) == SIZE_MAX) {
			Diag *dg = diag_report(v->d, "E216", n->items[i]->loc,
					       "grant names index '%.80s', which none of "
					       "its tables has", name);
			const char *m = nn ? diag_suggest(v->d, name, names, nn)
					   : NULL;
			if (m)
				diag_help(dg, v->d, "did you mean '%s'?", m);
			ok = false;
			continue;
		}
		if (strmap_put(&gc->wanted, name, gc->nindex_names) !=
		    gc->nindex_names) {
			diag_report(v->d, "E241", n->items[i]->loc,
				    "index '%.80s' is listed twice in the grant", name);
			continue;
		}
		*VEC_PUSH(v->a, gc->index_names, gc->nindex_names, cap) = name;
	}
	return ok;
}

static void build_policy(Validator *v, const GrantDecl *g, size_t *pcap)
{
	GrantCtx gc = {0};
	const char *role = NULL, *role_arn = NULL;
	bool ok = true;
	if (g->role && node_want_str(v->d, g->role, "role", &role) &&
	    !validate_match(v, RE_ROLE_NAME, role, NULL)) {
		Diag *dg = diag_report(v->d, "E230", g->role->loc,
				       "'%.80s' is not an IAM role name", role);
		diag_help(dg, v->d, "role names are 1 to 64 characters of "
			  "[A-Za-z0-9+=,.@_-]; for an ARN use role_arn");
		ok = false;
		role = NULL; /* no policy name derived from it */
	}
	if (g->role_arn && node_want_str(v->d, g->role_arn, "role_arn", &role_arn)) {
		const char *acct = strstr(role_arn, ":iam::");
		if (!validate_match(v, RE_ROLE_ARN, role_arn, &role)) {
			Diag *dg = diag_report(v->d, "E230", g->role_arn->loc,
					       "'%.100s' is not an IAM role ARN", role_arn);
			diag_help(dg, v->d, "write arn:aws:iam::123456789012:role/NAME");
			ok = false;
		} else if (v->m->account && acct &&
			   strncmp(acct + 6, v->m->account, 12)) {
			/* a stack attaches policies to roles of its own account */
			Diag *dg = diag_report(v->d, "E230", g->role_arn->loc,
					       "role '%s' is in account %.12s, not in the "
					       "environment's account %s", role,
					       acct + 6, v->m->account);
			diag_help(dg, v->d, "grant it from a spec of its own account, "
				  "or drop `account:` if the role lives where the "
				  "tables are");
			ok = false;
		}
	}
	if (!role)
		ok = false;

	Access access = ACCESS_NONE;
	Strmap seen = {.a = v->a}; /* actions listed so far */
	const char **custom = NULL;
	size_t ncustom = 0, ccap = 0;
	bool wildcard = false;
	if (g->access) {
		access = (Access)node_want_enum(v->d, g->access, "access level",
					   access_names);
		if (access == ACCESS_NONE)
			ok = false;
		if (access == ACCESS_FULL) {
			Diag *dg = diag_report(v->d, "W002", g->access->loc,
					       "grant gives full access (dynamodb:*) "
					       "to role '%.64s'", role ? role : "?");
			diag_help(dg, v->d, "prefer read, write or read_write, or list "
				  "the actions needed");
		}
	} else if (g->actions && node_want_seq(v->d, g->actions, "actions")) {
		for (size_t i = 0; i < g->actions->nitems; i++) {
			Node *n = g->actions->items[i];
			const char *s;
			if (!node_want_str(v->d, n, "actions", &s)) {
				ok = false;
				continue;
			}
			const char *bare = !strncasecmp(s, "dynamodb:", 9) ? s + 9 : s;
			if (!*bare || !action_known(bare)) {
				Diag *dg = diag_report(v->d, "E217", n->loc,
						       "'%.80s' is not a DynamoDB action", s);
				/* suggest from the generated, lowercase list */
				const char *m = diag_suggest(v->d, bare, dynamodb_actions,
					sizeof dynamodb_actions / sizeof dynamodb_actions[0]);
				if (m)
					diag_help(dg, v->d, "did you mean 'dynamodb:%s'? "
						  "(IAM matches actions without regard "
						  "to case)", m);
				ok = false;
				continue;
			}
			if (strpbrk(bare, "*?")) {
				wildcard = true;
				diag_report(v->d, "W002", n->loc,
					    "wildcard action '%.80s' may grant more than "
					    "intended", s);
			}
			const char *full = arena_printf(v->a, "dynamodb:%s", bare);
			/* IAM ignores case: the lowercase name is the key */
			char *low = arena_strdup(v->a, full);
			for (char *c = low; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 32);
			if (strmap_put(&seen, low, ncustom) != ncustom) {
				diag_report(v->d, "E241", n->loc,
					    "action '%.80s' is listed twice", s);
				continue;
			}
			*VEC_PUSH(v->a, custom, ncustom, ccap) = full;
		}
		if (!g->actions->nitems) {
			diag_report(v->d, "E101", g->actions->loc,
				    "'actions' lists no action");
			ok = false;
		}
		if (ncustom > 1)
			qsort(custom, ncustom, sizeof *custom, cmp_str);
	} else {
		ok = false;
	}
	(void)wildcard;
	if (!g->tables || !grant_tables(v, g, &gc))
		ok = false;
	if (!grant_indexes(v, g, &gc))
		ok = false;

	const char **lk = NULL;
	size_t nlk = 0, lcap = 0;
	if (g->leading_keys && !node_is_null(g->leading_keys) &&
	    node_want_seq(v->d, g->leading_keys, "leading_keys")) {
		for (size_t i = 0; i < g->leading_keys->nitems; i++) {
			const char *s;
			if (node_want_str(v->d, g->leading_keys->items[i], "leading_keys", &s))
				*VEC_PUSH(v->a, lk, nlk, lcap) = s;
		}
		if (!g->leading_keys->nitems)
			diag_report(v->d, "E101", g->leading_keys->loc,
				    "'leading_keys' is empty; remove it to allow "
				    "every partition key");
	}
	bool managed = false;
	if (g->managed && !node_is_null(g->managed))
		node_want_bool(v->d, g->managed, "managed", &managed);

	/* a LeadingKeys condition limits item reads and writes by partition;
	 * a Scan names no partition and passes a ForAllValues test */
	if (nlk && (access == ACCESS_STREAM_READ || access == ACCESS_FULL)) {
		Diag *dg = diag_report(v->d, "E105", g->leading_keys->loc,
				       "'leading_keys' cannot limit %s access",
				       access == ACCESS_STREAM_READ ? "stream_read" : "full");
		diag_help(dg, v->d, access == ACCESS_STREAM_READ
			  ? "streams carry every partition's changes; remove "
			    "leading_keys or use a separate grant"
			  : "dynamodb:* includes Scan, which names no partition; "
			    "use read_write or a list of actions");
		ok = false;
	}
	for (size_t i = 0; nlk && i < ncustom; i++) {
		char low[64];
		if (action_lower(custom[i] + 9, low, sizeof low) &&
		    !fnmatch(low, "scan", 0)) {
			Diag *dg = diag_report(v->d, "E105", g->leading_keys->loc,
					       "'leading_keys' cannot limit '%s', which "
					       "includes Scan", custom[i]);
			diag_help(dg, v->d, "a Scan names no partition, so the "
				  "condition would let it read every tenant's items; "
				  "leave Scan out");
			ok = false;
			break;
		}
	}

	if (access == ACCESS_STREAM_READ) { /* stream_read needs streams */
		for (size_t i = 0; i < gc.ntables; i++)
			if (gc.tables[i]->stream == STREAM_OFF) {
				Diag *dg = diag_report(v->d, "E229", g->access->loc,
						       "stream_read grant covers table "
						       "'%s', whose stream is off",
						       gc.tables[i]->logical);
				diag_help(dg, v->d, "set `stream: new_and_old_images` "
					  "(or another view) on '%s'",
					  gc.tables[i]->logical);
				ok = false;
			}
	}

	/* the policy's name */
	static const char *const pol_ph[] = {"env", "project", "region",
					     "account", "role", NULL};
	Placeholders ph = v->ph;
	ph.role = role;
	const Node *pn = g->policy_name ? g->policy_name : v->spec->naming_policy;
	const char *pname = NULL;
	if (role && pn && node_want_str(v->d, pn, "policy_name", &pname)) {
		pname = names_expand(v->a, v->d, pn, pname, &ph, pol_ph);
		if (!pname)
			ok = false;
	}
	else if (role)
		pname = v->spec->project
				? arena_printf(v->a, "%s-%s-%s-dynamodb",
					       v->spec->project, v->env->name, role)
				: arena_printf(v->a, "%s-%s-dynamodb", v->env->name,
					       role);
	if (pname && !validate_match(v, RE_POLICY_NAME, pname, NULL)) {
		Diag *dg = diag_report(v->d, "E237", pn ? pn->loc : g->at->loc,
				       "IAM policy name '%.130s' is not 1 to 128 "
				       "characters of [A-Za-z0-9+=,.@_-]", pname);
		diag_help(dg, v->d, "set `policy_name:` on the grant");
		ok = false;
	}
	if (!ok)
		return;

	Policy *p = VEC_PUSH(v->a, v->m->policies, v->m->npolicies, *pcap);
	p->decl = g;
	p->home = gc.ntables ? gc.tables[0] : NULL;
	p->name = pname;
	p->managed = managed;
	p->role = role;
	p->role_arn = role_arn;
	p->leading_keys = lk;
	p->nleading_keys = nlk;
	size_t scap = 0;
	bool with_lk = nlk > 0;
	const char *const *reads = with_lk ? read_actions_lk : read_actions;
	switch (access) {
	case ACCESS_READ:
		add_table_res(v, add_fixed(v, p, &scap, "Read", reads, with_lk), &gc, true);
		break;
	case ACCESS_WRITE:
		add_table_res(v, add_fixed(v, p, &scap, "Write", write_actions, with_lk), &gc, false);
		break;
	case ACCESS_READ_WRITE:
		add_table_res(v, add_fixed(v, p, &scap, "Read", reads, with_lk), &gc, true);
		add_table_res(v, add_fixed(v, p, &scap, "Write", write_actions, with_lk), &gc, false);
		break;
	case ACCESS_STREAM_READ:
		add_stream_res(v, add_fixed(v, p, &scap, "StreamRead", stream_actions, false), &gc);
		{
			Statement *s = add_fixed(v, p, &scap, "ListStreams", list_streams, false);
			size_t rcap = 0;
			add_res(v, s, &rcap, RES_ANY, NULL, NULL);
		}
		break;
	case ACCESS_FULL:
		add_table_res(v, add_fixed(v, p, &scap, "Full", all_actions, with_lk), &gc, true);
		break;
	case ACCESS_NONE: {
		/* a list of actions: item and table actions on the tables and
		 * their indexes, stream actions on the streams, ListStreams on * */
		const char **item = NULL, **strm = NULL, **list = NULL;
		size_t ni = 0, ns = 0, nl = 0, c1 = 0, c2 = 0, c3 = 0;
		bool named_stream = false; /* a stream action written out */
		for (size_t i = 0; i < ncustom; i++) {
			const char *bare = custom[i] + 9;
			bool wild = strpbrk(bare, "*?") != NULL;
			named_stream |= !wild && IN_LIST(bare, stream_only_actions);
			/* a wildcard goes where any action it matches can act:
			 * tables and indexes, and streams; never on "*" */
			if (wild || !IN_LIST(bare, account_actions)) {
				if (wild || !IN_LIST(bare, stream_only_actions))
					*VEC_PUSH(v->a, item, ni, c1) = custom[i];
				if (IN_LIST(bare, stream_only_actions))
					*VEC_PUSH(v->a, strm, ns, c2) = custom[i];
			} else {
				*VEC_PUSH(v->a, list, nl, c3) = custom[i];
			}
		}
		if (ni)
			add_table_res(v, add_stmt(v, p, &scap, "Actions", item, ni,
						  with_lk), &gc, true);
		bool any_stream = false;
		for (size_t i = 0; i < gc.ntables; i++)
			any_stream |= gc.tables[i]->stream != STREAM_OFF;
		if (ns && any_stream)
			add_stream_res(v, add_stmt(v, p, &scap, "StreamActions",
						   strm, ns, false), &gc);
		else if (named_stream) {
			Diag *dg = diag_report(v->d, "E229", g->actions->loc,
					       "grant lists stream actions but none of its "
					       "tables has a stream");
			diag_help(dg, v->d, "set `stream:` on the tables");
		}
		if (nl) {
			Statement *s = add_stmt(v, p, &scap, "AccountActions", list, nl,
						false);
			size_t rcap = 0;
			add_res(v, s, &rcap, RES_ANY, NULL, NULL);
		}
		break;
	}
	}
	/* drop statements that ended up with nothing to act on */
	size_t k = 0;
	for (size_t i = 0; i < p->nstmts; i++)
		if (p->stmts[i].nres)
			p->stmts[k++] = p->stmts[i];
	p->nstmts = k;
}

static void check_policies(Validator *v)
{
	Model *m = v->m;
	/* names seen so far -> the policy that has it; a name to compare is
	 * looked up, not compared with every earlier policy */
	Strmap names = {.a = v->a}, rids = {.a = v->a}, idents = {.a = v->a};
	for (size_t i = 0; i < m->npolicies; i++) {
		Policy *p = &m->policies[i];
		size_t j = strmap_put(&names, p->name, i);
		if (j != i) {
			bool explicit_name = p->decl->policy_name || v->spec->naming_policy;
			if (explicit_name) {
				Node *at = p->decl->policy_name ? p->decl->policy_name
								: p->decl->at;
				Diag *dg = diag_report(v->d, "E227", at->loc,
						       "two grants produce the policy "
						       "name '%s'", p->name);
				diag_note(dg, v->d, m->policies[j].decl->at->loc,
					  "the other grant");
				continue;
			}
			/* derived names: number the later grants of a role */
			int k = 2;
			const char *cand;
			bool taken;
			do {
				cand = arena_printf(v->a, "%s-%d", p->name, k++);
				taken = strmap_get(&names, cand) != SIZE_MAX;
				for (size_t q = i + 1; q < m->npolicies && !taken; q++)
					taken = !strcmp(m->policies[q].name, cand);
			} while (taken);
			p->name = cand;
			strmap_put(&names, cand, i);
		}
	}
	for (size_t i = 0; i < m->npolicies; i++) {
		Policy *p = &m->policies[i];
		if (strlen(p->name) > 128) { /* a number made it too long */
			Diag *dg = diag_report(v->d, "E237", p->decl->at->loc,
					       "IAM policy name '%s' is longer than 128 "
					       "characters", p->name);
			diag_help(dg, v->d, "set `policy_name:` on the grant");
		}
		/* CloudFormation logical id: PascalCase + Policy, unique */
		p->id = names_pascal(v->a, p->name);
		size_t n = strlen(p->id);
		const char *base = n >= 6 && !strcmp(p->id + n - 6, "Policy")
					   ? p->id
					   : arena_printf(v->a, "%sPolicy", p->id);
		p->resource_id = base;
		for (int k = 2; strmap_put(&rids, p->resource_id, i) != i; k++)
			p->resource_id = arena_printf(v->a, "%s%d", base, k);
		const char *snake = names_snake(v->a, p->name);
		p->ident = snake;
		for (int k = 2; strmap_put(&idents, p->ident, i) != i; k++)
			p->ident = arena_printf(v->a, "%s_%d", snake, k);
	}
}

void grants_build(Validator *v)
{
	size_t pcap = 0;
	for (size_t i = 0; i < v->spec->ngrants; i++)
		if (grant_in_env(v, &v->spec->grants[i]))
			build_policy(v, &v->spec->grants[i], &pcap);
	check_policies(v);
}
