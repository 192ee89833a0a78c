/*
 * test_tmpl.c: unit tests of tmpl.c (the template engine and its escaping)
 * and render.c (finding backends, rendering them, parse-back). The
 * escaping tests do not compare against expected text only: they render
 * hostile strings into YAML, JSON and shell and read them back with
 * libyaml, jansson and /bin/sh, since round-tripping is the property the
 * rest of tablec relies on. No framework: the program ends with
 * "N passed, N failed" and a non-zero status on failure.
 */
#include "tablec.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>


/* ---- helpers */

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v) {
		fprintf(stderr, "bad test JSON %s: %s\n", text, e.text);
		exit(2);
	}
	return v;
}

/* Renders; on success *out holds the text, on failure *err the message. */
static int render(const char *tmpl, json_t *data, Lang lang, Strbuf *out,
		  Strbuf *err)
{
	strbuf_reset(out);
	strbuf_reset(err);
	return tmpl_render("t.tmpl", tmpl, strlen(tmpl), data, lang, out, err);
}

static bool check_out(int line, Lang lang, const char *tmpl,
		      const char *json, const char *want)
{
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	json_t *data = J(json);
	int r = render(tmpl, data, lang, &out, &err);
	bool ok = r == 0 && !strcmp(out.buf, want) && err.len == 0;
	if (!ok)
		fprintf(stderr, "line %d: %s template %s\n  want [%s]\n  got  "
			"[%s] %s\n", line, lang_name(lang), tmpl, want,
			out.buf, err.buf);
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
	return ok;
}

/* Fails with a message equal to `want` (or starting with it, if `prefix`) */
static bool check_err(int line, Lang lang, const char *tmpl,
		      const char *json, const char *want, bool prefix)
{
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	json_t *data = J(json);
	strbuf_addstr(&out, "before");
	int r = tmpl_render("t.tmpl", tmpl, strlen(tmpl), data, lang, &out,
			    &err);
	bool ok = r == -1 &&
		  (prefix ? !strncmp(err.buf, want, strlen(want))
			  : !strcmp(err.buf, want)) &&
		  !strcmp(out.buf, "before"); /* nothing half-rendered */
	if (!ok)
		fprintf(stderr, "line %d: template %s\n  want error [%s]\n  "
			"got  %d [%s] out [%s]\n", line, tmpl, want, r, err.buf,
			out.buf);
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
	return ok;
}

#define OUT(lang, tmpl, json, want)                                           \
	ASSERT(check_out(__LINE__, lang, tmpl, json, want))
#define ERR(lang, tmpl, json, want)                                           \
	ASSERT(check_err(__LINE__, lang, tmpl, json, want, false))
#define ERR_PREFIX(lang, tmpl, json, want)                                    \
	ASSERT(check_err(__LINE__, lang, tmpl, json, want, true))

/* ---- hostile strings */

typedef struct Str {
	const char *s;
	size_t len;
} Str;

#define S(lit) {lit, sizeof lit - 1}

static const Str hostile[] = {
	S(""), S(" leading space"), S("trailing space "), S("  "),
	S("a\"b"), S("back\\slash"), S("\\"), S("\"") , S("'single'"),
	S("it's"), S("line\nbreak"), S("cr\r\nlf"), S("\n"), S("tab\there"),
	S("${x}"), S("%{x}"), S("$${x}"), S("%%{x}"), S("$"), S("%"),
	/* run by /bin/sh in the shell test: harmless even if quoting broke */
	S("$(echo pwned)"), S("`echo pwned`"), S("; echo pwned #"),
	S("a && echo b | cat"), S("*"), S("~root"), S("\\'"),
	S("ünïcödé ✓ 𝄞"), S("\xe2\x80\xa8 sep \xe2\x80\xa9"),
	S("\xc2\x85nel"), S("\xc2\x9f c1"), S("\x7f del"), S("\x01\x02\x1b"),
	S("\xef\xbb\xbf bom"), S("\xef\xbf\xbe\xef\xbf\xbf"),
	S("a\0b"), S("\0"),
	S("yes"), S("No"), S("Y"), S("n"), S("on"), S("OFF"), S("true"),
	S("False"), S("null"), S("NULL"), S("~"), S("123"), S("-1"),
	S("1.5"), S("0x1F"), S("0o17"), S("1e3"), S("1_000"), S(".inf"),
	S("-.inf"), S(".NaN"), S("12:30:00"), S("2001-12-14"),
	S(":"), S("a: b"), S("a:b"), S("#comment"), S("a #b"), S("- item"),
	S("-"), S("--- doc"), S("---"), S("..."), S("? q"), S("[a, b]"),
	S("{a: b}"), S("&anchor"), S("*alias"), S("!tag"), S("!!str"),
	S("|"), S(">"), S("@at"), S("%YAML 1.1"), S("=") , S("<<"),
	S("a,b"), S("}"), S("{{x}}"), S("plain-safe_name.v1/x"),
	S("Orders"), S("orders-prod"),
};

static char long_str[301];

/* libyaml: the scalar value of key "k" in a rendered `k: {{v}}` doc. */
static bool yaml_value(const char *doc, size_t len, const char *key,
		       Strbuf *val, int *style)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool found = false, ok = true, next_is_value = false;
	int depth = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "yaml error: %s in [%s]\n", p.problem,
				doc);
			ok = false;
			break;
		}
		if (ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		if (ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		if (ev.type == YAML_SCALAR_EVENT && depth == 1) {
			const char *v = (const char *)ev.data.scalar.value;
			size_t n = ev.data.scalar.length;
			if (next_is_value) {
				strbuf_add(val, v, n);
				*style = ev.data.scalar.style;
				found = true;
				next_is_value = false;
			} else {
				next_is_value = n == strlen(key) &&
						!memcmp(v, key, n);
			}
		}
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return ok && found;
}

/* The whole stream must parse (for the list and key positions). */
static bool yaml_parses(const char *doc, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	bool ok = true;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)doc, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = false;
			break;
		}
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return ok;
}

