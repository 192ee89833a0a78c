/*
 * schema.c: the language described for people and editors. It gives a
 * description of every key (for `tablec man`, the `docs` backend and the
 * schema) and builds the JSON Schema of a spec (`tablec schema`, committed
 * as specs/tablec.schema.json), which editors use for completion, hover
 * and errors before `tablec check` runs.
 *
 * The keys are not listed here: they are the validator's own lists
 * (parse.c's, props.c's, grants.c's), and the patterns of names are
 * validate.c's rules, so the schema cannot accept a key that tablec
 * rejects or miss one it accepts. What this file adds to a key is one
 * line of `entries`: where it is, the shape of its value and what it
 * means. A key that a validator list gains shows up in the schema, the
 * man page and the docs at once; tests/unit/test_schema.c fails until it
 * has its line. A line whose key no list has yet is an error too, unless
 * it is one of `additions`: those describe the additions to the language
 * (shared dsl.md) that are being implemented, so that they arrive with a
 * description.
 *
 * A mapping the language gains (a replica's overrides, an alarm) is a
 * context: a line in `contexts`, its key list in context_keys(), and
 * `map NAME` as the shape of the key that holds it.
 *
 * A shape is a short text:
 *
 *   [!][?]KIND [ARG...] [=DEFAULT]
 *
 * `!` the key is required, `?` its value may be null (the same as leaving
 * it out). Keys of table properties are never required here: a layer
 * (defaults, set, an override) may give part of a mapping that an
 * earlier one completes (`capacity: { write: 7 }`); tablec checks the
 * merged result. KIND is `any`, `text` (a scalar read as text: YAML numbers and
 * booleans are text too) with an optional rule name for its pattern,
 * `text+` (text, not empty), `bool`, `int MIN [MAX]`, `units` (a whole
 * number of at least 1, or -1 for no limit), `enum WORDS` (a word list of
 * the validator), `map CONTEXT` (a mapping of that context's keys) or
 * `def NAME` (a value of several forms, built by a function below).
 */
#include "tablec.h"

#include <stdlib.h>
#include <string.h>

/* ---- where keys are: the mappings of the language */

enum {
	CX_SPEC, CX_NAMING, CX_CLOUDFORMATION, CX_ENVIRONMENT, CX_TABLE,
	CX_KEY, CX_CAPACITY, CX_ON_DEMAND_MAX, CX_INDEX, CX_LOCAL_INDEX, CX_TTL,
	CX_PITR, CX_ENCRYPTION, CX_ACCESS_PATTERN, CX_GRANT, CX_COUNT
};

typedef struct Context {
	const char *name;  /* as entries name it; also its schema definition */
	const char *title; /* a heading, for the man page */
	const char *doc;
} Context;

static const Context contexts[CX_COUNT] = {
	[CX_SPEC] = {"spec", "The spec",
		"The top level of a spec. Keys starting with x- are ignored "
		"(they hold YAML anchors)."},
	[CX_NAMING] = {"naming", "naming",
		"Name patterns, with ${...} placeholders."},
	[CX_CLOUDFORMATION] = {"cloudformation", "cloudformation",
		"How environments become CloudFormation stacks."},
	[CX_ENVIRONMENT] = {"environment", "An environment",
		"One environment under environments: a name (1 to 64 of "
		"A-Z a-z 0-9 _ -) and these keys; a null environment is empty."},
	[CX_TABLE] = {"table", "Table properties",
		"A table under tables:, and the properties that defaults:, an "
		"environment's set: and tables: give. A null value means the "
		"property is absent."},
	[CX_KEY] = {"key", "A key as a mapping",
		"The mapping form of a key; a key is also written `pk` or "
		"`[pk, sk]`."},
	[CX_CAPACITY] = {"capacity", "capacity",
		"Provisioned capacity units."},
	[CX_ON_DEMAND_MAX] = {"on_demand_max", "on_demand_max",
		"The most request units an on-demand table or index may use; "
		"at least one of read and write."},
	[CX_INDEX] = {"index", "A global index",
		"A global secondary index under indexes:, by name (3 to 255 "
		"of a-z A-Z 0-9 _ . -)."},
	[CX_LOCAL_INDEX] = {"local_index", "A local index",
		"A local secondary index under local_indexes:: the table's "
		"partition key, another sort key."},
	[CX_TTL] = {"ttl", "ttl as a mapping",
		"The mapping form of ttl; ttl is also an attribute name, or "
		"off."},
	[CX_PITR] = {"pitr", "pitr as a mapping",
		"The mapping form of pitr; pitr is also true or false."},
	[CX_ENCRYPTION] = {"encryption", "encryption as a mapping",
		"Encryption with a customer managed KMS key; encryption is "
		"also aws_owned or aws_managed."},
	[CX_ACCESS_PATTERN] = {"access_pattern", "An access pattern",
		"One entry of access_patterns: a query the table must serve "
		"without a Scan."},
	[CX_GRANT] = {"grant", "A grant",
		"One entry of grants: an IAM role's access to tables, as a "
		"least-privilege policy."},
};

