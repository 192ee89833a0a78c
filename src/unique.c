/*
 * unique.c: what must differ between the tables of one environment:
 * physical names, the identifiers derived from logical names, env_var
 * names and export names. Each is sorted and compared with its neighbour,
 * O(n log n) over thousands of tables, and one clash is one diagnostic
 * however many derived names show it.
 */
#include "tablec.h"

#include <stdlib.h>
#include <string.h>

typedef struct NameRef {
	const char *name;
	size_t table; /* index in the model: ties sort in spec order */
} NameRef;

static int nameref_cmp(const void *pa, const void *pb)
{
	const NameRef *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return (a->table > b->table) - (a->table < b->table);
}

/* Pairs of tables already reported as clashing, so that one clash is one
 * diagnostic even where it shows in several derived names. */
typedef struct Clashes {
	size_t (*pairs)[2];
	size_t n, cap;
} Clashes;

/*
 * Reports every name of `refs` that a later table repeats. Sorting keeps
 * this O(n log n) for specs of thousands of tables.
 */
static void report_duplicates(Validator *v, NameRef *refs, size_t n, const char *code,
			      const char *what, Clashes *seen)
{
	qsort(refs, n, sizeof *refs, nameref_cmp);
	for (size_t i = 1; i < n; i++) {
		size_t first = i - 1;
		while (first > 0 && !strcmp(refs[first - 1].name, refs[i].name))
			first--;
		if (strcmp(refs[first].name, refs[i].name) ||
		    refs[first].table == refs[i].table)
			continue;
		size_t a = refs[first].table, b = refs[i].table;
		bool dup = false;
		for (size_t k = 0; seen && k < seen->n && !dup; k++)
			dup = seen->pairs[k][0] == a && seen->pairs[k][1] == b;
		if (dup)
			continue;
		if (seen) {
			size_t *pair = *VEC_PUSH(v->a, seen->pairs, seen->n, seen->cap);
			pair[0] = a;
			pair[1] = b;
		}
		const Table *u = &v->m->tables[a];
		const Table *t = &v->m->tables[b];
		Diag *dg = diag_report(v->d, code, t->at->loc,
				       "tables '%s' and '%s' %s '%s'",
				       u->logical, t->logical, what, refs[i].name);
		diag_note(dg, v->d, u->at->loc, "'%s' is defined here", u->logical);
		if (!strcmp(code, "E205"))
			diag_help(dg, v->d, "set a distinct `name:` on one of them");
		else if (!strcmp(code, "E228"))
			diag_help(dg, v->d, "generated identifiers drop the "
				  "separators (- _ .) of names; rename one of the tables");
	}
}

void unique_check(Validator *v)
{
	Model *m = v->m;
	NameRef *refs = arena_alloc(v->a, (3 * m->ntables + 1) * sizeof *refs);
	size_t n;
	Clashes ids = {0}, exports = {0};
#define COLLECT(expr)                                                         \
	do {                                                                  \
		n = 0;                                                        \
		for (size_t i = 0; i < m->ntables; i++) {                     \
			const Table *t = &m->tables[i];                       \
			expr;                                                 \
		}                                                             \
	} while (0)
#define ADD(str) (refs[n].name = (str), refs[n++].table = i)

	COLLECT(if (t->physical) ADD(t->physical));
	report_duplicates(v, refs, n, "E205", "are both named", NULL);
	COLLECT(ADD(t->id));
	report_duplicates(v, refs, n, "E228", "both become identifier", &ids);
	COLLECT(ADD(t->ident));
	report_duplicates(v, refs, n, "E228", "both become identifier", &ids);
	/* the env file also writes NAME_TTL_SECONDS for a TTL retention */
	Clashes vars = {0};
	COLLECT(if (t->env_var) {
		ADD(t->env_var);
		if (t->retention)
			ADD(arena_printf(v->a, "%s_TTL_SECONDS", t->env_var));
	});
	report_duplicates(v, refs, n, "E227", "both use env_var", &vars);
	/* a table exports NAME, NAMEArn and, with a stream, NAMEStreamArn */
	COLLECT(if (t->export_name) {
		ADD(t->export_name);
		ADD(arena_printf(v->a, "%sArn", t->export_name));
		if (t->stream != STREAM_OFF)
			ADD(arena_printf(v->a, "%sStreamArn", t->export_name));
	});
	report_duplicates(v, refs, n, "E227", "both export", &exports);
#undef ADD
#undef COLLECT
}
