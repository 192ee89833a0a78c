/*
 * props.c: one table's merged properties -> a Table. Each property is read
 * with its built-in default where it is absent, and every rule of the
 * language about one table is checked here with its code: DynamoDB's
 * limits (names, index counts, projections, capacity, tags), typed key
 * attributes, served access patterns, and the warnings (reserved words,
 * hot partitions, production without backups).
 */
#include "tablec.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static Node *prop(const Node *props, const char *key)
{
	Node *n = node_get(props, key);
	return n && !node_is_null(n) ? n : NULL;
}

/* The key node of `key` in `props`, for pointing at a property's name. */
static Node *prop_key(const Node *props, const char *key)
{
	for (size_t i = 0; props && i < props->npairs; i++)
		if (!strcmp(props->pairs[i].key->str, key))
			return props->pairs[i].key;
	return NULL;
}

/* ---- attributes and keys */

const char *const props_attr_types[] = {"S", "N", "B", "BOOL", "NULL", "M",
					 "L", "SS", "NS", "BS", NULL};
static const char *const attr_long[] = {
	"string", "number", "binary", "bool", "null", "map", "list",
	"string_set", "number_set", "binary_set", NULL};
const char *const *const props_attr_long_names = attr_long;

static void parse_attributes(Validator *v, Table *t, Node *n)
{
	size_t cap = 0;
	if (!node_want_map(v->d, n, "attributes"))
		return;
	for (size_t i = 0; i < n->npairs; i++) {
		Node *k = n->pairs[i].key, *ty = n->pairs[i].value;
		if (!k->len || k->len > 255) {
			diag_report(v->d, "E204", k->loc,
				    "attribute name is %zu bytes; it must be 1 to 255",
				    k->len);
			continue;
		}
		int type = -1;
		if (ty->kind == NODE_SCALAR)
			for (int j = 0; props_attr_types[j] && type < 0; j++)
				if (!strcmp(ty->str, props_attr_types[j]) ||
				    !strcmp(ty->str, attr_long[j]) ||
				    (j == ATTR_BOOL && !strcmp(ty->str, "boolean")))
					type = j;
		if (type < 0) {
			node_want_enum(v->d, ty, "attribute type", props_attr_types);
			continue;
		}
		Attr *at = VEC_PUSH(v->a, t->attrs, t->nattrs, cap);
		at->name = k->str;
		at->type = (AttrType)type;
		at->at = k;
	}
}

static const Attr *find_attr(const Table *t, const char *name)
{
	for (size_t i = 0; i < t->nattrs; i++)
		if (!strcmp(t->attrs[i].name, name))
			return &t->attrs[i];
	return NULL;
}

/* `pk`, `[pk, sk]` or `{ partition: pk, sort: sk }`. */
const char *const props_key_keys[] = {"partition", "sort", NULL};
static bool parse_key(Validator *v, Node *n, const char *what, KeyDef *k)
{
	const char *const *const keys = props_key_keys;
	memset(k, 0, sizeof *k);
	k->at = n;
	if (n->kind == NODE_SCALAR) {
		return node_want_str(v->d, n, what, &k->pk);
	} else if (n->kind == NODE_SEQ) {
		if (n->nitems < 1 || n->nitems > 2) {
			Diag *dg = diag_report(v->d, "E235", n->loc,
					       "'%s' lists %zu attributes; a key has a "
					       "partition and at most one sort attribute",
					       what, n->nitems);
			diag_help(dg, v->d, "write `pk` or `[pk, sk]`");
			return false;
		}
		if (!node_want_str(v->d, n->items[0], what, &k->pk))
			return false;
		if (n->nitems == 2 && !node_want_str(v->d, n->items[1], what, &k->sk))
			return false;
	} else {
		node_check_keys(v->d, n, keys, what);
		Node *p = node_get(n, "partition"), *s = node_get(n, "sort");
		if (!p) {
			diag_report(v->d, "E102", n->loc, "'%s' has no 'partition'", what);
			return false;
		}
		if (!node_want_str(v->d, p, what, &k->pk))
			return false;
		if (s && !node_is_null(s) && !node_want_str(v->d, s, what, &k->sk))
			return false;
	}
	if (k->sk && !strcmp(k->pk, k->sk)) {
		diag_report(v->d, "E235", n->loc,
			    "'%s' uses '%s' as both partition and sort key", what,
			    k->pk);
		return false;
	}
	return true;
}

/* Every key attribute must be typed, and typed S, N or B. */
static void check_key_attr(Validator *v, const Table *t, const char *name, Node *at,
			   const char *role)
{
	const Attr *a = find_attr(t, name);
	if (!a && v->untyped)
		return;
	if (!a) {
		Diag *dg = diag_report(v->d, "E200", at->loc,
				       "%s '%.80s' has no type in 'attributes'", role,
				       name);
		diag_help(dg, v->d, "add `%.80s: S` (or N, B) under attributes", name);
		return;
	}
	if (a->type > ATTR_B) {
		Diag *dg = diag_report(v->d, "E201", a->at->loc,
				       "'%.80s' is a %s but typed %s; key attributes "
				       "must be S, N or B",
				       name, role, props_attr_types[a->type]);
		diag_help(dg, v->d, "type it S, N or B");
	}
}

