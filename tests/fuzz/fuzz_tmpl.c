/*
 * fuzz_tmpl.c: libFuzzer target for the template engine (tmpl.c).
 *
 * Input: TEMPLATE NUL JSON (no NUL: all of it is the template, data {}).
 *
 * 1. The fuzzed template is rendered against the fuzzed JSON in every
 *    language: no crash, hang, leak or UB, and a failed render leaves the
 *    output as it was.
 * 2. The escaping invariant, checked with real parsers: the fuzzed value v
 *    (the JSON, any type, and the template's bytes as a string) put where a
 *    whole value goes in fixed well-formed templates must read back as v:
 *    YAML through libyaml (a plain scalar must resolve to the same type
 *    under both YAML 1.1 and 1.2 core rules), JSON through jansson, HCL
 *    strings decoded by HCL's quoted-template rules, shell words by POSIX
 *    quoting, text as is; {{comment:v}} stays on one line. Any violation
 *    abort()s with the output printed.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tablec.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define FAIL(...)                                                             \
	do {                                                                  \
		fprintf(stderr, "fuzz_tmpl: " __VA_ARGS__);                   \
		fputc('\n', stderr);                                          \
		abort();                                                      \
	} while (0)

/* ---- YAML back to JSON: quoted scalars are strings; a plain one must
 * mean the same under YAML 1.1 (PyYAML's resolvers, plus y/n) and 1.2. */

static pcre2_code *re11[5], *re12[5]; /* null, bool, int, float, other */

static const char *const pat11[5] = {
	"^(?:~|null|Null|NULL|)$",
	("^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE"
	 "|on|On|ON|off|Off|OFF)$"),
	("^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
	 "|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"),
	("^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?"
	 "|\\.[0-9_]+(?:[eE][-+][0-9]+)?"
	 "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*"
	 "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"),
	"^(?:<<|=|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*)$",
};
static const char *const pat12[5] = {
	"^(?:~|null|Null|NULL|)$",
	"^(?:true|True|TRUE|false|False|FALSE)$",
	"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
	("^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
	 "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"),
	"^(?!)$",
};

static int classify(pcre2_code *const *re, const char *s, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	int k = 0;
	for (; k < 5; k++)
		if (pcre2_match(re[k], (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0)
			break;
	pcre2_match_data_free(md);
	return k; /* 5: a string */
}

static json_t *plain_scalar(const char *s, size_t len)
{
	int k11 = classify(re11, s, len), k12 = classify(re12, s, len);
	if (k11 != k12)
		FAIL("plain scalar '%.*s' is type %d in YAML 1.1, %d in 1.2",
		     (int)len, s, k11, k12);
	if (k11 == 5)
		return json_stringn(s, len);
	json_error_t e;
	json_t *v = json_loadb(s, len, JSON_DECODE_ANY, &e);
	static const json_type want[] = {JSON_NULL, JSON_TRUE, JSON_INTEGER,
					 JSON_REAL};
	if (!v || k11 == 4 || (json_typeof(v) != want[k11] &&
			       !(k11 == 1 && json_is_false(v))))
		FAIL("plain scalar '%.*s' is not the JSON it stands for",
		     (int)len, s);
	return v;
}

/* Reads the value that starts with the next event into *out: 1, or 0 at
 * a collection's end (consumed), or -1 when the YAML does not parse. */
static int yaml_node(yaml_parser_t *p, int depth, json_t **out)
{
	yaml_event_t ev;
	*out = NULL;
	if (!yaml_parser_parse(p, &ev) || p->error)
		return -1;
	if (depth > 200)
		FAIL("rendered YAML nested deeper than 200");
	int r = 1;
	json_t *v = NULL, *k, *e;
	switch (ev.type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev.data.scalar.value;
		size_t n = ev.data.scalar.length;
		v = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
			    ? plain_scalar(s, n)
			    : json_stringn(s, n);
		if (!v)
			FAIL("scalar is not UTF-8");
		break;
	}
	case YAML_SEQUENCE_START_EVENT:
		v = json_array();
		while ((r = yaml_node(p, depth + 1, &e)) == 1)
			json_array_append_new(v, e);
		r = r ? r : 1;
		break;
	case YAML_MAPPING_START_EVENT:
		v = json_object();
		while ((r = yaml_node(p, depth + 1, &k)) == 1) {
			if (!json_is_string(k))
				FAIL("mapping key is not a string");
			if ((r = yaml_node(p, depth + 1, &e)) != 1) {
				json_decref(k);
				r = -1;
				break;
			}
			json_object_setn_new(v, json_string_value(k),
					     json_string_length(k), e);
			json_decref(k);
		}
		r = r ? r : 1;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		r = 0;
		break;
	case YAML_ALIAS_EVENT:
		FAIL("alias in rendered YAML");
	default:
		r = -1;
		break;
	}
	yaml_event_delete(&ev);
	if (r != 1) {
		json_decref(v);
		return r;
	}
	*out = v;
	return 1;
}

/* The one document of `s` as JSON, or NULL when it does not parse. */
static json_t *yaml_to_json(const char *s, size_t len)
{
	static const yaml_event_type_t frame[] = {
		YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT,
		YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT};
	yaml_parser_t p;
	yaml_event_t ev;
	json_t *v = NULL;
	bool ok = true;
	if (!yaml_parser_initialize(&p))
		abort();
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	for (int i = 0; i < 4 && ok; i++) {
		if (i == 2 && yaml_node(&p, 0, &v) != 1) {
			ok = false;
			break;
		}
		if (!yaml_parser_parse(&p, &ev) || p.error) {
			ok = false;
			break;
		}
		ok = ev.type == frame[i];
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (!ok) {
		json_decref(v);
		v = NULL;
	}
	return v;
}

/* ---- HCL quoted templates -> JSON: "$${" and "%%{" are the literal "${"
 * and "%{"; an unescaped "${" or "%{" is an interpolation, i.e. injection.
 * The other escapes HCL has (\n \r \t \" \\ \uNNNN) are JSON's. */
static int hcl_to_json(const char *s, size_t len, Strbuf *out)
{
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str && c == '\\') {
			if (i + 1 >= len || !strchr("nrt\"\\u", s[i + 1]))
				return -1;
			strbuf_add(out, s + i, 2);
			i++;
			continue;
		}
		if (in_str && (c == '$' || c == '%') && i + 1 < len) {
			if (s[i + 1] == '{')
				return -1;
			if (s[i + 1] == c && i + 2 < len && s[i + 2] == '{') {
				strbuf_addch(out, c);
				strbuf_addch(out, '{');
				i += 2;
				continue;
			}
		}
		if (c == '"')
			in_str = !in_str;
		strbuf_addch(out, c);
	}
	return in_str ? -1 : 0;
}

