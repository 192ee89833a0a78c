/*
 * test_lower.c: unit tests of lower.c: a spec compiled in memory, lowered,
 * and its IR read back where a template relies on it.
 */
#include "tablec.h"
#include "unit.h"

#include <string.h>

static Ir *lower(Compilation *c, const char *text, size_t env)
{
	compile_source(c, "spec.yaml", text, strlen(text));
	if (c->diags.errors || !c->spec) {
		diag_print(&c->diags, FMT_TEXT, stderr, false);
		return NULL;
	}
	return lower_model(c->models[env], "spec.yaml");
}

static bool is(const Ir *v, const char *s)
{
	return v && ir_text(v) && !strcmp(ir_text(v), s);
}

static void test_table(void)
{
	Compilation c;
	Ir *ir = lower(&c,
		"tablec: 1\n"
		"environments: { dev: { region: us-east-1, account: \"111122223333\" } }\n"
		"tables:\n"
		"  orders:\n"
		"    attributes: { id: S, ts: N, note: S, cust: S }\n"
		"    key: [id, ts]\n"
		"    indexes: { by-cust: { key: [cust, ts], projection: [note] } }\n"
		"    stream: keys_only\n"
		"    export: Orders\n", 0);
	ASSERT(ir != NULL);
	Ir *t = ir_at(ir_get(ir, "tables"), 0);
	ASSERT(is(ir_get(t, "name"), "orders"));
	ASSERT(is(ir_get(t, "arn"), "arn:aws:dynamodb:us-east-1:111122223333:table/orders"));
	/* attribute definitions: key attributes only, each once */
	Ir *defs = ir_get(t, "attribute_definitions");
	ASSERT(ir_len(defs) == 3);
	ASSERT(is(ir_get(ir_at(defs, 2), "name"), "cust"));
	ASSERT(is(ir_get(t, "billing_mode"), "PAY_PER_REQUEST"));
	ASSERT(json_is_null(ir_get(t, "capacity")));
	Ir *gsi = ir_at(ir_get(t, "global_indexes"), 0);
	ASSERT(is(ir_get(ir_get(gsi, "projection"), "type"), "INCLUDE"));
	ASSERT(is(ir_get(ir_get(t, "stream"), "view_type"), "KEYS_ONLY"));
	/* CreateTable's input holds only what differs from AWS's defaults */
	Ir *ct = ir_get(ir_get(t, "api"), "create_table");
	ASSERT(is(ir_get(ct, "BillingMode"), "PAY_PER_REQUEST"));
	ASSERT(ir_get(ct, "ProvisionedThroughput") == NULL);
	ASSERT(ir_get(ct, "SSESpecification") == NULL);
	ASSERT(ir_get(ct, "TableClass") == NULL);
	Ir *e = ir_get(t, "export");
	ASSERT(is(ir_get(e, "name_export"), "dev-Orders"));
	ASSERT(is(ir_get(e, "stream_arn_export"), "dev-OrdersStreamArn"));
	ASSERT(ir_get(ir, "stacks") == NULL); /* one stack */
	ir_free(ir);
	compile_release(&c);
}

/* A split environment: a policy's part in each stack, named once. */
static void test_stacks(void)
{
	Compilation c;
	Ir *ir = lower(&c,
		"tablec: 1\n"
		"cloudformation: { split: true, max_resources: 2 }\n"
		"tables:\n"
		"  aaa: { attributes: { id: S }, key: id }\n"
		"  bbb: { attributes: { id: S }, key: id }\n"
		"  ccc: { attributes: { id: S }, key: id }\n"
		"grants:\n"
		"  - { role: app, access: write, tables: \"*\", policy_name: w }\n", 0);
	ASSERT(ir != NULL);
	Ir *stacks = ir_get(ir, "stacks");
	ASSERT(stacks && ir_len(stacks) >= 2);
	size_t named_w = 0, suffixed = 0;
	for (size_t s = 0; stacks && s < ir_len(stacks); s++) {
		Ir *pols = ir_get(ir_at(stacks, s), "policies");
		for (size_t p = 0; p < ir_len(pols); p++) {
			const char *n = ir_text(ir_get(ir_at(pols, p), "name"));
			named_w += !strcmp(n, "w");
			suffixed += !strncmp(n, "w-", 2);
		}
	}
	/* the first stack with a part keeps the name, the others suffix it */
	ASSERT(named_w == 1 && suffixed == ir_len(stacks) - 1);
	ir_free(ir);
	compile_release(&c);
}

int main(void)
{
	test_table();
	test_stacks();
	validate_cleanup();
	return unit_done();
}