static void check_key(Validator *v, const Table *t, const KeyDef *k, const char *what)
{
	Node *pat = k->at, *sat = k->at;
	if (k->at->kind == NODE_SEQ) {
		pat = k->at->items[0];
		if (k->at->nitems > 1)
			sat = k->at->items[1];
	} else if (k->at->kind == NODE_MAP) {
		pat = node_get(k->at, "partition");
		if (node_get(k->at, "sort"))
			sat = node_get(k->at, "sort");
	}
	char role[96];
	snprintf(role, sizeof role, "%s partition key", what);
	check_key_attr(v, t, k->pk, pat, role);
	if (k->sk) {
		snprintf(role, sizeof role, "%s sort key", what);
		check_key_attr(v, t, k->sk, sat, role);
	}
}

/* ---- throughput */

const char *const props_throughput_keys[] = {"read", "write", NULL};
static bool parse_throughput(Validator *v, Node *n, const char *what, bool on_demand,
			     Throughput *tp)
{
	const char *const *const keys = props_throughput_keys;
	if (!node_want_map(v->d, n, what))
		return false;
	node_check_keys(v->d, n, keys, what);
	tp->at = n;
	tp->read = tp->write = 0;
	Node *r = node_get(n, "read"), *w = node_get(n, "write");
	if (r && node_is_null(r))
		r = NULL;
	if (w && node_is_null(w))
		w = NULL;
	bool ok = true;
	if (!on_demand && (!r || !w)) {
		diag_report(v->d, "E102", n->loc, "'%s' needs both 'read' and 'write'",
			    what);
		ok = false;
	}
	if (on_demand && !r && !w) {
		diag_report(v->d, "E102", n->loc,
			    "'%s' needs 'read', 'write' or both", what);
		ok = false;
	}
	Node *vals[2] = {r, w};
	long long *outs[2] = {&tp->read, &tp->write};
	for (int i = 0; i < 2; i++) {
		if (!vals[i])
			continue;
		const char *field = arena_printf(v->a, "%s.%s", what,
						 i ? "write" : "read");
		if (!node_want_int(v->d, vals[i], field, outs[i])) {
			ok = false;
			continue;
		}
		if (*outs[i] >= 1 || (on_demand && *outs[i] == -1))
			continue;
		diag_report(v->d, "E223", vals[i]->loc,
			    on_demand ? "'%s' must be at least 1, or -1 for no limit"
				      : "'%s' must be at least 1 capacity unit",
			    what);
		ok = false;
	}
	if (on_demand) {
		/* -1 is "no maximum": the same as leaving the value out, and
		 * CloudFormation accepts only positive numbers */
		if (tp->read == -1)
			tp->read = 0;
		if (tp->write == -1)
			tp->write = 0;
		if (ok && !tp->read && !tp->write) {
			tp->set = false;
			return true;
		}
	}
	tp->set = ok;
	return ok;
}

/* ---- indexes */

const char *const props_proj_names[] = {"all", "keys_only", NULL};

static bool index_name_ok(Validator *v, Node *k)
{
	if (validate_match(v, RE_TABLE_NAME, k->str, NULL))
		return true;
	Diag *dg = diag_report(v->d, "E203", k->loc,
			       "index name '%.80s' is not 3 to 255 characters of "
			       "[a-zA-Z0-9_.-]", k->str);
	diag_help(dg, v->d, "rename the index, e.g. '%s-index'",
		  strlen(k->str) < 3 ? "by" : "by-tenant");
	return false;
}

static void parse_projection(Validator *v, Index *ix, Node *n)
{
	ix->proj = PROJ_ALL;
	if (!n)
		return;
	if (n->kind == NODE_SEQ) {
		ix->proj = PROJ_INCLUDE;
		size_t cap = 0;
		for (size_t i = 0; i < n->nitems; i++) {
			const char *s;
			if (!node_want_str(v->d, n->items[i], "projection", &s))
				continue;
			bool dup = false;
			for (size_t j = 0; j < ix->ninclude && !dup; j++)
				dup = !strcmp(ix->include[j], s);
			if (dup) {
				diag_report(v->d, "E241", n->items[i]->loc,
					    "'%.80s' is listed twice in the projection", s);
				continue;
			}
			*VEC_PUSH(v->a, ix->include, ix->ninclude, cap) = s;
		}
		if (!n->nitems) {
			Diag *dg = diag_report(v->d, "E104", n->loc,
					       "the projection lists no attributes");
			diag_help(dg, v->d, "use keys_only, or list the attributes "
				  "to include");
		}
		return;
	}
	int p = node_want_enum(v->d, n, "projection", props_proj_names);
	if (p >= 0)
		ix->proj = p == 0 ? PROJ_ALL : PROJ_KEYS_ONLY;
}

const char *const props_gsi_keys[] = {"key", "projection", "capacity",
				      "on_demand_max", NULL};
