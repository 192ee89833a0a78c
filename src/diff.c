/*
 * diff.c: two compiled versions of a spec -> every change between them,
 * classified, per environment.
 *
 * The comparison runs on the resolved models, not on the YAML: a change
 * that comes from a naming pattern, a default or one environment's
 * override is found where it takes effect. Tables and indexes are matched
 * by logical name. Each change is a diagnostic with a D code: D1xx block
 * the change (a replacement that loses data, or an update CloudFormation
 * or UpdateTable rejects halfway), D2xx are risky, D3xx are safe. Changes
 * point into the new spec, removals into the old one.
 *
 * What DynamoDB allows in one update comes from its documentation and is
 * replayed against DynamoDB Local in the tests: one global index created
 * or deleted per table per update; keys, key types and local indexes only
 * at creation.
 */
#include "tablec.h"

#include <string.h>

typedef struct Differ {
	Arena *a;
	Diags *d;
	const Spec *spec;       /* the new spec */
	const char *subject;    /* the table being compared */
	const char *const *allow;
	size_t nallow;
	const char *spec_allow; /* the new spec's text, for allow comments */
} Differ;

/* `# tablec: allow D102` anywhere in the new spec accepts that code. */
static bool allowed_in_spec(const Differ *f, const char *code)
{
	const char *p = f->spec_allow;
	while (p && (p = strstr(p, "tablec: allow"))) {
		const char *line = p;
		while (line > f->spec_allow && line[-1] != '\n')
			line--;
		const char *hash = memchr(line, '#', (size_t)(p - line));
		p += strlen("tablec: allow");
		if (!hash)
			continue;
		while (*p == ' ' || *p == '\t' || *p == ',' ||
		       (*p == 'D' && p[1] >= '0' && p[1] <= '9')) {
			if (*p == 'D' && !strncmp(p, code, 4) &&
			    !(p[4] >= '0' && p[4] <= '9'))
				return true;
			p++;
		}
	}
	return false;
}

/* Reports a change; a blocking one that --allow or the spec accepts is
 * reported as a warning that says so. */
static Diag *change(Differ *f, const char *code, const Node *at,
		    const char *fmt, ...) PRINTF_LIKE(4, 5);
static Diag *change(Differ *f, const char *code, const Node *at,
		    const char *fmt, ...)
{
	Strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	bool by_flag = false, by_spec = false;
	if (code[1] == '1') {
		for (size_t i = 0; i < f->nallow && !by_flag; i++)
			by_flag = !strcmp(f->allow[i], code);
		by_spec = !by_flag && allowed_in_spec(f, code);
	}
	Diag *dg = diag_report(f->d, code, at->loc, "%s%s", sb.buf,
			       by_flag ? " (allowed by --allow)"
			       : by_spec ? " (allowed by the spec)" : "");
	if (by_flag || by_spec)
		diag_allow(f->d, dg);
	dg->subject = f->subject;
	strbuf_release(&sb);
	return dg;
}

/* Where a property of a table is set in its spec: the key that set it
 * (in whichever layer), else the table's name. */
static const Node *at_prop(const Table *t, const char *key)
{
	for (size_t i = 0; t->props && i < t->props->npairs; i++)
		if (!strcmp(t->props->pairs[i].key->str, key))
			return t->props->pairs[i].key;
	return t->at;
}

static const Table *find_table(const Model *m, const char *logical)
{
	for (size_t i = 0; m && i < m->ntables; i++)
		if (!strcmp(m->tables[i].logical, logical))
			return &m->tables[i];
	return NULL;
}