/* YAML 1.1 or 1.2 would read a plain scalar of this as a non-string. */
static bool yaml_special(const char *s, size_t len)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
	};
	if (!len)
		return true;
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strlen(words[i]) == len && !strncasecmp(s, words[i], len))
			return true;
	return strchr("0123456789+-.", s[0]) != NULL;
}

static void test_yaml_roundtrip(const Str *h)
{
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT, val = STRBUF_INIT;
	json_t *data = json_pack("{s:s%}", "v", h->s, h->len);
	int style = 0;

	ASSERT(render("k: {{v}}\nz: 1\n", data, LANG_YAML, &out, &err) == 0);
	bool ok = yaml_value(out.buf, out.len, "k", &val, &style) &&
		  val.len == h->len && !memcmp(val.buf, h->s, h->len);
	if (!ok)
		fprintf(stderr, "YAML round trip of [%s] gave [%s] from [%s]\n",
			h->s, val.buf, out.buf);
	ASSERT(ok);
	/* a plain scalar must not be one a YAML loader types otherwise */
	if (style == YAML_PLAIN_SCALAR_STYLE)
		ASSERT(!yaml_special(h->s, h->len));

	/* the other places a value goes: list item, key, flow collections */
	static const char *const places[] = {
		"- {{v}}\n- x\n", "{{v}}: 1\nz: 2\n", "[{{v}}, x]\n",
		"{a: {{v}}, b: x}\n", "m:\n  - k: {{v}}\n    j: 1\n",
	};
	for (size_t i = 0; i < sizeof places / sizeof *places; i++) {
		ASSERT(render(places[i], data, LANG_YAML, &out, &err) == 0);
		ok = yaml_parses(out.buf, out.len);
		if (!ok)
			fprintf(stderr, "YAML [%s] does not parse\n", out.buf);
		ASSERT(ok);
	}
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&val);
}

static void test_json_roundtrip(const Str *h)
{
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	json_t *data = json_pack("{s:s%}", "v", h->s, h->len);

	ASSERT(render("{\"k\": {{v}}, \"l\": [{{v}}]}", data, LANG_JSON, &out,
		      &err) == 0);
	json_error_t e;
	json_t *back = json_loadb(out.buf, out.len, JSON_ALLOW_NUL, &e);
	json_t *k = json_object_get(back, "k");
	bool ok = k && json_is_string(k) && json_string_length(k) == h->len &&
		  !memcmp(json_string_value(k), h->s, h->len) &&
		  json_equal(json_array_get(json_object_get(back, "l"), 0), k);
	if (!ok)
		fprintf(stderr, "JSON round trip of [%s] failed: [%s] %s\n",
			h->s, out.buf, back ? "" : e.text);
	ASSERT(ok);
	/* nothing but printable ASCII and raw UTF-8 from U+00A0 up */
	ok = true;
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.buf[i] < 0x20 ||
		    (unsigned char)out.buf[i] == 0x7F)
			ok = false;
	ASSERT(ok);
	ASSERT(!strstr(out.buf, "\xe2\x80\xa8") &&
	       !strstr(out.buf, "\xe2\x80\xa9") && !strstr(out.buf, "\xc2\x85"));
	json_decref(back);

	/* the same string inside an interpolated object */
	json_t *obj = json_pack("{s:{s:s%,s:[s%]}}", "o", "x", h->s, h->len,
				"y", h->s, h->len);
	ASSERT(render("{{o}}", obj, LANG_JSON, &out, &err) == 0);
	back = json_loadb(out.buf, out.len, JSON_ALLOW_NUL, &e);
	ASSERT(back && json_equal(back, json_object_get(obj, "o")));
	json_decref(back);
	ASSERT(render("k: {{o}}\n", obj, LANG_YAML, &out, &err) == 0);
	ASSERT(yaml_parses(out.buf, out.len));
	json_decref(obj);

	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* /bin/sh must read the rendered word back as the exact string. */
static void test_shell_roundtrip(const Str *h)
{
	if (memchr(h->s, '\0', h->len))
		return; /* checked separately: an error */
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT, got = STRBUF_INIT;
	json_t *data = json_pack("{s:s%}", "v", h->s, h->len);
	ASSERT(render("printf '%s' {{v}}", data, LANG_SHELL, &out, &err) == 0);
	FILE *f = popen(out.buf, "r");
	ASSERT(f != NULL);
	if (f) {
		char buf[512];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			strbuf_add(&got, buf, n);
		ASSERT(pclose(f) == 0);
	}
	bool ok = got.len == h->len && !memcmp(got.buf, h->s, h->len);
	if (!ok)
		fprintf(stderr, "shell round trip of [%s] gave [%s] via [%s]\n",
			h->s, got.buf, out.buf);
	ASSERT(ok);
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&got);
}

static void test_roundtrips(void)
{
	memset(long_str, 'a', sizeof long_str - 1);
	for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
		test_yaml_roundtrip(&hostile[i]);
		test_json_roundtrip(&hostile[i]);
		test_shell_roundtrip(&hostile[i]);
	}
	Str l = {long_str, sizeof long_str - 1};
	test_yaml_roundtrip(&l);
	test_json_roundtrip(&l);
	test_shell_roundtrip(&l);
}

/* ---- interpolation, per language */

