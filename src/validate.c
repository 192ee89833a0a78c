/*
 * validate.c: the merged properties of one environment -> a checked Model.
 *
 * Each table's merged mapping is read into a Table with the built-in
 * defaults applied, then every rule of the language is checked: DynamoDB's
 * limits (names, index counts, projections, capacity, tags), the spec's
 * own consistency (typed key attributes, served access patterns, unique
 * names) and the grants, which are turned into IAM policy statements here
 * so that every backend grants exactly the same actions.
 *
 * Name and value rules are pcre2 patterns taken from botocore's DynamoDB
 * model and the IAM and CloudFormation references; the reserved words and
 * the IAM action list are generated from moto and cfn-lint
 * (scripts/gen-tables.py), never typed by hand.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tablec.h"

#include <fnmatch.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const reserved_words[] = {
#include "gen/reserved_words.inc"
};
static const char *const dynamodb_actions[] = {
#include "gen/dynamodb_actions.inc"
};
/* actions with no resource type: IAM matches them only on "*" */
static const char *const account_actions[] = {
#include "gen/dynamodb_account_actions.inc"
};
/* actions on streams only */
static const char *const stream_only_actions[] = {
#include "gen/dynamodb_stream_actions.inc"
};

/* ---- patterns */

enum {
	RE_TABLE_NAME,   /* botocore TableName: [a-zA-Z0-9_.-]+, 3..255 */
	RE_TAG,          /* AWS tag characters */
	RE_KMS,
	RE_EXPORT,       /* CloudFormation: alphanumerics, ':' and '-' */
	RE_ENV_VAR,
	RE_ROLE_NAME,    /* IAM: [\w+=,.@-]{1,64} */
	RE_ROLE_ARN,
	RE_POLICY_NAME,  /* IAM: [\w+=,.@-]{1,128} */
	RE_REGION,
	RE_ACCOUNT,
	RE_DURATION,
	RE_HOT_KEY,
	RE_COUNT
};

static const char *const re_src[RE_COUNT] = {
	[RE_TABLE_NAME] = "^[a-zA-Z0-9_.-]{3,255}$",
	[RE_TAG] = "^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$",
	[RE_KMS] = "^(?:arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:[0-9]{12}:"
		   "(?:key/[0-9a-fA-F-]{1,128}|alias/[a-zA-Z0-9/_-]{1,250})"
		   "|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
		   "[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
		   "|mrk-[0-9a-fA-F]{32}"
		   "|alias/[a-zA-Z0-9/_-]{1,250})$",
	[RE_EXPORT] = "^[A-Za-z0-9:-]{1,255}$",
	[RE_ENV_VAR] = "^[A-Za-z_][A-Za-z0-9_]{0,254}$",
	[RE_ROLE_NAME] = "^[A-Za-z0-9+=,.@_-]{1,64}$",
	[RE_ROLE_ARN] = "^arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:role/"
			"(?:[\\x21-\\x7e]{0,511}/)?([A-Za-z0-9+=,.@_-]{1,64})$",
	[RE_POLICY_NAME] = "^[A-Za-z0-9+=,.@_-]{1,128}$",
	[RE_REGION] = "^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$",
	[RE_ACCOUNT] = "^[0-9]{12}$",
	[RE_DURATION] = "^([0-9]{1,9})([dhms])$",
	/* is_public, hasChildren, status, orderStatus, kind, active... */
	[RE_HOT_KEY] = "^(?:is|has)(?:[_-]|[A-Z])"
		       "|(?:^|[_-]|(?<=[a-z])(?=[A-Z]))"
		       "(?i:status|state|type|kind|flag|enabled|active|deleted|"
		       "visible|public|gender|bool|boolean)$",
};

static pcre2_code *re_code[RE_COUNT];
static pcre2_match_data *re_md;

void validate_cleanup(void)
{
	for (int i = 0; i < RE_COUNT; i++) {
		pcre2_code_free(re_code[i]);
		re_code[i] = NULL;
	}
	pcre2_match_data_free(re_md);
	re_md = NULL;
}

/* Matches s against pattern `id`; when `group` is non-NULL, the first
 * capture group is copied there. Patterns are compiled once, on first use. */
static bool re_match(Arena *a, int id, const char *s, const char **group)
{
	if (!re_code[id]) {
		int err;
		PCRE2_SIZE off;
		re_code[id] = pcre2_compile((PCRE2_SPTR)re_src[id],
					    PCRE2_ZERO_TERMINATED,
					    PCRE2_UTF | PCRE2_UCP, &err, &off, NULL);
		if (!re_code[id])
			BUG("pattern %d does not compile at offset %zu", id,
			    (size_t)off);
	}
	if (!re_md)
		re_md = pcre2_match_data_create(4, NULL);
	int rc = pcre2_match(re_code[id], (PCRE2_SPTR)s, strlen(s), 0, 0, re_md,
			     NULL);
	if (rc < 0)
		return false;
	if (group) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re_md);
		*group = rc > 1 ? arena_strndup(a, s + ov[2], ov[3] - ov[2]) : NULL;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_reserved_word(const char *name)
{
	char up[64];
	size_t n = strlen(name);
	if (n >= sizeof up)
		return false;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)((name[i] >= 'a' && name[i] <= 'z') ? name[i] - 32 : name[i]);
	const char *key = up;
	return bsearch(&key, reserved_words,
		       sizeof reserved_words / sizeof reserved_words[0],
		       sizeof *reserved_words, cmp_str) != NULL;
}

/* ---- the validator's state for one environment */

typedef struct V {
	Arena *a;
	Diags *d;
	const Spec *spec;
	const Env *env;
	Model *m;
	Placeholders ph;
	bool untyped; /* the table has no `attributes` (E102 said so) */
	Strmap table_index; /* logical name -> index in m->tables */
	const char **names; /* the logical names, once asked for */
	size_t *listed;     /* per table: the stamp of the last grant naming it */
	size_t stamp;
} V;

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Identifiers longer than this are cut and made unique with a hash, so
 * that the longest derived id (NAME + "StreamArn") stays within
 * CloudFormation's 255 characters for logical ids and outputs. */
#define ID_MAX 200