static void parse_gsis(Validator *v, Table *t, Node *n)
{
	const char *const *const keys = props_gsi_keys;
	size_t cap = 0;
	if (!node_want_map(v->d, n, "indexes"))
		return;
	for (size_t i = 0; i < n->npairs; i++) {
		Node *k = n->pairs[i].key, *body = n->pairs[i].value;
		if (!node_want_map(v->d, body, k->str))
			continue;
		node_check_keys(v->d, body, keys, "a global index");
		index_name_ok(v, k);
		Index *ix = VEC_PUSH(v->a, t->gsis, t->ngsis, cap);
		ix->name = k->str;
		ix->at = k;
		Node *key = node_get(body, "key");
		if (!key) {
			Diag *dg = diag_report(v->d, "E102", k->loc,
					       "global index '%.80s' has no 'key'", k->str);
			diag_help(dg, v->d, "add `key: attr` or `key: [pk, sk]`");
			ix->key.pk = NULL;
		} else if (!parse_key(v, key, "key", &ix->key)) {
			ix->key.pk = NULL;
		}
		parse_projection(v, ix, prop(body, "projection"));
		Node *c = prop(body, "capacity");
		if (c)
			parse_throughput(v, c, "capacity", false, &ix->cap);
		Node *o = prop(body, "on_demand_max");
		if (o)
			parse_throughput(v, o, "on_demand_max", true, &ix->odm);
	}
}

const char *const props_lsi_keys[] = {"sort", "projection", NULL};
static void parse_lsis(Validator *v, Table *t, Node *n)
{
	const char *const *const keys = props_lsi_keys;
	size_t cap = 0;
	if (!node_want_map(v->d, n, "local_indexes"))
		return;
	for (size_t i = 0; i < n->npairs; i++) {
		Node *k = n->pairs[i].key, *body = n->pairs[i].value;
		if (!node_want_map(v->d, body, k->str))
			continue;
		node_check_keys(v->d, body, keys, "a local index");
		index_name_ok(v, k);
		Index *ix = VEC_PUSH(v->a, t->lsis, t->nlsis, cap);
		ix->name = k->str;
		ix->at = k;
		ix->key.pk = t->key.pk;
		Node *s = node_get(body, "sort");
		ix->key.at = s ? s : k;
		if (!s) {
			Diag *dg = diag_report(v->d, "E102", k->loc,
					       "local index '%.80s' has no 'sort'", k->str);
			diag_help(dg, v->d, "a local index shares the table's "
				  "partition key; add `sort: attr`");
		} else if (node_want_str(v->d, s, "sort", &ix->key.sk) && t->key.sk &&
			   !strcmp(ix->key.sk, t->key.sk)) {
			Diag *dg = diag_report(v->d, "E235", s->loc,
					       "local index '%.80s' sorts on the table's own "
					       "sort key '%.80s'", k->str, ix->key.sk);
			diag_help(dg, v->d, "a local index needs a different sort key");
		}
		parse_projection(v, ix, prop(body, "projection"));
	}
}

static bool is_table_key(const Table *t, const char *a)
{
	return (t->key.pk && !strcmp(t->key.pk, a)) ||
	       (t->key.sk && !strcmp(t->key.sk, a));
}

static void check_indexes(Validator *v, Table *t)
{
	if (t->ngsis > 20) {
		Diag *dg = diag_report(v->d, "E206", t->gsis[20].at->loc,
				       "table '%s' has %zu global indexes; DynamoDB "
				       "allows 20", t->logical, t->ngsis);
		diag_help(dg, v->d, "remove indexes, or overload one index's "
			  "keys for several access patterns");
	}
	if (t->nlsis > 5)
		diag_report(v->d, "E207", t->lsis[5].at->loc,
			    "table '%s' has %zu local indexes; DynamoDB allows 5",
			    t->logical, t->nlsis);
	if (t->nlsis && t->key.pk && !t->key.sk) {
		Diag *dg = diag_report(v->d, "E208", t->lsis[0].at->loc,
				       "local index '%s' on table '%s', which has no "
				       "sort key", t->lsis[0].name, t->logical);
		diag_help(dg, v->d, "give the table a sort key, or move the index "
			  "under `indexes:` as a global index");
	}
	size_t projected = 0;
	Node *over = NULL;
	for (int pass = 0; pass < 2; pass++) {
		Index *list = pass ? t->lsis : t->gsis;
		size_t n = pass ? t->nlsis : t->ngsis;
		for (size_t i = 0; i < n; i++) {
			Index *ix = &list[i];
			/* names are unique over both kinds of index */
			for (int p2 = 0; p2 <= pass; p2++) {
				Index *l2 = p2 ? t->lsis : t->gsis;
				size_t n2 = p2 == pass ? i : t->ngsis;
				for (size_t j = 0; j < n2; j++)
					if (!strcmp(l2[j].name, ix->name)) {
						Diag *dg = diag_report(v->d, "E227", ix->at->loc,
							"index name '%s' is used twice in "
							"table '%s'", ix->name, t->logical);
						diag_note(dg, v->d, l2[j].at->loc,
							  "first used here");
					}
			}
			if (pass == 0 && ix->key.pk)
				check_key(v, t, &ix->key, "global index");
			else if (pass == 1 && ix->key.sk) /* its partition is the table's */
				check_key_attr(v, t, ix->key.sk, ix->key.at,
					       "local index sort key");
			for (size_t j = 0; j < ix->ninclude; j++) {
				const char *a = ix->include[j];
				bool key = is_table_key(t, a) ||
					   (ix->key.pk && !strcmp(ix->key.pk, a)) ||
					   (ix->key.sk && !strcmp(ix->key.sk, a));
				if (key) {
					Diag *dg = diag_report(v->d, "E210", ix->at->loc,
						"index '%s' projects key attribute '%.80s'",
						ix->name, a);
					diag_help(dg, v->d, "key attributes are always "
						  "projected; remove '%.80s' from the list", a);
				}
				if (++projected == 101)
					over = ix->at;
			}
		}
	}
	if (over) {
		Diag *dg = diag_report(v->d, "E209", over->loc,
				       "the indexes of table '%s' project %zu non-key "
				       "attributes; DynamoDB allows 100 in total",
				       t->logical, projected);
		diag_help(dg, v->d, "project fewer attributes, or use "
			  "`projection: all`");
	}
}