/* The validator's key list of each context. */
static const char *const *context_keys(int cx)
{
	switch (cx) {
	case CX_SPEC: return parse_top_keys;
	case CX_NAMING: return parse_naming_keys;
	case CX_CLOUDFORMATION: return parse_cfn_keys;
	case CX_ENVIRONMENT: return parse_env_keys;
	case CX_TABLE: return parse_table_keys;
	case CX_KEY: return props_key_keys;
	case CX_CAPACITY: /* fall through: the same keys */
	case CX_ON_DEMAND_MAX: return props_throughput_keys;
	case CX_INDEX: return props_gsi_keys;
	case CX_LOCAL_INDEX: return props_lsi_keys;
	case CX_TTL: return props_ttl_keys;
	case CX_PITR: return props_pitr_keys;
	case CX_ENCRYPTION: return props_encryption_keys;
	case CX_ACCESS_PATTERN: return props_pattern_keys;
	case CX_GRANT: return parse_grant_keys;
	default: BUG("no context %d", cx);
	}
}

static int context_find(const char *name)
{
	for (int i = 0; i < CX_COUNT; i++)
		if (!strcmp(contexts[i].name, name))
			return i;
	return -1;
}

/* The validator's word lists, by the names shapes use. */
static const char *const *words_of(const char *name)
{
	if (!strcmp(name, "billing"))
		return props_billing_names;
	if (!strcmp(name, "stream"))
		return props_stream_names;
	if (!strcmp(name, "table_class"))
		return props_class_names;
	if (!strcmp(name, "deletion_policy"))
		return props_policy_names;
	if (!strcmp(name, "encryption"))
		return props_encryption_names;
	if (!strcmp(name, "projection"))
		return props_proj_names;
	if (!strcmp(name, "access"))
		return grants_access_names;
	return NULL;
}

/* Patterns of names: validate.c's rules, and two that parse.c checks in
 * code (env_name_ok, project_ok), written here as the same rule. */
static const char *rule_of(const char *name)
{
	static const struct {
		const char *name;
		int id;
	} rules[] = {
		{"TABLE_NAME", RE_TABLE_NAME}, {"TAG", RE_TAG}, {"KMS", RE_KMS},
		{"EXPORT", RE_EXPORT}, {"ENV_VAR", RE_ENV_VAR},
		{"ROLE_NAME", RE_ROLE_NAME}, {"ROLE_ARN", RE_ROLE_ARN},
		{"POLICY_NAME", RE_POLICY_NAME}, {"REGION", RE_REGION},
		{"ACCOUNT", RE_ACCOUNT}, {"DURATION", RE_DURATION},
	};
	if (!strcmp(name, "ENV_NAME"))
		return "^[A-Za-z0-9_-]{1,64}$";
	if (!strcmp(name, "PROJECT"))
		return "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strcmp(rules[i].name, name))
			return validate_rules[rules[i].id];
	return NULL;
}

/* ---- what each key is */

typedef struct Entry {
	const char *context, *key;
	const char *shape;
	const char *doc;
} Entry;

