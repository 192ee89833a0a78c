/*
 * tmpl.c: a logic-less template engine with mustache's tags. It takes a
 * template (a backend's file, so untrusted-ish input) and a jansson value,
 * and gives the rendered text, or one "NAME:LINE:COL: message" error.
 *
 * The point of writing our own instead of using a mustache library is the
 * escaping: every {{name}} is escaped for the language of the output file
 * (YAML, JSON, HCL, shell or plain text), so whatever strings the spec
 * holds, a template that puts each tag where a whole value goes produces a
 * valid document that reads back the exact string. There is no unescaped
 * form ({{{x}}}, {{&x}}) on purpose, and a name that resolves to nothing is
 * an error rather than "", because a silently empty value in a
 * CloudFormation or Terraform file is a bug that surfaces much later.
 *
 * The template is first cut into tokens (applying mustache's standalone
 * line rule and checking that sections nest), then run by a loop with an
 * explicit frame stack, so no template, however hostile, recurses in C.
 */
#include "tablec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMPL_MAX_DEPTH 64                  /* nested sections */
#define TMPL_MAX_STEPS 50000000u           /* tokens one render may visit */
#define TMPL_MAX_VALUE_DEPTH 128           /* nesting of an interpolated value */

/* ---- tokens */

typedef enum TokKind {
	TOK_TEXT,
	TOK_VAR,      /* {{name}} */
	TOK_COMMENT,  /* {{comment:name}} */
	TOK_IDENT,    /* {{id:name}} */
	TOK_SECTION,  /* {{#name}} */
	TOK_INVERTED, /* {{^name}} */
	TOK_CLOSE,    /* {{/name}} */
} TokKind;

typedef struct Tok {
	TokKind kind;
	size_t off;       /* of the text, or of the tag's "{{" */
	size_t len;       /* of the text */
	const char *name; /* into the template; not NUL-terminated */
	size_t namelen;
	size_t match;     /* sections: index of the close; close: of the open */
} Tok;

/* One pushed context: the root, a section, or one element of a list. */
typedef struct Frame {
	size_t open;   /* token index of the section tag (unused for root) */
	json_t *ctx;   /* the context names are looked up in, or NULL */
	json_t *list;  /* the array being iterated, or NULL */
	size_t idx, count;
	json_t *index; /* made on first use of @index (owned), or NULL */
} Frame;

typedef struct Tmpl {
	const char *name;
	const char *src;
	size_t len;
	Lang lang;
	Strbuf *out;
	Strbuf *err;
	size_t out_start;
	Tok *toks;
	size_t ntoks, cap;
	Frame frames[TMPL_MAX_DEPTH + 1];
	size_t nframes;
	Strbuf key; /* scratch: one name segment, NUL-terminated */
	Strbuf tmp; /* scratch: a value serialized before quoting */
} Tmpl;

PRINTF_LIKE(3, 4)
static int tmpl_error(Tmpl *T, size_t off, const char *fmt, ...)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < off && i < T->len; i++) {
		unsigned char c = (unsigned char)T->src[i];
		if (c == '\n') {
			line++;
			col = 1;
		} else if ((c & 0xC0) != 0x80) {
			col++; /* columns count code points, not bytes */
		}
	}
	strbuf_addf(T->err, "%s:%zu:%zu: ", T->name, line, col);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(T->err, fmt, ap);
	va_end(ap);
	return -1;
}

