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
