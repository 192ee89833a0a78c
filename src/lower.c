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


Ir *ir_cat(const char *a, const char *b)
{
	Strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, a);
	strbuf_addstr(&sb, b);
	Ir *j = ir_strn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

/* The API's words for the language's enums (props.c has the spec's). */
static const char *const api_proj[] = {"ALL", "KEYS_ONLY", "INCLUDE"};
static const char *const api_stream[] = {NULL, "KEYS_ONLY", "NEW_IMAGE",
					 "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};

static Ir *key_schema(const KeyDef *k)
{
	Ir *a = ir_arr();
	Ir *h = ir_obj();
	ir_set(h, "name", ir_str(k->pk));
	ir_set(h, "key_type", ir_str("HASH"));
	ir_push(a, h);
	if (k->sk) {
		Ir *r = ir_obj();
		ir_set(r, "name", ir_str(k->sk));
		ir_set(r, "key_type", ir_str("RANGE"));
		ir_push(a, r);
	}
	return a;
}

static const char *attr_type(const Table *t, const char *name)
{
	for (size_t i = 0; i < t->nattrs; i++)
		if (!strcmp(t->attrs[i].name, name))
			return props_attr_types[t->attrs[i].type];
	BUG("key attribute '%s' has no type after validation", name);
}

static Ir *typed(const Table *t, const char *name)
{
	if (!name)
		return ir_null();
	Ir *o = ir_obj();
	ir_set(o, "name", ir_str(name));
	ir_set(o, "type", ir_str(attr_type(t, name)));
	return o;
}

/* Key attributes only, each once: table key, then GSI keys, then LSI sort
 * keys, in spec order. Non-key definitions make CloudFormation and
 * Terraform fail or plan changes forever. */
static Ir *attribute_definitions(const Table *t)
{
	Ir *a = ir_arr();
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
			ir_push(a, typed(t, names[i]));
	}
	return a;
}

static Ir *throughput(const Throughput *tp, bool on_demand)
{
	if (!tp->set)
		return ir_null();
	Ir *o = ir_obj();
	if (on_demand) {
		ir_set(o, "read", tp->read ? ir_int(tp->read) : ir_null());
		ir_set(o, "write", tp->write ? ir_int(tp->write) : ir_null());
	} else {
		ir_set(o, "read", ir_int(tp->read));
		ir_set(o, "write", ir_int(tp->write));
	}
	return o;
}

/* A diagram's identifier of a table's index number `no` (1-based, global
 * indexes first): i<no>_<the table's ident>, which no table's
 * (t_<ident>) or other index's can be. */
static Ir *index_diagram_id(const Table *t, size_t no)
{
	Strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "i%zu_%s", no, t->ident);
	Ir *j = ir_strn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j;
}