/* ---- a POSIX shell word made of '...' and \' parts (and [A-Za-z0-9.+-]
 * bare, for numbers and booleans): anything else could expand. */
static int shell_unquote(const char *s, size_t len, Strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'') {
			const char *q = memchr(s + i + 1, '\'', len - i - 1);
			if (!q)
				return -1;
			strbuf_add(out, s + i + 1, (size_t)(q - s) - i - 1);
			i = (size_t)(q - s);
		} else if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\'') {
			strbuf_addch(out, '\'');
			i++;
		} else if (strchr("0123456789.+-abcdefghijklmnopqrstuvwxyzE", s[i]) &&
			   s[i]) {
			strbuf_addch(out, s[i]);
		} else {
			return -1;
		}
	}
	return 0;
}

/* ---- the invariant */

/* YAML documents with v where whole values go (JSON is checked directly) */
typedef struct Case {
	Lang lang;
	const char *tmpl, *json; /* json: the same document as a JSON template */
	bool key;                /* v is a mapping key there (strings only) */
} Case;

static const Case cases[] = {
	{LANG_YAML,
	 "k: {{v}}\n"
	 "l:\n- {{v}}\n"
	 "a:\n  b: {{v}}\n  c: [{{v}}, {{v}}]\n  d:\n    - {{v}}\n"
	 "  f: {k: {{v}}, j: [{{v}}]}\n"
	 "m: x  # {{comment:v}}\n# {{comment:v}}\n",
	 "{\"k\": {{v}}, \"l\": [{{v}}], \"a\": {\"b\": {{v}}, "
	 "\"c\": [{{v}}, {{v}}], \"d\": [{{v}}], \"f\": {\"k\": {{v}}, "
	 "\"j\": [{{v}}]}}, \"m\": \"x\"}",
	 false},
	{LANG_YAML, "{{v}}: 1\n", "{ {{v}}: 1}", true},
};

static int render(const char *t, json_t *ctx, Lang lang, Strbuf *out)
{
	Strbuf err = STRBUF_INIT;
	strbuf_reset(out);
	int r = tmpl_render("inv", t, strlen(t), ctx, lang, out, &err);
	if (r && !err.len)
		FAIL("render failed without a message");
	if (!r && err.len)
		FAIL("render succeeded with a message: %s", err.buf);
	strbuf_release(&err);
	return r;
}

/* What a Markdown reader sees of the markdown language's text: backslash
 * escapes and the references it writes undone; -1 on a raw < > " | or a
 * control character, or an & that starts no reference it writes. */
