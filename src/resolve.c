/*
 * resolve.c: a Spec and one environment -> the property mapping of every
 * table, merged in the language's resolution order:
 *
 *   built-in defaults < `defaults` < the table < the environment's `set`
 *     < the environment's `tables.<name>`
 *
 * Two mappings merge key by key, recursively (tags, capacity, an index's
 * settings); anything else is replaced by the later layer, and so is a
 * key, which is one value in any of its forms. A null value
 * (`ttl: ~`) in a later layer removes the property, so an environment can
 * turn something back to its built-in default. Built-in defaults are not
 * nodes: validate.c applies them to whatever is absent.
 *
 * The merge works on nodes, not on typed values, so every value keeps the
 * location it was written at: an error that comes from production's
 * override points at the override.
 *
 * This file also expands name patterns (`${env}-${name}`).
 */
#include "tablec.h"

#include <string.h>

static Node *merge(Arena *a, Node *base, Node *over, const char *name)
{
	if (!base)
		return over;
	if (!over)
		return base;
	/* a key is one value: `{partition: b}` over `{partition: a, sort: c}`
	 * is the key b, not [b, c] */
	if (base->kind != NODE_MAP || over->kind != NODE_MAP ||
	    (name && !strcmp(name, "key") &&
	     (node_get(over, "partition") || node_get(over, "sort"))))
		return over;
	Node *m = arena_alloc(a, sizeof *m);
	*m = *over;
	m->pairs = arena_alloc(a, (base->npairs + over->npairs + 1) * sizeof *m->pairs);
	m->npairs = 0;
	for (size_t i = 0; i < base->npairs; i++) {
		Pair p = base->pairs[i];
		const Pair *o = node_pair(over, p.key->str);
		if (o) {
			p.value = merge(a, p.value, o->value, p.key->str);
			p.key = o->key;
		}
		m->pairs[m->npairs++] = p;
	}
	for (size_t j = 0; j < over->npairs; j++)
		if (!node_pair(base, over->pairs[j].key->str))
			m->pairs[m->npairs++] = over->pairs[j];
	node_index(a, m);
	return m;
}

static Node *mapping_or_null(Node *n)
{
	return n && n->kind == NODE_MAP ? n : NULL;
}

Resolved *resolve_env(Arena *a, Diags *d, const Spec *spec, const Env *env)
{
	(void)d;
	Resolved *r = arena_alloc(a, (spec->ntables + 1) * sizeof *r);
	for (size_t i = 0; i < spec->ntables; i++) {
		const TableDecl *t = &spec->tables[i];
		Node *props = merge(a, mapping_or_null(spec->defaults), t->body, NULL);
		props = merge(a, props, mapping_or_null(env->set), NULL);
		if (env->tables)
			props = merge(a, props,
				      mapping_or_null(node_get(env->tables, t->name)),
				      NULL);
		r[i].decl = t;
		r[i].props = props;
	}
	return r;
}

static const char *ph_value(const Placeholders *ph, const char *name)
{
	if (!strcmp(name, "env"))
		return ph->env;
	if (!strcmp(name, "project"))
		return ph->project;
	if (!strcmp(name, "name"))
		return ph->name;
	if (!strcmp(name, "region"))
		return ph->region;
	if (!strcmp(name, "account"))
		return ph->account;
	if (!strcmp(name, "export"))
		return ph->export;
	if (!strcmp(name, "role"))
		return ph->role;
	return NULL;
}

const char *pattern_expand(Arena *a, Diags *d, const Node *pattern,
			   const char *text, const Placeholders *ph,
			   const char *const *allowed)
{
	Strbuf sb = STRBUF_INIT;
	bool ok = true;
	for (const char *p = text; *p;) {
		if (p[0] == '$' && p[1] == '$') {
			strbuf_addch(&sb, '$');
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			strbuf_addch(&sb, *p++);
			continue;
		}
		const char *end = strchr(p + 2, '}');
		if (!end) {
			Diag *dg = diag_report(d, "E219", pattern->loc,
					       "unterminated placeholder in '%.80s'", text);
			diag_help(dg, d, "close it with '}', or write $$ for a "
				  "literal $");
			ok = false;
			break;
		}
		char *name = arena_strndup(a, p + 2, (size_t)(end - p - 2));
		bool known = false;
		for (size_t i = 0; allowed[i] && !known; i++)
			known = !strcmp(allowed[i], name);
		const char *val = known ? ph_value(ph, name) : NULL;
		if (!known) {
			Strbuf list = STRBUF_INIT;
			size_t n = 0;
			for (; allowed[n]; n++)
				strbuf_addf(&list, "%s${%s}", n ? ", " : "", allowed[n]);
			Diag *dg = diag_report(d, "E219", pattern->loc,
					       "unknown placeholder '${%.40s}'", name);
			const char *m = did_you_mean(name, allowed, n);
			if (m)
				diag_help(dg, d, "did you mean '${%s}'? this pattern "
					  "takes %s", m, list.buf);
			else
				diag_help(dg, d, "this pattern takes %s", list.buf);
			strbuf_release(&list);
			ok = false;
		} else if (!val) {
			if (!strcmp(name, "account")) {
				Diag *dg = diag_report(d, "E238", pattern->loc,
						       "'${account}' is used but the "
						       "environment has no account");
				diag_help(dg, d, "set `account:` on the environment");
			} else {
				Diag *dg = diag_report(d, "E219", pattern->loc,
						       "'${%s}' is used but no %s is set",
						       name, name);
				if (!strcmp(name, "project"))
					diag_help(dg, d, "set `project:` at the top "
						  "of the spec");
				else if (!strcmp(name, "region"))
					diag_help(dg, d, "set `region:` on the "
						  "environment");
			}
			ok = false;
		} else {
			strbuf_addstr(&sb, val);
		}
		p = end + 1;
	}
	const char *out = ok ? arena_strndup(a, sb.buf, sb.len) : NULL;
	strbuf_release(&sb);
	return out;
}