static void test_interpolation(void)
{
	const char *d = "{\"s\": \"a\\\"b\\\\c\\n\", \"i\": -42, "
			"\"r\": 0.1, \"one\": 1.0, \"big\": 1e300, "
			"\"t\": true, \"f\": false, \"z\": null, "
			"\"o\": {\"b\": 1, \"a\": [\"x\", null, 2.5]}, "
			"\"e\": \"\", \"name\": \"orders\"}";

	OUT(LANG_JSON, "{{s}}", d, "\"a\\\"b\\\\c\\n\"");
	OUT(LANG_JSON, "{{i}} {{r}} {{one}} {{big}} {{t}} {{f}}", d,
	    "-42 0.1 1.0 1.0e+300 true false");
	OUT(LANG_JSON, "{{o}}", d, "{\"b\":1,\"a\":[\"x\",null,2.5]}");
	OUT(LANG_JSON, "{{e}}", d, "\"\"");
	OUT(LANG_JSON, "{{name}}", d, "\"orders\"");
	OUT(LANG_JSON, "{{.}}", "[1,\"a\"]", "[1,\"a\"]");
	OUT(LANG_JSON, "{{s}}", "{\"s\": \"\\u0001\\u007f\\u0085\\u2028"
	    "\\ufeff\\b\\f\\t\\r\"}",
	    "\"\\u0001\\u007F\\u0085\\u2028\\uFEFF\\b\\f\\t\\r\"");

	OUT(LANG_YAML, "k: {{name}}", d, "k: orders");
	OUT(LANG_YAML, "k: {{s}}", d, "k: \"a\\\"b\\\\c\\n\"");
	OUT(LANG_YAML, "k: {{e}}", d, "k: \"\"");
	OUT(LANG_YAML, "k: {{o}}", d,
	    "k: {\"b\": 1, \"a\": [\"x\", null, 2.5]}");
	OUT(LANG_YAML, "{{i}} {{r}} {{t}}", d, "-42 0.1 true");
	OUT(LANG_YAML, "{{v}}", "{\"v\": \"yes\"}", "\"yes\"");
	OUT(LANG_YAML, "{{v}}", "{\"v\": \"123\"}", "\"123\"");
	OUT(LANG_YAML, "{{v}}", "{\"v\": \"arn/x.y_z-1\"}", "arn/x.y_z-1");
	OUT(LANG_YAML, "{{v}}", "{\"v\": \"a b\"}", "\"a b\"");

	OUT(LANG_TEXT, "{{s}}|{{i}}|{{o}}|{{e}}|", d,
	    "a\"b\\c\n|-42|{\"b\":1,\"a\":[\"x\",null,2.5]}||");

	OUT(LANG_HCL, "{{s}}", d, "\"a\\\"b\\\\c\\n\"");
	OUT(LANG_HCL, "{{v}}", "{\"v\": \"${x} %{if y} $x %x $${z}\"}",
	    "\"$${x} %%{if y} $x %x $$${z}\"");
	OUT(LANG_HCL, "{{v}}", "{\"v\": \"\\b\\f\\u0001\\t\\r\"}",
	    "\"\\u0008\\u000C\\u0001\\t\\r\"");
	OUT(LANG_HCL, "{{v}}", "{\"v\": {\"k${a}\": [\"${b}\"]}}",
	    "{\"k$${a}\":[\"$${b}\"]}");
	OUT(LANG_HCL, "{{i}} {{t}} {{r}}", d, "-42 true 0.1");

	OUT(LANG_SHELL, "{{v}}", "{\"v\": \"it's\"}", "'it'\\''s'");
	OUT(LANG_SHELL, "{{e}}", d, "''");
	OUT(LANG_SHELL, "rm -f {{v}}", "{\"v\": \"$(rm -rf /) `x` ; y\"}",
	    "rm -f '$(rm -rf /) `x` ; y'");
	OUT(LANG_SHELL, "{{i}} {{t}}", d, "-42 true");
	OUT(LANG_SHELL, "{{v}}", "{\"v\": {\"a\": \"it's\"}}",
	    "'{\"a\":\"it'\\''s\"}'");
	ERR(LANG_SHELL, "x\n {{v}}", "{\"v\": \"a\\u0000b\"}",
	    "t.tmpl:2:2: value of 'v' holds a NUL byte, which a shell word "
	    "cannot");

	/* reals: the shortest text that reads back the same */
	OUT(LANG_JSON, "{{a}} {{b}} {{c}} {{d}} {{e}}",
	    "{\"a\": 0.30000000000000004, \"b\": -0.0, \"c\": 1e-7, "
	    "\"d\": 123456789.125, \"e\": 2.0}",
	    "0.30000000000000004 -0.0 1.0e-07 123456789.125 2.0");
	OUT(LANG_JSON, "{{i}}", "{\"i\": 9007199254740993}",
	    "9007199254740993");

	/* whitespace inside tags */
	OUT(LANG_TEXT, "{{ name }}{{# t }}!{{/ t }}", d, "orders!");

	/* text outside tags is copied exactly, "}" and single braces too */
	OUT(LANG_JSON, "{\"a\": {{i}}}", d, "{\"a\": -42}");
	OUT(LANG_TEXT, "{ {{name}} } } {", d, "{ orders } } {");

	/* null interpolated is an error: optional values need a section */
	ERR(LANG_YAML, "a: 1\nb: {{z}}\n", d,
	    "t.tmpl:2:4: null value for 'z' (guard optional values with a "
	    "section)");
	ERR(LANG_YAML, "{{#o.a}}{{.}}{{/o.a}}", d,
	    "t.tmpl:1:9: null value for '.' (guard optional values with a "
	    "section)");

	/* invalid UTF-8 in data or template: an error, not a crash */
	json_t *bad = json_object();
	json_object_set_new(bad, "v", json_stringn_nocheck("a\xff", 2));
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	for (Lang l = LANG_TEXT; l <= LANG_SHELL; l++) {
		ASSERT(render("{{v}}", bad, l, &out, &err) == -1);
		ASSERT(!strcmp(err.buf, "t.tmpl:1:1: invalid UTF-8 in the "
			       "value of 'v'"));
		ASSERT(render("{{comment:v}}", bad, l, &out, &err) == -1);
	}
	ASSERT(render("{{.}}", bad, LANG_JSON, &out, &err) == -1);
	json_decref(bad);
	ERR(LANG_TEXT, "ok\nok \xc3(", "{}",
	    "t.tmpl:2:4: invalid UTF-8 in template");
	strbuf_release(&out);
	strbuf_release(&err);
}