static const char *attr_type(const Table *t, const char *name)
{
	for (size_t i = 0; name && i < t->nattrs; i++)
		if (!strcmp(t->attrs[i].name, name))
			return props_attr_types[t->attrs[i].type];
	return "?";
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static const char *key_text(Arena *a, const KeyDef *k)
{
	return k->sk ? arena_printf(a, "[%s, %s]", k->pk, k->sk)
		     : arena_printf(a, "%s", k->pk);
}

/* The same index definition: key, key types and projection. Capacity is
 * not part of it: it changes in place. */
static bool same_index(const Table *t0, const Index *a, const Table *t1,
		       const Index *b)
{
	if (!same(a->key.pk, b->key.pk) || !same(a->key.sk, b->key.sk) ||
	    a->proj != b->proj || a->ninclude != b->ninclude)
		return false;
	if (strcmp(attr_type(t0, a->key.pk), attr_type(t1, b->key.pk)) ||
	    (a->key.sk && strcmp(attr_type(t0, a->key.sk), attr_type(t1, b->key.sk))))
		return false;
	for (size_t i = 0; i < a->ninclude; i++) {
		bool found = false;
		for (size_t j = 0; j < b->ninclude && !found; j++)
			found = !strcmp(a->include[i], b->include[j]);
		if (!found)
			return false;
	}
	return true;
}

static const char *proj_text(const Index *ix)
{
	return ix->proj == PROJ_INCLUDE ? "a list of attributes"
					: props_proj_names[ix->proj];
}

static const Index *find_index(const Index *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].name, name))
			return &list[i];
	return NULL;
}

static bool same_throughput(const Throughput *a, const Throughput *b)
{
	return a->set == b->set && (!a->set || (a->read == b->read &&
						a->write == b->write));
}

/* ---- indexes */

static void diff_gsis(Differ *f, const Table *t0, const Table *t1)
{
	const char **creates = NULL, **deletes = NULL, **edits = NULL,
		   **retypes = NULL;
	size_t nc = 0, nd = 0, ne = 0, nr = 0, cc = 0, cd = 0, ce = 0, cr = 0;
	for (size_t i = 0; i < t1->ngsis; i++) {
		const Index *b = &t1->gsis[i];
		const Index *a = find_index(t0->gsis, t0->ngsis, b->name);
		if (!a) {
			*VEC_PUSH(f->a, creates, nc, cc) = b->name;
		} else if (!same_index(t0, a, t1, b)) {
			bool key = same(a->key.pk, b->key.pk) && same(a->key.sk, b->key.sk);
			bool retyped = key && (strcmp(attr_type(t0, a->key.pk),
						      attr_type(t1, b->key.pk)) ||
					       (a->key.sk && strcmp(attr_type(t0, a->key.sk),
								    attr_type(t1, b->key.sk))));
			Diag *dg;
			if (!key)
				dg = change(f, "D111", b->at, "global index '%s' of table "
					    "'%s' changes its key in place (%s -> %s)",
					    b->name, t1->logical, key_text(f->a, &a->key),
					    key_text(f->a, &b->key));
			else if (retyped)
				dg = change(f, "D111", b->at, "global index '%s' of table "
					    "'%s' changes the type of its key attribute in "
					    "place", b->name, t1->logical);
			else if (a->proj != b->proj)
				dg = change(f, "D111", b->at, "global index '%s' of table "
					    "'%s' changes its projection in place (%s -> %s)",
					    b->name, t1->logical, proj_text(a), proj_text(b));
			else
				dg = change(f, "D111", b->at, "global index '%s' of table "
					    "'%s' changes its projected attributes in place",
					    b->name, t1->logical);
			if (retyped) {
				/* an attribute has one type per table: the old index
				 * must go before one with the new type can come */
				*VEC_PUSH(f->a, retypes, nr, cr) = b->name;
				diag_help(dg, f->d, "an attribute has one type per table: "
					  "remove '%s' in one deploy, then add it with the new "
					  "type in the next (queries on it fail in between), or "
					  "key the new index on a new attribute", b->name);
			} else {
				*VEC_PUSH(f->a, edits, ne, ce) = b->name;
				diag_help(dg, f->d, "add it under a new name (e.g. '%s-v2') "
					  "in one deploy, move the queries, then remove '%s' in "
					  "a later deploy", b->name, b->name);
			}
		} else if (!same_throughput(&a->cap, &b->cap) ||
			   !same_throughput(&a->odm, &b->odm)) {
			change(f, "D301", b->at, "capacity of global index '%s' of "
			       "table '%s' changes", b->name, t1->logical);
		}
	}
	for (size_t i = 0; i < t0->ngsis; i++) {
		const Index *a = &t0->gsis[i];
		if (find_index(t1->gsis, t1->ngsis, a->name))
			continue;
		*VEC_PUSH(f->a, deletes, nd, cd) = a->name;
		Diag *dg = change(f, "D200", a->at, "global index '%s' of table '%s' "
				  "is removed", a->name, t1->logical);
		diag_help(dg, f->d, "queries on '%s' fail from this deploy on; check "
			  "that no code uses it", a->name);
	}
	/* one create or delete per table per update; an edit is both */
	size_t ops = nc + nd + 2 * (ne + nr);
	if (ops > 1) {
		Strbuf plan = STRBUF_INIT;
		size_t step = 0;
		for (size_t i = 0; i < nd; i++) {
			step++;
			strbuf_addf(&plan, "%s%zu) remove '%s'", step > 1 ? "; " : "",
				    step, deletes[i]);
		}
		for (size_t i = 0; i < nr; i++) {
			step++;
			strbuf_addf(&plan, "%s%zu) remove '%s'", step > 1 ? "; " : "",
				    step, retypes[i]);
			step++;
			strbuf_addf(&plan, "; %zu) add '%s' with the new key type",
				    step, retypes[i]);
		}
		for (size_t i = 0; i < ne; i++) {
			step++;
			strbuf_addf(&plan, "%s%zu) add '%s-v2' with the new "
				    "definition", step > 1 ? "; " : "", step, edits[i]);
			step++;
			strbuf_addf(&plan, "; %zu) remove '%s'", step, edits[i]);
		}
		for (size_t i = 0; i < nc; i++) {
			step++;
			strbuf_addf(&plan, "%s%zu) add '%s'", step > 1 ? "; " : "",
				    step, creates[i]);
		}
		Diag *dg = change(f, "D110", at_prop(t1, "indexes"),
				  "table '%s' changes %zu global indexes in one "
				  "deploy; CloudFormation and UpdateTable allow one "
				  "create or delete per update", t1->logical, ops);
		diag_help(dg, f->d, "deploy one index change at a time: %s", plan.buf);
		strbuf_release(&plan);
	} else if (nc == 1) {
		const Index *b = find_index(t1->gsis, t1->ngsis, creates[0]);
		change(f, "D300", b->at, "global index '%s' is added to table '%s'",
		       b->name, t1->logical);
	}
}