/* ---- properties */

static const char *const billing_names[] = {"on_demand", "provisioned", NULL};
const char *const props_stream_names[] = {"off", "keys_only", "new_image",
					   "old_image", "new_and_old_images", NULL};
static const char *const class_names[] = {"standard",
					  "standard_infrequent_access", NULL};
static const char *const policy_names[] = {"retain", "delete", "snapshot", NULL};
static const char *const enc_names[] = {"aws_owned", "aws_managed", NULL};
/* the words above, for the schema generator (schema.c) */
const char *const *const props_billing_names = billing_names;
const char *const *const props_class_names = class_names;
const char *const *const props_policy_names = policy_names;
const char *const *const props_encryption_names = enc_names;

static bool parse_duration(Validator *v, Node *n, long long *secs)
{
	const char *s, *num;
	if (!node_want_str(v->d, n, "retention", &s))
		return false;
	if (!validate_match(v, RE_DURATION, s, &num)) {
		Diag *dg = diag_report(v->d, "E236", n->loc,
				       "'%.40s' is not a duration", s);
		diag_help(dg, v->d, "write a number and a unit: 90d, 24h, 30m or 45s");
		return false;
	}
	long long x = strtoll(num, NULL, 10);
	switch (s[strlen(s) - 1]) {
	case 'd': x *= 86400; break;
	case 'h': x *= 3600; break;
	case 'm': x *= 60; break;
	default: break;
	}
	*secs = x;
	return true;
}

const char *const props_ttl_keys[] = {"attribute", "enabled", "retention", NULL};
static void parse_ttl(Validator *v, Table *t, Node *n)
{
	const char *const *const keys = props_ttl_keys;
	Node *attr_at = n;
	t->has_ttl = true;
	t->ttl_enabled = true;
	if (n->kind == NODE_SCALAR && !n->quoted &&
	    (!strcmp(n->str, "off") || !strcasecmp(n->str, "false"))) {
		t->has_ttl = false; /* `ttl: off` turns an inherited TTL off */
		return;
	}
	if (n->kind == NODE_SCALAR && !n->quoted && !strcasecmp(n->str, "true")) {
		Diag *dg = diag_report(v->d, "E101", n->loc,
				       "'ttl' needs the name of the attribute that "
				       "holds the expiry time");
		diag_help(dg, v->d, "write `ttl: expires_at` (an N attribute of "
			  "epoch seconds)");
		t->has_ttl = false;
		return;
	}
	if (n->kind == NODE_SCALAR) {
		if (!node_want_str(v->d, n, "ttl", &t->ttl_attr))
			t->has_ttl = false;
	} else if (node_want_map(v->d, n, "ttl")) {
		node_check_keys(v->d, n, keys, "ttl");
		Node *a = node_get(n, "attribute"), *e = prop(n, "enabled"),
		     *r = prop(n, "retention");
		if (!a) {
			diag_report(v->d, "E102", n->loc, "'ttl' has no 'attribute'");
			t->has_ttl = false;
		} else if (!node_want_str(v->d, a, "ttl.attribute", &t->ttl_attr)) {
			t->has_ttl = false;
		} else {
			attr_at = a;
		}
		if (e)
			node_want_bool(v->d, e, "ttl.enabled", &t->ttl_enabled);
		if (r && parse_duration(v, r, &t->retention_s))
			t->retention = r->str;
	} else {
		t->has_ttl = false;
	}
	if (!t->has_ttl)
		return;
	if (!*t->ttl_attr || strlen(t->ttl_attr) > 255) {
		diag_report(v->d, "E204", attr_at->loc,
			    "TTL attribute name is %zu bytes; it must be 1 to 255",
			    strlen(t->ttl_attr));
		t->has_ttl = false;
		return;
	}
	const Attr *a = find_attr(t, t->ttl_attr);
	if (a && a->type != ATTR_N) {
		Diag *dg = diag_report(v->d, "E214", a->at->loc,
				       "TTL attribute '%.80s' is typed %s; DynamoDB "
				       "only expires numbers (epoch seconds)",
				       t->ttl_attr, props_attr_types[a->type]);
		diag_help(dg, v->d, "type it N");
	}
	if (!a && validate_reserved_word(t->ttl_attr))
		diag_report(v->d, "W001", attr_at->loc,
			    "TTL attribute '%.80s' is a DynamoDB reserved word; "
			    "expressions must write it as #%.80s", t->ttl_attr,
			    t->ttl_attr);
}