static Tok *tmpl_push_tok(Tmpl *T, TokKind kind, size_t off)
{
	if (T->ntoks == T->cap) {
		size_t ncap = T->cap ? T->cap * 2 : 64;
		Tok *p = realloc(T->toks, ncap * sizeof *p);
		if (!p)
			BUG("out of memory");
		T->toks = p;
		T->cap = ncap;
	}
	Tok *t = &T->toks[T->ntoks++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->off = off;
	return t;
}

static void tmpl_push_text(Tmpl *T, size_t from, size_t to)
{
	if (to > from)
		tmpl_push_tok(T, TOK_TEXT, from)->len = to - from;
}

/* The first "xy" pair in s[0..len), or NULL (memmem is a GNU extension). */
static const char *find_pair(const char *s, size_t len, char x, char y)
{
	const char *end = s + len;
	while (s + 1 < end) {
		const char *p = memchr(s, x, (size_t)(end - s) - 1);
		if (!p)
			return NULL;
		if (p[1] == y)
			return p;
		s = p + 1;
	}
	return NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Mustache's standalone rule: a section, inverted, closing or comment tag
 * alone on its line (give or take blanks) takes the whole line with it, so
 * YAML templates can put their section tags on lines of their own without
 * leaving blank lines or stray indentation behind. Returns whether the tag
 * at [open, close) is standalone; if so, *line_start is where its line
 * begins and *next where the following line does.
 */
static bool tmpl_standalone(const Tmpl *T, size_t open, size_t close,
			    size_t *line_start, size_t *next)
{
	size_t b = open;
	while (b > 0 && is_blank(T->src[b - 1]))
		b--;
	if (b > 0 && T->src[b - 1] != '\n')
		return false;
	size_t e = close;
	while (e < T->len && is_blank(T->src[e]))
		e++;
	if (e < T->len && T->src[e] == '\r' && e + 1 < T->len &&
	    T->src[e + 1] == '\n')
		e++;
	if (e < T->len && T->src[e] != '\n')
		return false;
	*line_start = b;
	*next = e < T->len ? e + 1 : e;
	return true;
}

/* Checks the syntax of a tag's name; the lookup itself is at render time. */
static int tmpl_check_name(Tmpl *T, size_t off, const char *name, size_t len)
{
	if (!len)
		return tmpl_error(T, off, "tag has no name");
	for (size_t i = 0; i < len; i++)
		if (is_space(name[i]) || name[i] == '{' || name[i] == '}' ||
		    name[i] == '\0')
			return tmpl_error(T, off, "bad name '%.*s' in tag",
					  (int)len, name);
	if (name[0] == '@') {
		static const char *const specials[] = {"@index", "@first",
						       "@last"};
		for (size_t i = 0; i < 3; i++)
			if (len == strlen(specials[i]) &&
			    !memcmp(name, specials[i], len))
				return 0;
		return tmpl_error(T, off,
				  "unknown special name '%.*s' (@index, "
				  "@first, @last)", (int)len, name);
	}
	if (len == 1 && name[0] == '.')
		return 0;
	/* dotted: no empty segment */
	if (name[0] == '.' || name[len - 1] == '.' ||
	    find_pair(name, len, '.', '.'))
		return tmpl_error(T, off, "bad dotted name '%.*s'", (int)len,
				  name);
	return 0;
}

/*
 * Cuts the template into tokens. Comments are dropped here; sections are
 * matched with their closing tags (each stores the other's index), so the
 * renderer can skip or repeat a section by jumping.
 */
static int tmpl_tokenize(Tmpl *T)
{
	size_t open[TMPL_MAX_DEPTH];
	size_t depth = 0;
	size_t text = 0; /* start of the pending text */
	size_t pos = 0;

	long bad = utf8_invalid_at(T->src, T->len);
	if (bad >= 0)
		return tmpl_error(T, (size_t)bad, "invalid UTF-8 in template");

	while (pos < T->len) {
		const char *p = find_pair(T->src + pos, T->len - pos, '{', '{');
		if (!p)
			break;
		size_t tag = (size_t)(p - T->src);
		size_t body = tag + 2;
		const char *q = find_pair(T->src + body, T->len - body, '}', '}');
		if (!q)
			return tmpl_error(T, tag, "unterminated tag '{{'");
		size_t end = (size_t)(q - T->src); /* of the body */
		size_t close = end + 2;            /* after "}}" */

		const char *s = T->src + body;
		size_t n = end - body;
		while (n && is_space(*s))
			s++, n--;
		char sigil = '\0';
		if (n)
			sigil = *s;
		if (sigil == '{' || sigil == '&')
			return tmpl_error(T, tag,
					  "unescaped output ('{{{' or '{{&') "
					  "is not supported: every value is "
					  "escaped for the output's language "
					  "(write '{ {{' for a brace before "
					  "a tag)");
		if (sigil == '>')
			return tmpl_error(T, tag,
					  "partials ('{{>') are not supported");
		if (sigil == '=')
			return tmpl_error(T, tag, "changing delimiters ('{{=') "
					  "is not supported");
		if (sigil != '!' && memchr(s, '\n', n))
			return tmpl_error(T, tag, "unterminated tag '{{' (a tag "
					  "must end on the line it starts)");

		TokKind kind;
		bool can_stand = true;
		if (sigil == '!') {
			kind = TOK_TEXT; /* i.e. a comment: nothing emitted */
		} else if (sigil == '#') {
			kind = TOK_SECTION;
		} else if (sigil == '^') {
			kind = TOK_INVERTED;
		} else if (sigil == '/') {
			kind = TOK_CLOSE;
		} else if (n >= 8 && !memcmp(s, "comment:", 8)) {
			kind = TOK_COMMENT;
			can_stand = false;
		} else if (n >= 3 && !memcmp(s, "id:", 3)) {
			kind = TOK_IDENT;
			can_stand = false;
		} else {
			kind = TOK_VAR;
			can_stand = false;
		}
		if (kind == TOK_COMMENT) {
			s += 8;
			n -= 8;
		} else if (kind == TOK_IDENT) {
			s += 3;
			n -= 3;
		} else if (kind != TOK_VAR) {
			s++; /* the sigil */
			n--;
		}
		while (n && is_space(*s))
			s++, n--;
		while (n && is_space(s[n - 1]))
			n--;

		size_t line_start, next;
		if (can_stand &&
		    tmpl_standalone(T, tag, close, &line_start, &next)) {
			tmpl_push_text(T, text, line_start);
			text = pos = next;
		} else {
			tmpl_push_text(T, text, tag);
			text = pos = close;
		}
		if (sigil == '!')
			continue;
		if (tmpl_check_name(T, tag, s, n))
			return -1;

		if (kind == TOK_CLOSE) {
			if (!depth)
				return tmpl_error(T, tag, "'{{/%.*s}}' closes no "
						  "section", (int)n, s);
			Tok *o = &T->toks[open[depth - 1]];
			if (o->namelen != n || memcmp(o->name, s, n)) {
				size_t line = 1;
				for (size_t i = 0; i < o->off; i++)
					line += T->src[i] == '\n';
				return tmpl_error(T, tag,
						  "'{{/%.*s}}' does not match "
						  "'{{%c%.*s}}' opened on line "
						  "%zu", (int)n, s,
						  o->kind == TOK_SECTION ? '#'
									 : '^',
						  (int)o->namelen, o->name,
						  line);
			}
		}
		if ((kind == TOK_SECTION || kind == TOK_INVERTED) &&
		    depth == TMPL_MAX_DEPTH)
			return tmpl_error(T, tag, "sections nested deeper than "
					  "%d", TMPL_MAX_DEPTH);
		Tok *t = tmpl_push_tok(T, kind, tag);
		t->name = s;
		t->namelen = n;
		if (kind == TOK_SECTION || kind == TOK_INVERTED) {
			open[depth++] = T->ntoks - 1;
		} else if (kind == TOK_CLOSE) {
			size_t o = open[--depth];
			T->toks[o].match = T->ntoks - 1;
			t->match = o;
		}
	}
	tmpl_push_text(T, text, T->len);
	if (depth) {
		Tok *o = &T->toks[open[depth - 1]];
		return tmpl_error(T, o->off, "unclosed section '%.*s'",
				  (int)o->namelen, o->name);
	}
	return 0;
}

/* ---- name lookup */

static bool tmpl_is(const Tok *t, const char *s)
{
	return t->namelen == strlen(s) && !memcmp(t->name, s, t->namelen);
}

/* The key `name[0..len)` as a C string, for json_object_get(). */
static const char *tmpl_key(Tmpl *T, const char *name, size_t len)
{
	strbuf_reset(&T->key);
	strbuf_add(&T->key, name, len);
	return T->key.buf; /* a Strbuf is always NUL-terminated */
}

/* Adds " (did you mean 'x'?)" for the closest key of `obj`, if any. */
static void tmpl_suggest(Tmpl *T, json_t *const *objs, size_t nobjs,
			 const char *key)
{
	const char *best = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < nobjs; i++) {
		const char *k;
		json_t *v;
		json_object_foreach(objs[i], k, v) {
			size_t d = util_edit_distance(key, k, 2);
			if (d < bestd) {
				best = k;
				bestd = d;
			}
		}
	}
	if (best)
		strbuf_addf(T->err, " (did you mean '%s'?)", best);
}

static Frame *tmpl_iteration(Tmpl *T)
{
	for (size_t i = T->nframes; i-- > 0;)
		if (T->frames[i].list)
			return &T->frames[i];
	return NULL;
}

/*
 * Resolves the name of tag `t`. Returns 0 with the (borrowed) value in *v,
 * or 0 with *v NULL when it names nothing and `quiet` (sections, where
 * missing means false), or -1 with the error reported.
 */
static int tmpl_lookup(Tmpl *T, const Tok *t, bool quiet, json_t **v)
{
	*v = NULL;
	if (t->name[0] == '@') {
		Frame *f = tmpl_iteration(T);
		if (!f)
			return tmpl_error(T, t->off, "'%.*s' outside a section "
					  "over a list", (int)t->namelen,
					  t->name);
		if (tmpl_is(t, "@index")) {
			/* one integer per frame, updated: no malloc per item */
			if (!f->index)
				f->index = json_integer(0);
			if (!f->index)
				BUG("out of memory");
			json_integer_set(f->index, (json_int_t)f->idx);
			*v = f->index;
		} else if (tmpl_is(t, "@first"))
			*v = json_boolean(f->idx == 0);
		else
			*v = json_boolean(f->idx + 1 == f->count);
		return 0;
	}
	if (tmpl_is(t, ".")) {
		for (size_t i = T->nframes; i-- > 0;) {
			if (T->frames[i].ctx) {
				*v = T->frames[i].ctx;
				return 0;
			}
		}
		BUG("no context frame");
	}

	const char *seg = t->name;
	const char *end = t->name + t->namelen;
	const char *dot = memchr(seg, '.', (size_t)(end - seg));
	size_t seglen = (size_t)((dot ? dot : end) - seg);
	const char *key = tmpl_key(T, seg, seglen);
	json_t *cur = NULL;
	for (size_t i = T->nframes; i-- > 0 && !cur;) {
		json_t *ctx = T->frames[i].ctx;
		if (json_is_object(ctx)) /* false for NULL */
			cur = json_object_get(ctx, key);
	}
	if (!cur) {
		if (quiet)
			return 0;
		json_t *objs[TMPL_MAX_DEPTH + 1];
		size_t nobjs = 0;
		for (size_t i = T->nframes; i-- > 0;)
			if (json_is_object(T->frames[i].ctx))
				objs[nobjs++] = T->frames[i].ctx;
		tmpl_error(T, t->off, "unknown name '%.*s'", (int)t->namelen,
			   t->name);
		tmpl_suggest(T, objs, nobjs, key);
		return -1;
	}
	/* later segments descend from what the first one found, only */
	while (dot) {
		seg = dot + 1;
		dot = memchr(seg, '.', (size_t)(end - seg));
		seglen = (size_t)((dot ? dot : end) - seg);
		key = tmpl_key(T, seg, seglen);
		json_t *next = json_is_object(cur) ? json_object_get(cur, key)
						   : NULL;
		if (!next) {
			if (quiet)
				return 0;
			tmpl_error(T, t->off, "unknown name '%.*s'",
				   (int)t->namelen, t->name);
			if (json_is_object(cur))
				tmpl_suggest(T, &cur, 1, key);
			else
				strbuf_addf(T->err, " ('%.*s' is not an object)",
					    (int)(seg - 1 - t->name), t->name);
			return -1;
		}
		cur = next;
	}
	*v = cur;
	return 0;
}

/* Mustache truthiness, as decided for tablec: "" and 0 are true. */
static bool tmpl_truthy(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

/* ---- values */

/*
 * The shortest text strtod() reads back as `d`, always with a '.' before
 * any exponent: YAML 1.1 reads "1e+30" as a string, "1.0e+30" as a float.
 */
static int put_real(Tmpl *T, const Tok *t, Strbuf *out, double d)
{
	char buf[40];
	if (!isfinite(d))
		return tmpl_error(T, t->off, "value of '%.*s' is not a finite "
				  "number", (int)t->namelen, t->name);
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	char *e = strchr(buf, 'e');
	if (strchr(buf, '.')) {
		strbuf_addstr(out, buf);
	} else if (e) {
		strbuf_add(out, buf, (size_t)(e - buf));
		strbuf_addf(out, ".0%s", e);
	} else {
		strbuf_addf(out, "%s.0", buf);
	}
	return 0;
}

static int check_utf8(Tmpl *T, const Tok *t, json_t *v)
{
	if (utf8_invalid_at(json_string_value(v), json_string_length(v)) >= 0)
		return tmpl_error(T, t->off, "invalid UTF-8 in the value of "
				  "'%.*s'", (int)t->namelen, t->name);
	return 0;
}

/* Scalars other than strings: the same text in every language. */
static int put_scalar(Tmpl *T, const Tok *t, Strbuf *out, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		strbuf_addf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return 0;
	case JSON_REAL:
		return put_real(T, t, out, json_real_value(v));
	case JSON_TRUE:
		strbuf_addstr(out, "true");
		return 0;
	case JSON_FALSE:
		strbuf_addstr(out, "false");
		return 0;
	case JSON_NULL:
		strbuf_addstr(out, "null");
		return 0;
	default:
		BUG("put_scalar on a container or string");
	}
}

/*
 * A whole object or array as JSON (which is also YAML flow style and an
 * HCL expression), with the language's string quoting. Objects keep
 * jansson's insertion order, so the IR decides the order of keys.
 */
static int put_container(Tmpl *T, const Tok *t, Strbuf *out, json_t *v,
			 int depth)
{
	bool spaced = T->lang == LANG_YAML;
	bool hcl = T->lang == LANG_HCL;

	if (depth > TMPL_MAX_VALUE_DEPTH)
		return tmpl_error(T, t->off, "value of '%.*s' is nested deeper "
				  "than %d", (int)t->namelen, t->name,
				  TMPL_MAX_VALUE_DEPTH);
	if (json_is_string(v)) {
		if (check_utf8(T, t, v))
			return -1;
		(hcl ? lang_esc_hcl : lang_esc_json)(out, json_string_value(v),
					   json_string_length(v));
		return 0;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		strbuf_addch(out, '[');
		json_array_foreach(v, i, e) {
			if (i)
				strbuf_addstr(out, spaced ? ", " : ",");
			if (put_container(T, t, out, e, depth + 1))
				return -1;
		}
		strbuf_addch(out, ']');
		return 0;
	}
	if (json_is_object(v)) {
		const char *k;
		json_t *e;
		bool first = true;
		strbuf_addch(out, '{');
		json_object_foreach(v, k, e) {
			if (!first)
				strbuf_addstr(out, spaced ? ", " : ",");
			first = false;
			size_t klen = strlen(k);
			if (utf8_invalid_at(k, klen) >= 0)
				return tmpl_error(T, t->off, "invalid UTF-8 in "
						  "a key of '%.*s'",
						  (int)t->namelen, t->name);
			(hcl ? lang_esc_hcl : lang_esc_json)(out, k, klen);
			strbuf_addstr(out, spaced ? ": " : ":");
			if (put_container(T, t, out, e, depth + 1))
				return -1;
		}
		strbuf_addch(out, '}');
		return 0;
	}
	return put_scalar(T, t, out, v);
}

/* {{name}}: the value escaped for the output's language. */
static int put_value(Tmpl *T, const Tok *t, json_t *v)
{
	Strbuf *out = T->out;

	if (json_is_null(v))
		return tmpl_error(T, t->off, "null value for '%.*s' (guard "
				  "optional values with a section)",
				  (int)t->namelen, t->name);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		if (check_utf8(T, t, v))
			return -1;
		switch (T->lang) {
		case LANG_TEXT:
			strbuf_add(out, s, len);
			break;
		case LANG_YAML:
			if (lang_yaml_plain_safe(s, len))
				strbuf_add(out, s, len);
			else
				lang_esc_json(out, s, len);
			break;
		case LANG_JSON:
			lang_esc_json(out, s, len);
			break;
		case LANG_HCL:
			lang_esc_hcl(out, s, len);
			break;
		case LANG_SHELL:
			if (memchr(s, '\0', len))
				return tmpl_error(T, t->off, "value of '%.*s' "
						  "holds a NUL byte, which a "
						  "shell word cannot",
						  (int)t->namelen, t->name);
			lang_esc_shell(out, s, len);
			break;
		case LANG_MARKDOWN:
			lang_esc_markdown(out, s, len);
			break;
		}
		return 0;
	}
	if (json_is_object(v) || json_is_array(v)) {
		if (T->lang != LANG_SHELL && T->lang != LANG_MARKDOWN)
			return put_container(T, t, out, v, 0);
		strbuf_reset(&T->tmp);
		if (put_container(T, t, &T->tmp, v, 0))
			return -1;
		if (T->lang == LANG_SHELL)
			lang_esc_shell(out, T->tmp.buf, T->tmp.len);
		else
			lang_esc_markdown(out, T->tmp.buf, T->tmp.len);
		return 0;
	}
	return put_scalar(T, t, out, v);
}

