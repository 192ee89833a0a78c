/*
 * validate.c: the merged properties of one environment -> a checked Model.
 *
 * The stage in four files: this one drives it and holds the rules that
 * names and values must follow; props.c reads each table's merged mapping
 * into a Table (built-in defaults applied) and checks its rules; unique.c
 * checks what must differ between tables; grants.c turns the grants into
 * IAM policy statements, so that every backend grants exactly the same
 * actions.
 *
 * Name and value rules are pcre2 patterns taken from botocore's DynamoDB
 * model and the IAM and CloudFormation references; the reserved words and
 * the IAM action list are generated from moto and cfn-lint
 * (scripts/gen-tables.py), never typed by hand.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tablec.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

static const char *const reserved_words[] = {
#include "gen/reserved_words.inc"
};

/* ---- patterns */

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

/* the rules' sources, for the schema generator (schema.c) */
const char *const *const validate_rules = re_src;

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
bool validate_match(Validator *v, int id, const char *s, const char **group)
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
		*group = rc > 1 ? arena_strndup(v->a, s + ov[2], ov[3] - ov[2]) : NULL;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool validate_reserved_word(const char *name)
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

Model *validate_env(Arena *a, Diags *d, const Spec *spec, const Env *env,
		    Resolved *tables)
{
	Model *m = arena_alloc(a, sizeof *m);
	Validator v = {.a = a, .d = d, .spec = spec, .env = env, .m = m};
	m->spec = spec;
	m->env = env;
	m->partition = "aws";
	if (env->region) {
		m->region = env->region->str;
		if (!validate_match(&v, RE_REGION, m->region, NULL)) {
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
		if (!validate_match(&v, RE_ACCOUNT, m->account, NULL)) {
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
		props_read_table(&v, &m->tables[i], &tables[i]);
	unique_check(&v);
	grants_build(&v);
	return m;
}