const char *const props_pitr_keys[] = {"enabled", "days", NULL};
static void parse_pitr(Validator *v, Table *t, Node *n)
{
	const char *const *const keys = props_pitr_keys;
	if (n->kind == NODE_SCALAR) {
		node_want_bool(v->d, n, "pitr", &t->pitr);
		return;
	}
	if (!node_want_map(v->d, n, "pitr"))
		return;
	node_check_keys(v->d, n, keys, "pitr");
	t->pitr = true;
	Node *e = prop(n, "enabled"), *days = prop(n, "days");
	if (e)
		node_want_bool(v->d, e, "pitr.enabled", &t->pitr);
	long long x;
	if (days && node_want_int(v->d, days, "pitr.days", &x)) {
		if (x < 1 || x > 35) {
			Diag *dg = diag_report(v->d, "E213", days->loc,
					       "pitr.days is %lld; the recovery period "
					       "is 1 to 35 days", x);
			diag_help(dg, v->d, "use a value from 1 to 35 (35 is "
				  "AWS's default)");
		} else {
			t->pitr_days = (int)x;
		}
	}
}

const char *const props_encryption_keys[] = {"kms_key", NULL};
static void parse_encryption(Validator *v, Table *t, Node *n)
{
	const char *const *const keys = props_encryption_keys;
	if (n->kind == NODE_MAP) {
		node_check_keys(v->d, n, keys, "encryption");
		Node *k = node_get(n, "kms_key");
		if (!k) {
			diag_report(v->d, "E102", n->loc, "'encryption' has no 'kms_key'");
			return;
		}
		if (!node_want_str(v->d, k, "kms_key", &t->kms_key))
			return;
		t->enc = ENC_KMS;
		if (!validate_match(v, RE_KMS, t->kms_key, NULL)) {
			Diag *dg = diag_report(v->d, "E224", k->loc,
					       "'%.100s' is not a KMS key", t->kms_key);
			diag_help(dg, v->d, "write a key ARN, an alias ARN, a key id "
				  "or alias/NAME");
		}
		return;
	}
	int e = node_want_enum(v->d, n, "encryption", enc_names);
	if (e >= 0)
		t->enc = e == 0 ? ENC_AWS_OWNED : ENC_AWS_MANAGED;
}

static void parse_tags(Validator *v, Table *t, Node *n)
{
	static const char *const allowed[] = {"env", "project", "name", "region",
					      "account", NULL};
	size_t cap = 0;
	if (!node_want_map(v->d, n, "tags"))
		return;
	size_t ntags = 0; /* a null removes a tag: it does not count */
	for (size_t i = 0; i < n->npairs; i++)
		ntags += !node_is_null(n->pairs[i].value);
	/* past the limit, one error; checking each tag would say no more */
	for (size_t i = 0; i < n->npairs && t->ntags <= 50; i++) {
		Node *k = n->pairs[i].key, *val = n->pairs[i].value;
		const char *s = "";
		if (node_is_null(val))
			continue; /* a null in a later layer removes the tag */
		if (!node_want_str(v->d, val, "tag value", &s))
			continue;
		/* tag values take the name placeholders: team: ${project} */
		if (strchr(s, '$')) {
			s = names_expand(v->a, v->d, val, s, &v->ph, allowed);
			if (!s)
				continue;
		}
		if (!strncasecmp(k->str, "aws:", 4)) {
			Diag *dg = diag_report(v->d, "E220", k->loc,
					       "tag key '%.80s' uses the reserved "
					       "prefix 'aws:'", k->str);
			diag_help(dg, v->d, "AWS sets aws: tags itself; choose "
				  "another key");
			continue;
		}
		size_t kl = utf8_chars(k->str), vl = utf8_chars(s);
		if (kl < 1 || kl > 128) {
			diag_report(v->d, "E221", k->loc,
				    "tag key is %zu characters; AWS allows 1 to 128", kl);
			continue;
		}
		if (vl > 256) {
			diag_report(v->d, "E221", val->loc,
				    "tag value is %zu characters; AWS allows 256", vl);
			continue;
		}
		if (!validate_match(v, RE_TAG, k->str, NULL) ||
		    !validate_match(v, RE_TAG, s, NULL)) {
			bool bad_key = !validate_match(v, RE_TAG, k->str, NULL);
			Diag *dg = diag_report(v->d, "E221", bad_key ? k->loc : val->loc,
					       "tag %s holds a character AWS does not "
					       "allow in tags", bad_key ? "key" : "value");
			diag_help(dg, v->d, "tags take letters, digits, spaces and "
				  "_ . : / = + - @");
			continue;
		}
		Tag *tg = VEC_PUSH(v->a, t->tags, t->ntags, cap);
		tg->key = k->str;
		tg->value = s;
		tg->at = k;
	}
	if (t->ntags > 50)
		diag_report(v->d, "E222", t->tags[50].at->loc,
			    "table '%s' has %zu tags; AWS allows 50", t->logical,
			    ntags);
}