/* Local indexes exist only from a table's creation: any change replaces. */
static bool diff_lsis(Differ *f, const Table *t0, const Table *t1)
{
	bool replaced = false;
	for (size_t i = 0; i < t1->nlsis; i++) {
		const Index *b = &t1->lsis[i];
		const Index *a = find_index(t0->lsis, t0->nlsis, b->name);
		if (a && same_index(t0, a, t1, b))
			continue;
		Diag *dg = change(f, "D104", b->at, "local index '%s' of table '%s' "
				  "is %s; that replaces the table", b->name,
				  t1->logical, a ? "changed" : "added");
		diag_help(dg, f->d, "use a global index, or create a new table and "
			  "copy the data");
		replaced = true;
	}
	for (size_t i = 0; i < t0->nlsis; i++) {
		const Index *a = &t0->lsis[i];
		if (find_index(t1->lsis, t1->nlsis, a->name))
			continue;
		Diag *dg = change(f, "D104", a->at, "local index '%s' of table '%s' "
				  "is removed; that replaces the table", a->name,
				  t1->logical);
		diag_help(dg, f->d, "local indexes cannot be dropped; keep it, or "
			  "create a new table and copy the data");
		replaced = true;
	}
	return replaced;
}

/* ---- one table */

static const char *stream_name(Stream s)
{
	return props_stream_names[s];
}