static const Entry entries[] = {
	/* the top level */
	{"spec", "tablec", "!def version",
	 "The language version: the plain number 1."},
	{"spec", "project", "text PROJECT",
	 "The project: 1 to 64 of A-Z a-z 0-9 _ . -, starting with a letter or "
	 "digit. ${project} in patterns; names the default policy names and "
	 "output folder."},
	{"spec", "naming", "map naming", "Name patterns of tables, exports and "
	 "IAM policies."},
	{"spec", "environments", "?def environments",
	 "The environments, by name; without it there is one, named default."},
	{"spec", "defaults", "?map table",
	 "Table properties applied to every table (resolved before the "
	 "table's own)."},
	{"spec", "tables", "!def tables",
	 "The tables, by logical name: the physical base name unless name: "
	 "is given."},
	{"spec", "grants", "?def grants",
	 "IAM access of roles to tables, one least-privilege policy per grant "
	 "and environment."},
	{"spec", "cloudformation", "?map cloudformation",
	 "Splitting an environment into CloudFormation stacks within "
	 "CloudFormation's limits."},

	{"naming", "table", "text",
	 "Pattern of physical table names, e.g. \"${env}-${name}\"; takes "
	 "${env} ${project} ${name} ${region} ${account}. Default: the base "
	 "name."},
	{"naming", "export", "text",
	 "Pattern of export names; takes ${env} ${project} ${name} ${region} "
	 "${account} ${export}. Default: \"${env}-${export}\"."},
	{"naming", "policy", "text",
	 "Pattern of IAM policy names; takes ${env} ${project} ${region} "
	 "${account} ${role}. Default: <project>-<env>-<role>-dynamodb."},

	{"cloudformation", "split", "?bool =false",
	 "Write an environment that does not fit one stack as several "
	 "stacks."},
	{"cloudformation", "max_resources", "?int 2 500 =500",
	 "The most resources in one stack (CloudFormation allows 500)."},

	{"environment", "region", "?text REGION",
	 "The AWS region, e.g. us-east-1: ${region}, and the partition of "
	 "ARNs."},
	{"environment", "account", "?text ACCOUNT",
	 "The 12-digit AWS account id: ${account}, literal ARNs, and the "
	 "account a role_arn must be in."},
	{"environment", "set", "?map table",
	 "Table properties for every table of this environment (after the "
	 "table's own)."},
	{"environment", "tables", "?def overrides",
	 "Table properties for one table in this environment, by logical "
	 "name (resolved last)."},

	/* table properties */
	{"table", "name", "?text",
	 "The physical base name (${name} in naming.table); default: the "
	 "logical name. The physical name is 3 to 255 of a-z A-Z 0-9 _ . -."},
	{"table", "description", "?text",
	 "What the table holds; a comment or description in each output."},
	{"table", "attributes", "?def attributes",
	 "Attribute name -> type (S N B, or string number binary; also BOOL "
	 "NULL M L SS NS BS). Every key attribute must be typed S, N or B. "
	 "Required."},
	{"table", "key", "?def key_forms",
	 "The primary key: pk, [pk, sk] or { partition: pk, sort: sk }. "
	 "Required."},
	{"table", "indexes", "?def indexes",
	 "Global secondary indexes by name (at most 20)."},
	{"table", "local_indexes", "?def local_indexes",
	 "Local secondary indexes by name (at most 5; the table needs a sort "
	 "key)."},
	{"table", "billing", "?enum billing =on_demand",
	 "on_demand (pay per request) or provisioned (capacity required)."},
	{"table", "capacity", "?map capacity",
	 "Provisioned read and write capacity units; only with billing: "
	 "provisioned, where indexes inherit it."},
	{"table", "on_demand_max", "?map on_demand_max",
	 "The most read and write request units of an on-demand table."},
	{"table", "ttl", "?def ttl_forms",
	 "Time to live: the attribute (N, epoch seconds) that expires items, "
	 "or { attribute, enabled, retention }; off for none."},
	{"table", "pitr", "?def pitr_forms =false",
	 "Point-in-time recovery: true, false or { enabled, days: 1..35 }."},
	{"table", "encryption", "?def encryption_forms =aws_owned",
	 "aws_owned, aws_managed, or { kms_key: a key ARN, alias ARN, key id "
	 "or alias/NAME }."},
	{"table", "stream", "?enum stream =off",
	 "The DynamoDB stream: off, keys_only, new_image, old_image or "
	 "new_and_old_images."},
	{"table", "table_class", "?enum table_class =standard",
	 "standard or standard_infrequent_access."},
	{"table", "deletion_protection", "?bool =false",
	 "Refuse to delete the table (DeletionProtectionEnabled)."},
	{"table", "deletion_policy", "?enum deletion_policy =retain",
	 "What the stack does when the table leaves it: retain, delete or "
	 "snapshot (retained: CloudFormation cannot snapshot a table)."},
	{"table", "contributor_insights", "?bool =false",
	 "CloudWatch Contributor Insights for the table."},
	{"table", "tags", "?def tags",
	 "Tag key -> value (at most 50; values take ${env} ${project} ${name} "
	 "${region} ${account}); a null value removes a tag."},
	{"table", "export", "?text+",
	 "Export the table's name and ARN under naming.export (CloudFormation "
	 "exports, Terraform outputs)."},
	{"table", "env_var", "?text ENV_VAR",
	 "The environment variable applications read the table's name from "
	 "(the env file)."},
	{"table", "access_patterns", "?def access_patterns",
	 "The queries the table serves, each checked to be served by its key "
	 "or an index."},

	{"key", "partition", "!text", "The partition (hash) key attribute."},
	{"key", "sort", "?text", "The sort (range) key attribute, if any."},

	{"capacity", "read", "int 1", "Read capacity units (at least 1); with write, required once the "
	 "layers are merged."},
	{"capacity", "write", "int 1", "Write capacity units (at least 1); with read, required once the "
	 "layers are merged."},

	{"on_demand_max", "read", "units",
	 "The most read request units (at least 1, or -1 for no maximum)."},
	{"on_demand_max", "write", "units",
	 "The most write request units (at least 1, or -1 for no maximum)."},

	{"index", "key", "def key_forms",
	 "The index's key: pk, [pk, sk] or { partition: pk, sort: sk }. "
	 "Required."},
	{"index", "projection", "?def projection =all",
	 "What the index holds: all, keys_only, or a list of non-key "
	 "attributes."},
	{"index", "capacity", "?map capacity",
	 "The index's own capacity (provisioned tables; default: the "
	 "table's)."},
	{"index", "on_demand_max", "?map on_demand_max",
	 "The most request units of the index (on-demand tables)."},

	{"local_index", "sort", "text",
	 "The sort key attribute; not the table's sort key. Required."},
	{"local_index", "projection", "?def projection =all",
	 "What the index holds: all, keys_only, or a list of non-key "
	 "attributes."},

	{"ttl", "attribute", "text",
	 "The attribute that holds the expiry time (N, epoch seconds). "
	 "Required."},
	{"ttl", "enabled", "?bool =true", "TTL on (default) or off."},
	{"ttl", "retention", "?text DURATION",
	 "How long applications keep items, e.g. 90d, 24h, 30m, 45s: in the "
	 "IR and the env file, nothing in AWS."},

	{"pitr", "enabled", "?bool =true", "Point-in-time recovery on "
	 "(default) or off."},
	{"pitr", "days", "?int 1 35",
	 "The recovery period in days, 1 to 35 (AWS's default: 35)."},

	{"encryption", "kms_key", "text KMS",
	 "The customer managed key: key ARN, alias ARN, key id, mrk- id or "
	 "alias/NAME. Required."},

	{"access_pattern", "name", "!text", "What the query is for."},
	{"access_pattern", "key", "!def key_forms",
	 "The attributes it queries by: pk or [pk, sk]."},
	{"access_pattern", "index", "?text",
	 "The index that serves it; default: any key or index that does."},

	{"grant", "role", "?text ROLE_NAME",
	 "The IAM role, by name, in the environment's account (or role_arn)."},
	{"grant", "role_arn", "?text ROLE_ARN",
	 "The IAM role, by ARN (or role)."},
	{"grant", "access", "?enum access",
	 "read, write, read_write, stream_read or full (or actions)."},
	{"grant", "actions", "?def actions",
	 "DynamoDB action names, e.g. dynamodb:GetItem; * and ? are wildcards "
	 "(or access)."},
	{"grant", "tables", "?def grant_tables",
	 "Logical table names, or \"*\" for every table. Required."},
	{"grant", "indexes", "?def grant_indexes =true",
	 "Whether reads cover the tables' indexes (true, false), or which "
	 "indexes."},
	{"grant", "leading_keys", "?def text_list",
	 "Partition-key patterns: a dynamodb:LeadingKeys condition (tenant "
	 "isolation)."},
	{"grant", "environments", "?def name_list",
	 "The environments the grant exists in; default: all."},
	{"grant", "policy_name", "?text",
	 "Pattern of the policy's name (as naming.policy)."},
	{"grant", "managed", "?bool =false",
	 "A managed policy attached to the role, instead of an inline one."},
};