const char *const props_pattern_keys[] = {"name", "key", "index", NULL};
static void parse_patterns(Validator *v, Table *t, Node *n)
{
	const char *const *const keys = props_pattern_keys;
	size_t cap = 0;
	if (!node_want_seq(v->d, n, "access_patterns"))
		return;
	for (size_t i = 0; i < n->nitems; i++) {
		Node *p = n->items[i];
		if (!node_want_map(v->d, p, "access_patterns[]"))
			continue;
		node_check_keys(v->d, p, keys, "an access pattern");
		AccessPattern *ap = VEC_PUSH(v->a, t->patterns, t->npatterns, cap);
		ap->at = p;
		Node *nm = node_get(p, "name"), *k = node_get(p, "key"),
		     *ix = prop(p, "index");
		if (!nm)
			diag_report(v->d, "E102", p->loc, "access pattern has no 'name'");
		else
			node_want_str(v->d, nm, "name", &ap->name);
		if (ix)
			node_want_str(v->d, ix, "index", &ap->index);
		KeyDef kd;
		if (!k) {
			diag_report(v->d, "E102", p->loc, "access pattern has no 'key'");
		} else if (parse_key(v, k, "key", &kd)) {
			ap->pk = kd.pk;
			ap->sk = kd.sk;
		}
	}
}

/* Appends the names of t's indexes, for did-you-mean. */
void props_index_names(Arena *a, const Table *t, const char ***names,
			size_t *n, size_t *cap)
{
	for (size_t i = 0; i < t->ngsis; i++)
		*VEC_PUSH(a, *names, *n, *cap) = t->gsis[i].name;
	for (size_t i = 0; i < t->nlsis; i++)
		*VEC_PUSH(a, *names, *n, *cap) = t->lsis[i].name;
}

static bool serves(const KeyDef *k, const AccessPattern *ap)
{
	return k->pk && !strcmp(k->pk, ap->pk) &&
	       (!ap->sk || (k->sk && !strcmp(k->sk, ap->sk)));
}

static void check_patterns(Validator *v, const Table *t)
{
	for (size_t i = 0; i < t->npatterns; i++) {
		const AccessPattern *ap = &t->patterns[i];
		if (!ap->pk)
			continue;
		const char *label = ap->name ? ap->name : "access pattern";
		if (ap->index) {
			const Index *ix = NULL;
			for (size_t j = 0; j < t->ngsis && !ix; j++)
				if (!strcmp(t->gsis[j].name, ap->index))
					ix = &t->gsis[j];
			for (size_t j = 0; j < t->nlsis && !ix; j++)
				if (!strcmp(t->lsis[j].name, ap->index))
					ix = &t->lsis[j];
			if (!ix) {
				Node *at = node_get(ap->at, "index");
				Diag *dg = diag_report(v->d, "E216", at->loc,
					"access pattern '%.80s' names index '%.80s', "
					"which table '%s' does not have",
					label, ap->index, t->logical);
				const char **names = NULL;
				size_t nn = 0, ncap = 0;
				props_index_names(v->a, t, &names, &nn, &ncap);
				const char *m = nn ? diag_suggest(v->d, ap->index,
								  names, nn)
						   : NULL;
				if (m)
					diag_help(dg, v->d, "did you mean '%s'?", m);
				continue;
			}
			if (!serves(&ix->key, ap)) {
				Diag *dg = diag_report(v->d, "E218",
						       node_get(ap->at, "key")->loc,
					"index '%s' does not serve access pattern "
					"'%.80s': its key is [%s%s%s]", ix->name,
					label, ix->key.pk ? ix->key.pk : "?",
					ix->key.sk ? ", " : "",
					ix->key.sk ? ix->key.sk : "");
				diag_help(dg, v->d, "change the pattern's key or index");
			}
			continue;
		}
		bool ok = serves(&t->key, ap);
		for (size_t j = 0; j < t->ngsis && !ok; j++)
			ok = serves(&t->gsis[j].key, ap);
		for (size_t j = 0; j < t->nlsis && !ok; j++)
			ok = serves(&t->lsis[j].key, ap);
		if (ok)
			continue;
		Diag *dg = diag_report(v->d, "E218", node_get(ap->at, "key")->loc,
				       "no key of table '%s' serves access pattern "
				       "'%.80s'; it would need a Scan",
				       t->logical, label);
		diag_help(dg, v->d, "add a global index with key [%s%s%s]", ap->pk,
			  ap->sk ? ", " : "", ap->sk ? ap->sk : "");
	}
}

/* ---- one table */