static bool same_tags(const Table *a, const Table *b)
{
	if (a->ntags != b->ntags)
		return false;
	for (size_t i = 0; i < a->ntags; i++) {
		bool found = false;
		for (size_t j = 0; j < b->ntags && !found; j++)
			found = !strcmp(a->tags[i].key, b->tags[j].key) &&
				!strcmp(a->tags[i].value, b->tags[j].value);
		if (!found)
			return false;
	}
	return true;
}

static void diff_table(Differ *f, const Table *t0, const Table *t1)
{
	bool replaced = false;
	const char *name = t1->logical;
	f->subject = name;

	if (!same(t0->physical, t1->physical)) {
		const Node *at = at_prop(t1, "name");
		if (at == t1->at && f->spec->naming_table)
			at = f->spec->naming_table; /* the pattern made the change */
		Diag *dg = change(f, "D101", at,
				  "table '%s' is renamed from '%s' to '%s'; DynamoDB "
				  "cannot rename, so a new, empty table is created",
				  name, t0->physical, t1->physical);
		diag_help(dg, f->d, "copy the data to the new table (export and "
			  "import, or restore a backup) before switching");
		replaced = true;
	}
	if (!same(t0->key.pk, t1->key.pk) || !same(t0->key.sk, t1->key.sk)) {
		Diag *dg = change(f, "D102", at_prop(t1, "key"),
				  "key of table '%s' changes from %s to %s; the "
				  "table is replaced", name, key_text(f->a, &t0->key),
				  key_text(f->a, &t1->key));
		diag_help(dg, f->d, "create a new table with the new key, copy the "
			  "data, then retire '%s'", t0->physical);
		replaced = true;
	} else {
		const char *keys[2] = {t1->key.pk, t1->key.sk};
		for (int i = 0; i < 2 && keys[i]; i++) {
			const char *was = attr_type(t0, keys[i]), *is = attr_type(t1, keys[i]);
			if (!strcmp(was, is))
				continue;
			Diag *dg = change(f, "D103", at_prop(t1, "attributes"),
					  "key attribute '%s' of table '%s' changes type "
					  "from %s to %s; DynamoDB cannot change it, so the "
					  "update fails", keys[i], name, was, is);
			diag_help(dg, f->d, "create a new table and convert the items "
				  "while copying them");
		}
	}
	replaced |= diff_lsis(f, t0, t1);
	if (replaced && t1->deletion_policy == DP_DELETE) {
		Diag *dg = change(f, "D105", at_prop(t1, "deletion_policy"),
				  "table '%s' is replaced while its deletion_policy "
				  "is delete: the old table and its data are deleted",
				  name);
		diag_help(dg, f->d, "set `deletion_policy: retain` in a deploy "
			  "before this change");
	}
	/* a replaced table is created whole, indexes and all: the limit on
	 * index changes per update does not apply */
	if (!replaced)
		diff_gsis(f, t0, t1);

	if (t0->stream != STREAM_OFF && t1->stream != t0->stream) {
		Diag *dg = change(f, "D201", at_prop(t1, "stream"),
				  "stream of table '%s' changes from %s to %s; its "
				  "ARN changes and consumers lose it", name,
				  stream_name(t0->stream), stream_name(t1->stream));
		diag_help(dg, f->d, "move the consumers (Lambda triggers, pipes) "
			  "to the new stream after the deploy");
	} else if (t0->stream != t1->stream) {
		change(f, "D306", at_prop(t1, "stream"), "stream of table '%s' is "
		       "turned on (%s)", name, stream_name(t1->stream));
	}

	bool ttl0 = t0->has_ttl && t0->ttl_enabled, ttl1 = t1->has_ttl && t1->ttl_enabled;
	if (ttl0 && ttl1 && strcmp(t0->ttl_attr, t1->ttl_attr)) {
		/* one update cannot do it: AWS turns TTL off, then on again,
		 * and allows one change per hour */
		Diag *dg = change(f, "D113", at_prop(t1, "ttl"),
				  "TTL of table '%s' moves from '%s' to '%s'", name,
				  t0->ttl_attr, t1->ttl_attr);
		diag_help(dg, f->d, "deploy in two steps: first `ttl: { attribute: "
			  "%s, enabled: false }`, then, an hour later, the new "
			  "attribute '%s'", t0->ttl_attr, t1->ttl_attr);
	} else if (ttl0 && !ttl1) {
		Diag *dg = change(f, "D202", at_prop(t1, "ttl"),
				  "TTL of table '%s' on '%s' is turned off", name,
				  t0->ttl_attr);
		diag_help(dg, f->d, "items stop expiring; AWS allows one TTL change "
			  "per hour, so turning it back on waits that long");
	} else if (!ttl0 && ttl1) {
		change(f, "D303", at_prop(t1, "ttl"), "TTL of table '%s' is turned "
		       "on ('%s')", name, t1->ttl_attr);
	}

	if (t0->provisioned != t1->provisioned) {
		Diag *dg = change(f, "D203", at_prop(t1, "billing"),
				  "table '%s' switches from %s to %s billing", name,
				  t0->provisioned ? "provisioned" : "on_demand",
				  t1->provisioned ? "provisioned" : "on_demand");
		diag_help(dg, f->d, "AWS allows four switches to on-demand in a "
			  "rolling 24 hours, and switches to provisioned at any "
			  "time");
	} else if (!same_throughput(&t0->cap, &t1->cap) ||
		   !same_throughput(&t0->odm, &t1->odm)) {
		change(f, "D301", at_prop(t1, t1->provisioned ? "capacity"
							       : "on_demand_max"),
		       "capacity of table '%s' changes", name);
	}

	if (t0->pitr && !t1->pitr)
		change(f, "D204", at_prop(t1, "pitr"), "point-in-time recovery of "
		       "table '%s' is turned off; its continuous backups are "
		       "deleted", name);
	else if (t0->pitr != t1->pitr || t0->pitr_days != t1->pitr_days)
		change(f, "D304", at_prop(t1, "pitr"), "point-in-time recovery of "
		       "table '%s' is turned on or its period changes", name);

	if (t0->deletion_protection && !t1->deletion_protection)
		change(f, "D205", at_prop(t1, "deletion_protection"),
		       "deletion protection of table '%s' is turned off", name);
	else if (!t0->deletion_protection && t1->deletion_protection)
		change(f, "D306", at_prop(t1, "deletion_protection"),
		       "deletion protection of table '%s' is turned on", name);

	if (t0->enc != t1->enc || !same(t0->kms_key, t1->kms_key))
		change(f, "D206", at_prop(t1, "encryption"), "encryption of table "
		       "'%s' changes", name);

	if (t0->export_name && !same(t0->export_name, t1->export_name)) {
		Diag *dg = change(f, "D208", at_prop(t1, "export"),
				  t1->export_name ? "export '%s' of table '%s' is "
						    "renamed to '%s'"
						  : "export '%s' of table '%s' is "
						    "removed%s",
				  t0->export_name, name,
				  t1->export_name ? t1->export_name : "");
		diag_help(dg, f->d, "stacks importing '%s' must stop first; "
			  "CloudFormation refuses to remove an export in use",
			  t0->export_name);
	} else if (!t0->export_name && t1->export_name) {
		change(f, "D306", at_prop(t1, "export"), "table '%s' is exported "
		       "as '%s'", name, t1->export_name);
	}
	if (t0->env_var && !same(t0->env_var, t1->env_var))
		change(f, "D209", at_prop(t1, "env_var"),
		       t1->env_var ? "env_var of table '%s' is renamed from '%s' "
				     "to '%s'"
				   : "env_var of table '%s' ('%s') is removed%s",
		       name, t0->env_var, t1->env_var ? t1->env_var : "");
	else if (!t0->env_var && t1->env_var)
		change(f, "D306", at_prop(t1, "env_var"), "table '%s' gets env_var "
		       "'%s'", name, t1->env_var);

	if (!same_tags(t0, t1))
		change(f, "D302", at_prop(t1, "tags"), "tags of table '%s' change",
		       name);
	if (!same(t0->description, t1->description) ||
	    t0->infrequent_access != t1->infrequent_access ||
	    t0->contributor_insights != t1->contributor_insights ||
	    t0->deletion_policy != t1->deletion_policy)
		change(f, "D306", t1->at, "table '%s' is updated in place "
		       "(description, table class, contributor insights or "
		       "deletion policy)", name);
}