/*
 * The additions to the language in shared dsl.md that are being built:
 * their lines are ready, and a key of them that is not in a validator
 * list yet is not an error (it is left out of the schema until it is).
 */
static const Entry additions[] = {
	{"table", "replicas", "?any",
	 "Global table replicas: region -> what that replica overrides; the "
	 "environment's region is always a replica."},
	{"table", "consistency", "?any",
	 "Multi-Region consistency of a global table: eventual (default) or "
	 "strong."},
	{"table", "witness", "?any",
	 "With consistency: strong, the witness region of two replicas."},
	{"table", "resource_policy", "?any",
	 "An IAM policy document attached to the table; a statement without "
	 "Resource gets the table's ARN."},
	{"table", "stream_resource_policy", "?any",
	 "An IAM policy document attached to the table's stream."},
	{"table", "replace_policy", "?any",
	 "What happens to the table when an update replaces it: retain, "
	 "delete or snapshot (default: the deletion_policy)."},
	{"table", "warm_throughput", "?any",
	 "Warm throughput: { read, write } units per second the table is "
	 "ready for."},
	{"table", "kinesis", "?any",
	 "A Kinesis Data Streams destination for item-level changes: { "
	 "stream: ARN, precision }."},
	{"table", "alarms", "?any",
	 "CloudWatch alarms: notify, throttles, errors, capacity, "
	 "replication_latency."},
	{"index", "warm_throughput", "?any",
	 "Warm throughput of the index: { read, write } units per second."},
	{"index", "contributor_insights", "?any",
	 "CloudWatch Contributor Insights for the index."},
	{"naming", "alarm", "text",
	 "Pattern of CloudWatch alarm names."},
};