/* ---- sections */

static void test_sections(void)
{
	const char *d = "{\"xs\": [1, 2, 3], \"o\": {\"a\": \"A\"}, "
			"\"t\": true, \"f\": false, \"z\": null, \"ea\": [], "
			"\"eo\": {}, \"es\": \"\", \"zero\": 0, \"s\": \"str\", "
			"\"top\": \"T\", "
			"\"items\": [{\"name\": \"a\", \"tags\": [\"x\", "
			"\"y\"]}, {\"name\": \"b\", \"tags\": []}]}";

	OUT(LANG_TEXT, "{{#xs}}{{.}},{{/xs}}", d, "1,2,3,");
	OUT(LANG_TEXT, "[{{#xs}}{{.}}{{^@last}}, {{/@last}}{{/xs}}]", d,
	    "[1, 2, 3]");
	OUT(LANG_TEXT, "{{#xs}}{{@index}}{{#@first}}F{{/@first}}"
	    "{{#@last}}L{{/@last}} {{/xs}}", d, "0F 1 2L ");
	OUT(LANG_TEXT, "{{#o}}{{a}}{{top}}{{/o}}", d, "AT");
	OUT(LANG_TEXT, "{{#t}}yes{{/t}}{{#f}}no{{/f}}", d, "yes");
	OUT(LANG_TEXT, "{{#nope}}x{{/nope}}{{#z}}x{{/z}}{{#ea}}x{{/ea}}"
	    "{{#eo}}x{{/eo}}", d, "");
	OUT(LANG_TEXT, "{{#es}}E[{{.}}]{{/es}}{{#zero}}Z{{.}}{{/zero}}", d,
	    "E[]Z0");
	OUT(LANG_TEXT, "{{#s}}<{{.}}>{{/s}}", d, "<str>");
	OUT(LANG_TEXT, "{{^nope}}1{{/nope}}{{^z}}2{{/z}}{{^f}}3{{/f}}"
	    "{{^ea}}4{{/ea}}{{^eo}}5{{/eo}}{{^t}}x{{/t}}{{^xs}}x{{/xs}}"
	    "{{^es}}x{{/es}}{{^zero}}x{{/zero}}", d, "12345");

	/* nested lists; outer names stay visible; @ names are innermost */
	OUT(LANG_TEXT, "{{#items}}{{name}}{{@index}}({{#tags}}{{name}}."
	    "{{.}}{{@index}}{{^@last}}|{{/@last}}{{/tags}}{{^tags}}none"
	    "{{/tags}}){{top}};{{/items}}", d,
	    "a0(a.x0|a.y1)T;b1(none)T;");
	/* an object section inside a list keeps the list's @index */
	OUT(LANG_TEXT, "{{#xs}}{{#o}}{{a}}{{@index}}{{/o}}{{/xs}}", d,
	    "A0A1A2");
	/* an inverted section pushes no context */
	OUT(LANG_TEXT, "{{#o}}{{^f}}{{.}}{{/f}}{{/o}}", d, "{\"a\":\"A\"}");

	/* dotted names */
	OUT(LANG_TEXT, "{{a.b.c}}", "{\"a\": {\"b\": {\"c\": 7}}}", "7");
	OUT(LANG_TEXT, "{{#a.b}}{{c}}{{/a.b}}", "{\"a\": {\"b\": {\"c\": 7}}}",
	    "7");
	/* the first segment binds: no fallback to outer contexts after it */
	ERR(LANG_TEXT, "{{#a}}{{b.c}}{{/a}}",
	    "{\"a\": {\"b\": {}}, \"b\": {\"c\": \"wrong\"}}",
	    "t.tmpl:1:7: unknown name 'b.c'");
	OUT(LANG_TEXT, "{{#a}}{{#b.c}}x{{/b.c}}{{/a}}",
	    "{\"a\": {\"b\": {}}, \"b\": {\"c\": \"wrong\"}}", "");
	ERR(LANG_TEXT, "{{s.x}}", d,
	    "t.tmpl:1:1: unknown name 's.x' ('s' is not an object)");

	/* standalone lines disappear whole; YAML can indent its sections */
	OUT(LANG_YAML, "a:\n  {{#xs}}\n  - {{.}}\n  {{/xs}}\nb: 1\n", d,
	    "a:\n  - 1\n  - 2\n  - 3\nb: 1\n");
	OUT(LANG_YAML, "a:\r\n\t{{#xs}}\r\n  - {{.}}\r\n{{/xs}}  \r\nb: 1",
	    d, "a:\r\n  - 1\r\n  - 2\r\n  - 3\r\nb: 1");
	OUT(LANG_TEXT, "{{! comment }}\nx\n  {{! multi\nline }}  \ny\n"
	    "{{#f}}\nno\n{{/f}}", d, "x\ny\n");
	OUT(LANG_TEXT, "{{^f}}\nyes\n{{/f}}", d, "yes\n");
	/* not standalone: other text or a second tag on the line */
	OUT(LANG_TEXT, "x {{#t}}\ny\n{{/t}} z\n", d, "x \ny\n z\n");
	OUT(LANG_TEXT, "{{#t}}{{/t}}\nx\n", d, "\nx\n");
	/* interpolations are never standalone */
	OUT(LANG_TEXT, "  {{top}}\n", d, "  T\n");
	OUT(LANG_TEXT, "a {{! c }} b", d, "a  b");

	/* comments */
	OUT(LANG_YAML, "# {{comment:v}}\nk: 1\n",
	    "{\"v\": \"a\\nb\\r\\u2028c\\u2029d\\u0085e\\u007ff\\tg\\u0000h\"}",
	    "# a b  c d e f g h\nk: 1\n");
	OUT(LANG_HCL, "# {{comment:i}} {{comment:t}} {{comment:o}}\n",
	    "{\"i\": 3, \"t\": false, \"o\": {\"k\": \"x\\ny\"}}",
	    "# 3 false {\"k\":\"x\\ny\"}\n");
	OUT(LANG_TEXT, "{{#xs}}{{comment:@index}}{{/xs}}", d, "012");
	ERR(LANG_YAML, "# {{comment:z}}", d,
	    "t.tmpl:1:3: null value for 'z' (guard optional values with a "
	    "section)");

	/* the comment of a value keeps a YAML document's structure */
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	json_t *data = json_pack("{s:s}", "v", "x\nevil: 1\xe2\x80\xa8y: 2");
	ASSERT(render("# {{comment:v}}\nk: 1\n", data, LANG_YAML, &out,
		      &err) == 0);
	ASSERT(!strcmp(out.buf, "# x evil: 1 y: 2\nk: 1\n"));
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* ---- errors */

static void test_errors(void)
{
	const char *d = "{\"table\": \"t\", \"xs\": [1], \"a\": {\"b\": 1}}";

	ERR(LANG_TEXT, "x\nab {{nope}}", d,
	    "t.tmpl:2:4: unknown name 'nope'");
	ERR(LANG_TEXT, "é {{tabel}}", d,
	    "t.tmpl:1:3: unknown name 'tabel' (did you mean 'table'?)");
	ERR(LANG_TEXT, "{{a.c}}", d,
	    "t.tmpl:1:1: unknown name 'a.c' (did you mean 'b'?)");
	ERR(LANG_TEXT, "\n\n  {{#a}}x", d,
	    "t.tmpl:3:3: unclosed section 'a'");
	ERR(LANG_TEXT, "{{#a}}{{^xs}}\n{{/xs}}", d,
	    "t.tmpl:1:1: unclosed section 'a'");
	ERR(LANG_TEXT, "{{#a}}\n {{/b}}", d,
	    "t.tmpl:2:2: '{{/b}}' does not match '{{#a}}' opened on line 1");
	ERR(LANG_TEXT, "x{{/a}}", d, "t.tmpl:1:2: '{{/a}}' closes no section");
	ERR_PREFIX(LANG_TEXT, "{{>partial}}", d,
		   "t.tmpl:1:1: partials ('{{>') are not supported");
	ERR_PREFIX(LANG_TEXT, "a {{=<% %>=}}", d,
		   "t.tmpl:1:3: changing delimiters ('{{=') is not supported");
	ERR_PREFIX(LANG_TEXT, "{{&table}}", d,
		   "t.tmpl:1:1: unescaped output");
	ERR_PREFIX(LANG_TEXT, "{{{table}}}", d,
		   "t.tmpl:1:1: unescaped output");
	ERR(LANG_TEXT, "abc {{table", d, "t.tmpl:1:5: unterminated tag '{{'");
	ERR_PREFIX(LANG_TEXT, "{{table\n}}", d,
		   "t.tmpl:1:1: unterminated tag '{{'");
	ERR(LANG_TEXT, "{{}}", d, "t.tmpl:1:1: tag has no name");
	ERR(LANG_TEXT, "{{#}}{{/}}", d, "t.tmpl:1:1: tag has no name");
	ERR(LANG_TEXT, "{{a b}}", d, "t.tmpl:1:1: bad name 'a b' in tag");
	ERR(LANG_TEXT, "{{a..b}}", d, "t.tmpl:1:1: bad dotted name 'a..b'");
	ERR(LANG_TEXT, "{{@count}}", d,
	    "t.tmpl:1:1: unknown special name '@count' (@index, @first, "
	    "@last)");
	ERR(LANG_TEXT, "{{@index}}", d,
	    "t.tmpl:1:1: '@index' outside a section over a list");
	ERR(LANG_TEXT, "{{#a}}{{^@last}}{{/@last}}{{/a}}", d,
	    "t.tmpl:1:7: '@last' outside a section over a list");
	/* unknown names inside sections are just false */
	ERR(LANG_TEXT, "{{#xs}}{{#q}}{{/q}}{{nope}}{{/xs}}", d,
	    "t.tmpl:1:20: unknown name 'nope'");

	/* nesting: 64 sections deep is fine, 65 is not */
	Strbuf t = STRBUF_INIT;
	for (int i = 0; i < 64; i++)
		strbuf_addstr(&t, "{{#a}}");
	strbuf_addstr(&t, "{{b}}");
	for (int i = 0; i < 64; i++)
		strbuf_addstr(&t, "{{/a}}");
	OUT(LANG_TEXT, t.buf, d, "1");
	strbuf_reset(&t);
	for (int i = 0; i < 65; i++)
		strbuf_addstr(&t, "{{^x}}");
	ERR(LANG_TEXT, t.buf, d,
	    "t.tmpl:1:385: sections nested deeper than 64");

	/* a hostile template gets a bounded amount of work and output */
	json_t *data = json_object();
	json_t *xs = json_array();
	for (int i = 0; i < 1000; i++)
		json_array_append_new(xs, json_integer(i));
	json_object_set_new(data, "xs", xs);
	json_object_set_new(data, "s", json_string(
		"0123456789012345678901234567890123456789012345678901234567890"
		"12345678901234567890123456789012345678901234567890"));
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	strbuf_reset(&t);
	for (int i = 0; i < 6; i++)
		strbuf_addstr(&t, "{{#xs}}");
	for (int i = 0; i < 6; i++)
		strbuf_addstr(&t, "{{/xs}}");
	ASSERT(render(t.buf, data, LANG_TEXT, &out, &err) == -1);
	ASSERT(strstr(err.buf, "steps to render") != NULL);
	ASSERT(out.len == 0);
	ASSERT(render("{{#xs}}{{#xs}}{{s}}{{/xs}}{{/xs}}", data, LANG_TEXT,
		      &out, &err) == RENDER_TOO_LARGE);
	ASSERT(strstr(err.buf, "output too large") != NULL);
	ASSERT(out.len == 0);
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&t);

	/* an interpolated value nested absurdly deep */
	json_t *deep = json_array(), *cur = deep;
	for (int i = 0; i < 500; i++) {
		json_t *n = json_array();
		json_array_append_new(cur, n);
		cur = n;
	}
	data = json_pack("{s:o}", "d", deep);
	strbuf_init(&out, 0);
	ASSERT(render("{{d}}", data, LANG_JSON, &out, &err) == -1);
	ASSERT(strstr(err.buf, "nested deeper than") != NULL);
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&err);
}