/* ---- grants */

static const Policy *find_policy(const Model *m, const char *name)
{
	for (size_t i = 0; i < m->npolicies; i++)
		if (!strcmp(m->policies[i].name, name))
			return &m->policies[i];
	return NULL;
}

static bool same_res(const ResRef *a, const ResRef *b)
{
	return a->kind == b->kind &&
	       (!a->table || !b->table || !strcmp(a->table->logical, b->table->logical)) &&
	       same(a->index, b->index);
}

/* Does `p` allow every (action, resource) of `q`'s statement `s`? */
static bool covers(const Policy *p, const Statement *s)
{
	for (size_t a = 0; a < s->nactions; a++)
		for (size_t r = 0; r < s->nres; r++) {
			bool found = false;
			for (size_t i = 0; i < p->nstmts && !found; i++) {
				const Statement *t = &p->stmts[i];
				bool act = false, res = false;
				for (size_t j = 0; j < t->nactions && !act; j++)
					act = !strcmp(t->actions[j], s->actions[a]) ||
					      !strcmp(t->actions[j], "dynamodb:*");
				for (size_t j = 0; j < t->nres && !res; j++)
					res = same_res(&t->res[j], &s->res[r]);
				found = act && res;
			}
			if (!found)
				return false;
		}
	return true;
}

