/*
 * test_load.c: unit tests of load.c and diag.c: locations of keys and
 * values, aliases and merge keys, duplicate keys, the limits on hostile
 * input, and how diagnostics of several environments are folded.
 */
#include "tablec.h"
#include "unit.h"

#include <string.h>

typedef struct Fixture {
	Arena *a;
	Diags d;
	Node *root;
} Fixture;

static Fixture load(const char *text)
{
	Fixture f = {0};
	f.a = arena_new();
	f.d.arena = f.a;
	Source *src = diag_source_new(f.a, "t.yaml", text, strlen(text));
	f.root = load_yaml(f.a, &f.d, src);
	diag_finish(&f.d);
	return f;
}

static bool has_code(const Fixture *f, const char *code, int line, int col)
{
	for (size_t i = 0; i < f->d.n; i++)
		if (!strcmp(f->d.items[i].code, code) &&
		    f->d.items[i].loc.line == line && f->d.items[i].loc.col == col)
			return true;
	return false;
}

static void test_locations(void)
{
	Fixture f = load("tablec: 1\ntables:\n  orders:\n    key: id\n");
	ASSERT(f.root && f.d.n == 0);
	Node *t = node_get(node_get(f.root, "tables"), "orders");
	ASSERT(t && t->kind == NODE_MAP);
	ASSERT(t->pairs[0].key->loc.line == 4 && t->pairs[0].key->loc.col == 5);
	ASSERT(t->pairs[0].key->loc.len == 3);
	Node *k = node_get(t, "key");
	ASSERT(k->loc.line == 4 && k->loc.col == 10 && !k->quoted);
	ASSERT(!strcmp(k->str, "id"));
	arena_free(f.a);
}

static void test_scalars(void)
{
	Fixture f = load("a: \"1\"\nb: 1\nc: !!str 2\nd: |\n  x\n");
	ASSERT(node_get(f.root, "a")->quoted);
	ASSERT(!node_get(f.root, "b")->quoted);
	ASSERT(node_get(f.root, "c")->quoted);
	ASSERT(!strcmp(node_get(f.root, "d")->str, "x\n"));
	arena_free(f.a);
}

static void test_aliases_and_merge(void)
{
	Fixture f = load("base: &b { billing: on_demand, pitr: true }\n"
			 "t: { <<: *b, pitr: false, tags: *b }\n");
	ASSERT(f.root && f.d.n == 0);
	Node *t = node_get(f.root, "t");
	ASSERT(t->npairs == 3); /* pitr, tags, then billing from the merge */
	ASSERT(!strcmp(node_get(t, "pitr")->str, "false"));
	ASSERT(!strcmp(node_get(t, "billing")->str, "on_demand"));
	ASSERT(node_get(t, "tags") == node_get(f.root, "base")); /* shared */
	arena_free(f.a);

	f = load("a: 1\nb: *nope\n");
	ASSERT(!f.root && has_code(&f, "E010", 2, 4));
	arena_free(f.a);

	f = load("a: { <<: 1 }\n");
	ASSERT(!f.root && has_code(&f, "E009", 1, 10));
	arena_free(f.a);
}

static void test_duplicates(void)
{
	Fixture f = load("a: 1\nb: 2\na: 3\n");
	ASSERT(has_code(&f, "E007", 3, 1));
	ASSERT(f.d.items[0].note_loc.line == 1);
	arena_free(f.a);
}

static void test_limits(void)
{
	/* an alias bomb is refused without expanding it */
	Strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 12; i++) {
		strbuf_addf(&sb, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			strbuf_addf(&sb, "%s*a%d", j ? ", " : "", i - 1);
		strbuf_addstr(&sb, "]\n");
	}
	Fixture f = load(sb.buf);
	ASSERT(!f.root && f.d.n == 1 && !strcmp(f.d.items[0].code, "E004"));
	arena_free(f.a);

	strbuf_reset(&sb);
	strbuf_addstr(&sb, "a: ");
	for (int i = 0; i < 200; i++)
		strbuf_addch(&sb, '[');
	for (int i = 0; i < 200; i++)
		strbuf_addch(&sb, ']');
	f = load(sb.buf);
	ASSERT(!f.root && !strcmp(f.d.items[0].code, "E005"));
	arena_free(f.a);
	strbuf_release(&sb);

	f = load("a: 1\n---\nb: 2\n");
	ASSERT(!f.root && !strcmp(f.d.items[0].code, "E008"));
	arena_free(f.a);

	f = load("# only a comment\n");
	ASSERT(!f.root && !strcmp(f.d.items[0].code, "E003"));
	arena_free(f.a);

	f = load("a: \"x\\0y\"\n");
	ASSERT(!f.root && !strcmp(f.d.items[0].code, "E002"));
	arena_free(f.a);

	f = load("a: !Ref x\n");
	ASSERT(!f.root && !strcmp(f.d.items[0].code, "E009"));
	arena_free(f.a);

	f = load("a: [1\n");
	ASSERT(!f.root && !strcmp(f.d.items[0].code, "E001"));
	arena_free(f.a);
}

static void test_utf8(void)
{
	const char text[] = "a: 1\nb: \"\xc3\xa9\xff\"\n";
	Fixture f = load(text);
	ASSERT(!f.root && has_code(&f, "E002", 2, 6));
	arena_free(f.a);
}

/* diag_finish folds what several environments reported at one place */
static void test_fold_environments(void)
{
	Arena *a = arena_new();
	Diags d = {.arena = a};
	const char *envs[] = {"staging", "production"};
	d.all_envs = envs;
	d.nall_envs = 2;
	Source *src = diag_source_new(a, "s.yaml", "x: 1\ny: 2\n", 10);
	Loc l1 = {src, 1, 1, 1}, l2 = {src, 2, 1, 1};
	for (int i = 0; i < 2; i++) {
		d.env = envs[i];
		diag_report(&d, "E101", l1, "everywhere");
	}
	d.env = "production";
	diag_report(&d, "E101", l2, "only here");
	d.env = NULL;
	diag_report(&d, "W001", l2, "no environment");
	diag_finish(&d);
	ASSERT(d.n == 3 && d.errors == 2 && d.warnings == 1);
	ASSERT(!strcmp(d.items[0].msg, "everywhere") && d.items[0].nenvs == 0);
	ASSERT(!strcmp(d.items[1].msg, "only here") && d.items[1].nenvs == 1);
	ASSERT(!strcmp(d.items[1].envs[0], "production"));
	ASSERT(!strcmp(d.items[2].code, "W001") && d.items[2].nenvs == 0);
	arena_free(a);
}

int main(void)
{
	test_locations();
	test_scalars();
	test_aliases_and_merge();
	test_duplicates();
	test_limits();
	test_utf8();
	test_fold_environments();
	return unit_done();
}
