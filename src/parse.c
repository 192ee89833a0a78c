/*
 * parse.c: the node tree -> a Spec. This stage checks the structure of the
 * language (known keys, the kinds of values, required keys, environment
 * and grant shapes) and keeps table bodies as nodes: their meaning depends
 * on the environment and is decided after resolve.c has merged them.
 */
#include "tablec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const parse_table_keys[] = {
	"name", "description", "attributes", "key", "indexes",
	"local_indexes", "billing", "capacity", "on_demand_max", "ttl", "pitr",
	"encryption", "stream", "table_class", "deletion_protection",
	"deletion_policy", "contributor_insights", "tags", "export", "env_var",
	"access_patterns", NULL,
};

static const char *const top_keys[] = {
	"tablec", "project", "naming", "environments", "defaults", "tables",
	"grants", "cloudformation", NULL,
};
static const char *const naming_keys[] = {"table", "export", "policy", NULL};
static const char *const cfn_keys[] = {"split", "max_resources", NULL};
static const char *const env_keys[] = {"region", "account", "set", "tables",
				       NULL};
static const char *const grant_keys[] = {
	"role", "role_arn", "access", "actions", "tables", "indexes",
	"leading_keys", "environments", "policy_name", "managed", NULL,
};
/* the key lists above, for the schema generator (schema.c) */
const char *const *const parse_top_keys = top_keys;
const char *const *const parse_naming_keys = naming_keys;
const char *const *const parse_cfn_keys = cfn_keys;
const char *const *const parse_env_keys = env_keys;
const char *const *const parse_grant_keys = grant_keys;

/*
 * Checks a mapping of table properties and returns it without the keys it
 * reported as unknown: nothing reads them, and resolve.c should not merge
 * a hostile spec's many such keys once per table and environment.
 */
static Node *table_props(Arena *a, Diags *d, Node *map, const char *where)
{
	size_t unknown = node_check_keys(d, map, parse_table_keys, where);
	/* A property is merged into, and validated for, every table of every
	 * environment: bound it, so one written in `defaults` cannot cost
	 * tables x environments x its size. */
	size_t big = 0;
	for (size_t i = 0; i < map->npairs; i++) {
		const Node *v = map->pairs[i].value;
		if (v->weight <= SPEC_MAX_PROP_NODES)
			continue;
		big++;
		Diag *dg = diag_report(d, "E240", map->pairs[i].key->loc,
				       "'%.60s' is %zu YAML nodes, over tablec's "
				       "limit of %d for one table property",
				       map->pairs[i].key->str, v->weight,
				       SPEC_MAX_PROP_NODES);
		diag_help(dg, d, "no valid table needs that many (AWS allows 50 "
			  "tags, 20 global indexes); remove what is not needed");
	}
	if (!unknown && !big)
		return map;
	Node *m = arena_alloc(a, sizeof *m);
	*m = *map;
	m->pairs = arena_alloc(a, map->npairs * sizeof *m->pairs);
	m->npairs = 0;
	for (size_t i = 0; i < map->npairs; i++) {
		if (map->pairs[i].value->weight > SPEC_MAX_PROP_NODES)
			continue;
		for (size_t j = 0; parse_table_keys[j]; j++)
			if (!strcmp(parse_table_keys[j], map->pairs[i].key->str)) {
				m->pairs[m->npairs++] = map->pairs[i];
				break;
			}
	}
	node_index(a, m);
	return m;
}

/* ---- the spec */

/* Environment names become folder names: no '/', no '..'. */
static bool env_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

static bool project_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 64 || s[0] == '.' || s[0] == '-' || s[0] == '_')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* prod, production, prd, live, as a word of the name: prod-eu, eu_live. */
static bool looks_production(const char *s)
{
	static const char *const words[] = {"prod", "production", "prd", "live"};
	const char *p = s;
	while (*p) {
		const char *q = p;
		while (*q && *q != '-' && *q != '_')
			q++;
		for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
			if ((size_t)(q - p) == strlen(words[i]) &&
			    !strncasecmp(p, words[i], (size_t)(q - p)))
				return true;
		p = *q ? q + 1 : q;
	}
	return false;
}