static const char *shorten_id(Arena *a, const char *id, const char *from)
{
	if (strlen(id) <= ID_MAX)
		return id;
	uint32_t h = 2166136261u; /* FNV-1a of what the id was made from */
	for (const char *p = from; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return arena_printf(a, "%.*s%08x", ID_MAX - 8, id, (unsigned)h);
}

/* PascalCase of the letters and digits: conversation-summaries ->
 * ConversationSummaries. Other characters separate words. */
static const char *pascal_id(Arena *a, const char *s)
{
	Strbuf sb = STRBUF_INIT;
	bool up = true;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum) {
			up = true;
			continue;
		}
		if (up && c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		strbuf_addch(&sb, c);
		up = false;
	}
	const char *out = shorten_id(a, arena_strndup(a, sb.buf, sb.len), s);
	strbuf_release(&sb);
	return out;
}

/* snake_case: conversation-summaries -> conversation_summaries; a leading
 * digit gets a `t_` so that the identifier is valid in every language. */
static const char *snake_ident(Arena *a, const char *s)
{
	Strbuf sb = STRBUF_INIT;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
		bool upper = c >= 'A' && c <= 'Z';
		if (upper) {
			if (p > s && ((p[-1] >= 'a' && p[-1] <= 'z') ||
				      (p[-1] >= '0' && p[-1] <= '9')))
				strbuf_addch(&sb, '_');
			strbuf_addch(&sb, c + 32);
		} else if (lower || digit) {
			strbuf_addch(&sb, c);
		} else if (sb.len && sb.buf[sb.len - 1] != '_') {
			strbuf_addch(&sb, '_');
		}
	}
	while (sb.len && sb.buf[sb.len - 1] == '_')
		sb.buf[--sb.len] = '\0';
	/* identifiers start with a letter in every language */
	const char *out = !sb.len ? "t"
			  : (sb.buf[0] >= '0' && sb.buf[0] <= '9')
				  ? arena_printf(a, "t_%s", sb.buf)
				  : arena_strndup(a, sb.buf, sb.len);
	strbuf_release(&sb);
	return shorten_id(a, out, s);
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

static const char *const attr_short[] = {"S", "N", "B", "BOOL", "NULL", "M",
					 "L", "SS", "NS", "BS", NULL};
static const char *const attr_long[] = {
	"string", "number", "binary", "bool", "null", "map", "list",
	"string_set", "number_set", "binary_set", NULL};

