/*
 * names.c: the names tablec makes. Physical names and tag values come from
 * patterns with ${...} placeholders (`${env}-${name}`), expanded per
 * environment with every unknown or unavailable placeholder reported; and
 * the identifiers of generated code (CloudFormation logical ids in
 * PascalCase, Terraform and shell identifiers in snake_case) are derived
 * from logical names, cut to a length every output language accepts.
 */
#include "tablec.h"

#include <string.h>

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
const char *names_pascal(Arena *a, const char *s)
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
const char *names_snake(Arena *a, const char *s)
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

static const char *ph_value(const Placeholders *ph, const char *name)
{
	if (!strcmp(name, "env"))
		return ph->env;
	if (!strcmp(name, "project"))
		return ph->project;
	if (!strcmp(name, "name"))
		return ph->name;
	if (!strcmp(name, "region"))
		return ph->region;
	if (!strcmp(name, "account"))
		return ph->account;
	if (!strcmp(name, "export"))
		return ph->export;
	if (!strcmp(name, "role"))
		return ph->role;
	return NULL;
}

const char *names_expand(Arena *a, Diags *d, const Node *pattern,
			   const char *text, const Placeholders *ph,
			   const char *const *allowed)
{
	Strbuf sb = STRBUF_INIT;
	bool ok = true;
	for (const char *p = text; *p;) {
		if (p[0] == '$' && p[1] == '$') {
			strbuf_addch(&sb, '$');
			p += 2;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			strbuf_addch(&sb, *p++);
			continue;
		}
		const char *end = strchr(p + 2, '}');
		if (!end) {
			Diag *dg = diag_report(d, "E219", pattern->loc,
					       "unterminated placeholder in '%.80s'", text);
			diag_help(dg, d, "close it with '}', or write $$ for a "
				  "literal $");
			ok = false;
			break;
		}
		char *name = arena_strndup(a, p + 2, (size_t)(end - p - 2));
		bool known = false;
		for (size_t i = 0; allowed[i] && !known; i++)
			known = !strcmp(allowed[i], name);
		const char *val = known ? ph_value(ph, name) : NULL;
		if (!known) {
			Strbuf list = STRBUF_INIT;
			size_t n = 0;
			for (; allowed[n]; n++)
				strbuf_addf(&list, "%s${%s}", n ? ", " : "", allowed[n]);
			Diag *dg = diag_report(d, "E219", pattern->loc,
					       "unknown placeholder '${%.40s}'", name);
			const char *m = diag_suggest(d, name, allowed, n);
			if (m)
				diag_help(dg, d, "did you mean '${%s}'? this pattern "
					  "takes %s", m, list.buf);
			else
				diag_help(dg, d, "this pattern takes %s", list.buf);
			strbuf_release(&list);
			ok = false;
		} else if (!val) {
			if (!strcmp(name, "account")) {
				Diag *dg = diag_report(d, "E238", pattern->loc,
						       "'${account}' is used but the "
						       "environment has no account");
				diag_help(dg, d, "set `account:` on the environment");
			} else {
				Diag *dg = diag_report(d, "E219", pattern->loc,
						       "'${%s}' is used but no %s is set",
						       name, name);
				if (!strcmp(name, "project"))
					diag_help(dg, d, "set `project:` at the top "
						  "of the spec");
				else if (!strcmp(name, "region"))
					diag_help(dg, d, "set `region:` on the "
						  "environment");
			}
			ok = false;
		} else {
			strbuf_addstr(&sb, val);
		}
		p = end + 1;
	}
	const char *out = ok ? arena_strndup(a, sb.buf, sb.len) : NULL;
	strbuf_release(&sb);
	return out;
}