/*
 * Random templates from fragments, valid or not: every render either
 * succeeds with no message or fails with one and leaves `out` untouched.
 */
static void test_random(void)
{
	static const char *const frags[] = {
		"{{#a}}", "{{/a}}", "{{^a}}", "{{#o}}", "{{/o}}", "{{^z}}",
		"{{/z}}", "{{.}}", "{{s}}", "{{@index}}", "{{^@last}}",
		"{{/@last}}", "{{comment:s}}", "{{! c }}", "{{o.b}}", "{{",
		"}}", "\n", "  ", "k: ", "- ", "{{z}}", "{{nope}}", "x",
		"{{{", "{{#a.b}}", "\r\n", "{{/x}}", "\xc3", "\xc3\xa9",
	};
	json_t *data = J("{\"a\": [1, {\"b\": \"x\\ny\"}, null, [true]], "
			 "\"s\": \"it's ${x}\", \"o\": {\"b\": {}}, "
			 "\"z\": null}");
	Strbuf t = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	unsigned seed = 12345;
	int bad = 0, okays = 0;
	for (int i = 0; i < 3000; i++) {
		strbuf_reset(&t);
		int n = (int)(seed % 12) + 1;
		for (int k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			strbuf_addstr(&t, frags[(seed >> 16) % (sizeof frags /
								sizeof *frags)]);
		}
		strbuf_reset(&out);
		strbuf_reset(&err);
		strbuf_addstr(&out, "pre");
		int r = tmpl_render("r", t.buf, t.len, data,
				    (Lang)(seed % 5), &out, &err);
		if (r == 0)
			okays++;
		if (!(r == 0 && err.len == 0 &&
		      utf8_invalid_at(out.buf, out.len) < 0) &&
		    !(r == -1 && err.len > 0 && !strcmp(out.buf, "pre") &&
		      !strncmp(err.buf, "r:", 2)))
			bad++;
	}
	ASSERT(bad == 0);
	ASSERT(okays > 20); /* the mix does reach successful renders too */
	json_decref(data);
	strbuf_release(&t);
	strbuf_release(&out);
	strbuf_release(&err);
}