/* {{comment:name}}: the value as text that fits on one comment line. */
static int put_comment(Tmpl *T, const Tok *t, json_t *v)
{
	if (json_is_null(v))
		return tmpl_error(T, t->off, "null value for '%.*s' (guard "
				  "optional values with a section)",
				  (int)t->namelen, t->name);
	if (json_is_string(v)) {
		if (check_utf8(T, t, v))
			return -1;
		lang_esc_comment(T->out, json_string_value(v), json_string_length(v));
		return 0;
	}
	strbuf_reset(&T->tmp);
	Lang lang = T->lang;
	T->lang = LANG_JSON; /* compact JSON, then made one line */
	int r = json_is_object(v) || json_is_array(v)
			? put_container(T, t, &T->tmp, v, 0)
			: put_scalar(T, t, &T->tmp, v);
	T->lang = lang;
	if (r)
		return -1;
	lang_esc_comment(T->out, T->tmp.buf, T->tmp.len);
	return 0;
}

/*
 * {{id:name}}: the value as a bare identifier (a Terraform resource name,
 * a shell function name): written as it is, so it must be one. Anything
 * else is a template error, never an escaped or altered value.
 */
static int put_ident(Tmpl *T, const Tok *t, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t len = s ? json_string_length(v) : 0;
	bool ok = s && len > 0 && len <= 255 &&
		  ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
		   s[0] == '_');
	for (size_t i = 1; ok && i < len; i++)
		ok = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		     (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-';
	if (!ok)
		return tmpl_error(T, t->off, "'%.*s' is not an identifier "
				  "([A-Za-z_][A-Za-z0-9_-]*) and cannot be "
				  "written with id:", (int)t->namelen, t->name);
	strbuf_add(T->out, s, len);
	return 0;
}