static void parse_attributes(V *v, Table *t, Node *n)
{
	size_t cap = 0;
	if (!want_map(v->d, n, "attributes"))
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
			for (int j = 0; attr_short[j] && type < 0; j++)
				if (!strcmp(ty->str, attr_short[j]) ||
				    !strcmp(ty->str, attr_long[j]) ||
				    (j == ATTR_BOOL && !strcmp(ty->str, "boolean")))
					type = j;
		if (type < 0) {
			want_enum(v->d, ty, "attribute type", attr_short);
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
static bool parse_key(V *v, Node *n, const char *what, KeyDef *k)
{
	static const char *const keys[] = {"partition", "sort", NULL};
	memset(k, 0, sizeof *k);
	k->at = n;
	if (n->kind == NODE_SCALAR) {
		return want_str(v->d, n, what, &k->pk);
	} else if (n->kind == NODE_SEQ) {
		if (n->nitems < 1 || n->nitems > 2) {
			Diag *dg = diag_report(v->d, "E235", n->loc,
					       "'%s' lists %zu attributes; a key has a "
					       "partition and at most one sort attribute",
					       what, n->nitems);
			diag_help(dg, v->d, "write `pk` or `[pk, sk]`");
			return false;
		}
		if (!want_str(v->d, n->items[0], what, &k->pk))
			return false;
		if (n->nitems == 2 && !want_str(v->d, n->items[1], what, &k->sk))
			return false;
	} else {
		check_keys(v->d, n, keys, what);
		Node *p = node_get(n, "partition"), *s = node_get(n, "sort");
		if (!p) {
			diag_report(v->d, "E102", n->loc, "'%s' has no 'partition'", what);
			return false;
		}
		if (!want_str(v->d, p, what, &k->pk))
			return false;
		if (s && !node_is_null(s) && !want_str(v->d, s, what, &k->sk))
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
static void check_key_attr(V *v, const Table *t, const char *name, Node *at,
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
				       name, role, attr_short[a->type]);
		diag_help(dg, v->d, "type it S, N or B");
	}
}

static void check_key(V *v, const Table *t, const KeyDef *k, const char *what)
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

static bool parse_throughput(V *v, Node *n, const char *what, bool on_demand,
			     Throughput *tp)
{
	static const char *const keys[] = {"read", "write", NULL};
	if (!want_map(v->d, n, what))
		return false;
	check_keys(v->d, n, keys, what);
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
		if (!want_int(v->d, vals[i], field, outs[i])) {
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

static const char *const proj_names[] = {"all", "keys_only", NULL};

static bool index_name_ok(V *v, Node *k)
{
	if (re_match(v->a, RE_TABLE_NAME, k->str, NULL))
		return true;
	Diag *dg = diag_report(v->d, "E203", k->loc,
			       "index name '%.80s' is not 3 to 255 characters of "
			       "[a-zA-Z0-9_.-]", k->str);
	diag_help(dg, v->d, "rename the index, e.g. '%s-index'",
		  strlen(k->str) < 3 ? "by" : "by-tenant");
	return false;
}

static void parse_projection(V *v, Index *ix, Node *n)
{
	ix->proj = PROJ_ALL;
	if (!n)
		return;
	if (n->kind == NODE_SEQ) {
		ix->proj = PROJ_INCLUDE;
		size_t cap = 0;
		for (size_t i = 0; i < n->nitems; i++) {
			const char *s;
			if (!want_str(v->d, n->items[i], "projection", &s))
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
	int p = want_enum(v->d, n, "projection", proj_names);
	if (p >= 0)
		ix->proj = p == 0 ? PROJ_ALL : PROJ_KEYS_ONLY;
}

static void parse_gsis(V *v, Table *t, Node *n)
{
	static const char *const keys[] = {"key", "projection", "capacity",
					   "on_demand_max", NULL};
	size_t cap = 0;
	if (!want_map(v->d, n, "indexes"))
		return;
	for (size_t i = 0; i < n->npairs; i++) {
		Node *k = n->pairs[i].key, *body = n->pairs[i].value;
		if (!want_map(v->d, body, k->str))
			continue;
		check_keys(v->d, body, keys, "a global index");
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

static void parse_lsis(V *v, Table *t, Node *n)
{
	static const char *const keys[] = {"sort", "projection", NULL};
	size_t cap = 0;
	if (!want_map(v->d, n, "local_indexes"))
		return;
	for (size_t i = 0; i < n->npairs; i++) {
		Node *k = n->pairs[i].key, *body = n->pairs[i].value;
		if (!want_map(v->d, body, k->str))
			continue;
		check_keys(v->d, body, keys, "a local index");
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
		} else if (want_str(v->d, s, "sort", &ix->key.sk) && t->key.sk &&
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

static void check_indexes(V *v, Table *t)
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
static const char *const stream_names[] = {"off", "keys_only", "new_image",
					   "old_image", "new_and_old_images", NULL};
static const char *const class_names[] = {"standard",
					  "standard_infrequent_access", NULL};
static const char *const policy_names[] = {"retain", "delete", "snapshot", NULL};
static const char *const enc_names[] = {"aws_owned", "aws_managed", NULL};

static bool parse_duration(V *v, Node *n, long long *secs)
{
	const char *s, *num;
	if (!want_str(v->d, n, "retention", &s))
		return false;
	if (!re_match(v->a, RE_DURATION, s, &num)) {
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

static void parse_ttl(V *v, Table *t, Node *n)
{
	static const char *const keys[] = {"attribute", "enabled", "retention", NULL};
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
		if (!want_str(v->d, n, "ttl", &t->ttl_attr))
			t->has_ttl = false;
	} else if (want_map(v->d, n, "ttl")) {
		check_keys(v->d, n, keys, "ttl");
		Node *a = node_get(n, "attribute"), *e = prop(n, "enabled"),
		     *r = prop(n, "retention");
		if (!a) {
			diag_report(v->d, "E102", n->loc, "'ttl' has no 'attribute'");
			t->has_ttl = false;
		} else if (!want_str(v->d, a, "ttl.attribute", &t->ttl_attr)) {
			t->has_ttl = false;
		} else {
			attr_at = a;
		}
		if (e)
			want_bool(v->d, e, "ttl.enabled", &t->ttl_enabled);
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
				       t->ttl_attr, attr_short[a->type]);
		diag_help(dg, v->d, "type it N");
	}
	if (!a && is_reserved_word(t->ttl_attr))
		diag_report(v->d, "W001", attr_at->loc,
			    "TTL attribute '%.80s' is a DynamoDB reserved word; "
			    "expressions must write it as #%.80s", t->ttl_attr,
			    t->ttl_attr);
}

static void parse_pitr(V *v, Table *t, Node *n)
{
	static const char *const keys[] = {"enabled", "days", NULL};
	if (n->kind == NODE_SCALAR) {
		want_bool(v->d, n, "pitr", &t->pitr);
		return;
	}
	if (!want_map(v->d, n, "pitr"))
		return;
	check_keys(v->d, n, keys, "pitr");
	t->pitr = true;
	Node *e = prop(n, "enabled"), *days = prop(n, "days");
	if (e)
		want_bool(v->d, e, "pitr.enabled", &t->pitr);
	long long x;
	if (days && want_int(v->d, days, "pitr.days", &x)) {
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

static void parse_encryption(V *v, Table *t, Node *n)
{
	static const char *const keys[] = {"kms_key", NULL};
	if (n->kind == NODE_MAP) {
		check_keys(v->d, n, keys, "encryption");
		Node *k = node_get(n, "kms_key");
		if (!k) {
			diag_report(v->d, "E102", n->loc, "'encryption' has no 'kms_key'");
			return;
		}
		if (!want_str(v->d, k, "kms_key", &t->kms_key))
			return;
		t->enc = ENC_KMS;
		if (!re_match(v->a, RE_KMS, t->kms_key, NULL)) {
			Diag *dg = diag_report(v->d, "E224", k->loc,
					       "'%.100s' is not a KMS key", t->kms_key);
			diag_help(dg, v->d, "write a key ARN, an alias ARN, a key id "
				  "or alias/NAME");
		}
		return;
	}
	int e = want_enum(v->d, n, "encryption", enc_names);
	if (e >= 0)
		t->enc = e == 0 ? ENC_AWS_OWNED : ENC_AWS_MANAGED;
}

static void parse_tags(V *v, Table *t, Node *n)
{
	static const char *const allowed[] = {"env", "project", "name", "region",
					      "account", NULL};
	size_t cap = 0;
	if (!want_map(v->d, n, "tags"))
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
		if (!want_str(v->d, val, "tag value", &s))
			continue;
		/* tag values take the name placeholders: team: ${project} */
		if (strchr(s, '$')) {
			s = pattern_expand(v->a, v->d, val, s, &v->ph, allowed);
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
		if (!re_match(v->a, RE_TAG, k->str, NULL) ||
		    !re_match(v->a, RE_TAG, s, NULL)) {
			bool bad_key = !re_match(v->a, RE_TAG, k->str, NULL);
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

static void parse_patterns(V *v, Table *t, Node *n)
{
	static const char *const keys[] = {"name", "key", "index", NULL};
	size_t cap = 0;
	if (!want_seq(v->d, n, "access_patterns"))
		return;
	for (size_t i = 0; i < n->nitems; i++) {
		Node *p = n->items[i];
		if (!want_map(v->d, p, "access_patterns[]"))
			continue;
		check_keys(v->d, p, keys, "an access pattern");
		AccessPattern *ap = VEC_PUSH(v->a, t->patterns, t->npatterns, cap);
		ap->at = p;
		Node *nm = node_get(p, "name"), *k = node_get(p, "key"),
		     *ix = prop(p, "index");
		if (!nm)
			diag_report(v->d, "E102", p->loc, "access pattern has no 'name'");
		else
			want_str(v->d, nm, "name", &ap->name);
		if (ix)
			want_str(v->d, ix, "index", &ap->index);
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
static void index_names(Arena *a, const Table *t, const char ***names,
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

static void check_patterns(V *v, const Table *t)
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
				index_names(v->a, t, &names, &nn, &ncap);
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

static void parse_table(V *v, Table *t, const Resolved *r)
{
	Node *p = r->props;
	const TableDecl *decl = r->decl;
	t->logical = decl->name;
	t->at = decl->at;
	t->props = p;
	t->id = pascal_id(v->a, decl->name);
	t->ident = snake_ident(v->a, decl->name);
	t->deletion_policy = DP_RETAIN;

	/* physical name: naming.table over `name:` (or the logical name) */
	static const char *const name_ph[] = {"env", "project", "name", "region",
					      "account", NULL};
	Node *name = prop(p, "name");
	const char *base = decl->name;
	if (name && !want_str(v->d, name, "name", &base))
		base = decl->name;
	v->ph.name = base; /* for tag values; reset per table */
	Placeholders ph = v->ph;
	const Node *pat = v->spec->naming_table;
	t->physical = pat ? pattern_expand(v->a, v->d, pat, pat->str, &ph, name_ph)
			  : base;
	if (t->physical && !re_match(v->a, RE_TABLE_NAME, t->physical, NULL)) {
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
		want_str(v->d, n, "description", &t->description);
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
		b = want_enum(v->d, n, "billing mode", billing_names);
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
	    (e = want_enum(v->d, n, "stream", stream_names)) >= 0)
		t->stream = (Stream)e;
	if ((n = prop(p, "table_class")) &&
	    (e = want_enum(v->d, n, "table_class", class_names)) >= 0)
		t->infrequent_access = e == 1;
	if ((n = prop(p, "deletion_protection")))
		want_bool(v->d, n, "deletion_protection", &t->deletion_protection);
	if ((n = prop(p, "deletion_policy")) &&
	    (e = want_enum(v->d, n, "deletion_policy", policy_names)) >= 0)
		t->deletion_policy = (DeletionPolicy)e;
	if ((n = prop(p, "contributor_insights")))
		want_bool(v->d, n, "contributor_insights", &t->contributor_insights);
	if ((n = prop(p, "tags")))
		parse_tags(v, t, n);

	if ((n = prop(p, "export")) && want_str(v->d, n, "export", &t->export) &&
	    !*t->export) {
		diag_report(v->d, "E225", n->loc, "the export name is empty");
	} else if (n && t->export) {
		static const char *const exp_ph[] = {"env", "project", "name", "region",
						     "account", "export", NULL};
		Placeholders eph = ph;
		eph.export = t->export;
		const Node *ep = v->spec->naming_export;
		t->export_name = pattern_expand(v->a, v->d, ep ? ep : n,
						ep ? ep->str : "${env}-${export}",
						&eph, exp_ph);
		/* the ARN is exported as NAME + "Arn": both must be valid */
		if (t->export_name &&
		    (!re_match(v->a, RE_EXPORT, t->export_name, NULL) ||
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
	if ((n = prop(p, "env_var")) && want_str(v->d, n, "env_var", &t->env_var) &&
	    !re_match(v->a, RE_ENV_VAR, t->env_var, NULL)) {
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
		if (is_reserved_word(t->attrs[i].name)) {
			Diag *dg = diag_report(v->d, "W001", t->attrs[i].at->loc,
					       "attribute '%s' is a DynamoDB reserved word",
					       t->attrs[i].name);
			diag_help(dg, v->d, "expressions must write it as #%s with "
				  "ExpressionAttributeNames", t->attrs[i].name);
		}
	for (size_t i = 0; i < t->ngsis; i++) {
		const Index *ix = &t->gsis[i];
		if (!ix->key.pk || !re_match(v->a, RE_HOT_KEY, ix->key.pk, NULL))
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

/* ---- grants */

static const char *const access_names[] = {"read", "write", "read_write",
					   "stream_read", "full", NULL};
static const char *const read_actions[] = {
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
	"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query",
	"dynamodb:Scan", NULL};
/* With leading_keys, Scan is left out: a Scan carries no partition key, so
 * a ForAllValues condition on dynamodb:LeadingKeys would hold vacuously and
 * let a tenant read every tenant's items. */
static const char *const read_actions_lk[] = {
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
	"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query", NULL};
static const char *const write_actions[] = {
	"dynamodb:BatchWriteItem", "dynamodb:DeleteItem",
	"dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:UpdateItem", NULL};
static const char *const stream_actions[] = {
	"dynamodb:DescribeStream", "dynamodb:GetRecords",
	"dynamodb:GetShardIterator", NULL};
static const char *const list_streams[] = {"dynamodb:ListStreams", NULL};
static const char *const all_actions[] = {"dynamodb:*", NULL};

/* Lowercases an action name into buf (IAM ignores case); false if long. */
static bool action_lower(const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);
	if (n >= size)
		return false;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	return true;
}

/* Is `name` (or, with wildcards, any action it matches) in `list`? */
static bool action_in(const char *name, const char *const *list, size_t n)
{
	char low[64];
	if (!action_lower(name, low, sizeof low))
		return false;
	if (strpbrk(low, "*?")) {
		for (size_t i = 0; i < n; i++)
			if (!fnmatch(low, list[i], 0))
				return true;
		return false;
	}
	const char *key = low;
	return bsearch(&key, list, n, sizeof *list, cmp_str) != NULL;
}

#define IN_LIST(name, list) action_in((name), (list), sizeof(list) / sizeof((list)[0]))

static bool action_known(const char *name)
{
	return IN_LIST(name, dynamodb_actions);
}

static const char **action_list(Arena *a, const char *const *src, size_t *n)
{
	size_t k = 0;
	while (src[k])
		k++;
	const char **out = arena_alloc(a, (k + 1) * sizeof *out);
	memcpy(out, src, k * sizeof *out);
	*n = k;
	return out;
}

static Statement *add_stmt(V *v, Policy *p, size_t *cap, const char *sid,
			   const char **actions, size_t nactions, bool lk)
{
	Statement *s = VEC_PUSH(v->a, p->stmts, p->nstmts, *cap);
	s->sid = sid;
	s->actions = actions;
	s->nactions = nactions;
	s->leading_keys = lk;
	return s;
}

/* A statement with one of the fixed action sets above. */
static Statement *add_fixed(V *v, Policy *p, size_t *cap, const char *sid,
			    const char *const *actions, bool lk)
{
	size_t n;
	const char **list = action_list(v->a, actions, &n);
	return add_stmt(v, p, cap, sid, list, n, lk);
}

static void add_res(V *v, Statement *s, size_t *cap, ResKind kind,
		    const Table *t, const char *index)
{
	ResRef *r = VEC_PUSH(v->a, s->res, s->nres, *cap);
	r->kind = kind;
	r->table = t;
	r->index = index;
}

typedef struct GrantCtx {
	const Table **tables;
	size_t ntables;
	bool all_indexes;           /* indexes: true */
	const char **index_names;   /* indexes: [names] */
	size_t nindex_names;
	Strmap wanted;              /* index_names -> position in the list */
} GrantCtx;

typedef struct IndexPick {
	size_t pos;
	const char *name;
} IndexPick;

static int pick_cmp(const void *a, const void *b)
{
	size_t x = ((const IndexPick *)a)->pos, y = ((const IndexPick *)b)->pos;
	return (x > y) - (x < y);
}

/* Table ARNs, and with `with_index` the index ARNs the grant covers. */
static void add_table_res(V *v, Statement *s, const GrantCtx *g, bool with_index)
{
	size_t cap = 0;
	for (size_t i = 0; i < g->ntables; i++)
		add_res(v, s, &cap, RES_TABLE, g->tables[i], NULL);
	if (!with_index)
		return;
	for (size_t i = 0; i < g->ntables; i++) {
		const Table *t = g->tables[i];
		if (g->all_indexes && (t->ngsis || t->nlsis)) {
			add_res(v, s, &cap, RES_INDEX, t, "*");
			continue;
		}
		/* the table's indexes that the grant names, in the grant's
		 * order: looked up, so that a long list costs no more than
		 * its length */
		IndexPick *picks = arena_alloc(v->a, (t->ngsis + t->nlsis + 1) *
						     sizeof *picks);
		size_t np = 0;
		for (size_t k = 0; k < t->ngsis + t->nlsis; k++) {
			const Index *ix = k < t->ngsis ? &t->gsis[k]
						       : &t->lsis[k - t->ngsis];
			size_t pos = strmap_get(&g->wanted, ix->name);
			bool dup = false; /* an index name used twice (E227) */
			for (size_t q = 0; q < np && !dup && pos != SIZE_MAX; q++)
				dup = picks[q].pos == pos;
			if (pos != SIZE_MAX && !dup)
				picks[np++] = (IndexPick){pos, ix->name};
		}
		if (np > 1)
			qsort(picks, np, sizeof *picks, pick_cmp);
		for (size_t k = 0; k < np; k++)
			add_res(v, s, &cap, RES_INDEX, t, picks[k].name);
	}
}

static void add_stream_res(V *v, Statement *s, const GrantCtx *g)
{
	size_t cap = 0;
	for (size_t i = 0; i < g->ntables; i++)
		if (g->tables[i]->stream != STREAM_OFF)
			add_res(v, s, &cap, RES_STREAM, g->tables[i], NULL);
}

/* The logical names, for did-you-mean; made once per environment. */
static const char **table_names(V *v)
{
	if (v->names)
		return v->names;
	v->names = arena_alloc(v->a, (v->m->ntables + 1) * sizeof *v->names);
	/* `tables` is NULL only when there are none; said for the analyzer */
	for (size_t i = 0; v->m->tables && i < v->m->ntables; i++)
		v->names[i] = v->m->tables[i].logical;
	return v->names;
}

static const Table *find_table(V *v, const char *name)
{
	if (!v->table_index.a) { /* built on first use */
		v->table_index.a = v->a;
		for (size_t i = 0; i < v->m->ntables; i++)
			strmap_put(&v->table_index, v->m->tables[i].logical, i);
	}
	size_t i = strmap_get(&v->table_index, name);
	return i == SIZE_MAX ? NULL : &v->m->tables[i];
}

static bool grant_in_env(V *v, const GrantDecl *g)
{
	if (!g->environments)
		return true;
	if (!want_seq(v->d, g->environments, "environments"))
		return false;
	bool in = false;
	for (size_t i = 0; i < g->environments->nitems; i++) {
		const char *e;
		Node *n = g->environments->items[i];
		if (!want_str(v->d, n, "environments", &e))
			continue;
		bool known = false;
		for (size_t j = 0; j < v->spec->nenvs && !known; j++)
			known = !strcmp(v->spec->envs[j].name, e);
		if (!known) {
			const char **names = arena_alloc(v->a, (v->spec->nenvs + 1) *
							 sizeof *names);
			for (size_t j = 0; j < v->spec->nenvs; j++)
				names[j] = v->spec->envs[j].name;
			Diag *dg = diag_report(v->d, "E234", n->loc,
					       "grant names unknown environment '%.60s'", e);
			const char *m = did_you_mean(e, names, v->spec->nenvs);
			if (m)
				diag_help(dg, v->d, "did you mean '%s'?", m);
		}
		if (!strcmp(e, v->env->name))
			in = true;
	}
	return in;
}

static bool grant_tables(V *v, const GrantDecl *g, GrantCtx *gc)
{
	size_t cap = 0;
	Node *n = g->tables;
	if (n->kind == NODE_SCALAR && !strcmp(n->str, "*")) {
		for (size_t i = 0; i < v->m->ntables; i++)
			*VEC_PUSH(v->a, gc->tables, gc->ntables, cap) = &v->m->tables[i];
		return true;
	}
	if (n->kind == NODE_SCALAR) {
		Diag *dg = diag_report(v->d, "E101", n->loc,
				       "'tables' must be a list of table names or \"*\"");
		diag_help(dg, v->d, "write `tables: [%.60s]`", n->str);
		return false;
	}
	if (!want_seq(v->d, n, "tables"))
		return false;
	if (!n->nitems) {
		Diag *dg = diag_report(v->d, "E101", n->loc,
				       "'tables' lists no table");
		diag_help(dg, v->d, "list the tables, or write \"*\" for all");
		return false;
	}
	bool ok = true;
	if (!v->listed)
		v->listed = arena_alloc(v->a, (v->m->ntables + 1) * sizeof *v->listed);
	v->stamp++;
	for (size_t i = 0; i < n->nitems; i++) {
		const char *name;
		if (!want_str(v->d, n->items[i], "tables", &name)) {
			ok = false;
			continue;
		}
		const Table *t = find_table(v, name);
		if (!t) {
			Diag *dg = diag_report(v->d, "E215", n->items[i]->loc,
					       "grant names unknown table '%.80s'", name);
			const char *m = diag_suggest(v->d, name, table_names(v),
						     v->m->ntables);
			if (m)
				diag_help(dg, v->d, "did you mean '%s'?", m);
			ok = false;
			continue;
		}
		/* listed twice: marked with the grant's stamp, not searched */
		size_t ti = (size_t)(t - v->m->tables);
		if (v->listed[ti] == v->stamp) {
			diag_report(v->d, "E241", n->items[i]->loc,
				    "table '%.80s' is listed twice in the grant", name);
			continue;
		}
		v->listed[ti] = v->stamp;
		*VEC_PUSH(v->a, gc->tables, gc->ntables, cap) = t;
	}
	return ok;
}

static bool grant_indexes(V *v, const GrantDecl *g, GrantCtx *gc)
{
	gc->all_indexes = true;
	Node *n = g->indexes;
	if (!n || node_is_null(n))
		return true;
	if (n->kind == NODE_SCALAR)
		return want_bool(v->d, n, "indexes", &gc->all_indexes);
	if (!want_seq(v->d, n, "indexes"))
		return false;
	gc->all_indexes = false;
	gc->wanted.a = v->a;
	size_t cap = 0;
	bool ok = true;
	/* every index name of the grant's tables, built at the first name
	 * asked about: one hash lookup per name instead of a scan */
	Strmap have = {.a = v->a};
	const char **names = NULL;
	size_t nn = 0, ncap = 0;
	for (size_t i = 0; i < n->nitems; i++) {
		const char *name;
		if (!want_str(v->d, n->items[i], "indexes", &name))
			continue;
		if (!names) {
			for (size_t t = 0; t < gc->ntables; t++)
				index_names(v->a, gc->tables[t], &names, &nn, &ncap);
			for (size_t k = 0; k < nn; k++)
				strmap_put(&have, names[k], k);
			if (!names) /* no table has an index */
				names = arena_alloc(v->a, sizeof *names);
		}
		if (strmap_get(&have, name) == SIZE_MAX) {
			Diag *dg = diag_report(v->d, "E216", n->items[i]->loc,
					       "grant names index '%.80s', which none of "
					       "its tables has", name);
			const char *m = nn ? diag_suggest(v->d, name, names, nn)
					   : NULL;
			if (m)
				diag_help(dg, v->d, "did you mean '%s'?", m);
			ok = false;
			continue;
		}
		if (strmap_put(&gc->wanted, name, gc->nindex_names) !=
		    gc->nindex_names) {
			diag_report(v->d, "E241", n->items[i]->loc,
				    "index '%.80s' is listed twice in the grant", name);
			continue;
		}
		*VEC_PUSH(v->a, gc->index_names, gc->nindex_names, cap) = name;
	}
	return ok;
}

static void build_policy(V *v, const GrantDecl *g, size_t *pcap)
{
	GrantCtx gc = {0};
	const char *role = NULL, *role_arn = NULL;
	bool ok = true;
	if (g->role && want_str(v->d, g->role, "role", &role) &&
	    !re_match(v->a, RE_ROLE_NAME, role, NULL)) {
		Diag *dg = diag_report(v->d, "E230", g->role->loc,
				       "'%.80s' is not an IAM role name", role);
		diag_help(dg, v->d, "role names are 1 to 64 characters of "
			  "[A-Za-z0-9+=,.@_-]; for an ARN use role_arn");
		ok = false;
		role = NULL; /* no policy name derived from it */
	}
	if (g->role_arn && want_str(v->d, g->role_arn, "role_arn", &role_arn)) {
		const char *acct = strstr(role_arn, ":iam::");
		if (!re_match(v->a, RE_ROLE_ARN, role_arn, &role)) {
			Diag *dg = diag_report(v->d, "E230", g->role_arn->loc,
					       "'%.100s' is not an IAM role ARN", role_arn);
			diag_help(dg, v->d, "write arn:aws:iam::123456789012:role/NAME");
			ok = false;
		} else if (v->m->account && acct &&
			   strncmp(acct + 6, v->m->account, 12)) {
			/* a stack attaches policies to roles of its own account */
			Diag *dg = diag_report(v->d, "E230", g->role_arn->loc,
					       "role '%s' is in account %.12s, not in the "
					       "environment's account %s", role,
					       acct + 6, v->m->account);
			diag_help(dg, v->d, "grant it from a spec of its own account, "
				  "or drop `account:` if the role lives where the "
				  "tables are");
			ok = false;
		}
	}
	if (!role)
		ok = false;

	int access = -1;
	Strmap seen = {.a = v->a}; /* actions listed so far */
	const char **custom = NULL;
	size_t ncustom = 0, ccap = 0;
	bool wildcard = false;
	if (g->access) {
		access = want_enum(v->d, g->access, "access level", access_names);
		if (access < 0)
			ok = false;
		if (access == 4) {
			Diag *dg = diag_report(v->d, "W002", g->access->loc,
					       "grant gives full access (dynamodb:*) "
					       "to role '%.64s'", role ? role : "?");
			diag_help(dg, v->d, "prefer read, write or read_write, or list "
				  "the actions needed");
		}
	} else if (g->actions && want_seq(v->d, g->actions, "actions")) {
		for (size_t i = 0; i < g->actions->nitems; i++) {
			Node *n = g->actions->items[i];
			const char *s;
			if (!want_str(v->d, n, "actions", &s)) {
				ok = false;
				continue;
			}
			const char *bare = !strncasecmp(s, "dynamodb:", 9) ? s + 9 : s;
			if (!*bare || !action_known(bare)) {
				Diag *dg = diag_report(v->d, "E217", n->loc,
						       "'%.80s' is not a DynamoDB action", s);
				/* suggest from the generated, lowercase list */
				const char *m = did_you_mean(bare, dynamodb_actions,
					sizeof dynamodb_actions / sizeof dynamodb_actions[0]);
				if (m)
					diag_help(dg, v->d, "did you mean 'dynamodb:%s'? "
						  "(IAM matches actions without regard "
						  "to case)", m);
				ok = false;
				continue;
			}
			if (strpbrk(bare, "*?")) {
				wildcard = true;
				diag_report(v->d, "W002", n->loc,
					    "wildcard action '%.80s' may grant more than "
					    "intended", s);
			}
			const char *full = arena_printf(v->a, "dynamodb:%s", bare);
			/* IAM ignores case: the lowercase name is the key */
			char *low = arena_strdup(v->a, full);
			for (char *c = low; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 32);
			if (strmap_put(&seen, low, ncustom) != ncustom) {
				diag_report(v->d, "E241", n->loc,
					    "action '%.80s' is listed twice", s);
				continue;
			}
			*VEC_PUSH(v->a, custom, ncustom, ccap) = full;
		}
		if (!g->actions->nitems) {
			diag_report(v->d, "E101", g->actions->loc,
				    "'actions' lists no action");
			ok = false;
		}
		if (ncustom > 1)
			qsort(custom, ncustom, sizeof *custom, cmp_str);
	} else {
		ok = false;
	}
	(void)wildcard;
	if (!g->tables || !grant_tables(v, g, &gc))
		ok = false;
	if (!grant_indexes(v, g, &gc))
		ok = false;

	const char **lk = NULL;
	size_t nlk = 0, lcap = 0;
	if (g->leading_keys && !node_is_null(g->leading_keys) &&
	    want_seq(v->d, g->leading_keys, "leading_keys")) {
		for (size_t i = 0; i < g->leading_keys->nitems; i++) {
			const char *s;
			if (want_str(v->d, g->leading_keys->items[i], "leading_keys", &s))
				*VEC_PUSH(v->a, lk, nlk, lcap) = s;
		}
		if (!g->leading_keys->nitems)
			diag_report(v->d, "E101", g->leading_keys->loc,
				    "'leading_keys' is empty; remove it to allow "
				    "every partition key");
	}
	bool managed = false;
	if (g->managed && !node_is_null(g->managed))
		want_bool(v->d, g->managed, "managed", &managed);

	/* a LeadingKeys condition limits item reads and writes by partition;
	 * a Scan names no partition and passes a ForAllValues test */
	if (nlk && (access == 3 || access == 4)) {
		Diag *dg = diag_report(v->d, "E105", g->leading_keys->loc,
				       "'leading_keys' cannot limit %s access",
				       access == 3 ? "stream_read" : "full");
		diag_help(dg, v->d, access == 3
			  ? "streams carry every partition's changes; remove "
			    "leading_keys or use a separate grant"
			  : "dynamodb:* includes Scan, which names no partition; "
			    "use read_write or a list of actions");
		ok = false;
	}
	for (size_t i = 0; nlk && i < ncustom; i++) {
		char low[64];
		if (action_lower(custom[i] + 9, low, sizeof low) &&
		    !fnmatch(low, "scan", 0)) {
			Diag *dg = diag_report(v->d, "E105", g->leading_keys->loc,
					       "'leading_keys' cannot limit '%s', which "
					       "includes Scan", custom[i]);
			diag_help(dg, v->d, "a Scan names no partition, so the "
				  "condition would let it read every tenant's items; "
				  "leave Scan out");
			ok = false;
			break;
		}
	}

	if (access == 3) { /* stream_read needs streams */
		for (size_t i = 0; i < gc.ntables; i++)
			if (gc.tables[i]->stream == STREAM_OFF) {
				Diag *dg = diag_report(v->d, "E229", g->access->loc,
						       "stream_read grant covers table "
						       "'%s', whose stream is off",
						       gc.tables[i]->logical);
				diag_help(dg, v->d, "set `stream: new_and_old_images` "
					  "(or another view) on '%s'",
					  gc.tables[i]->logical);
				ok = false;
			}
	}

	/* the policy's name */
	static const char *const pol_ph[] = {"env", "project", "region",
					     "account", "role", NULL};
	Placeholders ph = v->ph;
	ph.role = role;
	const Node *pn = g->policy_name ? g->policy_name : v->spec->naming_policy;
	const char *pname = NULL;
	if (role && pn && want_str(v->d, pn, "policy_name", &pname)) {
		pname = pattern_expand(v->a, v->d, pn, pname, &ph, pol_ph);
		if (!pname)
			ok = false;
	}
	else if (role)
		pname = v->spec->project
				? arena_printf(v->a, "%s-%s-%s-dynamodb",
					       v->spec->project, v->env->name, role)
				: arena_printf(v->a, "%s-%s-dynamodb", v->env->name,
					       role);
	if (pname && !re_match(v->a, RE_POLICY_NAME, pname, NULL)) {
		Diag *dg = diag_report(v->d, "E237", pn ? pn->loc : g->at->loc,
				       "IAM policy name '%.130s' is not 1 to 128 "
				       "characters of [A-Za-z0-9+=,.@_-]", pname);
		diag_help(dg, v->d, "set `policy_name:` on the grant");
		ok = false;
	}
	if (!ok)
		return;

	Policy *p = VEC_PUSH(v->a, v->m->policies, v->m->npolicies, *pcap);
	p->decl = g;
	p->home = gc.ntables ? gc.tables[0] : NULL;
	p->name = pname;
	p->managed = managed;
	p->role = role;
	p->role_arn = role_arn;
	p->leading_keys = lk;
	p->nleading_keys = nlk;
	size_t scap = 0;
	bool with_lk = nlk > 0;
	const char *const *reads = with_lk ? read_actions_lk : read_actions;
	switch (access) {
	case 0:
		add_table_res(v, add_fixed(v, p, &scap, "Read", reads, with_lk), &gc, true);
		break;
	case 1:
		add_table_res(v, add_fixed(v, p, &scap, "Write", write_actions, with_lk), &gc, false);
		break;
	case 2:
		add_table_res(v, add_fixed(v, p, &scap, "Read", reads, with_lk), &gc, true);
		add_table_res(v, add_fixed(v, p, &scap, "Write", write_actions, with_lk), &gc, false);
		break;
	case 3:
		add_stream_res(v, add_fixed(v, p, &scap, "StreamRead", stream_actions, false), &gc);
		{
			Statement *s = add_fixed(v, p, &scap, "ListStreams", list_streams, false);
			size_t rcap = 0;
			add_res(v, s, &rcap, RES_ANY, NULL, NULL);
		}
		break;
	case 4:
		add_table_res(v, add_fixed(v, p, &scap, "Full", all_actions, with_lk), &gc, true);
		break;
	default: {
		/* a list of actions: item and table actions on the tables and
		 * their indexes, stream actions on the streams, ListStreams on * */
		const char **item = NULL, **strm = NULL, **list = NULL;
		size_t ni = 0, ns = 0, nl = 0, c1 = 0, c2 = 0, c3 = 0;
		bool named_stream = false; /* a stream action written out */
		for (size_t i = 0; i < ncustom; i++) {
			const char *bare = custom[i] + 9;
			bool wild = strpbrk(bare, "*?") != NULL;
			named_stream |= !wild && IN_LIST(bare, stream_only_actions);
			/* a wildcard goes where any action it matches can act:
			 * tables and indexes, and streams; never on "*" */
			if (wild || !IN_LIST(bare, account_actions)) {
				if (wild || !IN_LIST(bare, stream_only_actions))
					*VEC_PUSH(v->a, item, ni, c1) = custom[i];
				if (IN_LIST(bare, stream_only_actions))
					*VEC_PUSH(v->a, strm, ns, c2) = custom[i];
			} else {
				*VEC_PUSH(v->a, list, nl, c3) = custom[i];
			}
		}
		if (ni)
			add_table_res(v, add_stmt(v, p, &scap, "Actions", item, ni,
						  with_lk), &gc, true);
		bool any_stream = false;
		for (size_t i = 0; i < gc.ntables; i++)
			any_stream |= gc.tables[i]->stream != STREAM_OFF;
		if (ns && any_stream)
			add_stream_res(v, add_stmt(v, p, &scap, "StreamActions",
						   strm, ns, false), &gc);
		else if (named_stream) {
			Diag *dg = diag_report(v->d, "E229", g->actions->loc,
					       "grant lists stream actions but none of its "
					       "tables has a stream");
			diag_help(dg, v->d, "set `stream:` on the tables");
		}
		if (nl) {
			Statement *s = add_stmt(v, p, &scap, "AccountActions", list, nl,
						false);
			size_t rcap = 0;
			add_res(v, s, &rcap, RES_ANY, NULL, NULL);
		}
		break;
	}
	}
	/* drop statements that ended up with nothing to act on */
	size_t k = 0;
	for (size_t i = 0; i < p->nstmts; i++)
		if (p->stmts[i].nres)
			p->stmts[k++] = p->stmts[i];
	p->nstmts = k;
}

static void check_policies(V *v)
{
	Model *m = v->m;
	/* names seen so far -> the policy that has it; a name to compare is
	 * looked up, not compared with every earlier policy */
	Strmap names = {.a = v->a}, rids = {.a = v->a}, idents = {.a = v->a};
	for (size_t i = 0; i < m->npolicies; i++) {
		Policy *p = &m->policies[i];
		size_t j = strmap_put(&names, p->name, i);
		if (j != i) {
			bool explicit_name = p->decl->policy_name || v->spec->naming_policy;
			if (explicit_name) {
				Node *at = p->decl->policy_name ? p->decl->policy_name
								: p->decl->at;
				Diag *dg = diag_report(v->d, "E227", at->loc,
						       "two grants produce the policy "
						       "name '%s'", p->name);
				diag_note(dg, v->d, m->policies[j].decl->at->loc,
					  "the other grant");
				continue;
			}
			/* derived names: number the later grants of a role */
			int k = 2;
			const char *cand;
			bool taken;
			do {
				cand = arena_printf(v->a, "%s-%d", p->name, k++);
				taken = strmap_get(&names, cand) != SIZE_MAX;
				for (size_t q = i + 1; q < m->npolicies && !taken; q++)
					taken = !strcmp(m->policies[q].name, cand);
			} while (taken);
			p->name = cand;
			strmap_put(&names, cand, i);
		}
	}
	for (size_t i = 0; i < m->npolicies; i++) {
		Policy *p = &m->policies[i];
		if (strlen(p->name) > 128) { /* a number made it too long */
			Diag *dg = diag_report(v->d, "E237", p->decl->at->loc,
					       "IAM policy name '%s' is longer than 128 "
					       "characters", p->name);
			diag_help(dg, v->d, "set `policy_name:` on the grant");
		}
		/* CloudFormation logical id: PascalCase + Policy, unique */
		p->id = pascal_id(v->a, p->name);
		size_t n = strlen(p->id);
		const char *base = n >= 6 && !strcmp(p->id + n - 6, "Policy")
					   ? p->id
					   : arena_printf(v->a, "%sPolicy", p->id);
		p->resource_id = base;
		for (int k = 2; strmap_put(&rids, p->resource_id, i) != i; k++)
			p->resource_id = arena_printf(v->a, "%s%d", base, k);
		const char *snake = snake_ident(v->a, p->name);
		p->ident = snake;
		for (int k = 2; strmap_put(&idents, p->ident, i) != i; k++)
			p->ident = arena_printf(v->a, "%s_%d", snake, k);
	}
}

/* ---- across tables */

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
static void report_duplicates(V *v, NameRef *refs, size_t n, const char *code,
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

static void check_unique(V *v)
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

Model *validate_env(Arena *a, Diags *d, const Spec *spec, const Env *env,
		    Resolved *tables)
{
	Model *m = arena_alloc(a, sizeof *m);
	V v = {.a = a, .d = d, .spec = spec, .env = env, .m = m};
	m->spec = spec;
	m->env = env;
	m->partition = "aws";
	if (env->region) {
		m->region = env->region->str;
		if (!re_match(a, RE_REGION, m->region, NULL)) {
			Diag *dg = diag_report(d, "E232", env->region->loc,
					       "'%.40s' is not an AWS region", m->region);
			diag_help(dg, d, "write a region name such as us-east-1");
		} else if (!strncmp(m->region, "cn-", 3)) {
			m->partition = "aws-cn";
		} else if (!strncmp(m->region, "us-gov-", 7)) {
			m->partition = "aws-us-gov";
		}
	}
	if (env->account) {
		m->account = env->account->str;
		if (!re_match(a, RE_ACCOUNT, m->account, NULL)) {
			Diag *dg = diag_report(d, "E233", env->account->loc,
					       "'%.40s' is not a 12-digit account id",
					       m->account);
			diag_help(dg, d, "quote it, e.g. account: \"012345678901\"");
		}
	}
	v.ph.env = env->name;
	v.ph.project = spec->project;
	v.ph.region = m->region;
	v.ph.account = m->account;

	m->tables = arena_alloc(a, (spec->ntables + 1) * sizeof *m->tables);
	m->ntables = spec->ntables;
	for (size_t i = 0; i < spec->ntables; i++)
		parse_table(&v, &m->tables[i], &tables[i]);
	check_unique(&v);

	size_t pcap = 0;
	for (size_t i = 0; i < spec->ngrants; i++)
		if (grant_in_env(&v, &spec->grants[i]))
			build_policy(&v, &spec->grants[i], &pcap);
	check_policies(&v);
	return m;
}