#define NENTRIES (sizeof entries / sizeof entries[0])
#define NADDITIONS (sizeof additions / sizeof additions[0])

/* Entry i of entries, then of additions. */
static const Entry *entry_at(size_t i)
{
	return i < NENTRIES ? &entries[i] : &additions[i - NENTRIES];
}

static const Entry *entry_find(const char *context, const char *key)
{
	for (size_t i = 0; i < NENTRIES + NADDITIONS; i++)
		if (!strcmp(entry_at(i)->context, context) &&
		    !strcmp(entry_at(i)->key, key))
			return entry_at(i);
	return NULL;
}

/* ---- the public view */

size_t schema_context_count(void)
{
	return CX_COUNT;
}

const char *schema_context_name(size_t i)
{
	return contexts[i].name;
}

const char *schema_context_title(size_t i)
{
	return contexts[i].title;
}

const char *schema_context_doc(size_t i)
{
	return contexts[i].doc;
}

const char *const *schema_context_keys(size_t i)
{
	return context_keys((int)i);
}

const char *schema_describe(const char *context, const char *key)
{
	const Entry *e = entry_find(context, key);
	return e ? e->doc : NULL;
}

/* ---- shapes */

typedef struct Shape {
	bool required, nullable;
	char kind[8];
	char args[2][32];
	size_t nargs;
	const char *dflt; /* after '=', or NULL */
} Shape;

static bool shape_parse(const char *s, Shape *sh)
{
	memset(sh, 0, sizeof *sh);
	if (*s == '!') {
		sh->required = true;
		s++;
	}
	if (*s == '?') {
		sh->nullable = true;
		s++;
	}
	size_t n = strcspn(s, " ");
	if (!n || n >= sizeof sh->kind)
		return false;
	memcpy(sh->kind, s, n);
	s += n;
	while (*s == ' ') {
		s++;
		if (*s == '=') {
			sh->dflt = s + 1;
			return *sh->dflt && !strchr(sh->dflt, ' ');
		}
		n = strcspn(s, " ");
		if (!n || n >= sizeof sh->args[0] || sh->nargs == 2)
			return false;
		memcpy(sh->args[sh->nargs++], s, n);
		s += n;
	}
	return !*s;
}

static json_t *text_type(void)
{
	return json_pack("[sss]", "string", "number", "boolean");
}

static json_t *nullable(json_t *s)
{
	return json_pack("{s:[o{s:s}]}", "anyOf", s, "type", "null");
}

static json_t *ref(const char *def)
{
	char buf[96];
	snprintf(buf, sizeof buf, "#/definitions/%s", def);
	return json_pack("{s:s}", "$ref", buf);
}

