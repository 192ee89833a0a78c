/*
 * test_resolve.c: unit tests of resolve.c and the typed accessors of
 * parse.c: the resolution order, key-by-key merging of mappings, null
 * resetting a property, and name patterns.
 */
#include "tablec.h"
#include "unit.h"

#include <string.h>

static const char spec_text[] =
	"tablec: 1\n"
	"environments:\n"
	"  staging: { set: { pitr: false } }\n"
	"  production:\n"
	"    set: { pitr: true, tags: { tier: gold } }\n"
	"    tables: { t: { billing: provisioned, ttl: ~ } }\n"
	"defaults: { billing: on_demand, tags: { app: x, team: a } }\n"
	"tables:\n"
	"  t: { key: id, ttl: exp, tags: { team: b }, pitr: true }\n";

static void test_resolution_order(void)
{
	Arena *a = arena_new();
	Diags d = {.arena = a};
	Source *src = diag_source_new(a, "s.yaml", spec_text, strlen(spec_text));
	Node *root = load_yaml(a, &d, src);
	Spec *s = parse_spec(a, &d, src, root);
	ASSERT(s && d.n == 0 && s->nenvs == 2);

	Resolved *st = resolve_env(a, &d, s, &s->envs[0]);
	Node *p = st[0].props;
	ASSERT(!strcmp(node_get(p, "pitr")->str, "false"));   /* set wins */
	ASSERT(!strcmp(node_get(p, "billing")->str, "on_demand"));
	Node *tags = node_get(p, "tags");
	ASSERT(!strcmp(node_get(tags, "app")->str, "x"));     /* merged */
	ASSERT(!strcmp(node_get(tags, "team")->str, "b"));    /* table wins */
	ASSERT(!strcmp(node_get(p, "ttl")->str, "exp"));

	Resolved *pr = resolve_env(a, &d, s, &s->envs[1]);
	p = pr[0].props;
	ASSERT(!strcmp(node_get(p, "billing")->str, "provisioned"));
	ASSERT(node_is_null(node_get(p, "ttl")));               /* reset */
	tags = node_get(p, "tags");
	ASSERT(tags->npairs == 3 && !strcmp(node_get(tags, "tier")->str, "gold"));
	/* the merged value keeps the location it was written at */
	ASSERT(node_get(p, "billing")->loc.line == 6);
	arena_free(a);
}

static void test_patterns(void)
{
	static const char *const allowed[] = {"env", "project", "name",
					      "account", NULL};
	Arena *a = arena_new();
	Diags d = {.arena = a};
	Node n = {.kind = NODE_SCALAR};
	Placeholders ph = {.env = "prod", .project = "shop", .name = "orders"};
	const char *r = names_expand(a, &d, &n, "${project}-${env}-${name}$$",
				       &ph, allowed);
	ASSERT(r && !strcmp(r, "shop-prod-orders$") && d.n == 0);
	ASSERT(!names_expand(a, &d, &n, "${enviroment}", &ph, allowed));
	ASSERT(d.n == 1 && !strcmp(d.items[0].code, "E219"));
	ASSERT(d.items[0].help && strstr(d.items[0].help, "${env}"));
	ASSERT(!names_expand(a, &d, &n, "${account}-x", &ph, allowed));
	ASSERT(d.n == 2 && !strcmp(d.items[1].code, "E238"));
	ASSERT(!names_expand(a, &d, &n, "${region}", &ph, allowed)); /* not allowed here */
	ASSERT(!names_expand(a, &d, &n, "x${env", &ph, allowed));
	arena_free(a);
}

static void test_accessors(void)
{
	Arena *a = arena_new();
	Diags d = {.arena = a};
	Node yes = {.kind = NODE_SCALAR, .str = "yes", .len = 3};
	Node t = {.kind = NODE_SCALAR, .str = "true", .len = 4};
	Node qt = {.kind = NODE_SCALAR, .str = "true", .len = 4, .quoted = true};
	Node num = {.kind = NODE_SCALAR, .str = "-12", .len = 3};
	Node big = {.kind = NODE_SCALAR, .str = "99999999999999999999", .len = 20};
	bool b = false;
	long long v = 0;
	ASSERT(node_want_bool(&d, &t, "x", &b) && b);
	ASSERT(!node_want_bool(&d, &yes, "x", &b));
	ASSERT(!node_want_bool(&d, &qt, "x", &b));
	ASSERT(node_want_int(&d, &num, "x", &v) && v == -12);
	ASSERT(!node_want_int(&d, &big, "x", &v));
	ASSERT(d.n == 3);
	static const char *const cands[] = {"billing", "capacity", NULL};
	Diags dd = {.arena = a};
	ASSERT(!strcmp(diag_suggest(&dd, "biling", cands, 2), "billing"));
	ASSERT(diag_suggest(&dd, "zzz", cands, 2) == NULL);
	arena_free(a);
}

int main(void)
{
	test_resolution_order();
	test_patterns();
	test_accessors();
	return unit_done();
}