static bool same_leading_keys(const Policy *a, const Policy *b)
{
	if (a->nleading_keys != b->nleading_keys)
		return false;
	for (size_t i = 0; i < a->nleading_keys; i++)
		if (strcmp(a->leading_keys[i], b->leading_keys[i]))
			return false;
	return true;
}

static void diff_policies(Differ *f, const Model *m0, const Model *m1)
{
	for (size_t i = 0; i < m0->npolicies; i++) {
		const Policy *p0 = &m0->policies[i];
		const Policy *p1 = find_policy(m1, p0->name);
		if (!p1) {
			change(f, "D207", p0->decl->at, "policy '%s' of role '%s' is "
			       "removed", p0->name, p0->role);
			continue;
		}
		bool narrowed = p1->nleading_keys && !same_leading_keys(p0, p1);
		for (size_t s = 0; s < p0->nstmts && !narrowed; s++)
			narrowed = !covers(p1, &p0->stmts[s]);
		if (narrowed) {
			change(f, "D207", p1->decl->at, "policy '%s' of role '%s' is "
			       "narrowed", p1->name, p1->role);
			continue;
		}
		bool widened = p0->nleading_keys && !p1->nleading_keys;
		for (size_t s = 0; s < p1->nstmts && !widened; s++)
			widened = !covers(p0, &p1->stmts[s]);
		if (widened)
			change(f, "D307", p1->decl->at, "policy '%s' of role '%s' is "
			       "widened", p1->name, p1->role);
	}
	for (size_t i = 0; i < m1->npolicies; i++)
		if (!find_policy(m0, m1->policies[i].name))
			change(f, "D307", m1->policies[i].decl->at, "policy '%s' of "
			       "role '%s' is added", m1->policies[i].name,
			       m1->policies[i].role);
}

/* ---- environments */