static json_t *words(const char *const *w)
{
	json_t *a = json_array();
	for (size_t i = 0; w[i]; i++)
		json_array_append_new(a, json_string(w[i]));
	return a;
}

static json_t *default_value(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "false"))
		return json_boolean(!strcmp(s, "true"));
	if (strspn(s, "0123456789") == strlen(s))
		return json_integer(strtoll(s, NULL, 10));
	return json_string(s);
}

/* The schema of one shape (without its description); NULL when the shape
 * names something that does not exist. */
static json_t *shape_schema(const Shape *sh)
{
	json_t *s = NULL;
	const char *k = sh->kind;
	if (!strcmp(k, "any")) {
		s = json_object();
	} else if (!strcmp(k, "text") || !strcmp(k, "text+")) {
		s = json_pack("{s:o}", "type", text_type());
		if (k[4] == '+')
			json_object_set_new(s, "minLength", json_integer(1));
		if (sh->nargs) {
			const char *re = rule_of(sh->args[0]);
			if (!re) {
				json_decref(s);
				return NULL;
			}
			json_object_set_new(s, "pattern", json_string(re));
		}
	} else if (!strcmp(k, "bool")) {
		s = json_pack("{s:s}", "type", "boolean");
	} else if (!strcmp(k, "int")) {
		if (!sh->nargs)
			return NULL;
		s = json_pack("{s:s,s:I}", "type", "integer", "minimum",
			      (json_int_t)strtoll(sh->args[0], NULL, 10));
		if (sh->nargs > 1)
			json_object_set_new(s, "maximum", json_integer(
				strtoll(sh->args[1], NULL, 10)));
	} else if (!strcmp(k, "units")) {
		s = json_pack("{s:s,s:[{s:i}{s:i}]}", "type", "integer", "anyOf",
			      "minimum", 1, "const", -1);
	} else if (!strcmp(k, "enum")) {
		const char *const *w = sh->nargs ? words_of(sh->args[0]) : NULL;
		if (!w)
			return NULL;
		s = json_pack("{s:s,s:o}", "type", "string", "enum", words(w));
	} else if (!strcmp(k, "map")) {
		if (!sh->nargs || context_find(sh->args[0]) < 0)
			return NULL;
		s = ref(sh->args[0]);
	} else if (!strcmp(k, "def")) {
		if (!sh->nargs)
			return NULL;
		s = ref(sh->args[0]);
	} else {
		return NULL;
	}
	return sh->nullable ? nullable(s) : s;
}

/* A key's property schema: its shape with its description and default. */
static json_t *property(const Entry *e)
{
	Shape sh;
	if (!shape_parse(e->shape, &sh))
		BUG("bad shape '%s' of %s.%s", e->shape, e->context, e->key);
	json_t *s = shape_schema(&sh);
	if (!s)
		BUG("shape '%s' of %s.%s names nothing", e->shape, e->context,
		    e->key);
	/* a $ref beside other keywords is ignored by draft-07 readers */
	if (json_object_get(s, "$ref"))
		s = json_pack("{s:[o]}", "allOf", s);
	json_object_set_new(s, "description", json_string(e->doc));
	if (sh.dflt)
		json_object_set_new(s, "default", default_value(sh.dflt));
	return s;
}

/* A context's mapping: exactly the validator's keys. */
static json_t *context_schema(int cx)
{
	const char *const *keys = context_keys(cx);
	json_t *props = json_object(), *req = json_array();
	for (size_t i = 0; keys[i]; i++) {
		const Entry *e = entry_find(contexts[cx].name, keys[i]);
		if (!e) /* test_schema fails; the schema still takes the key */
			json_object_set_new(props, keys[i], json_object());
		else
			json_object_set_new(props, keys[i], property(e));
		Shape sh;
		if (e && shape_parse(e->shape, &sh) && sh.required)
			json_array_append_new(req, json_string(keys[i]));
	}
	json_t *s = json_pack("{s:s,s:s,s:o}", "type", "object",
			      "description", contexts[cx].doc,
			      "properties", props);
	if (json_array_size(req))
		json_object_set_new(s, "required", req);
	else
		json_decref(req);
	if (cx == CX_ON_DEMAND_MAX)
		json_object_set_new(s, "minProperties", json_integer(1));
	if (cx == CX_SPEC) /* x-common: &anchor */
		json_object_set_new(s, "patternProperties",
				    json_pack("{s:{}}", "^x-"));
	json_object_set_new(s, "additionalProperties", json_false());
	return s;
}