static void test_langs(void)
{
	Lang l = LANG_TEXT;
	ASSERT(lang_parse("yaml", &l) == 0 && l == LANG_YAML);
	ASSERT(lang_parse("json", &l) == 0 && l == LANG_JSON);
	ASSERT(lang_parse("hcl", &l) == 0 && l == LANG_HCL);
	ASSERT(lang_parse("shell", &l) == 0 && l == LANG_SHELL);
	ASSERT(lang_parse("text", &l) == 0 && l == LANG_TEXT);
	ASSERT(lang_parse("yml", &l) == -1);
	ASSERT(lang_parse("YAML", &l) == -1);
	ASSERT(lang_parse("", &l) == -1);
	for (Lang k = LANG_TEXT; k <= LANG_SHELL; k++) {
		Lang back;
		ASSERT(lang_parse(lang_name(k), &back) == 0 &&
		       back == k);
	}
}

/* ---- render.c, on a scratch tree */

static char root[64];
static char paths[256][256];
static int npaths;

/* Creates a directory or (with `text`) a file under root; remembered so
 * cleanup can remove it again. */
static void mk(const char *rel, const char *text)
{
	char *p = paths[npaths++];
	snprintf(p, sizeof paths[0], "%s/%s", root, rel);
	if (!text) {
		if (mkdir(p, 0755) != 0) {
			perror(p);
			exit(2);
		}
		return;
	}
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

static void cleanup(void)
{
	while (npaths > 0) {
		const char *p = paths[--npaths];
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rmdir(p);
		else
			unlink(p);
	}
	rmdir(root);
}

static const char *const good_manifest =
	"{\"description\": \"Test stack, YAML and JSON\",\n"
	" \"files\": [\n"
	"  {\"template\": \"stack.yaml.tmpl\", \"output\": \"stack.yaml\","
	" \"language\": \"yaml\"},\n"
	"  {\"template\": \"sub/vars.json.tmpl\", \"output\": \"vars.json\","
	" \"language\": \"json\"}]}\n";

/* Finds backends in root/<dir> only; returns the message, or "" */
static const char *find_one(Arena *a, const char *dir, BackendSet *set,
			    Strbuf *err)
{
	char *path = arena_printf(a, "%s/%s", root, dir);
	const char *dirs[] = {path};
	strbuf_reset(err);
	if (backend_find(a, dirs, 1, false, set, err) == 0)
		return "";
	/* the message starts with the path: make it relative to root */
	size_t n = strlen(root);
	return !strncmp(err->buf, root, n) ? err->buf + n + 1 : err->buf;
}

static void test_backends(void)
{
	snprintf(root, sizeof root, "/tmp/tablec-test-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}
	mk("d1", NULL);
	mk("d1/stack", NULL);
	mk("d1/stack/manifest.json", good_manifest);
	mk("d1/stack/stack.yaml.tmpl",
	   "# {{comment:description}}\n"
	   "Resources:\n"
	   "  {{#tables}}\n"
	   "  {{id}}:\n"
	   "    TableName: {{name}}\n"
	   "  {{/tables}}\n");
	mk("d1/stack/sub", NULL);
	mk("d1/stack/sub/vars.json.tmpl",
	   "{\"tables\": [{{#tables}}{{name}}{{^@last}}, {{/@last}}"
	   "{{/tables}}]}\n");
	mk("d1/Upper", NULL); /* not a backend name: ignored */
	mk("d1/Upper/manifest.json", "broken");
	mk("d1/plain", NULL); /* no manifest: ignored */
	mk("d1/afile", "x");
	mk("d2", NULL);
	mk("d2/stack", NULL); /* shadowed by d1/stack, so never read */
	mk("d2/stack/manifest.json", "{broken");
	mk("d2/alpha", NULL);
	mk("d2/alpha/manifest.json",
	   "{\"description\": \"sh\", \"files\": [{\"template\": \"a.tmpl\", "
	   "\"output\": \"a.sh\", \"language\": \"shell\"}]}");
	mk("d2/alpha/a.tmpl", "echo {{#tables}}{{name}} {{/tables}}\n");

	Arena *a = arena_new();
	Strbuf err = STRBUF_INIT;
	BackendSet set;
	const char *dirs[] = {
		arena_printf(a, "%s/missing", root),
		arena_printf(a, "%s/d1", root),
		arena_printf(a, "%s/d1/afile", root),
		arena_printf(a, "%s/d2", root),
	};
	int r = backend_find(a, dirs, 4, false, &set, &err);
	if (r)
		fprintf(stderr, "backend_find: %s\n", err.buf);
	ASSERT(r == 0);
	ASSERT(set.n == 2);
	if (set.n == 2) {
		ASSERT(!strcmp(set.items[0].name, "alpha"));
		ASSERT(!strcmp(set.items[1].name, "stack"));
		const Backend *b = &set.items[1];
		ASSERT(!strcmp(b->description, "Test stack, YAML and JSON"));
		ASSERT(!strcmp(b->dir, arena_printf(a, "%s/stack", dirs[1])));
		ASSERT(b->nfiles == 2);
		ASSERT(!strcmp(b->files[0].output, "stack.yaml"));
		ASSERT(b->files[0].lang == LANG_YAML);
		ASSERT(b->files[1].lang == LANG_JSON);
		ASSERT(!strcmp(b->files[1].template_path,
			       arena_printf(a, "%s/d1/stack/sub/vars.json.tmpl",
					    root)));
	}
	ASSERT(backend_get(&set, "stack") == &set.items[1]);
	ASSERT(backend_get(&set, "alpha") == &set.items[0]);
	ASSERT(backend_get(&set, "nope") == NULL);
	ASSERT(backend_get(&set, "Upper") == NULL);

	/* rendering: outputs under the environment, parse-back passes */
	json_t *ir = J("{\"description\": \"tables\\nof prod\", \"tables\": "
		       "[{\"id\": \"Orders\", \"name\": \"orders-prod\"}, "
		       "{\"id\": \"Users\", \"name\": \"it's: \\\"x\\\"\"}]}");
	Output *outs = NULL;
	size_t n = 0, cap = 0;
	const Backend *b = backend_get(&set, "stack");
	r = b ? backend_render(a, b, "prod", ir, &outs, &n, &cap, &err) : -1;
	if (r)
		fprintf(stderr, "backend_render: %s\n", err.buf);
	ASSERT(r == 0 && n == 2);
	if (n == 2) {
		ASSERT(!strcmp(outs[0].path, "prod/stack.yaml"));
		ASSERT(!strcmp(outs[0].data,
			       "# tables of prod\n"
			       "Resources:\n"
			       "  Orders:\n"
			       "    TableName: orders-prod\n"
			       "  Users:\n"
			       "    TableName: \"it's: \\\"x\\\"\"\n"));
		ASSERT(outs[0].len == strlen(outs[0].data));
		ASSERT(!strcmp(outs[1].path, "prod/vars.json"));
		ASSERT(!strcmp(outs[1].data,
			       "{\"tables\": [\"orders-prod\", "
			       "\"it's: \\\"x\\\"\"]}\n"));
	}
	b = backend_get(&set, "alpha");
	r = b ? backend_render(a, b, "dev", ir, &outs, &n, &cap, &err) : -1;
	ASSERT(r == 0 && n == 3);
	if (n == 3) {
		ASSERT(!strcmp(outs[2].path, "dev/a.sh"));
		ASSERT(!strcmp(outs[2].data,
			       "echo 'orders-prod' 'it'\\''s: \"x\"' \n"));
	}

	/* a template bug: the output does not parse back */
	mk("d3", NULL);
	mk("d3/badyaml", NULL);
	mk("d3/badyaml/manifest.json",
	   "{\"description\": \"\", \"files\": [{\"template\": \"x.tmpl\", "
	   "\"output\": \"x.yaml\", \"language\": \"yaml\"}]}");
	mk("d3/badyaml/x.tmpl", "a: 1\nb: [{{#tables}}{{name}}{{/tables}}\n"
	   "c: 2\n");
	mk("d3/badjson", NULL);
	mk("d3/badjson/manifest.json",
	   "{\"description\": \"\", \"files\": [{\"template\": \"x.tmpl\", "
	   "\"output\": \"x.json\", \"language\": \"json\"}]}");
	mk("d3/badjson/x.tmpl", "{\"a\": {{#tables}}{{name}}{{/tables}}}");
	mk("d3/badtmpl", NULL);
	mk("d3/badtmpl/manifest.json",
	   "{\"description\": \"\", \"files\": [{\"template\": \"x.tmpl\", "
	   "\"output\": \"x.txt\", \"language\": \"text\"}]}");
	mk("d3/badtmpl/x.tmpl", "ok\n{{#tables}}{{nmae}}{{/tables}}\n");
	BackendSet set3;
	ASSERT(!strcmp(find_one(a, "d3", &set3, &err), ""));
	ASSERT(set3.n == 3);
	size_t before = n;
	r = backend_render(a, backend_get(&set3, "badyaml"), "prod", ir, &outs,
			   &n, &cap, &err);
	ASSERT(r == -1 && n == before);
	ASSERT(!strcmp(err.buf, "internal error: backend 'badyaml' template "
		       "'x.tmpl' produced invalid YAML at line 3 col 2: did not "
		       "find expected ',' or ']' (while parsing a flow "
		       "sequence)"));
	strbuf_reset(&err);
	r = backend_render(a, backend_get(&set3, "badjson"), "prod", ir, &outs,
			   &n, &cap, &err);
	ASSERT(r == -1 && n == before);
	ASSERT(!strncmp(err.buf, "internal error: backend 'badjson' template "
			"'x.tmpl' produced invalid JSON at line 1 col ",
			strlen("internal error: backend 'badjson' template "
			       "'x.tmpl' produced invalid JSON at line 1 col ")));
	strbuf_reset(&err);
	r = backend_render(a, backend_get(&set3, "badtmpl"), "prod", ir, &outs,
			   &n, &cap, &err);
	ASSERT(r == -1 && n == before);
	const char *msg = !strncmp(err.buf, root, strlen(root))
				  ? err.buf + strlen(root) : err.buf;
	ASSERT(!strcmp(msg, "/d3/badtmpl/x.tmpl:2:12: unknown name 'nmae' "
		       "(did you mean 'name'?)"));

	/* broken manifests, one per directory */
	static const struct {
		const char *manifest, *want;
	} broken[] = {
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"output\": \"x\", \"language\": \"yml\"}]}",
		 "files[0].language: unknown language 'yml' (yaml, json, hcl, "
		 "shell, text, markdown)"},
		{"{\"description\": \"\", \"files\": [], \"extra\": 1}",
		 "unknown key 'extra' (description, files)"},
		{"{\"description\": \"\", \"files\": []}",
		 "files: expected a non-empty list"},
		{"{\"files\": [{\"template\": \"x.tmpl\", \"output\": \"x\", "
		 "\"language\": \"text\"}]}",
		 "missing key 'description'"},
		{"{\"description\": 1, \"files\": [{}]}",
		 "description: expected a string"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"output\": \"x\", \"language\": \"text\", "
		 "\"mode\": 1}]}",
		 "files[0]: unknown key 'mode' (template, output, language, each, max_bytes)"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"language\": \"text\"}]}",
		 "files[0]: missing key 'output'"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"../x.tmpl\", \"output\": \"x\", \"language\": \"text\"}]}",
		 "files[0].template: '../x.tmpl' must be a relative path "
		 "inside the backend's folder (no '..')"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"/etc/passwd\", \"output\": \"x\", \"language\": \"text\"}]}",
		 "files[0].template: '/etc/passwd' must be a relative path "
		 "inside the backend's folder (no '..')"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"output\": \"../x\", \"language\": \"text\"}]}",
		 "files[0].output: '../x' must be a plain file name (no '/', "
		 "no '..', not starting with '.')"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"output\": \".env\", \"language\": \"text\"}]}",
		 "files[0].output: '.env' must be a plain file name (no '/', "
		 "no '..', not starting with '.')"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"output\": \"a/b\", \"language\": \"text\"}]}",
		 "files[0].output: 'a/b' must be a plain file name (no '/', "
		 "no '..', not starting with '.')"},
		{"{\"description\": \"\", \"files\": [{\"template\": "
		 "\"x.tmpl\", \"output\": \"x\", \"language\": \"text\"}, "
		 "{\"template\": \"x.tmpl\", \"output\": \"x\", "
		 "\"language\": \"text\"}]}",
		 "files[1].output: 'x' is also the output of files[0]"},
		{"{\"description\": \"\", \"files\": [\"x.tmpl\"]}",
		 "files[0]: expected an object"},
		{"[]", "expected an object"},
		{"{\"description\": \"a\", \"description\": \"b\"}",
		 "1:"}, /* jansson's own message follows the line number */
	};
	for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
		char dir[32], rel[64];
		snprintf(dir, sizeof dir, "b%zu", i);
		mk(dir, NULL);
		snprintf(rel, sizeof rel, "%s/x", dir);
		mk(rel, NULL);
		snprintf(rel, sizeof rel, "%s/x/x.tmpl", dir);
		mk(rel, "text\n");
		snprintf(rel, sizeof rel, "%s/x/manifest.json", dir);
		mk(rel, broken[i].manifest);
		const char *got = find_one(a, dir, &set3, &err);
		char *want = arena_printf(a, "%s/x/manifest.json:%s%s", dir,
					  broken[i].want[0] == '1' ? "" : " ",
					  broken[i].want);
		bool ok = !strncmp(got, want, strlen(want)) &&
			  (broken[i].want[0] == '1' || !strcmp(got, want));
		if (!ok)
			fprintf(stderr, "manifest %zu:\n  want [%s]\n  got  "
				"[%s]\n", i, want, got);
		ASSERT(ok);
	}
	/* a manifest naming a template that is not there */
	mk("b99", NULL);
	mk("b99/x", NULL);
	mk("b99/x/manifest.json",
	   "{\"description\": \"\", \"files\": [{\"template\": \"gone.tmpl\", "
	   "\"output\": \"x\", \"language\": \"text\"}]}");
	ASSERT(!strncmp(find_one(a, "b99", &set3, &err),
			"b99/x/manifest.json: files[0].template: no such file ",
			strlen("b99/x/manifest.json: files[0].template: no such "
			       "file ")));

	/* an empty directory list and directories with no backends */
	ASSERT(backend_find(a, NULL, 0, false, &set3, &err) == 0 && set3.n == 0);
	ASSERT(backend_get(&set3, "stack") == NULL);
	ASSERT(!strcmp(find_one(a, "d1/plain", &set3, &err), "") &&
	       set3.n == 0);

	json_decref(ir);
	strbuf_release(&err);
	arena_free(a);
	cleanup();
}

int main(void)
{
	test_langs();
	test_interpolation();
	test_roundtrips();
	test_sections();
	test_errors();
	test_random();
	test_backends();
	return unit_done();
}