static void diff_env(Differ *f, const Model *m0, const Model *m1)
{
	for (size_t i = 0; i < m1->ntables; i++) {
		const Table *t1 = &m1->tables[i];
		const Table *t0 = find_table(m0, t1->logical);
		f->subject = t1->logical;
		if (t0) {
			const char *s0 = m0->stacks[t0->stack].id;
			const char *s1 = m1->stacks[t1->stack].id;
			if (strcmp(s0, s1)) {
				Diag *dg = change(f, "D112", t1->at,
						  "table '%s' moves from CloudFormation "
						  "stack '%s' (cloudformation%s%s.yaml) to "
						  "stack '%s' (cloudformation%s%s.yaml); "
						  "the new stack cannot create a table "
						  "the old one keeps", t1->logical, s0,
						  *s0 ? "." : "", s0, s1, *s1 ? "." : "",
						  s1);
				diag_help(dg, f->d, "deploy the old stack without it "
					  "(it is retained), import it into the new "
					  "stack (a change set of type IMPORT), then "
					  "pass --allow D112");
			}
			diff_table(f, t0, t1);
			continue;
		}
		/* a table under a new logical name, with an old one's name */
		const Table *moved = NULL;
		for (size_t j = 0; j < m0->ntables && !moved; j++)
			if (!find_table(m1, m0->tables[j].logical) &&
			    !strcmp(m0->tables[j].physical, t1->physical))
				moved = &m0->tables[j];
		if (moved) {
			Diag *dg = change(f, "D106", t1->at, "table '%s' becomes '%s' "
					  "with the same physical name '%s'; the stack "
					  "deletes and creates it", moved->logical,
					  t1->logical, t1->physical);
			diag_help(dg, f->d, "keep the logical name '%s' (and set "
				  "`name:` if the name must change)", moved->logical);
		} else {
			change(f, "D305", t1->at, "table '%s' is added", t1->logical);
		}
	}
	for (size_t i = 0; i < m0->ntables; i++) {
		const Table *t0 = &m0->tables[i];
		f->subject = t0->logical;
		if (find_table(m1, t0->logical))
			continue;
		bool moved = false;
		for (size_t j = 0; j < m1->ntables && !moved; j++)
			moved = !find_table(m0, m1->tables[j].logical) &&
				!strcmp(m1->tables[j].physical, t0->physical);
		if (moved)
			continue; /* reported as D106 */
		Diag *dg = change(f, "D100", t0->at, "table '%s' ('%s') is removed%s",
				  t0->logical, t0->physical,
				  t0->deletion_policy == DP_DELETE
					  ? "; its deletion_policy is delete, so its "
					    "data is deleted"
					  : "; CloudFormation leaves it outside the "
					    "stack");
		diag_help(dg, f->d, "if that is intended, pass --allow D100 or add "
			  "`# tablec: allow D100` to the spec");
	}
	f->subject = NULL;
	diff_policies(f, m0, m1);
}

static const Model *model_of(const Compilation *c, const char *env)
{
	for (size_t i = 0; c->spec && i < c->spec->nenvs; i++)
		if (!strcmp(c->spec->envs[i].name, env))
			return c->models[i];
	return NULL;
}

void diff_specs(Arena *a, Diags *d, const Compilation *old,
		const Compilation *new, const char *const *envs, size_t nenvs,
		const char *const *allow, size_t nallow)
{
	Differ f = {.a = a, .d = d, .spec = new->spec, .allow = allow,
		    .nallow = nallow, .spec_allow = new->spec->src->text};
	const Spec *s1 = new->spec, *s0 = old->spec;
	d->all_envs = arena_alloc(a, (s1->nenvs + 1) * sizeof *d->all_envs);
	d->nall_envs = 0;
	for (size_t i = 0; i < s1->nenvs; i++) {
		const Env *e = &s1->envs[i];
		bool want = !nenvs;
		for (size_t j = 0; j < nenvs && !want; j++)
			want = !strcmp(envs[j], e->name);
		if (!want)
			continue;
		d->all_envs[d->nall_envs++] = e->name;
		d->env = e->name;
		const Model *m0 = model_of(old, e->name), *m1 = new->models[i];
		if (m0) {
			diff_env(&f, m0, m1);
		} else {
			d->env = NULL; /* it holds for the new environment only */
			change(&f, "D305", e->at, "environment '%s' is added", e->name);
		}
	}
	d->env = NULL;
	for (size_t i = 0; !nenvs && i < s0->nenvs; i++) {
		const Env *e = &s0->envs[i];
		if (model_of(new, e->name))
			continue;
		change(&f, "D210", e->at, "environment '%s' is removed; its stacks "
		       "are no longer generated but still exist", e->name);
	}
	diag_finish(d);
}