/* ---- values of several forms */

static json_t *text_item(void)
{
	return json_pack("{s:o}", "type", text_type());
}

static json_t *text_list(int min)
{
	return json_pack("{s:s,s:i,s:o}", "type", "array", "minItems", min,
			 "items", text_item());
}

static void define(json_t *d, const char *name, json_t *s)
{
	if (!s)
		BUG("cannot build the definition '%s'", name);
	json_object_set_new(d, name, s);
}

static json_t *definitions(void)
{
	json_t *d = json_object();
	for (int cx = 0; cx < CX_COUNT; cx++)
		if (cx != CX_SPEC)
			define(d, contexts[cx].name, context_schema(cx));

	define(d, "version", json_pack("{s:s,s:i}", "type", "integer",
				       "const", 1));
	define(d, "environments", json_pack(
		"{s:s,s:i,s:{s:s},s:o}", "type", "object", "minProperties", 1,
		"propertyNames", "pattern", rule_of("ENV_NAME"),
		"additionalProperties", nullable(ref("environment"))));
	define(d, "tables", json_pack(
		"{s:s,s:i,s:o}", "type", "object", "minProperties", 1,
		"additionalProperties", ref("table")));
	define(d, "overrides", json_pack(
		"{s:s,s:o}", "type", "object",
		"additionalProperties", nullable(ref("table"))));
	define(d, "grants", json_pack("{s:s,s:o}", "type", "array",
				      "items", ref("grant")));

	/* `x: null` is the type NULL, which YAML reads as a null value */
	json_t *types = words(props_attr_types);
	json_t *more = words(props_attr_long_names);
	json_array_extend(types, more);
	json_decref(more);
	json_array_append_new(types, json_string("boolean")); /* as props.c */
	define(d, "attributes", json_pack(
		"{s:s,s:{s:i,s:i},s:{s:[{s:s,s:o}{s:s}]}}", "type", "object",
		"propertyNames", "minLength", 1, "maxLength", 255,
		"additionalProperties", "anyOf", "type", "string", "enum", types,
		"type", "null"));
	define(d, "key_forms", json_pack(
		"{s:[{s:[ss]}{s:s,s:i,s:i,s:o}o]}", "anyOf",
		"type", "string", "number",
		"type", "array", "minItems", 1, "maxItems", 2, "items", text_item(),
		ref("key")));
	define(d, "indexes", json_pack(
		"{s:s,s:{s:s},s:o}", "type", "object",
		"propertyNames", "pattern", validate_rules[RE_TABLE_NAME],
		"additionalProperties", ref("index")));
	define(d, "local_indexes", json_pack(
		"{s:s,s:{s:s},s:o}", "type", "object",
		"propertyNames", "pattern", validate_rules[RE_TABLE_NAME],
		"additionalProperties", ref("local_index")));
	define(d, "projection", json_pack(
		"{s:[{s:s,s:o}{s:s,s:i,s:b,s:o}]}", "anyOf",
		"type", "string", "enum", words(props_proj_names),
		"type", "array", "minItems", 1, "uniqueItems", 1,
		"items", text_item()));
	/* off and false (plain) turn TTL off; true is an error */
	define(d, "ttl_forms", json_pack(
		"{s:[{s:[ss]}{s:b}o]}", "anyOf", "type", "string", "number",
		"const", 0, ref("ttl")));
	define(d, "pitr_forms", json_pack(
		"{s:[{s:s}o]}", "anyOf", "type", "boolean", ref("pitr")));
	define(d, "encryption_forms", json_pack(
		"{s:[{s:s,s:o}o]}", "anyOf", "type", "string",
		"enum", words(props_encryption_names), ref("encryption")));
	/* AWS's tags: keys 1 to 128 characters, not aws:; values up to 256,
	 * checked after ${...} placeholders are expanded */
	define(d, "tags", json_pack(
		"{s:s,s:{s:i,s:i,s:s,s:{s:s}},s:{s:[{s:s,s:s,s:i}{s:s,s:s}"
		"{s:[sss]}]}}", "type", "object",
		"propertyNames", "minLength", 1, "maxLength", 128,
		"pattern", validate_rules[RE_TAG],
		"not", "pattern", "^[aA][wW][sS]:",
		"additionalProperties", "anyOf",
		"type", "string", "pattern", validate_rules[RE_TAG],
		"maxLength", 256,
		"type", "string", "pattern", "\\$\\{",
		"type", "number", "boolean", "null"));
	define(d, "access_patterns", json_pack(
		"{s:s,s:o}", "type", "array", "items", ref("access_pattern")));
	define(d, "actions", text_list(1));
	define(d, "grant_tables", json_pack(
		"{s:[{s:s,s:s}o]}", "anyOf", "type", "string", "const", "*",
		text_list(1)));
	define(d, "grant_indexes", json_pack(
		"{s:[{s:s}o]}", "anyOf", "type", "boolean", text_list(0)));
	define(d, "text_list", text_list(1));
	define(d, "name_list", text_list(0));
	return d;
}

