/*
 * lower.c: a checked Model -> the IR, one JSON document per environment.
 *
 * The IR is the contract for template authors (specs/ir.schema.json): it
 * is fully resolved (physical names, defaults applied, AttributeDefinitions
 * derived), uses the AWS API's own vocabulary for enums (PAY_PER_REQUEST,
 * NEW_AND_OLD_IMAGES) since every backend speaks it, and carries the
 * booleans and ready-made identifiers that logic-less templates need
 * instead of conditions. Optional things are null, never absent, so that a
 * template that forgets a section fails loudly instead of printing nothing.
 *
 * Key order is insertion order and every list is in spec order, so the
 * same spec always gives the same bytes.
 */
#include "tablec.h"

#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
	if (!v)
		BUG("cannot build IR value for '%s'", k);
	json_object_set_new(o, k, v);
}

/* a + b as a JSON string */
static json_t *jcat(const char *a, const char *b)
{
	Strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, a);
	strbuf_addstr(&sb, b);
	json_t *j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static const char *const attr_type_names[] = {"S", "N", "B", "BOOL", "NULL",
					      "M", "L", "SS", "NS", "BS"};

static json_t *key_schema(const KeyDef *k)
{
	json_t *a = json_array();
	json_t *h = json_object();
	set(h, "name", json_string(k->pk));
	set(h, "key_type", json_string("HASH"));
	json_array_append_new(a, h);
	if (k->sk) {
		json_t *r = json_object();
		set(r, "name", json_string(k->sk));
		set(r, "key_type", json_string("RANGE"));
		json_array_append_new(a, r);
	}
	return a;
}

static const char *attr_type(const Table *t, const char *name)
{
	for (size_t i = 0; i < t->nattrs; i++)
		if (!strcmp(t->attrs[i].name, name))
			return attr_type_names[t->attrs[i].type];
	BUG("key attribute '%s' has no type after validation", name);
}

static json_t *typed(const Table *t, const char *name)
{
	if (!name)
		return json_null();
	json_t *o = json_object();
	set(o, "name", json_string(name));
	set(o, "type", json_string(attr_type(t, name)));
	return o;
}

/* Key attributes only, each once: table key, then GSI keys, then LSI sort
 * keys, in spec order. Non-key definitions make CloudFormation and
 * Terraform fail or plan changes forever. */
static json_t *attribute_definitions(const Table *t)
{
	json_t *a = json_array();
	const char *names[2 + 2 * 25];
	size_t n = 0;
	names[n++] = t->key.pk;
	if (t->key.sk)
		names[n++] = t->key.sk;
	for (size_t i = 0; i < t->ngsis && i < 20; i++) {
		names[n++] = t->gsis[i].key.pk;
		if (t->gsis[i].key.sk)
			names[n++] = t->gsis[i].key.sk;
	}
	for (size_t i = 0; i < t->nlsis && i < 5; i++)
		names[n++] = t->lsis[i].key.sk;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = !strcmp(names[i], names[j]);
		if (!dup)
			json_array_append_new(a, typed(t, names[i]));
	}
	return a;
}

static json_t *throughput(const Throughput *tp, bool on_demand)
{
	if (!tp->set)
		return json_null();
	json_t *o = json_object();
	if (on_demand) {
		set(o, "read", tp->read ? json_integer(tp->read) : json_null());
		set(o, "write", tp->write ? json_integer(tp->write) : json_null());
	} else {
		set(o, "read", json_integer(tp->read));
		set(o, "write", json_integer(tp->write));
	}
	return o;
}