static void parse_environments(Arena *a, Diags *d, Spec *s, Node *envs)
{
	size_t cap = 0;
	if (!node_want_map(d, envs, "environments"))
		return;
	if (envs->npairs > SPEC_MAX_ENVS) {
		diag_report(d, "E240", envs->loc,
			    "%zu environments, over tablec's limit of %d",
			    envs->npairs, SPEC_MAX_ENVS);
		return;
	}
	for (size_t i = 0; i < envs->npairs; i++) {
		Node *k = envs->pairs[i].key, *v = envs->pairs[i].value;
		if (!env_name_ok(k->str)) {
			Diag *dg = diag_report(d, "E231", k->loc,
				"environment name '%.60s' is not 1 to 64 characters "
				"of [A-Za-z0-9_-]", k->str);
			diag_help(dg, d, "it names the output folder; use e.g. "
				  "staging or prod-eu");
			continue;
		}
		Env *e = VEC_PUSH(a, s->envs, s->nenvs, cap);
		e->name = k->str;
		e->at = k;
		e->production = looks_production(k->str);
		if (node_is_null(v))
			continue;
		if (!node_want_map(d, v, k->str))
			continue;
		node_check_keys(d, v, env_keys, "an environment");
		e->region = node_get(v, "region");
		e->account = node_get(v, "account");
		if (e->region && node_is_null(e->region))
			e->region = NULL;
		if (e->account && node_is_null(e->account))
			e->account = NULL;
		e->set = node_get(v, "set");
		e->tables = node_get(v, "tables");
		const char *str;
		if (e->region && !node_want_str(d, e->region, "region", &str))
			e->region = NULL;
		if (e->account && !node_want_str(d, e->account, "account", &str))
			e->account = NULL;
		if (e->set && node_is_null(e->set))
			e->set = NULL;
		if (e->set && !node_want_map(d, e->set, "set"))
			e->set = NULL;
		if (e->set)
			e->set = table_props(a, d, e->set, "an environment's set");
		if (e->tables && node_is_null(e->tables))
			e->tables = NULL;
		if (e->tables && !node_want_map(d, e->tables, "tables"))
			e->tables = NULL;
		for (size_t j = 0; e->tables && j < e->tables->npairs; j++) {
			Node *tv = e->tables->pairs[j].value;
			if (node_is_null(tv))
				continue;
			if (node_want_map(d, tv, e->tables->pairs[j].key->str))
				e->tables->pairs[j].value =
					table_props(a, d, tv, "a table override");
		}
	}
	if (!s->nenvs && !envs->npairs) {
		diag_report(d, "E101", envs->loc,
			    "'environments' is empty; remove it for the single "
			    "environment 'default'");
	}
}

static void parse_grants(Arena *a, Diags *d, Spec *s, Node *grants)
{
	size_t cap = 0;
	if (!node_want_seq(d, grants, "grants"))
		return;
	if (grants->nitems > SPEC_MAX_GRANTS) {
		diag_report(d, "E240", grants->loc,
			    "%zu grants, over tablec's limit of %d",
			    grants->nitems, SPEC_MAX_GRANTS);
		return;
	}
	for (size_t i = 0; i < grants->nitems; i++) {
		Node *g = grants->items[i];
		if (!node_want_map(d, g, "grants[]"))
			continue;
		node_check_keys(d, g, grant_keys, "a grant");
		GrantDecl *gd = VEC_PUSH(a, s->grants, s->ngrants, cap);
		gd->at = g;
		gd->role = node_get(g, "role");
		gd->role_arn = node_get(g, "role_arn");
		gd->access = node_get(g, "access");
		gd->actions = node_get(g, "actions");
		gd->tables = node_get(g, "tables");
		gd->indexes = node_get(g, "indexes");
		gd->leading_keys = node_get(g, "leading_keys");
		gd->environments = node_get(g, "environments");
		gd->policy_name = node_get(g, "policy_name");
		gd->managed = node_get(g, "managed");
		/* a null value is the same as leaving the key out */
		Node **opt[] = {&gd->role, &gd->role_arn, &gd->access,
				&gd->actions, &gd->tables, &gd->indexes,
				&gd->leading_keys, &gd->environments,
				&gd->policy_name, &gd->managed};
		for (size_t k = 0; k < sizeof opt / sizeof opt[0]; k++)
			if (*opt[k] && node_is_null(*opt[k]))
				*opt[k] = NULL;
		Loc at = g->loc;
		if (gd->role && gd->role_arn) {
			Diag *dg = diag_report(d, "E105", gd->role_arn->loc,
				"a grant takes one of 'role' and 'role_arn', not both");
			diag_help(dg, d, "keep role for a role of the "
				  "environment's account, role_arn otherwise");
		} else if (!gd->role && !gd->role_arn) {
			diag_report(d, "E102", at,
				    "grant has no 'role' or 'role_arn'");
		}
		if (gd->access && gd->actions)
			diag_report(d, "E105", gd->actions->loc,
				    "a grant takes one of 'access' and 'actions', "
				    "not both");
		else if (!gd->access && !gd->actions)
			diag_report(d, "E102", at,
				    "grant has no 'access' or 'actions'");
		if (!gd->tables)
			diag_report(d, "E102", at, "grant has no 'tables'");
	}
}