/* ---- rendering */


static int tmpl_run(Tmpl *T)
{
	size_t steps = 0;
	size_t i = 0;

	while (i < T->ntoks) {
		const Tok *t = &T->toks[i];
		json_t *v;

		if (++steps > TMPL_MAX_STEPS)
			return tmpl_error(T, t->off, "template takes more than "
					  "%u steps to render; is a list "
					  "section nested in itself?",
					  TMPL_MAX_STEPS);
		switch (t->kind) {
		case TOK_TEXT:
			strbuf_add(T->out, T->src + t->off, t->len);
			i++;
			break;
		case TOK_VAR:
		case TOK_COMMENT:
		case TOK_IDENT:
			if (tmpl_lookup(T, t, false, &v))
				return -1;
			if ((t->kind == TOK_VAR	      ? put_value
			     : t->kind == TOK_COMMENT ? put_comment
						      : put_ident)(T, t, v))
				return -1;
			i++;
			break;
		case TOK_SECTION:
		case TOK_INVERTED: {
			if (tmpl_lookup(T, t, true, &v))
				return -1;
			if (tmpl_truthy(v) != (t->kind == TOK_SECTION)) {
				i = t->match + 1;
				break;
			}
			Frame *f = &T->frames[T->nframes++];
			memset(f, 0, sizeof *f);
			f->open = i;
			if (t->kind == TOK_SECTION && json_is_array(v)) {
				f->list = v;
				f->count = json_array_size(v);
				f->ctx = json_array_get(v, 0);
			} else if (t->kind == TOK_SECTION) {
				f->ctx = v;
			}
			i++;
			break;
		}
		case TOK_CLOSE: {
			Frame *top = &T->frames[T->nframes - 1];
			if (top->open != t->match)
				BUG("frame/section mismatch");
			if (top->list && top->idx + 1 < top->count) {
				top->idx++;
				top->ctx = json_array_get(top->list, top->idx);
				i = t->match + 1;
				break;
			}
			json_decref(top->index);
			T->nframes--;
			i++;
			break;
		}
		}
		if (T->out->len - T->out_start > OUTPUT_MAX) {
			tmpl_error(T, t->off, "output too large (more than "
				   "%zu MiB)", OUTPUT_MAX >> 20);
			return RENDER_TOO_LARGE;
		}
	}
	if (T->nframes != 1)
		BUG("frames left after rendering");
	return 0;
}

int tmpl_render(const char *name, const char *src, size_t len, json_t *data,
		Lang lang, Strbuf *out, Strbuf *err)
{
	Tmpl T = {
		.name = name,
		.src = src,
		.len = len,
		.lang = lang,
		.out = out,
		.err = err,
		.out_start = out->len,
		.key = STRBUF_INIT,
		.tmp = STRBUF_INIT,
	};
	if (!data)
		BUG("tmpl_render without data");
	T.frames[0].ctx = data;
	T.nframes = 1;

	int r = tmpl_tokenize(&T);
	if (!r)
		r = tmpl_run(&T);
	for (size_t i = 0; i < T.nframes; i++)
		json_decref(T.frames[i].index);
	free(T.toks);
	strbuf_release(&T.key);
	strbuf_release(&T.tmp);
	if (r) {
		/* no half-rendered file: the caller gets all or nothing */
		out->len = T.out_start;
		if (out->alloc)
			out->buf[out->len] = '\0';
	}
	return r;
}
