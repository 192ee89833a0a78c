/*
 * test_validate.c: unit tests of the validation stage (validate.c, props.c,
 * unique.c, grants.c): specs compiled in memory, the Model read back.
 * Golden cases check the diagnostics; these check what a valid spec
 * becomes.
 */
#include "tablec.h"
#include "unit.h"

#include <string.h>

static Compilation compile(const char *text)
{
	Compilation c;
	compile_source(&c, "spec.yaml", text, strlen(text));
	return c;
}

static const Table *table(const Model *m, const char *name)
{
	for (size_t i = 0; i < m->ntables; i++)
		if (!strcmp(m->tables[i].logical, name))
			return &m->tables[i];
	return NULL;
}

static bool has_action(const Statement *s, const char *action)
{
	for (size_t i = 0; i < s->nactions; i++)
		if (!strcmp(s->actions[i], action))
			return true;
	return false;
}

/* Defaults, the table, the environment's set and override, in order. */
static void test_resolution(void)
{
	Compilation c = compile(
		"tablec: 1\n"
		"project: shop\n"
		"naming: { table: \"${env}-${name}\" }\n"
		"environments:\n"
		"  dev: { region: eu-west-1, account: \"111122223333\" }\n"
		"  prod:\n"
		"    region: eu-west-1\n"
		"    set: { pitr: true }\n"
		"    tables: { orders: { billing: provisioned,\n"
		"                        capacity: { read: 5, write: 7 } } }\n"
		"defaults: { tags: { team: core } }\n"
		"tables:\n"
		"  orders:\n"
		"    attributes: { id: S, sk: N, cust: S }\n"
		"    key: [id, sk]\n"
		"    tags: { app: shop }\n"
		"    indexes: { by-cust: { key: cust, projection: keys_only } }\n");
	ASSERT(c.spec && !c.diags.errors && c.spec->nenvs == 2);
	const Table *dev = table(c.models[0], "orders");
	const Table *prod = table(c.models[1], "orders");
	ASSERT(dev && prod);
	ASSERT(!strcmp(dev->physical, "dev-orders"));
	ASSERT(!strcmp(prod->physical, "prod-orders"));
	ASSERT(!dev->pitr && prod->pitr);
	ASSERT(!dev->provisioned && prod->provisioned);
	ASSERT(prod->cap.read == 5 && prod->cap.write == 7);
	/* an index without capacity takes the table's */
	ASSERT(prod->ngsis == 1 && prod->gsis[0].cap.set &&
	       prod->gsis[0].cap.read == 5 && prod->gsis[0].cap.write == 7);
	ASSERT(!dev->gsis[0].cap.set);
	ASSERT(prod->gsis[0].proj == PROJ_KEYS_ONLY);
	/* tags merge key by key */
	ASSERT(dev->ntags == 2);
	ASSERT(!strcmp(dev->key.pk, "id") && !strcmp(dev->key.sk, "sk"));
	ASSERT(!strcmp(dev->id, "Orders") && !strcmp(dev->ident, "orders"));
	compile_release(&c);
}

/* Access levels are fixed action sets; reads cover index ARNs. */
static void test_grants(void)
{
	Compilation c = compile(
		"tablec: 1\n"
		"tables:\n"
		"  orders:\n"
		"    attributes: { id: S, cust: S }\n"
		"    key: id\n"
		"    stream: new_image\n"
		"    indexes: { by-cust: { key: cust } }\n"
		"grants:\n"
		"  - { role: app, access: read_write, tables: [orders] }\n"
		"  - { role: tenant, access: read, tables: [orders],\n"
		"      leading_keys: [\"${aws:PrincipalTag/tenant}\"] }\n"
		"  - { role: pipe, access: stream_read, tables: \"*\" }\n");
	ASSERT(c.spec && !c.diags.errors);
	const Model *m = c.models[0];
	ASSERT(m->npolicies == 3);
	const Policy *rw = &m->policies[0];
	ASSERT(rw->nstmts == 2);
	ASSERT(!strcmp(rw->stmts[0].sid, "Read") && !strcmp(rw->stmts[1].sid, "Write"));
	ASSERT(has_action(&rw->stmts[0], "dynamodb:Scan"));
	ASSERT(has_action(&rw->stmts[1], "dynamodb:PutItem"));
	/* reads: the table and its indexes; writes: the table only */
	ASSERT(rw->stmts[0].nres == 2 && rw->stmts[0].res[1].kind == RES_INDEX &&
	       !strcmp(rw->stmts[0].res[1].index, "*"));
	ASSERT(rw->stmts[1].nres == 1 && rw->stmts[1].res[0].kind == RES_TABLE);
	/* a LeadingKeys condition cannot limit a Scan: it is left out */
	const Policy *lk = &m->policies[1];
	ASSERT(lk->nleading_keys == 1 && lk->stmts[0].leading_keys);
	ASSERT(!has_action(&lk->stmts[0], "dynamodb:Scan"));
	ASSERT(has_action(&lk->stmts[0], "dynamodb:Query"));
	/* stream_read: the stream, and ListStreams on "*" */
	const Policy *sr = &m->policies[2];
	ASSERT(sr->nstmts == 2 && sr->stmts[0].res[0].kind == RES_STREAM &&
	       sr->stmts[1].res[0].kind == RES_ANY);
	/* derived names: project-less, environment and role */
	ASSERT(!strcmp(rw->name, "default-app-dynamodb"));
	compile_release(&c);
}

/* Grants' lists: duplicates are E241, unknown names E215/E216. */
static void test_grant_lists(void)
{
	Compilation c = compile(
		"tablec: 1\n"
		"tables:\n"
		"  orders: { attributes: { id: S, c: S }, key: id,\n"
		"            indexes: { by-c: { key: c } } }\n"
		"grants:\n"
		"  - { role: app, access: read, tables: [orders, orders, ordrs],\n"
		"      indexes: [by-c, by-c, by-x] }\n");
	ASSERT(c.spec && c.diags.errors == 4);
	size_t e241 = 0, e215 = 0, e216 = 0;
	for (size_t i = 0; i < c.diags.n; i++) {
		e241 += !strcmp(c.diags.items[i].code, "E241");
		e215 += !strcmp(c.diags.items[i].code, "E215");
		e216 += !strcmp(c.diags.items[i].code, "E216");
	}
	ASSERT(e241 == 2 && e215 == 1 && e216 == 1);
	compile_release(&c);
}

int main(void)
{
	test_resolution();
	test_grants();
	test_grant_lists();
	validate_cleanup();
	return unit_done();
}