static Ir *index_json(const Table *t, const Index *ix, bool global, size_t no)
{
	Ir *o = ir_obj();
	ir_set(o, "name", ir_str(ix->name));
	ir_set(o, "index_diagram_id", index_diagram_id(t, no));
	ir_set(o, "key_schema", key_schema(&ix->key));
	Ir *p = ir_obj();
	ir_set(p, "type", ir_str(api_proj[ix->proj]));
	Ir *inc = ir_arr();
	for (size_t i = 0; i < ix->ninclude; i++)
		ir_push(inc, ir_str(ix->include[i]));
	ir_set(p, "non_key_attributes", inc);
	ir_set(p, "has_non_key_attributes", ir_bool(ix->ninclude > 0));
	ir_set(o, "projection", p);
	if (global) {
		ir_set(o, "capacity", throughput(&ix->cap, false));
		ir_set(o, "on_demand_max", throughput(&ix->odm, true));
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

static Ir *api_key_schema(const KeyDef *k)
{
	Ir *a = ir_arr();
	Ir *h = ir_obj();
	ir_set(h, "AttributeName", ir_str(k->pk));
	ir_set(h, "KeyType", ir_str("HASH"));
	ir_push(a, h);
	if (k->sk) {
		Ir *r = ir_obj();
		ir_set(r, "AttributeName", ir_str(k->sk));
		ir_set(r, "KeyType", ir_str("RANGE"));
		ir_push(a, r);
	}
	return a;
}

static Ir *api_throughput(const Throughput *tp)
{
	Ir *o = ir_obj();
	ir_set(o, "ReadCapacityUnits", ir_int(tp->read));
	ir_set(o, "WriteCapacityUnits", ir_int(tp->write));
	return o;
}

static Ir *api_on_demand(const Throughput *tp)
{
	Ir *o = ir_obj();
	if (tp->read)
		ir_set(o, "MaxReadRequestUnits", ir_int(tp->read));
	if (tp->write)
		ir_set(o, "MaxWriteRequestUnits", ir_int(tp->write));
	return o;
}

static Ir *api_index(const Index *ix, bool global, bool provisioned)
{
	Ir *o = ir_obj();
	ir_set(o, "IndexName", ir_str(ix->name));
	ir_set(o, "KeySchema", api_key_schema(&ix->key));
	Ir *p = ir_obj();
	ir_set(p, "ProjectionType", ir_str(api_proj[ix->proj]));
	if (ix->ninclude) {
		Ir *inc = ir_arr();
		for (size_t i = 0; i < ix->ninclude; i++)
			ir_push(inc, ir_str(ix->include[i]));
		ir_set(p, "NonKeyAttributes", inc);
	}
	ir_set(o, "Projection", p);
	if (global && provisioned && ix->cap.set)
		ir_set(o, "ProvisionedThroughput", api_throughput(&ix->cap));
	if (global && ix->odm.set)
		ir_set(o, "OnDemandThroughput", api_on_demand(&ix->odm));
	return o;
}

static int tag_cmp(const void *a, const void *b)
{
	return strcmp(((const Tag *)a)->key, ((const Tag *)b)->key);
}

/* Tags sorted by key (code point order, as JMESPath's sort_by compares),
 * so that a script can compare them with what AWS reports. */
static Ir *api_tags(const Table *t)
{
	Tag *sorted = malloc((t->ntags + 1) * sizeof *sorted);
	if (!sorted)
		BUG("out of memory");
	if (t->ntags) {
		memcpy(sorted, t->tags, t->ntags * sizeof *sorted);
		qsort(sorted, t->ntags, sizeof *sorted, tag_cmp);
	}
	Ir *a = ir_arr();
	for (size_t i = 0; i < t->ntags; i++) {
		Ir *tg = ir_obj();
		ir_set(tg, "Key", ir_str(sorted[i].key));
		ir_set(tg, "Value", ir_str(sorted[i].value));
		ir_push(a, tg);
	}
	free(sorted);
	return a;
}

/*
 * CreateTable's input with only what differs from AWS's defaults, so that
 * an older AWS CLI, which validates --cli-input-json against its own
 * model, accepts every request that does not need a newer feature.
 */
static Ir *api_create_table(const Table *t, Ir *attrdefs)
{
	Ir *o = ir_obj();
	ir_set(o, "TableName", ir_str(t->physical));
	Ir *defs = ir_arr();
	size_t i;
	Ir *d;
	ir_arr_foreach(attrdefs, i, d) {
		Ir *x = ir_obj();
		ir_set(x, "AttributeName", ir_ref(ir_get(d, "name")));
		ir_set(x, "AttributeType", ir_ref(ir_get(d, "type")));
		ir_push(defs, x);
	}
	ir_set(o, "AttributeDefinitions", defs);
	ir_set(o, "KeySchema", api_key_schema(&t->key));
	ir_set(o, "BillingMode", ir_str(t->provisioned ? "PROVISIONED"
							  : "PAY_PER_REQUEST"));
	if (t->provisioned)
		ir_set(o, "ProvisionedThroughput", api_throughput(&t->cap));
	if (t->odm.set)
		ir_set(o, "OnDemandThroughput", api_on_demand(&t->odm));
	if (t->ngsis) {
		Ir *g = ir_arr();
		for (i = 0; i < t->ngsis; i++)
			ir_push(g, api_index(&t->gsis[i], true,
							   t->provisioned));
		ir_set(o, "GlobalSecondaryIndexes", g);
	}
	if (t->nlsis) {
		Ir *l = ir_arr();
		for (i = 0; i < t->nlsis; i++)
			ir_push(l, api_index(&t->lsis[i], false, false));
		ir_set(o, "LocalSecondaryIndexes", l);
	}
	if (t->stream != STREAM_OFF) {
		Ir *s = ir_obj();
		ir_set(s, "StreamEnabled", ir_bool(true));
		ir_set(s, "StreamViewType", ir_str(api_stream[t->stream]));
		ir_set(o, "StreamSpecification", s);
	}
	if (t->enc != ENC_AWS_OWNED) {
		Ir *s = ir_obj();
		ir_set(s, "Enabled", ir_bool(true));
		ir_set(s, "SSEType", ir_str("KMS"));
		if (t->enc == ENC_KMS)
			ir_set(s, "KMSMasterKeyId", ir_str(t->kms_key));
		ir_set(o, "SSESpecification", s);
	}
	if (t->infrequent_access)
		ir_set(o, "TableClass", ir_str("STANDARD_INFREQUENT_ACCESS"));
	if (t->deletion_protection)
		ir_set(o, "DeletionProtectionEnabled", ir_bool(true));
	if (t->ntags)
		ir_set(o, "Tags", api_tags(t));
	return o;
}

static Ir *table_api(const Table *t, Ir *attrdefs)
{
	Ir *o = ir_obj();
	ir_set(o, "create_table", api_create_table(t, attrdefs));
	ir_set(o, "tags", api_tags(t));
	if (t->has_ttl) {
		Ir *ttl = ir_obj();
		ir_set(ttl, "AttributeName", ir_str(t->ttl_attr));
		ir_set(ttl, "Enabled", ir_bool(t->ttl_enabled));
		ir_set(o, "time_to_live", ttl);
	} else {
		ir_set(o, "time_to_live", ir_null());
	}
	Ir *pitr = ir_obj();
	ir_set(pitr, "PointInTimeRecoveryEnabled", ir_bool(t->pitr));
	if (t->pitr && t->pitr_days)
		ir_set(pitr, "RecoveryPeriodInDays", ir_int(t->pitr_days));
	ir_set(o, "point_in_time_recovery", pitr);
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

/* ---- for documentation */

static bool serves(const KeyDef *k, const AccessPattern *ap)
{
	return k->pk && !strcmp(k->pk, ap->pk) &&
	       (!ap->sk || (k->sk && !strcmp(k->sk, ap->sk)));
}

/*
 * What serves an access pattern (validation made sure something does):
 * the index it names; else the table's key; else the first global, then
 * local, index that does, as props.c looked for one.
 */
static Ir *served_by(const Table *t, const AccessPattern *ap)
{
	const Index *ix = NULL;
	bool global = false;
	for (size_t i = 0; i < t->ngsis && !ix; i++)
		if (ap->index ? !strcmp(t->gsis[i].name, ap->index)
			      : !serves(&t->key, ap) && serves(&t->gsis[i].key, ap)) {
			ix = &t->gsis[i];
			global = true;
		}
	for (size_t i = 0; i < t->nlsis && !ix; i++)
		if (ap->index ? !strcmp(t->lsis[i].name, ap->index)
			      : !serves(&t->key, ap) && serves(&t->lsis[i].key, ap))
			ix = &t->lsis[i];
	Ir *o = ir_obj();
	ir_set(o, "kind", ir_str(!ix ? "table" : global ? "global_index"
					: "local_index"));
	ir_set(o, "index", ir_str_or_null(ix ? ix->name : NULL));
	ir_set(o, "is_table", ir_bool(!ix));
	ir_set(o, "is_global_index", ir_bool(ix && global));
	ir_set(o, "is_local_index", ir_bool(ix && !global));
	return o;
}

/* A YAML node as one line of flow text: scalars by their text, [a, b],
 * {k: v}. */
static void flow_text(Strbuf *sb, const Node *n)
{
	switch (n->kind) {
	case NODE_SCALAR:
		strbuf_add(sb, n->str, n->len);
		break;
	case NODE_SEQ:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < n->nitems; i++) {
			if (i)
				strbuf_addstr(sb, ", ");
			flow_text(sb, n->items[i]);
		}
		strbuf_addch(sb, ']');
		break;
	case NODE_MAP:
		strbuf_addch(sb, '{');
		for (size_t i = 0; i < n->npairs; i++) {
			strbuf_addstr(sb, i ? ", " : " ");
			flow_text(sb, n->pairs[i].key);
			strbuf_addstr(sb, ": ");
			flow_text(sb, n->pairs[i].value);
		}
		strbuf_addstr(sb, n->npairs ? " }" : "}");
		break;
	}
}

/*
 * The table's properties as the spec sets them in this environment, the
 * layers merged (built-in defaults are not a layer: an absent property is
 * left out), in the language's order: so that a key the language gains
 * reaches documentation with no change here. What each key means is the
 * root's table_keys, once.
 */
static Ir *properties_json(const Table *t)
{
	Ir *a = ir_arr();
	Strbuf sb = STRBUF_INIT;
	for (size_t i = 0; parse_table_keys[i]; i++) {
		const Node *v = node_get(t->props, parse_table_keys[i]);
		if (!v || node_is_null(v))
			continue;
		strbuf_reset(&sb);
		flow_text(&sb, v);
		Ir *p = ir_obj();
		ir_set(p, "key", ir_str(parse_table_keys[i]));
		ir_set(p, "value", ir_strn(sb.buf, sb.len));
		ir_push(a, p);
	}
	strbuf_release(&sb);
	return a;
}

/* Every table key of the language and what it means (schema.c). */
static Ir *table_keys_json(void)
{
	Ir *a = ir_arr();
	for (size_t i = 0; parse_table_keys[i]; i++) {
		const char *d = schema_describe("table", parse_table_keys[i]);
		Ir *k = ir_obj();
		ir_set(k, "key", ir_str(parse_table_keys[i]));
		ir_set(k, "description", ir_str(d ? d : ""));
		ir_push(a, k);
	}
	return a;
}

static Ir *table_json(const Model *m, const Table *t)
{
	static const char *const dp[] = {"retain", "delete", "snapshot"};
	/* DynamoDB has no CloudFormation Snapshot policy: it is retained */
	static const char *const dp_cfn[] = {"Retain", "Delete", "Retain"};
	Ir *o = ir_obj();
	ir_set(o, "logical_name", ir_str(t->logical));
	ir_set(o, "id", ir_str(t->id));
	ir_set(o, "resource_id", ir_cat(t->id, "Table"));
	ir_set(o, "ident", ir_str(t->ident));
	ir_set(o, "diagram_id", ir_cat("t_", t->ident));
	ir_set(o, "name", ir_str(t->physical));
	ir_set(o, "arn", ir_str_or_null(table_arn(m, t)));
	ir_set(o, "description", ir_str_or_null(t->description));

	Ir *attrs = ir_arr();
	for (size_t i = 0; i < t->nattrs; i++) {
		Ir *a = ir_obj();
		ir_set(a, "name", ir_str(t->attrs[i].name));
		ir_set(a, "type", ir_str(props_attr_types[t->attrs[i].type]));
		ir_push(attrs, a);
	}
	ir_set(o, "attributes", attrs);
	ir_set(o, "attribute_definitions", attribute_definitions(t));
	ir_set(o, "key_schema", key_schema(&t->key));
	ir_set(o, "partition_key", typed(t, t->key.pk));
	ir_set(o, "sort_key", typed(t, t->key.sk));

	ir_set(o, "billing_mode", ir_str(t->provisioned ? "PROVISIONED"
							   : "PAY_PER_REQUEST"));
	ir_set(o, "provisioned", ir_bool(t->provisioned));
	ir_set(o, "capacity", throughput(&t->cap, false));
	ir_set(o, "on_demand_max", throughput(&t->odm, true));

	Ir *g = ir_arr(), *l = ir_arr();
	for (size_t i = 0; i < t->ngsis; i++)
		ir_push(g, index_json(t, &t->gsis[i], true, i + 1));
	for (size_t i = 0; i < t->nlsis; i++)
		ir_push(l, index_json(t, &t->lsis[i], false, t->ngsis + i + 1));
	ir_set(o, "global_indexes", g);
	ir_set(o, "local_indexes", l);
	ir_set(o, "has_global_indexes", ir_bool(t->ngsis > 0));
	ir_set(o, "has_local_indexes", ir_bool(t->nlsis > 0));
	ir_set(o, "has_indexes", ir_bool(t->ngsis + t->nlsis > 0));

	if (t->has_ttl) {
		Ir *ttl = ir_obj();
		ir_set(ttl, "attribute", ir_str(t->ttl_attr));
		ir_set(ttl, "enabled", ir_bool(t->ttl_enabled));
		ir_set(ttl, "retention", ir_str_or_null(t->retention));
		ir_set(ttl, "retention_seconds",
		    t->retention ? ir_int(t->retention_s) : ir_null());
		ir_set(o, "ttl", ttl);
	} else {
		ir_set(o, "ttl", ir_null());
	}

	Ir *pitr = ir_obj();
	ir_set(pitr, "enabled", ir_bool(t->pitr));
	ir_set(pitr, "recovery_period_days",
	    t->pitr && t->pitr_days ? ir_int(t->pitr_days) : ir_null());
	ir_set(o, "pitr", pitr);

	Ir *enc = ir_obj();
	static const char *const enc_names[] = {"aws_owned", "aws_managed", "kms"};
	ir_set(enc, "type", ir_str(enc_names[t->enc]));
	ir_set(enc, "sse_enabled", ir_bool(t->enc != ENC_AWS_OWNED));
	ir_set(enc, "kms", ir_bool(t->enc == ENC_KMS));
	ir_set(enc, "kms_key", ir_str_or_null(t->enc == ENC_KMS ? t->kms_key : NULL));
	ir_set(enc, "kms_key_arn", ir_str_or_null(t->enc == ENC_KMS ? kms_arn(m, t->kms_key) : NULL));
	ir_set(o, "encryption", enc);

	if (t->stream != STREAM_OFF) {
		Ir *s = ir_obj();
		ir_set(s, "view_type", ir_str(api_stream[t->stream]));
		ir_set(o, "stream", s);
	} else {
		ir_set(o, "stream", ir_null());
	}
	ir_set(o, "table_class", ir_str(t->infrequent_access
						  ? "STANDARD_INFREQUENT_ACCESS"
						  : "STANDARD"));
	ir_set(o, "deletion_protection", ir_bool(t->deletion_protection));
	Ir *pol = ir_obj();
	ir_set(pol, "value", ir_str(dp[t->deletion_policy]));
	ir_set(pol, "cloudformation", ir_str(dp_cfn[t->deletion_policy]));
	ir_set(pol, "retain", ir_bool(t->deletion_policy == DP_RETAIN));
	ir_set(pol, "delete", ir_bool(t->deletion_policy == DP_DELETE));
	ir_set(pol, "snapshot", ir_bool(t->deletion_policy == DP_SNAPSHOT));
	/* what survives removal from the stack: retain, and snapshot, which
	 * no DynamoDB tool can honour otherwise */
	ir_set(pol, "keep", ir_bool(t->deletion_policy != DP_DELETE));
	ir_set(o, "deletion_policy", pol);
	ir_set(o, "contributor_insights", ir_bool(t->contributor_insights));

	Ir *tags = ir_arr();
	for (size_t i = 0; i < t->ntags; i++) {
		Ir *tg = ir_obj();
		ir_set(tg, "key", ir_str(t->tags[i].key));
		ir_set(tg, "value", ir_str(t->tags[i].value));
		ir_push(tags, tg);
	}
	ir_set(o, "tags", tags);
	ir_set(o, "has_tags", ir_bool(t->ntags > 0));

	if (t->export_name) {
		Ir *e = ir_obj();
		ir_set(e, "name", ir_str(t->export));
		ir_set(e, "name_export", ir_str(t->export_name));
		ir_set(e, "arn_export", ir_cat(t->export_name, "Arn"));
		ir_set(e, "stream_arn_export", t->stream != STREAM_OFF
			? ir_cat(t->export_name, "StreamArn") : ir_null());
		ir_set(e, "name_output_id", ir_cat(t->id, "TableName"));
		ir_set(e, "arn_output_id", ir_cat(t->id, "TableArn"));
		ir_set(e, "stream_arn_output_id", t->stream != STREAM_OFF
			? ir_cat(t->id, "StreamArn") : ir_null());
		ir_set(o, "export", e);
	} else {
		ir_set(o, "export", ir_null());
	}
	ir_set(o, "env_var", ir_str_or_null(t->env_var));

	Ir *aps = ir_arr();
	for (size_t i = 0; i < t->npatterns; i++) {
		const AccessPattern *ap = &t->patterns[i];
		if (!ap->pk)
			continue;
		Ir *a = ir_obj();
		ir_set(a, "name", ir_str_or_null(ap->name));
		Ir *k = ir_arr();
		ir_push(k, ir_str(ap->pk));
		if (ap->sk)
			ir_push(k, ir_str(ap->sk));
		ir_set(a, "key", k);
		ir_set(a, "index", ir_str_or_null(ap->index));
		ir_set(a, "served_by", served_by(t, ap));
		ir_push(aps, a);
	}
	ir_set(o, "access_patterns", aps);
	ir_set(o, "properties", properties_json(t));
	ir_set(o, "api", table_api(t, ir_get(o, "attribute_definitions")));
	return o;
}

static Ir *resource_json(const Model *m, const ResRef *r)
{
	static const char *const kinds[] = {"table", "index", "stream", "any"};
	Ir *o = ir_obj();
	ir_set(o, "kind", ir_str(kinds[r->kind]));
	ir_set(o, "is_table", ir_bool(r->kind == RES_TABLE));
	ir_set(o, "is_index", ir_bool(r->kind == RES_INDEX));
	ir_set(o, "is_stream", ir_bool(r->kind == RES_STREAM));
	ir_set(o, "is_any", ir_bool(r->kind == RES_ANY));
	ir_set(o, "table", r->table ? ir_str(r->table->logical) : ir_null());
	ir_set(o, "table_name", r->table ? ir_str(r->table->physical) : ir_null());
	ir_set(o, "table_resource_id", r->table ? ir_cat(r->table->id, "Table") : ir_null());
	ir_set(o, "table_ident", r->table ? ir_str(r->table->ident) : ir_null());
	ir_set(o, "index", ir_str_or_null(r->index));
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
	ir_set(o, "arn", ir_str_or_null(arn));
	/* one word for scripts: "kind table [index]"; names hold no space */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, kinds[r->kind]);
	if (r->table)
		strbuf_addf(&sb, " %s", r->table->physical);
	if (r->kind == RES_INDEX)
		strbuf_addf(&sb, " %s", r->index);
	ir_set(o, "ref", ir_strn(sb.buf, sb.len));
	strbuf_release(&sb);
	return o;
}

/* The statement as IAM reads it, without its Resource, which only the
 * deployed tables can tell (a stream's ARN carries a timestamp). */
static Ir *statement_api(const Policy *p, const Statement *st)
{
	Ir *h = ir_obj();
	ir_set(h, "Sid", ir_str(st->sid));
	ir_set(h, "Effect", ir_str("Allow"));
	Ir *acts = ir_arr();
	for (size_t j = 0; j < st->nactions; j++)
		ir_push(acts, ir_str(st->actions[j]));
	ir_set(h, "Action", acts);
	if (st->leading_keys && p->nleading_keys) {
		Ir *lk = ir_arr();
		for (size_t j = 0; j < p->nleading_keys; j++)
			ir_push(lk, ir_str(p->leading_keys[j]));
		Ir *like = ir_obj(), *cond = ir_obj();
		ir_set(like, "dynamodb:LeadingKeys", lk);
		ir_set(cond, "ForAllValues:StringLike", like);
		ir_set(h, "Condition", cond);
	}
	return h;
}

/* Does policy p have a part in stack s? */
static bool policy_in(const Policy *p, int s)
{
	return p->stack_names && p->stack_names[s];
}

/* The policy, or with stack >= 0 the part of it whose resources are in
 * that stack (statements left without a resource are dropped). */
/*
 * What a policy (or its part in stack `stack`) reaches, table by table in
 * the order its statements name them: the table, its stream, all its
 * indexes (index/\*) or some by name. For documentation: who may do what
 * where.
 */
static Ir *policy_reach(const Policy *p, int stack, bool *any)
{
	Ir *arr = ir_arr();
	Arena *a = arena_new();
	Strmap seen = {.a = a};
	*any = false;
	for (size_t i = 0; i < p->nstmts; i++) {
		const Statement *st = &p->stmts[i];
		for (size_t j = 0; j < st->nres; j++) {
			const ResRef *r = &st->res[j];
			if (stack >= 0 && stacks_of_resource(p, r) != stack)
				continue;
			if (r->kind == RES_ANY) {
				*any = true;
				continue;
			}
			const Table *t = r->table;
			size_t at = strmap_put(&seen, t->logical, ir_len(arr));
			Ir *e;
			if (at == ir_len(arr)) {
				e = ir_obj();
				ir_set(e, "table", ir_str(t->logical));
				ir_set(e, "table_name", ir_str(t->physical));
				ir_set(e, "table_diagram_id", ir_cat("t_", t->ident));
				ir_set(e, "on_table", ir_bool(false));
				ir_set(e, "stream", ir_bool(false));
				ir_set(e, "all_indexes", ir_bool(false));
				ir_set(e, "indexes", ir_arr());
				ir_set(e, "has_indexes", ir_bool(false));
				ir_push(arr, e);
			}
			e = ir_at(arr, at);
			if (r->kind == RES_TABLE)
				ir_set(e, "on_table", ir_bool(true));
			else if (r->kind == RES_STREAM)
				ir_set(e, "stream", ir_bool(true));
			if (r->kind != RES_INDEX)
				continue;
			ir_set(e, "has_indexes", ir_bool(true));
			if (!strcmp(r->index, "*")) {
				ir_set(e, "all_indexes", ir_bool(true));
				continue;
			}
			Ir *ixs = ir_get(e, "indexes"), *x;
			size_t k;
			bool dup = false;
			ir_arr_foreach(ixs, k, x) {
				dup = dup || !strcmp(ir_text(ir_get(x, "name")), r->index);
			}
			if (dup)
				continue;
			size_t no = 0;
			for (size_t g = 0; g < t->ngsis && !no; g++)
				if (!strcmp(t->gsis[g].name, r->index))
					no = g + 1;
			for (size_t l = 0; l < t->nlsis && !no; l++)
				if (!strcmp(t->lsis[l].name, r->index))
					no = t->ngsis + l + 1;
			if (!no)
				BUG("grant on index '%s' that table '%s' lacks",
				    r->index, t->logical);
			x = ir_obj();
			ir_set(x, "name", ir_str(r->index));
			ir_set(x, "index_diagram_id", index_diagram_id(t, no));
			ir_push(ixs, x);
		}
	}
	arena_free(a);
	return arr;
}

static Ir *policy_json(const Model *m, const Policy *p, int stack,
		       size_t role_no)
{
	Ir *o = ir_obj();
	ir_set(o, "name", ir_str(stack < 0 ? p->name : p->stack_names[stack]));
	ir_set(o, "id", ir_str(p->id));
	ir_set(o, "resource_id", ir_str(p->resource_id));
	ir_set(o, "ident", ir_str(p->ident));
	ir_set(o, "managed", ir_bool(p->managed));
	ir_set(o, "role", ir_str(p->role));
	ir_set(o, "role_arn", ir_str_or_null(p->role_arn));
	Strbuf rid = STRBUF_INIT;
	strbuf_addf(&rid, "r%zu", role_no);
	ir_set(o, "role_diagram_id", ir_strn(rid.buf, rid.len));
	strbuf_release(&rid);
	const Node *acc = p->decl ? p->decl->access : NULL;
	ir_set(o, "access", ir_str_or_null(acc ? acc->str : NULL));
	Ir *keys = ir_arr();
	for (size_t j = 0; j < p->nleading_keys; j++)
		ir_push(keys, ir_str(p->leading_keys[j]));
	ir_set(o, "leading_keys", keys);
	bool any;
	ir_set(o, "tables", policy_reach(p, stack, &any));
	ir_set(o, "any_resource", ir_bool(any));
	Ir *stmts = ir_arr();
	for (size_t i = 0; i < p->nstmts; i++) {
		const Statement *s = &p->stmts[i];
		Ir *so = ir_obj();
		ir_set(so, "sid", ir_str(s->sid));
		Ir *acts = ir_arr();
		for (size_t j = 0; j < s->nactions; j++)
			ir_push(acts, ir_str(s->actions[j]));
		ir_set(so, "actions", acts);
		Ir *res = ir_arr();
		for (size_t j = 0; j < s->nres; j++)
			if (stack < 0 || stacks_of_resource(p, &s->res[j]) == stack)
				ir_push(res, resource_json(m, &s->res[j]));
		if (!ir_len(res)) {
			ir_free(res);
			ir_free(so);
			continue;
		}
		ir_set(so, "resources", res);
		if (s->leading_keys && p->nleading_keys) {
			Ir *c = ir_obj(), *lk = ir_arr();
			for (size_t j = 0; j < p->nleading_keys; j++)
				ir_push(lk, ir_str(p->leading_keys[j]));
			ir_set(c, "leading_keys", lk);
			ir_set(so, "condition", c);
		} else {
			ir_set(so, "condition", ir_null());
		}
		ir_set(so, "api", statement_api(p, s));
		ir_push(stmts, so);
	}
	ir_set(o, "statements", stmts);

	return o;
}

/*
 * An environment split into CloudFormation stacks: each stack's tables
 * (the same objects as the IR's `tables`), the parts of policies that
 * grant on them, and their exports. Only there when there is more than
 * one stack; a backend renders a file per stack with `"each": "stacks"`.
 */
static Ir *stacks_json(const Model *m, Ir *tables, Ir *exps,
		       const size_t *role_no)
{
	Ir *arr = ir_arr();
	for (size_t s = 0; s < m->nstacks; s++) {
		const Stack *st = &m->stacks[s];
		Ir *o = ir_obj(), *ts = ir_arr(), *es = ir_arr();
		ir_set(o, "id", ir_str(st->id));
		ir_set(o, "number", ir_int((long long)s + 1));
		ir_set(o, "count", ir_int((long long)m->nstacks));
		ir_set(o, "resources", ir_int((long long)st->resources));
		ir_set(o, "outputs", ir_int((long long)st->outputs));
		ir_set(o, "estimated_bytes", ir_int((long long)st->bytes));
		Ir *suffix = ir_cat(*st->id ? "." : "", st->id);
		ir_set(o, "file_suffix", suffix);
		Strbuf desc = STRBUF_INIT;
		strbuf_addstr(&desc, "DynamoDB tables");
		if (m->spec->project)
			strbuf_addf(&desc, " of %s", m->spec->project);
		strbuf_addf(&desc, ", environment %s, stack %zu of %zu (id '%s')",
			    m->env->name, s + 1, m->nstacks, st->id);
		ir_set(o, "description", ir_strn(desc.buf, desc.len));
		strbuf_release(&desc);
		size_t e = 0;
		for (size_t i = 0; i < m->ntables; i++) {
			const Table *t = &m->tables[i];
			if (t->stack == (int)s)
				ir_push_ref(ts, ir_at(tables, i));
			if (t->export_name) {
				if (t->stack == (int)s)
					ir_push_ref(es, ir_at(exps, e));
				e++;
			}
		}
		Ir *pols = ir_arr();
		for (size_t i = 0; i < m->npolicies; i++)
			if (policy_in(&m->policies[i], (int)s))
				ir_push(pols, policy_json(m, &m->policies[i],
							  (int)s, role_no[i]));
		ir_set(o, "tables", ts);
		ir_set(o, "policies", pols);
		ir_set(o, "has_policies", ir_bool(ir_len(pols) > 0));
		ir_set(o, "exports", es);
		ir_set(o, "has_exports", ir_bool(ir_len(es) > 0));
		ir_push(arr, o);
	}
	return arr;
}

Ir *lower_model(const Model *m, const char *spec_name)
{
	Ir *root = ir_obj();
	ir_set(root, "ir_version", ir_int(1));
	ir_set(root, "generator", ir_str("tablec " TABLEC_VERSION));
	ir_set(root, "spec", ir_str(spec_name));
	ir_set(root, "project", ir_str_or_null(m->spec->project));
	Ir *env = ir_obj();
	ir_set(env, "name", ir_str(m->env->name));
	ir_set(env, "region", ir_str_or_null(m->region));
	ir_set(env, "account", ir_str_or_null(m->account));
	ir_set(env, "partition", ir_str(m->partition));
	ir_set(env, "production", ir_bool(m->env->production));
	ir_set(root, "environment", env);
	/* one line for a stack's or a module's description */
	Strbuf desc = STRBUF_INIT;
	strbuf_addstr(&desc, "DynamoDB tables");
	if (m->spec->project)
		strbuf_addf(&desc, " of %s", m->spec->project);
	strbuf_addf(&desc, ", environment %s", m->env->name);
	ir_set(root, "description", ir_strn(desc.buf, desc.len));
	strbuf_release(&desc);

	size_t *role_no = calloc(m->npolicies + 1, sizeof *role_no);
	if (!role_no)
		BUG("out of memory");
	/* a diagram's node per role: r<n>, n the first policy of the role */
	Arena *ra = arena_new();
	Strmap roles = {.a = ra};
	for (size_t i = 0; i < m->npolicies; i++)
		role_no[i] = strmap_put(&roles, m->policies[i].role, i + 1);
	arena_free(ra);

	Ir *tables = ir_arr(), *vars = ir_arr(), *exps = ir_arr();
	for (size_t i = 0; i < m->ntables; i++) {
		const Table *t = &m->tables[i];
		Ir *tj = table_json(m, t);
		ir_push(tables, tj);
		if (t->export_name) {
			/* exports as a list of their own, so that templates can
			 * separate them (JSON commas) without looking at tables */
			Ir *e = ir_copy(ir_get(tj, "export"));
			ir_set(e, "table", ir_str(t->logical));
			ir_set(e, "table_resource_id", ir_cat(t->id, "Table"));
			ir_set(e, "table_ident", ir_str(t->ident));
			ir_push(exps, e);
		}
		if (t->env_var) {
			Ir *v = ir_obj();
			ir_set(v, "name", ir_str(t->env_var));
			ir_set(v, "value", ir_str(t->physical));
			ir_set(v, "table", ir_str(t->logical));
			ir_set(v, "ttl_retention", ir_str_or_null(t->retention));
			ir_set(v, "ttl_retention_seconds",
			    t->retention ? ir_int(t->retention_s) : ir_null());
			ir_push(vars, v);
		}
	}
	ir_set(root, "tables", tables);
	Ir *pols = ir_arr();
	for (size_t i = 0; i < m->npolicies; i++)
		ir_push(pols, policy_json(m, &m->policies[i], -1, role_no[i]));
	ir_set(root, "policies", pols);
	ir_set(root, "env_vars", vars);
	ir_set(root, "has_policies", ir_bool(m->npolicies > 0));
	ir_set(root, "exports", exps);
	ir_set(root, "has_exports", ir_bool(ir_len(exps) > 0));
	ir_set(root, "has_env_vars", ir_bool(ir_len(vars) > 0));
	ir_set(root, "table_keys", table_keys_json());
	if (m->nstacks > 1)
		ir_set(root, "stacks", stacks_json(m, tables, exps, role_no));
	free(role_no);
	return root;
}