json_t *schema_build(void)
{
	json_t *s = context_schema(CX_SPEC);
	json_t *top = json_pack(
		"{s:s,s:s}", "$schema", "http://json-schema.org/draft-07/schema#",
		"title", "tablec spec, language version 1");
	/* the root's keys after the header, in the schema's order */
	const char *k;
	json_t *v;
	json_object_foreach(s, k, v) {
		json_object_set(top, k, v);
	}
	json_decref(s);
	json_object_set_new(top, "definitions", definitions());
	return top;
}

/* ---- checks, for tests/unit/test_schema.c */

static void check_refs(const json_t *defs, const json_t *v, Strbuf *why,
		       size_t *n)
{
	json_t *x;
	if (json_is_object(v)) {
		const char *k;
		json_object_foreach((json_t *)v, k, x) {
			if (!strcmp(k, "$ref") && json_is_string(x)) {
				const char *r = json_string_value(x);
				const char *p = "#/definitions/";
				if (strncmp(r, p, strlen(p)) ||
				    !json_object_get(defs, r + strlen(p))) {
					strbuf_addf(why, "$ref %s names no definition\n",
						    r);
					(*n)++;
				}
			} else {
				check_refs(defs, x, why, n);
			}
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_array_foreach((json_t *)v, i, x) {
			check_refs(defs, x, why, n);
		}
	}
}

size_t schema_check(Strbuf *why)
{
	size_t n = 0;
	for (int cx = 0; cx < CX_COUNT; cx++) {
		const char *const *keys = context_keys(cx);
		for (size_t i = 0; keys[i]; i++)
			if (!entry_find(contexts[cx].name, keys[i])) {
				strbuf_addf(why, "%s: key '%s' has no entry in "
					    "schema.c's entries\n", contexts[cx].name,
					    keys[i]);
				n++;
			}
	}
	for (size_t i = 0; i < NENTRIES + NADDITIONS; i++) {
		const Entry *e = entry_at(i);
		int cx = context_find(e->context);
		Shape sh;
		bool known = false;
		for (size_t j = 0; cx >= 0 && context_keys(cx)[j] && !known; j++)
			known = !strcmp(context_keys(cx)[j], e->key);
		if (cx < 0) {
			strbuf_addf(why, "entry %s.%s: no context '%s'\n", e->context,
				    e->key, e->context);
			n++;
		} else if (!known && i < NENTRIES) {
			strbuf_addf(why, "entry %s.%s: the validator has no such "
				    "key (a typo, or move it to additions)\n",
				    e->context, e->key);
			n++;
		}
		if (entry_find(e->context, e->key) != e) {
			strbuf_addf(why, "entry %s.%s is there twice\n", e->context,
				    e->key);
			n++;
		}
		json_t *s;
		if (!shape_parse(e->shape, &sh) || !(s = shape_schema(&sh))) {
			strbuf_addf(why, "entry %s.%s: bad shape '%s'\n", e->context,
				    e->key, e->shape);
			n++;
			continue;
		}
		json_decref(s);
		if (!e->doc || !*e->doc || e->doc[strlen(e->doc) - 1] != '.') {
			strbuf_addf(why, "entry %s.%s: its description must be a "
				    "sentence\n", e->context, e->key);
			n++;
		}
	}
	json_t *schema = schema_build();
	check_refs(json_object_get(schema, "definitions"), schema, why, &n);
	json_decref(schema);
	return n;
}