static int md_decode(const char *s, size_t len, Strbuf *out)
{
	static const char *const refs[][2] = {
		{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""},
		{"&#124;", "|"}, {"&#32;", " "},
	};
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F || c == '<' || c == '>' || c == '"' ||
		    c == '|')
			return -1;
		if (c == '\\' && i + 1 < len && strchr("\\`*_[]~$#-+=.)", s[i + 1]) &&
		    s[i + 1]) {
			strbuf_addch(out, s[++i]);
			continue;
		}
		if (c == '&') {
			size_t k = 0;
			while (k < 6 && strncmp(s + i, refs[k][0], strlen(refs[k][0])))
				k++;
			if (k == 6)
				return -1;
			strbuf_addstr(out, refs[k][1]);
			i += strlen(refs[k][0]) - 1;
			continue;
		}
		strbuf_addch(out, (char)c);
	}
	return 0;
}

static void check_markdown(json_t *ctx, json_t *v)
{
	Strbuf out = STRBUF_INIT, got = STRBUF_INIT, want = STRBUF_INIT;
	if (render("{{v}}", ctx, LANG_MARKDOWN, &out))
		FAIL("markdown: v does not render");
	if (md_decode(out.buf, out.len, &got))
		FAIL("markdown: {{v}} gave %s", out.buf);
	if (json_is_string(v)) {
		/* the text, with line breaks and controls as spaces */
		const char *t = json_string_value(v);
		size_t len = json_string_length(v);
		for (size_t i = 0; i < len; i++) {
			size_t n = 1;
			uint32_t c = (unsigned char)t[i];
			if (c >= 0x80)
				c = utf8_decode(t + i, &n);
			if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 ||
			    c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF)
				strbuf_addch(&want, ' ');
			else
				strbuf_add(&want, t + i, n);
			i += n - 1;
		}
		if (got.len != want.len || memcmp(got.buf, want.buf, got.len))
			FAIL("markdown: {{v}} gave %s", out.buf);
	} else if (json_is_object(v) || json_is_array(v)) {
		json_error_t e;
		json_t *back = json_loadb(got.buf, got.len, JSON_ALLOW_NUL, &e);
		if (!back || !json_equal(back, v))
			FAIL("markdown: {{v}} gave %s", out.buf);
		json_decref(back);
	}
	strbuf_release(&out);
	strbuf_release(&got);
	strbuf_release(&want);
}