static json_t *index_json(const Index *ix, bool global)
{
	static const char *const proj[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
	json_t *o = json_object();
	set(o, "name", json_string(ix->name));
	set(o, "key_schema", key_schema(&ix->key));
	json_t *p = json_object();
	set(p, "type", json_string(proj[ix->proj]));
	json_t *inc = json_array();
	for (size_t i = 0; i < ix->ninclude; i++)
		json_array_append_new(inc, json_string(ix->include[i]));
	set(p, "non_key_attributes", inc);
	set(p, "has_non_key_attributes", json_boolean(ix->ninclude > 0));
	set(o, "projection", p);
	if (global) {
		set(o, "capacity", throughput(&ix->cap, false));
		set(o, "on_demand_max", throughput(&ix->odm, true));
	}
	return o;
}

static const char *table_arn(const Model *m, const Table *t)
{
	static char buf[512];
	if (!m->region || !m->account)
		return NULL;
	snprintf(buf, sizeof buf, "arn:%s:dynamodb:%s:%s:table/%s", m->partition,
		 m->region, m->account, t->physical);
	return buf;
}

/* ---- the AWS API's own request shapes, for backends that call the API
 * (the AWS CLI backend) and for tests that replay them */

static json_t *api_key_schema(const KeyDef *k)
{
	json_t *a = json_array();
	json_t *h = json_object();
	set(h, "AttributeName", json_string(k->pk));
	set(h, "KeyType", json_string("HASH"));
	json_array_append_new(a, h);
	if (k->sk) {
		json_t *r = json_object();
		set(r, "AttributeName", json_string(k->sk));
		set(r, "KeyType", json_string("RANGE"));
		json_array_append_new(a, r);
	}
	return a;
}

static json_t *api_throughput(const Throughput *tp)
{
	json_t *o = json_object();
	set(o, "ReadCapacityUnits", json_integer(tp->read));
	set(o, "WriteCapacityUnits", json_integer(tp->write));
	return o;
}

static json_t *api_on_demand(const Throughput *tp)
{
	json_t *o = json_object();
	if (tp->read)
		set(o, "MaxReadRequestUnits", json_integer(tp->read));
	if (tp->write)
		set(o, "MaxWriteRequestUnits", json_integer(tp->write));
	return o;
}

static json_t *api_index(const Index *ix, bool global, bool provisioned)
{
	static const char *const proj[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
	json_t *o = json_object();
	set(o, "IndexName", json_string(ix->name));
	set(o, "KeySchema", api_key_schema(&ix->key));
	json_t *p = json_object();
	set(p, "ProjectionType", json_string(proj[ix->proj]));
	if (ix->ninclude) {
		json_t *inc = json_array();
		for (size_t i = 0; i < ix->ninclude; i++)
			json_array_append_new(inc, json_string(ix->include[i]));
		set(p, "NonKeyAttributes", inc);
	}
	set(o, "Projection", p);
	if (global && provisioned && ix->cap.set)
		set(o, "ProvisionedThroughput", api_throughput(&ix->cap));
	if (global && ix->odm.set)
		set(o, "OnDemandThroughput", api_on_demand(&ix->odm));
	return o;
}

static int tag_cmp(const void *a, const void *b)
{
	return strcmp(((const Tag *)a)->key, ((const Tag *)b)->key);
}

/* Tags sorted by key (code point order, as JMESPath's sort_by compares),
 * so that a script can compare them with what AWS reports. */
static json_t *api_tags(const Table *t)
{
	Tag *sorted = malloc((t->ntags + 1) * sizeof *sorted);
	if (!sorted)
		BUG("out of memory");
	if (t->ntags) {
		memcpy(sorted, t->tags, t->ntags * sizeof *sorted);
		qsort(sorted, t->ntags, sizeof *sorted, tag_cmp);
	}
	json_t *a = json_array();
	for (size_t i = 0; i < t->ntags; i++) {
		json_t *tg = json_object();
		set(tg, "Key", json_string(sorted[i].key));
		set(tg, "Value", json_string(sorted[i].value));
		json_array_append_new(a, tg);
	}
	free(sorted);
	return a;
}

/*
 * CreateTable's input with only what differs from AWS's defaults, so that
 * an older AWS CLI, which validates --cli-input-json against its own
 * model, accepts every request that does not need a newer feature.
 */
static json_t *api_create_table(const Table *t, json_t *attrdefs)
{
	static const char *const streams[] = {NULL, "KEYS_ONLY", "NEW_IMAGE",
					      "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
	json_t *o = json_object();
	set(o, "TableName", json_string(t->physical));
	json_t *defs = json_array();
	size_t i;
	json_t *d;
	json_array_foreach(attrdefs, i, d) {
		json_t *x = json_object();
		set(x, "AttributeName", json_incref(json_object_get(d, "name")));
		set(x, "AttributeType", json_incref(json_object_get(d, "type")));
		json_array_append_new(defs, x);
	}
	set(o, "AttributeDefinitions", defs);
	set(o, "KeySchema", api_key_schema(&t->key));
	set(o, "BillingMode", json_string(t->provisioned ? "PROVISIONED"
							  : "PAY_PER_REQUEST"));
	if (t->provisioned)
		set(o, "ProvisionedThroughput", api_throughput(&t->cap));
	if (t->odm.set)
		set(o, "OnDemandThroughput", api_on_demand(&t->odm));
	if (t->ngsis) {
		json_t *g = json_array();
		for (i = 0; i < t->ngsis; i++)
			json_array_append_new(g, api_index(&t->gsis[i], true,
							   t->provisioned));
		set(o, "GlobalSecondaryIndexes", g);
	}
	if (t->nlsis) {
		json_t *l = json_array();
		for (i = 0; i < t->nlsis; i++)
			json_array_append_new(l, api_index(&t->lsis[i], false, false));
		set(o, "LocalSecondaryIndexes", l);
	}
	if (t->stream != STREAM_OFF) {
		json_t *s = json_object();
		set(s, "StreamEnabled", json_true());
		set(s, "StreamViewType", json_string(streams[t->stream]));
		set(o, "StreamSpecification", s);
	}
	if (t->enc != ENC_AWS_OWNED) {
		json_t *s = json_object();
		set(s, "Enabled", json_true());
		set(s, "SSEType", json_string("KMS"));
		if (t->enc == ENC_KMS)
			set(s, "KMSMasterKeyId", json_string(t->kms_key));
		set(o, "SSESpecification", s);
	}
	if (t->infrequent_access)
		set(o, "TableClass", json_string("STANDARD_INFREQUENT_ACCESS"));
	if (t->deletion_protection)
		set(o, "DeletionProtectionEnabled", json_true());
	if (t->ntags)
		set(o, "Tags", api_tags(t));
	return o;
}

static json_t *table_api(const Table *t, json_t *attrdefs)
{
	json_t *o = json_object();
	set(o, "create_table", api_create_table(t, attrdefs));
	set(o, "tags", api_tags(t));
	if (t->has_ttl) {
		json_t *ttl = json_object();
		set(ttl, "AttributeName", json_string(t->ttl_attr));
		set(ttl, "Enabled", json_boolean(t->ttl_enabled));
		set(o, "time_to_live", ttl);
	} else {
		set(o, "time_to_live", json_null());
	}
	json_t *pitr = json_object();
	set(pitr, "PointInTimeRecoveryEnabled", json_boolean(t->pitr));
	if (t->pitr && t->pitr_days)
		set(pitr, "RecoveryPeriodInDays", json_integer(t->pitr_days));
	set(o, "point_in_time_recovery", pitr);
	return o;
}

/* The ARN of a KMS key given as an ARN, a key id or alias/NAME; NULL when
 * the region or account needed to write it is unknown. */
static const char *kms_arn(const Model *m, const char *key)
{
	static char buf[512];
	if (!strncmp(key, "arn:", 4))
		return key;
	if (!m->region || !m->account)
		return NULL;
	snprintf(buf, sizeof buf, "arn:%s:kms:%s:%s:%s%s", m->partition, m->region,
		 m->account, strncmp(key, "alias/", 6) ? "key/" : "", key);
	return buf;
}

static json_t *table_json(const Model *m, const Table *t)
{
	static const char *const streams[] = {NULL, "KEYS_ONLY", "NEW_IMAGE",
					      "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
	static const char *const dp[] = {"retain", "delete", "snapshot"};
	/* DynamoDB has no CloudFormation Snapshot policy: it is retained */
	static const char *const dp_cfn[] = {"Retain", "Delete", "Retain"};
	json_t *o = json_object();
	set(o, "logical_name", json_string(t->logical));
	set(o, "id", json_string(t->id));
	set(o, "resource_id", jcat(t->id, "Table"));
	set(o, "ident", json_string(t->ident));
	set(o, "name", json_string(t->physical));
	set(o, "arn", str_or_null(table_arn(m, t)));
	set(o, "description", str_or_null(t->description));

	json_t *attrs = json_array();
	for (size_t i = 0; i < t->nattrs; i++) {
		json_t *a = json_object();
		set(a, "name", json_string(t->attrs[i].name));
		set(a, "type", json_string(attr_type_names[t->attrs[i].type]));
		json_array_append_new(attrs, a);
	}
	set(o, "attributes", attrs);
	set(o, "attribute_definitions", attribute_definitions(t));
	set(o, "key_schema", key_schema(&t->key));
	set(o, "partition_key", typed(t, t->key.pk));
	set(o, "sort_key", typed(t, t->key.sk));

	set(o, "billing_mode", json_string(t->provisioned ? "PROVISIONED"
							   : "PAY_PER_REQUEST"));
	set(o, "provisioned", json_boolean(t->provisioned));
	set(o, "capacity", throughput(&t->cap, false));
	set(o, "on_demand_max", throughput(&t->odm, true));

	json_t *g = json_array(), *l = json_array();
	for (size_t i = 0; i < t->ngsis; i++)
		json_array_append_new(g, index_json(&t->gsis[i], true));
	for (size_t i = 0; i < t->nlsis; i++)
		json_array_append_new(l, index_json(&t->lsis[i], false));
	set(o, "global_indexes", g);
	set(o, "local_indexes", l);
	set(o, "has_global_indexes", json_boolean(t->ngsis > 0));
	set(o, "has_local_indexes", json_boolean(t->nlsis > 0));
	set(o, "has_indexes", json_boolean(t->ngsis + t->nlsis > 0));

	if (t->has_ttl) {
		json_t *ttl = json_object();
		set(ttl, "attribute", json_string(t->ttl_attr));
		set(ttl, "enabled", json_boolean(t->ttl_enabled));
		set(ttl, "retention", str_or_null(t->retention));
		set(ttl, "retention_seconds",
		    t->retention ? json_integer(t->retention_s) : json_null());
		set(o, "ttl", ttl);
	} else {
		set(o, "ttl", json_null());
	}

	json_t *pitr = json_object();
	set(pitr, "enabled", json_boolean(t->pitr));
	set(pitr, "recovery_period_days",
	    t->pitr && t->pitr_days ? json_integer(t->pitr_days) : json_null());
	set(o, "pitr", pitr);

	json_t *enc = json_object();
	static const char *const enc_names[] = {"aws_owned", "aws_managed", "kms"};
	set(enc, "type", json_string(enc_names[t->enc]));
	set(enc, "sse_enabled", json_boolean(t->enc != ENC_AWS_OWNED));
	set(enc, "kms", json_boolean(t->enc == ENC_KMS));
	set(enc, "kms_key", str_or_null(t->enc == ENC_KMS ? t->kms_key : NULL));
	set(enc, "kms_key_arn", str_or_null(t->enc == ENC_KMS ? kms_arn(m, t->kms_key) : NULL));
	set(o, "encryption", enc);

	if (t->stream != STREAM_OFF) {
		json_t *s = json_object();
		set(s, "view_type", json_string(streams[t->stream]));
		set(o, "stream", s);
	} else {
		set(o, "stream", json_null());
	}
	set(o, "table_class", json_string(t->infrequent_access
						  ? "STANDARD_INFREQUENT_ACCESS"
						  : "STANDARD"));
	set(o, "deletion_protection", json_boolean(t->deletion_protection));
	json_t *pol = json_object();
	set(pol, "value", json_string(dp[t->deletion_policy]));
	set(pol, "cloudformation", json_string(dp_cfn[t->deletion_policy]));
	set(pol, "retain", json_boolean(t->deletion_policy == DP_RETAIN));
	set(pol, "delete", json_boolean(t->deletion_policy == DP_DELETE));
	set(pol, "snapshot", json_boolean(t->deletion_policy == DP_SNAPSHOT));
	/* what survives removal from the stack: retain, and snapshot, which
	 * no DynamoDB tool can honour otherwise */
	set(pol, "keep", json_boolean(t->deletion_policy != DP_DELETE));
	set(o, "deletion_policy", pol);
	set(o, "contributor_insights", json_boolean(t->contributor_insights));

	json_t *tags = json_array();
	for (size_t i = 0; i < t->ntags; i++) {
		json_t *tg = json_object();
		set(tg, "key", json_string(t->tags[i].key));
		set(tg, "value", json_string(t->tags[i].value));
		json_array_append_new(tags, tg);
	}
	set(o, "tags", tags);
	set(o, "has_tags", json_boolean(t->ntags > 0));

	if (t->export_name) {
		json_t *e = json_object();
		set(e, "name", json_string(t->export));
		set(e, "name_export", json_string(t->export_name));
		set(e, "arn_export", jcat(t->export_name, "Arn"));
		set(e, "stream_arn_export", t->stream != STREAM_OFF
			? jcat(t->export_name, "StreamArn") : json_null());
		set(e, "name_output_id", jcat(t->id, "TableName"));
		set(e, "arn_output_id", jcat(t->id, "TableArn"));
		set(e, "stream_arn_output_id", t->stream != STREAM_OFF
			? jcat(t->id, "StreamArn") : json_null());
		set(o, "export", e);
	} else {
		set(o, "export", json_null());
	}
	set(o, "env_var", str_or_null(t->env_var));

	json_t *aps = json_array();
	for (size_t i = 0; i < t->npatterns; i++) {
		const AccessPattern *ap = &t->patterns[i];
		if (!ap->pk)
			continue;
		json_t *a = json_object();
		set(a, "name", str_or_null(ap->name));
		json_t *k = json_array();
		json_array_append_new(k, json_string(ap->pk));
		if (ap->sk)
			json_array_append_new(k, json_string(ap->sk));
		set(a, "key", k);
		set(a, "index", str_or_null(ap->index));
		json_array_append_new(aps, a);
	}
	set(o, "access_patterns", aps);
	set(o, "api", table_api(t, json_object_get(o, "attribute_definitions")));
	return o;
}

static json_t *resource_json(const Model *m, const ResRef *r)
{
	static const char *const kinds[] = {"table", "index", "stream", "any"};
	json_t *o = json_object();
	set(o, "kind", json_string(kinds[r->kind]));
	set(o, "is_table", json_boolean(r->kind == RES_TABLE));
	set(o, "is_index", json_boolean(r->kind == RES_INDEX));
	set(o, "is_stream", json_boolean(r->kind == RES_STREAM));
	set(o, "is_any", json_boolean(r->kind == RES_ANY));
	set(o, "table", r->table ? json_string(r->table->logical) : json_null());
	set(o, "table_name", r->table ? json_string(r->table->physical) : json_null());
	set(o, "table_resource_id", r->table ? jcat(r->table->id, "Table") : json_null());
	set(o, "table_ident", r->table ? json_string(r->table->ident) : json_null());
	set(o, "index", str_or_null(r->index));
	/* a literal ARN where one can be known before deployment; a stream's
	 * ARN carries a timestamp and never can */
	const char *arn = NULL;
	Strbuf sb = STRBUF_INIT;
	if (r->kind == RES_ANY) {
		arn = "*";
	} else if (r->kind != RES_STREAM && table_arn(m, r->table)) {
		strbuf_addstr(&sb, table_arn(m, r->table));
		if (r->kind == RES_INDEX)
			strbuf_addf(&sb, "/index/%s", r->index);
		arn = sb.buf;
	}
	set(o, "arn", str_or_null(arn));
	/* one word for scripts: "kind table [index]"; names hold no space */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, kinds[r->kind]);
	if (r->table)
		strbuf_addf(&sb, " %s", r->table->physical);
	if (r->kind == RES_INDEX)
		strbuf_addf(&sb, " %s", r->index);
	set(o, "ref", json_stringn(sb.buf, sb.len));
	strbuf_release(&sb);
	return o;
}

/* The statement as IAM reads it, without its Resource, which only the
 * deployed tables can tell (a stream's ARN carries a timestamp). */
static json_t *statement_api(const Policy *p, const Statement *st)
{
	json_t *h = json_object();
	set(h, "Sid", json_string(st->sid));
	set(h, "Effect", json_string("Allow"));
	json_t *acts = json_array();
	for (size_t j = 0; j < st->nactions; j++)
		json_array_append_new(acts, json_string(st->actions[j]));
	set(h, "Action", acts);
	if (st->leading_keys && p->nleading_keys) {
		json_t *lk = json_array();
		for (size_t j = 0; j < p->nleading_keys; j++)
			json_array_append_new(lk, json_string(p->leading_keys[j]));
		json_t *like = json_object(), *cond = json_object();
		set(like, "dynamodb:LeadingKeys", lk);
		set(cond, "ForAllValues:StringLike", like);
		set(h, "Condition", cond);
	}
	return h;
}

/* Does policy p have a resource in stack s? */
static bool policy_in(const Policy *p, int s)
{
	for (size_t i = 0; i < p->nstmts; i++)
		for (size_t j = 0; j < p->stmts[i].nres; j++)
			if (stacks_of_resource(p, &p->stmts[i].res[j]) == s)
				return true;
	return false;
}

/* The policy, or with stack >= 0 the part of it whose resources are in
 * that stack (statements left without a resource are dropped). */
static json_t *policy_json(const Model *m, const Policy *p, int stack)
{
	json_t *o = json_object();
	const char *name = p->name;
	if (stack > 0) {
		/* one policy per stack and role: names must differ; the
		 * first stack that holds the policy keeps its name */
		bool elsewhere = false;
		for (int s = 0; s < stack && !elsewhere; s++)
			elsewhere = policy_in(p, s);
		if (elsewhere) {
			json_t *n = jcat(p->name, "-");
			set(o, "name", jcat(json_string_value(n), m->stacks[stack].id));
			json_decref(n);
			name = NULL;
		}
	}
	if (name)
		set(o, "name", json_string(name));
	set(o, "id", json_string(p->id));
	set(o, "resource_id", json_string(p->resource_id));
	set(o, "ident", json_string(p->ident));
	set(o, "managed", json_boolean(p->managed));
	set(o, "role", json_string(p->role));
	set(o, "role_arn", str_or_null(p->role_arn));
	json_t *stmts = json_array();
	for (size_t i = 0; i < p->nstmts; i++) {
		const Statement *s = &p->stmts[i];
		json_t *so = json_object();
		set(so, "sid", json_string(s->sid));
		json_t *acts = json_array();
		for (size_t j = 0; j < s->nactions; j++)
			json_array_append_new(acts, json_string(s->actions[j]));
		set(so, "actions", acts);
		json_t *res = json_array();
		for (size_t j = 0; j < s->nres; j++)
			if (stack < 0 || stacks_of_resource(p, &s->res[j]) == stack)
				json_array_append_new(res, resource_json(m, &s->res[j]));
		if (!json_array_size(res)) {
			json_decref(res);
			json_decref(so);
			continue;
		}
		set(so, "resources", res);
		if (s->leading_keys && p->nleading_keys) {
			json_t *c = json_object(), *lk = json_array();
			for (size_t j = 0; j < p->nleading_keys; j++)
				json_array_append_new(lk, json_string(p->leading_keys[j]));
			set(c, "leading_keys", lk);
			set(so, "condition", c);
		} else {
			set(so, "condition", json_null());
		}
		set(so, "api", statement_api(p, s));
		json_array_append_new(stmts, so);
	}
	set(o, "statements", stmts);

	return o;
}

/*
 * An environment split into CloudFormation stacks: each stack's tables
 * (the same objects as the IR's `tables`), the parts of policies that
 * grant on them, and their exports. Only there when there is more than
 * one stack; a backend renders a file per stack with `"each": "stacks"`.
 */
static json_t *stacks_json(const Model *m, json_t *tables, json_t *exps)
{
	json_t *arr = json_array();
	for (size_t s = 0; s < m->nstacks; s++) {
		const Stack *st = &m->stacks[s];
		json_t *o = json_object(), *ts = json_array(), *es = json_array();
		set(o, "id", json_string(st->id));
		set(o, "number", json_integer((json_int_t)s + 1));
		set(o, "count", json_integer((json_int_t)m->nstacks));
		set(o, "resources", json_integer((json_int_t)st->resources));
		set(o, "outputs", json_integer((json_int_t)st->outputs));
		set(o, "estimated_bytes", json_integer((json_int_t)st->bytes));
		json_t *suffix = jcat(*st->id ? "." : "", st->id);
		set(o, "file_suffix", suffix);
		Strbuf desc = STRBUF_INIT;
		strbuf_addstr(&desc, "DynamoDB tables");
		if (m->spec->project)
			strbuf_addf(&desc, " of %s", m->spec->project);
		strbuf_addf(&desc, ", environment %s, stack %zu of %zu (id '%s')",
			    m->env->name, s + 1, m->nstacks, st->id);
		set(o, "description", json_stringn(desc.buf, desc.len));
		strbuf_release(&desc);
		size_t e = 0;
		for (size_t i = 0; i < m->ntables; i++) {
			const Table *t = &m->tables[i];
			if (t->stack == (int)s)
				json_array_append(ts, json_array_get(tables, i));
			if (t->export_name) {
				if (t->stack == (int)s)
					json_array_append(es, json_array_get(exps, e));
				e++;
			}
		}
		json_t *pols = json_array();
		for (size_t i = 0; i < m->npolicies; i++)
			if (policy_in(&m->policies[i], (int)s))
				json_array_append_new(pols, policy_json(m, &m->policies[i],
									 (int)s));
		set(o, "tables", ts);
		set(o, "policies", pols);
		set(o, "has_policies", json_boolean(json_array_size(pols) > 0));
		set(o, "exports", es);
		set(o, "has_exports", json_boolean(json_array_size(es) > 0));
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *lower_model(const Model *m, const char *spec_name)
{
	json_t *root = json_object();
	set(root, "ir_version", json_integer(1));
	set(root, "generator", json_string("tablec " TABLEC_VERSION));
	set(root, "spec", json_string(spec_name));
	set(root, "project", str_or_null(m->spec->project));
	json_t *env = json_object();
	set(env, "name", json_string(m->env->name));
	set(env, "region", str_or_null(m->region));
	set(env, "account", str_or_null(m->account));
	set(env, "partition", json_string(m->partition));
	set(env, "production", json_boolean(m->env->production));
	set(root, "environment", env);
	/* one line for a stack's or a module's description */
	Strbuf desc = STRBUF_INIT;
	strbuf_addstr(&desc, "DynamoDB tables");
	if (m->spec->project)
		strbuf_addf(&desc, " of %s", m->spec->project);
	strbuf_addf(&desc, ", environment %s", m->env->name);
	set(root, "description", json_stringn(desc.buf, desc.len));
	strbuf_release(&desc);

	json_t *tables = json_array(), *vars = json_array(), *exps = json_array();
	for (size_t i = 0; i < m->ntables; i++) {
		const Table *t = &m->tables[i];
		json_t *tj = table_json(m, t);
		json_array_append_new(tables, tj);
		if (t->export_name) {
			/* exports as a list of their own, so that templates can
			 * separate them (JSON commas) without looking at tables */
			json_t *e = json_deep_copy(json_object_get(tj, "export"));
			set(e, "table", json_string(t->logical));
			set(e, "table_resource_id", jcat(t->id, "Table"));
			set(e, "table_ident", json_string(t->ident));
			json_array_append_new(exps, e);
		}
		if (t->env_var) {
			json_t *v = json_object();
			set(v, "name", json_string(t->env_var));
			set(v, "value", json_string(t->physical));
			set(v, "table", json_string(t->logical));
			set(v, "ttl_retention", str_or_null(t->retention));
			set(v, "ttl_retention_seconds",
			    t->retention ? json_integer(t->retention_s) : json_null());
			json_array_append_new(vars, v);
		}
	}
	set(root, "tables", tables);
	json_t *pols = json_array();
	for (size_t i = 0; i < m->npolicies; i++)
		json_array_append_new(pols, policy_json(m, &m->policies[i], -1));
	set(root, "policies", pols);
	set(root, "env_vars", vars);
	set(root, "has_policies", json_boolean(m->npolicies > 0));
	set(root, "exports", exps);
	set(root, "has_exports", json_boolean(json_array_size(exps) > 0));
	set(root, "has_env_vars", json_boolean(json_array_size(vars) > 0));
	if (m->nstacks > 1)
		set(root, "stacks", stacks_json(m, tables, exps));
	return root;
}