void props_read_table(Validator *v, Table *t, const Resolved *r)
{
	Node *p = r->props;
	const TableDecl *decl = r->decl;
	t->logical = decl->name;
	t->at = decl->at;
	t->props = p;
	t->id = names_pascal(v->a, decl->name);
	t->ident = names_snake(v->a, decl->name);
	t->deletion_policy = DP_RETAIN;

	/* physical name: naming.table over `name:` (or the logical name) */
	static const char *const name_ph[] = {"env", "project", "name", "region",
					      "account", NULL};
	Node *name = prop(p, "name");
	const char *base = decl->name;
	if (name && !node_want_str(v->d, name, "name", &base))
		base = decl->name;
	v->ph.name = base; /* for tag values; reset per table */
	Placeholders ph = v->ph;
	const Node *pat = v->spec->naming_table;
	t->physical = pat ? names_expand(v->a, v->d, pat, pat->str, &ph, name_ph)
			  : base;
	if (t->physical && !validate_match(v, RE_TABLE_NAME, t->physical, NULL)) {
		Diag *dg = diag_report(v->d, "E202", name ? name->loc : decl->at->loc,
				       "table name '%.100s%s' is not 3 to 255 "
				       "characters of [a-zA-Z0-9_.-]", t->physical,
				       strlen(t->physical) > 100 ? "..." : "");
		if (pat)
			diag_note(dg, v->d, pat->loc, "the name comes from this "
				  "pattern");
		else
			diag_help(dg, v->d, "set `name:` to a valid physical name");
	}

	Node *n;
	if ((n = prop(p, "description")))
		node_want_str(v->d, n, "description", &t->description);
	if ((n = prop(p, "attributes")))
		parse_attributes(v, t, n);
	else
		diag_report(v->d, "E102", decl->at->loc,
			    "table '%s' has no 'attributes'", decl->name);
	v->untyped = prop(p, "attributes") == NULL;
	if ((n = prop(p, "key"))) {
		if (!parse_key(v, n, "key", &t->key))
			t->key.pk = NULL;
		else
			check_key(v, t, &t->key, "table");
	} else {
		Diag *dg = diag_report(v->d, "E102", decl->at->loc,
				       "table '%s' has no 'key'", decl->name);
		diag_help(dg, v->d, "add `key: pk` or `key: [pk, sk]`");
	}

	int b = 0;
	if ((n = prop(p, "billing")))
		b = node_want_enum(v->d, n, "billing mode", billing_names);
	t->provisioned = b == 1;
	Node *cap = prop(p, "capacity");
	if (cap && !t->provisioned && b == 0) {
		Diag *dg = diag_report(v->d, "E211", prop_key(p, "capacity")->loc,
				       "'capacity' is set but table '%s' is on_demand",
				       decl->name);
		diag_help(dg, v->d, "remove capacity, or set `billing: provisioned`");
	} else if (cap) {
		parse_throughput(v, cap, "capacity", false, &t->cap);
	} else if (t->provisioned) {
		Diag *dg = diag_report(v->d, "E212", n ? n->loc : decl->at->loc,
				       "provisioned table '%s' has no 'capacity'",
				       decl->name);
		diag_help(dg, v->d, "add `capacity: { read: 5, write: 5 }`");
	}
	if ((n = prop(p, "on_demand_max"))) {
		if (t->provisioned) {
			Diag *dg = diag_report(v->d, "E211", prop_key(p, "on_demand_max")->loc,
					       "'on_demand_max' is set but table '%s' "
					       "is provisioned", decl->name);
			diag_help(dg, v->d, "on_demand_max bounds on-demand tables; "
				  "remove it");
		} else {
			parse_throughput(v, n, "on_demand_max", true, &t->odm);
		}
	}

	if ((n = prop(p, "indexes")))
		parse_gsis(v, t, n);
	if ((n = prop(p, "local_indexes")))
		parse_lsis(v, t, n);
	for (size_t i = 0; i < t->ngsis; i++) {
		Index *ix = &t->gsis[i];
		Node *ck = ix->cap.at ? ix->cap.at : NULL;
		if (ck && !t->provisioned) {
			Diag *dg = diag_report(v->d, "E211", ck->loc,
					       "index '%s' has capacity but table '%s' "
					       "is on_demand", ix->name, decl->name);
			diag_help(dg, v->d, "remove the index's capacity");
		}
		if (ix->odm.at && t->provisioned)
			diag_report(v->d, "E239", ix->odm.at->loc,
				    "index '%s' has on_demand_max but table '%s' "
				    "is provisioned", ix->name, decl->name);
		if (t->provisioned && !ix->cap.set)
			ix->cap = t->cap; /* the language: indexes take the table's */
	}
	check_indexes(v, t);

	if ((n = prop(p, "ttl")))
		parse_ttl(v, t, n);
	if ((n = prop(p, "pitr")))
		parse_pitr(v, t, n);
	if ((n = prop(p, "encryption")))
		parse_encryption(v, t, n);
	int e;
	if ((n = prop(p, "stream")) &&
	    (e = node_want_enum(v->d, n, "stream", props_stream_names)) >= 0)
		t->stream = (Stream)e;
	if ((n = prop(p, "table_class")) &&
	    (e = node_want_enum(v->d, n, "table_class", class_names)) >= 0)
		t->infrequent_access = e == 1;
	if ((n = prop(p, "deletion_protection")))
		node_want_bool(v->d, n, "deletion_protection", &t->deletion_protection);
	if ((n = prop(p, "deletion_policy")) &&
	    (e = node_want_enum(v->d, n, "deletion_policy", policy_names)) >= 0)
		t->deletion_policy = (DeletionPolicy)e;
	if ((n = prop(p, "contributor_insights")))
		node_want_bool(v->d, n, "contributor_insights", &t->contributor_insights);
	if ((n = prop(p, "tags")))
		parse_tags(v, t, n);

	if ((n = prop(p, "export")) && node_want_str(v->d, n, "export", &t->export) &&
	    !*t->export) {
		diag_report(v->d, "E225", n->loc, "the export name is empty");
	} else if (n && t->export) {
		static const char *const exp_ph[] = {"env", "project", "name", "region",
						     "account", "export", NULL};
		Placeholders eph = ph;
		eph.export = t->export;
		const Node *ep = v->spec->naming_export;
		t->export_name = names_expand(v->a, v->d, ep ? ep : n,
						ep ? ep->str : "${env}-${export}",
						&eph, exp_ph);
		/* the ARN is exported as NAME + "Arn": both must be valid */
		if (t->export_name &&
		    (!validate_match(v, RE_EXPORT, t->export_name, NULL) ||
		     strlen(t->export_name) > 255 - strlen("StreamArn"))) {
			Diag *dg = diag_report(v->d, "E225", n->loc,
					       "export name '%.100s' is not 1 to 246 "
					       "characters of letters, digits, ':' and '-'",
					       t->export_name);
			diag_help(dg, v->d, "CloudFormation export names take only "
				  "alphanumerics, ':' and '-'");
			if (ep)
				diag_note(dg, v->d, ep->loc, "the name comes from "
					  "this pattern");
		}
	}
	if ((n = prop(p, "env_var")) && node_want_str(v->d, n, "env_var", &t->env_var) &&
	    !validate_match(v, RE_ENV_VAR, t->env_var, NULL)) {
		Diag *dg = diag_report(v->d, "E226", n->loc,
				       "'%.80s' is not a valid environment variable "
				       "name", t->env_var);
		diag_help(dg, v->d, "use letters, digits and _, not starting with a "
			  "digit, e.g. ORDERS_TABLE_NAME");
	}
	if ((n = prop(p, "access_patterns")))
		parse_patterns(v, t, n);
	check_patterns(v, t);

	/* warnings */
	for (size_t i = 0; i < t->nattrs; i++)
		if (validate_reserved_word(t->attrs[i].name)) {
			Diag *dg = diag_report(v->d, "W001", t->attrs[i].at->loc,
					       "attribute '%s' is a DynamoDB reserved word",
					       t->attrs[i].name);
			diag_help(dg, v->d, "expressions must write it as #%s with "
				  "ExpressionAttributeNames", t->attrs[i].name);
		}
	for (size_t i = 0; i < t->ngsis; i++) {
		const Index *ix = &t->gsis[i];
		if (!ix->key.pk || !validate_match(v, RE_HOT_KEY, ix->key.pk, NULL))
			continue;
		Node *at = ix->key.at->kind == NODE_SEQ ? ix->key.at->items[0]
							: ix->key.at;
		Diag *dg = diag_report(v->d, "W003", at->loc,
				       "global index '%s' is partitioned on '%s', which "
				       "looks low-cardinality and will run hot",
				       ix->name, ix->key.pk);
		diag_help(dg, v->d, "partition on a high-cardinality attribute (a "
			  "tenant or user id) and sort on '%s', or shard the key",
			  ix->key.pk);
	}
	if (v->env->production && (!t->pitr || !t->deletion_protection)) {
		Diag *dg = diag_report(v->d, "W004", decl->at->loc,
				       "table '%s' has %s off in a production-like "
				       "environment", decl->name,
				       !t->pitr && !t->deletion_protection
					       ? "point-in-time recovery and deletion protection"
				       : !t->pitr ? "point-in-time recovery"
						  : "deletion protection");
		diag_help(dg, v->d, "set `pitr: true` and `deletion_protection: "
			  "true` in the environment's `set`");
	}
	if (t->deletion_policy == DP_SNAPSHOT) {
		Diag *dg = diag_report(v->d, "W006", prop(p, "deletion_policy")->loc,
				       "CloudFormation cannot snapshot a DynamoDB table; "
				       "'%s' is retained when it leaves the stack",
				       decl->name);
		diag_help(dg, v->d, "write `deletion_policy: retain` to say so, and "
			  "take an on-demand backup before removing the table");
	}
	if (t->deletion_policy == DP_DELETE && t->stream > STREAM_KEYS_ONLY) {
		Diag *dg = diag_report(v->d, "W005", prop(p, "deletion_policy")->loc,
				       "table '%s' is deleted with its stack while its "
				       "stream carries item images", decl->name);
		diag_help(dg, v->d, "use `deletion_policy: retain`");
	}
}