static void check_escaping(json_t *v)
{
	json_t *ctx = json_pack("{sO}", "v", v);
	Strbuf out = STRBUF_INIT, conv = STRBUF_INIT;
	json_error_t e;
	const int flags = JSON_DECODE_ANY | JSON_ALLOW_NUL;

	bool nul = json_is_string(v) &&
		   memchr(json_string_value(v), 0, json_string_length(v));

	/* JSON is the reference: checked against v itself */
	if (render("{{v}}", ctx, LANG_JSON, &out)) {
		for (Lang l = LANG_TEXT; l <= LANG_MARKDOWN; l++)
			if (!render("{{v}}", ctx, l, &out))
				FAIL("v renders in %s but not in json",
				     lang_name(l));
		goto out;
	}
	json_t *back = json_loadb(out.buf, out.len, flags, &e);
	if (!back || !json_equal(back, v))
		FAIL("json: {{v}} gave %s (%s)", out.buf, e.text);
	json_decref(back);

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const Case *c = &cases[i];
		if (c->key && (!json_is_string(v) || nul))
			continue; /* jansson has no NUL in keys */
		if (render(c->json, ctx, LANG_JSON, &out))
			FAIL("json template %s failed", c->json);
		json_t *want = json_loadb(out.buf, out.len, flags, &e);
		if (!want)
			FAIL("json template %s gave %s", c->json, out.buf);
		if (render(c->tmpl, ctx, c->lang, &out))
			FAIL("%s template %s failed", lang_name(c->lang),
			     c->tmpl);
		back = NULL;
		if (c->key && out.len > 1000)
			; /* YAML: an implicit key is at most 1024 characters */
		else if (c->lang == LANG_YAML)
			back = yaml_to_json(out.buf, out.len);
		else
			back = json_loadb(out.buf, out.len, flags, &e);
		if (!(c->key && out.len > 1000) && (!back || !json_equal(back, want)))
			FAIL("%s: %s gave\n%s", lang_name(c->lang), c->tmpl,
			     out.buf);
		json_decref(back);
		json_decref(want);
	}

	/* HCL, shell and text: the value's text decodes to v */
	static const Lang other[] = {LANG_HCL, LANG_SHELL, LANG_TEXT};
	for (size_t i = 0; i < 3; i++) {
		Lang l = other[i];
		if (render("{{v}}", ctx, l, &out)) {
			if (l == LANG_SHELL && nul)
				continue;
			FAIL("%s: v does not render", lang_name(l));
		}
		strbuf_reset(&conv);
		if (l == LANG_TEXT && json_is_string(v)) {
			if (out.len != json_string_length(v) ||
			    memcmp(out.buf, json_string_value(v), out.len))
				FAIL("text: {{v}} is not v");
			continue;
		}
		if (l == LANG_HCL ? hcl_to_json(out.buf, out.len, &conv)
				  : l == LANG_SHELL
					    ? shell_unquote(out.buf, out.len, &conv)
					    : (strbuf_add(&conv, out.buf, out.len), 0))
			FAIL("%s: {{v}} gave %s", lang_name(l), out.buf);
		if (l == LANG_SHELL && json_is_string(v)) {
			if (conv.len != json_string_length(v) ||
			    memcmp(conv.buf, json_string_value(v), conv.len))
				FAIL("shell: {{v}} gave %s", out.buf);
			continue;
		}
		back = json_loadb(conv.buf, conv.len, flags, &e);
		if (!back || !json_equal(back, v))
			FAIL("%s: {{v}} gave %s", lang_name(l), out.buf);
		json_decref(back);
	}

	check_markdown(ctx, v);

	/* comments: one line, no trailing blank, nothing YAML forbids */
	for (Lang l = LANG_TEXT; l <= LANG_MARKDOWN; l++) {
		if (render("{{comment:v}}", ctx, l, &out))
			FAIL("comment: v does not render");
		for (size_t i = 0; i < out.len; i++) {
			size_t n = 1;
			uint32_t c = (unsigned char)out.buf[i];
			if (c >= 0x80)
				c = utf8_decode(out.buf + i, &n);
			if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 ||
			    c == 0x2029)
				FAIL("comment: control or line break U+%04X in %s",
				     (unsigned)c, out.buf);
			i += n - 1;
		}
		if (out.len && out.buf[out.len - 1] == ' ')
			FAIL("comment: trailing blank");
	}
	/* id: the value itself or an error */
	if (!render("{{id:v}}", ctx, LANG_TEXT, &out) &&
	    (!json_is_string(v) || strcmp(out.buf, json_string_value(v))))
		FAIL("id: %s", out.buf);
out:
	strbuf_release(&out);
	strbuf_release(&conv);
	json_decref(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!re11[0])
		for (int k = 0; k < 5; k++) {
			int ec;
			PCRE2_SIZE eo;
			re11[k] = pcre2_compile((PCRE2_SPTR)pat11[k],
						PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
			re12[k] = pcre2_compile((PCRE2_SPTR)pat12[k],
						PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
			if (!re11[k] || !re12[k])
				abort();
		}
	const char *src = (const char *)data;
	const char *nul = memchr(src, '\0', size);
	size_t tlen = nul ? (size_t)(nul - src) : size;
	json_error_t e;
	json_t *json = nul ? json_loadb(nul + 1, size - tlen - 1,
					JSON_DECODE_ANY | JSON_ALLOW_NUL, &e)
			   : json_object();

	/* 1: the fuzzed template on the fuzzed data */
	if (json) {
		Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
		for (Lang l = LANG_TEXT; l <= LANG_MARKDOWN; l++) {
			strbuf_reset(&out);
			strbuf_addstr(&out, "keep");
			if (tmpl_render("fuzz", src, tlen, json, l, &out, &err) &&
			    (out.len != 4 || strcmp(out.buf, "keep")))
				FAIL("a failed render changed the output");
			strbuf_reset(&err);
		}
		strbuf_release(&out);
		strbuf_release(&err);
		if (size - tlen < 1024) /* for a whole IR rendering is enough */
			check_escaping(json);
		json_decref(json);
	}
	/* 2: the template's bytes as a string value (invalid UTF-8 must fail) */
	json_t *s = json_stringn_nocheck(src, tlen);
	if (utf8_invalid_at(src, tlen) >= 0) {
		json_t *ctx = json_pack("{sO}", "v", s);
		Strbuf out = STRBUF_INIT;
		for (Lang l = LANG_TEXT; l <= LANG_MARKDOWN; l++)
			if (!render("{{v}}", ctx, l, &out) ||
			    !render("{{comment:v}}", ctx, l, &out))
				FAIL("invalid UTF-8 rendered in %s", lang_name(l));
		strbuf_release(&out);
		json_decref(ctx);
	} else if (tlen < 1024) { /* a whole template: rendering it is enough */
		check_escaping(s);
	}
	json_decref(s);
	return 0;
}