Spec *parse_spec(Arena *a, Diags *d, const Source *src, Node *root)
{
	if (!node_want_map(d, root, "the spec"))
		return NULL;
	Spec *s = arena_alloc(a, sizeof *s);
	s->src = src;
	s->root = root;
	/* keys starting with x- are free for anchors (x-common: &common) */
	Node extensions = *root;
	extensions.pairs = arena_alloc(a, (root->npairs + 1) * sizeof *root->pairs);
	extensions.npairs = 0;
	extensions.index = NULL; /* root's index is of its own pairs */
	for (size_t i = 0; i < root->npairs; i++)
		if (strncmp(root->pairs[i].key->str, "x-", 2))
			extensions.pairs[extensions.npairs++] = root->pairs[i];
	node_check_keys(d, &extensions, top_keys, "the spec");

	Node *v = node_get(root, "tablec");
	if (!v || node_is_null(v)) {
		Diag *dg = diag_report(d, "E102", (Loc){src, root->loc.line,
					root->loc.col, 1},
				       "missing 'tablec' (the language version)");
		diag_help(dg, d, "add `tablec: 1` at the top");
	} else if (v->kind != NODE_SCALAR || v->quoted) {
		Diag *dg = diag_report(d, "E101", v->loc,
				       "'tablec' must be a version number, found %s",
				       node_found(v));
		diag_help(dg, d, "write `tablec: 1`, without quotes");
	} else if (strcmp(v->str, "1")) {
		Diag *dg = diag_report(d, "E103", v->loc,
				       "unsupported language version '%.20s'", v->str);
		diag_help(dg, d, "this tablec reads `tablec: 1`");
	}

	if ((v = node_get(root, "project")) &&
	    node_want_str(d, v, "project", &s->project) && !project_ok(s->project)) {
		Diag *dg = diag_report(d, "E242", v->loc,
				       "project '%.60s' is not 1 to 64 characters of "
				       "[A-Za-z0-9_.-] starting with a letter or digit",
				       s->project);
		diag_help(dg, d, "the project names the output folder and appears "
			  "in resource names; use e.g. picasso");
		s->project = NULL;
	}

	s->stack_limits = (StackLimits){CFN_MAX_RESOURCES, CFN_MAX_OUTPUTS,
					CFN_MAX_BYTES};
	if ((v = node_get(root, "cloudformation")) && !node_is_null(v) &&
	    node_want_map(d, v, "cloudformation")) {
		node_check_keys(d, v, cfn_keys, "cloudformation");
		Node *n = node_get(v, "split");
		if (n && !node_is_null(n))
			node_want_bool(d, n, "split", &s->split_stacks);
		long long mr;
		n = node_get(v, "max_resources");
		if (n && !node_is_null(n) && node_want_int(d, n, "max_resources", &mr)) {
			if (mr < 2 || mr > CFN_MAX_RESOURCES) {
				Diag *dg = diag_report(d, "E104", n->loc,
						       "max_resources is %lld; it "
						       "takes 2 to %d", mr,
						       CFN_MAX_RESOURCES);
				diag_help(dg, d, "CloudFormation takes %d resources "
					  "in one stack", CFN_MAX_RESOURCES);
			} else {
				s->stack_limits.resources = (size_t)mr;
			}
		}
	}

	if ((v = node_get(root, "naming")) && node_want_map(d, v, "naming")) {
		node_check_keys(d, v, naming_keys, "naming");
		const char *str;
		s->naming_table = node_get(v, "table");
		s->naming_export = node_get(v, "export");
		s->naming_policy = node_get(v, "policy");
		if (s->naming_table && !node_want_str(d, s->naming_table, "naming.table", &str))
			s->naming_table = NULL;
		if (s->naming_export && !node_want_str(d, s->naming_export, "naming.export", &str))
			s->naming_export = NULL;
		if (s->naming_policy && !node_want_str(d, s->naming_policy, "naming.policy", &str))
			s->naming_policy = NULL;
	}

	if ((v = node_get(root, "environments")) && !node_is_null(v))
		parse_environments(a, d, s, v);
	if (!node_get(root, "environments") || node_is_null(v)) {
		size_t cap = 0;
		Env *e = VEC_PUSH(a, s->envs, s->nenvs, cap);
		e->name = "default";
		e->at = root;
		s->implicit_env = true;
	}

	if ((v = node_get(root, "defaults")) && !node_is_null(v) &&
	    node_want_map(d, v, "defaults")) {
		s->defaults = table_props(a, d, v, "defaults");
	}

	v = node_get(root, "tables");
	s->tables_at = node_pair(root, "tables") ? node_pair(root, "tables")->key : root;
	if (!v) {
		Diag *dg = diag_report(d, "E102", (Loc){src, root->loc.line,
					root->loc.col, 1},
				       "missing 'tables'");
		diag_help(dg, d, "add a `tables:` mapping of table names to "
			  "their definitions");
	} else if (node_want_map(d, v, "tables")) {
		size_t cap = 0;
		if (v->npairs > SPEC_MAX_TABLES)
			diag_report(d, "E240", v->loc,
				    "%zu tables, over tablec's limit of %d",
				    v->npairs, SPEC_MAX_TABLES);
		if (!v->npairs) {
			Diag *dg = diag_report(d, "E243", v->loc,
					       "'tables' defines no table");
			diag_help(dg, d, "add a table: `orders: { attributes: "
				  "{ id: S }, key: id }`");
		}
		for (size_t i = 0; i < v->npairs && i < SPEC_MAX_TABLES; i++) {
			Node *k = v->pairs[i].key, *body = v->pairs[i].value;
			if (!node_want_map(d, body, k->str))
				continue;
			TableDecl *t = VEC_PUSH(a, s->tables, s->ntables, cap);
			t->name = k->str;
			t->at = k;
			t->body = table_props(a, d, body, "a table");
		}
	}

	if ((v = node_get(root, "grants")) && !node_is_null(v))
		parse_grants(a, d, s, v);

	/* overrides must name tables of the spec: looked up by hash, and the
	 * names for did-you-mean made once, so that thousands of unknown
	 * overrides cost no more than thousands of lookups */
	Strmap known = {.a = a};
	const char **names = NULL;
	for (size_t i = 0; i < s->nenvs; i++) {
		const Node *t = s->envs[i].tables;
		for (size_t j = 0; t && j < t->npairs; j++) {
			if (!known.n)
				for (size_t k = 0; k < s->ntables; k++)
					strmap_put(&known, s->tables[k].name, k);
			if (strmap_get(&known, t->pairs[j].key->str) != SIZE_MAX)
				continue;
			if (!names) {
				names = arena_alloc(a, (s->ntables + 1) * sizeof *names);
				for (size_t k = 0; k < s->ntables; k++)
					names[k] = s->tables[k].name;
			}
			Diag *dg = diag_report(d, "E215", t->pairs[j].key->loc,
					       "environment '%s' overrides unknown table '%.60s'",
					       s->envs[i].name, t->pairs[j].key->str);
			const char *m = diag_suggest(d, t->pairs[j].key->str, names,
						     s->ntables);
			if (m)
				diag_help(dg, d, "did you mean '%s'?", m);
		}
	}
	return s;
}
