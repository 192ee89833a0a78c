/*
 * lang.c: the output languages, apart from any backend. Escaping a string
 * so that it reads back as itself in JSON, YAML, HCL, a shell word or a
 * comment line; checking that a rendered YAML or JSON file parses; and
 * laying out HCL as `terraform fmt` does. The template engine (tmpl.c)
 * escapes with these, and backend.c checks and lays out what it renders.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "tablec.h"

#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <yaml.h>

static const char *const lang_names[] = {
	[LANG_TEXT] = "text",
	[LANG_YAML] = "yaml",
	[LANG_JSON] = "json",
	[LANG_HCL] = "hcl",
	[LANG_SHELL] = "shell",
	[LANG_MARKDOWN] = "markdown",
};

int lang_parse(const char *name, Lang *out)
{
	for (size_t i = 0; i < sizeof lang_names / sizeof *lang_names;
	     i++) {
		if (!strcmp(name, lang_names[i])) {
			*out = (Lang)i;
			return 0;
		}
	}
	return -1;
}

const char *lang_name(Lang lang)
{
	if ((size_t)lang >= sizeof lang_names / sizeof *lang_names)
		BUG("bad Lang %d", (int)lang);
	return lang_names[lang];
}

/* ---- escaping */

/*
 * Code points no output language gets raw inside a quoted string: C0, DEL
 * and C1 controls (U+0085 among them, a YAML 1.1 line break), the Unicode
 * line and paragraph separators (line breaks to YAML 1.1 and JavaScript),
 * the byte-order mark, and the noncharacters YAML forbids.
 */
static bool must_escape(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 ||
	       c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF;
}

static void put_u(Strbuf *out, uint32_t c)
{
	strbuf_addf(out, "\\u%04X", (unsigned)c);
}

/* A JSON string literal; also a valid YAML double-quoted scalar. */
void lang_esc_json(Strbuf *out, const char *s, size_t len)
{
	size_t i = 0, run = 0;
	strbuf_addch(out, '"');
	while (i < len) {
		size_t n = 1;
		uint32_t c = (unsigned char)s[i];
		if (c >= 0x80)
			c = utf8_decode(s + i, &n);
		if (c != '"' && c != '\\' && !must_escape(c)) {
			i += n;
			continue;
		}
		strbuf_add(out, s + run, i - run);
		switch (c) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\b': strbuf_addstr(out, "\\b"); break;
		case '\f': strbuf_addstr(out, "\\f"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		default: put_u(out, c); break;
		}
		i += n;
		run = i;
	}
	strbuf_add(out, s + run, len - run);
	strbuf_addch(out, '"');
}

/*
 * An HCL quoted template: HCL has no \b or \f, and "${" and "%{" start
 * interpolations and directives there, so they are doubled into the
 * literal "$${" and "%%{".
 */
void lang_esc_hcl(Strbuf *out, const char *s, size_t len)
{
	size_t i = 0, run = 0;
	strbuf_addch(out, '"');
	while (i < len) {
		size_t n = 1;
		uint32_t c = (unsigned char)s[i];
		if (c >= 0x80)
			c = utf8_decode(s + i, &n);
		bool opener = (c == '$' || c == '%') && i + 1 < len &&
			      s[i + 1] == '{';
		if (c != '"' && c != '\\' && !opener && !must_escape(c)) {
			i += n;
			continue;
		}
		strbuf_add(out, s + run, i - run);
		switch (c) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '$': strbuf_addstr(out, "$${"); n = 2; break;
		case '%': strbuf_addstr(out, "%%{"); n = 2; break;
		default: put_u(out, c); break;
		}
		i += n;
		run = i;
	}
	strbuf_add(out, s + run, len - run);
	strbuf_addch(out, '"');
}

/* One POSIX shell word: single quotes keep everything but the quote. */
void lang_esc_shell(Strbuf *out, const char *s, size_t len)
{
	strbuf_addch(out, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, s[i]);
	}
	strbuf_addch(out, '\'');
}

/*
 * Markdown as GitHub reads it (CommonMark and its tables), and Mermaid in
 * a quoted label: the value is text on one line, whatever it holds, in a
 * paragraph, a list item, a table cell or a "label". Line breaks and the
 * other characters must_escape() names become spaces (a value never ends
 * a line or a table row); spaces at its ends become &#32; (they would
 * make code blocks or line breaks); what could start HTML, end a quoted
 * label or split a cell is a character reference (&lt; &gt; &amp; &quot;
 * &#124;), which Markdown and Mermaid both read as the character; what
 * could start emphasis, code, a link, math or strikethrough gets a
 * backslash (`_` only where it could: not between two letters or
 * digits); and so does what would start a heading or a list at the start
 * of the value (`#`, `-`, `+`, `=`, `1.`, `1)`).
 */
static bool md_blank(uint32_t c)
{
	return c == ' ' || must_escape(c);
}

static bool ascii_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

void lang_esc_markdown(Strbuf *out, const char *s, size_t len)
{
	size_t first = len, last = 0, i = 0;
	while (i < len) {
		size_t n = 1;
		uint32_t c = (unsigned char)s[i];
		if (c >= 0x80)
			c = utf8_decode(s + i, &n);
		if (!md_blank(c)) {
			if (first == len)
				first = i;
			last = i + n;
		}
		i += n;
	}
	for (i = 0; i < len;) {
		size_t n = 1;
		uint32_t c = (unsigned char)s[i];
		if (c >= 0x80)
			c = utf8_decode(s + i, &n);
		if (md_blank(c)) {
			strbuf_addstr(out, i < first || i >= last ? "&#32;" : " ");
			i += n;
			continue;
		}
		switch (c) {
		case '\\': case '`': case '*': case '[': case ']': case '~':
		case '$':
			strbuf_addch(out, '\\');
			strbuf_addch(out, (char)c);
			break;
		case '_':
			if (i > 0 && i + 1 < len && ascii_alnum(s[i - 1]) &&
			    ascii_alnum(s[i + 1]))
				strbuf_addch(out, '_');
			else
				strbuf_addstr(out, "\\_");
			break;
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '"': strbuf_addstr(out, "&quot;"); break;
		case '|': strbuf_addstr(out, "&#124;"); break;
		case '#': case '-': case '+': case '=':
			if (i == first)
				strbuf_addch(out, '\\');
			strbuf_addch(out, (char)c);
			break;
		case '.': case ')':
			/* 1. and 1) start an ordered list: 1 to 9 digits */
			if (i > first && i - first <= 9 &&
			    strspn(s + first, "0123456789") == i - first)
				strbuf_addch(out, '\\');
			strbuf_addch(out, (char)c);
			break;
		default:
			strbuf_add(out, s + i, n);
			break;
		}
		i += n;
	}
}

bool lang_yaml_plain_safe(const char *s, size_t len)
{
	static const char *const reserved[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
	};
	if (!len || len > 200)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      s[0] == '_'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '/' || c == '-'))
			return false;
	}
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
		const char *r = reserved[i];
		size_t k = 0;
		while (k < len && r[k] && (s[k] | 0x20) == r[k])
			k++; /* ASCII letters only here: |0x20 lowercases */
		if (k == len && !r[k])
			return false;
	}
	return true;
}

/* For {{comment:x}}: nothing that could end a one-line comment. */
void lang_esc_comment(Strbuf *out, const char *s, size_t len)
{
	size_t i = 0, run = 0, start = out->len;
	while (i < len) {
		size_t n = 1;
		uint32_t c = (unsigned char)s[i];
		if (c >= 0x80)
			c = utf8_decode(s + i, &n);
		/* line breaks of any language, and what YAML does not
		 * allow unescaped anywhere (its non-printables, the BOM) */
		if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 ||
		    c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF) {
			strbuf_add(out, s + run, i - run);
			strbuf_addch(out, ' ');
			run = i + n;
		}
		i += n;
	}
	strbuf_add(out, s + run, len - run);
	/* no trailing blanks: formatters would strip them, and diffs show them */
	while (out->len > start && out->buf[out->len - 1] == ' ')
		out->buf[--out->len] = '\0';
}

/* ---- checking and layout */

static void line_col(const char *s, size_t off, size_t *line, size_t *col)
{
	*line = *col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			++*line;
			*col = 1;
		} else if (((unsigned char)s[i] & 0xC0) != 0x80) {
			++*col;
		}
	}
}

/* Parses `s` as a YAML stream; 0, or -1 with the problem described. */
int lang_check_yaml(const char *s, size_t len, Strbuf *why)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int ret = 0;

	if (!yaml_parser_initialize(&p))
		BUG("out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)s, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			size_t line, col;
			if (p.error == YAML_READER_ERROR) {
				line_col(s, p.problem_offset < len
						    ? p.problem_offset
						    : len,
					 &line, &col);
			} else {
				line = p.problem_mark.line + 1;
				col = p.problem_mark.column + 1;
			}
			strbuf_addf(why, "YAML at line %zu col %zu: %s", line,
				    col, p.problem ? p.problem : "error");
			if (p.context)
				strbuf_addf(why, " (%s)", p.context);
			ret = -1;
			break;
		}
		bool end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return ret;
}

/*
 * A JSON syntax check (RFC 8259) that builds nothing. jansson would build
 * and free a tree of every value only to learn that the text parses, and
 * for a large environment that is a quarter of the build; on an error,
 * jansson is asked again, for its message.
 */
typedef struct JsonScan {
	const unsigned char *p, *end;
} JsonScan;

static void jv_ws(JsonScan *j)
{
	while (j->p < j->end &&
	       (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool jv_lit(JsonScan *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static bool jv_digits(JsonScan *j)
{
	const unsigned char *s = j->p;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static bool jv_number(JsonScan *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jv_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jv_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jv_digits(j))
			return false;
	}
	return true;
}

static bool jv_string(JsonScan *j)
{
	j->p++; /* the opening quote */
	const unsigned char *run = j->p;
	for (;;) {
		if (j->p >= j->end || *j->p < 0x20)
			return false;
		if (*j->p == '"')
			break;
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (j->p + i >= j->end ||
					    !strchr("0123456789abcdefABCDEF", j->p[i]) ||
					    !j->p[i])
						return false;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return false;
			}
			continue;
		}
		j->p++;
	}
	/* the text between escapes must be UTF-8, as RFC 8259 says */
	if (utf8_invalid_at((const char *)run, (size_t)(j->p - run)) >= 0)
		return false;
	j->p++;
	return true;
}

/* A member's key and its colon. */
static bool jv_key(JsonScan *j)
{
	jv_ws(j);
	if (j->p >= j->end || *j->p != '"' || !jv_string(j))
		return false;
	jv_ws(j);
	return j->p < j->end && *j->p++ == ':';
}

static bool jv_scalar(JsonScan *j)
{
	switch (*j->p) {
	case '"':
		return jv_string(j);
	case 't':
		return jv_lit(j, "true");
	case 'f':
		return jv_lit(j, "false");
	case 'n':
		return jv_lit(j, "null");
	default:
		return jv_number(j);
	}
}

/* One JSON value. Open objects and arrays are kept in `open`, not on the C
 * stack, so the depth of the text cannot be the depth of the scan. */
static bool jv_value(JsonScan *j)
{
	/* '{' or '[' of each container still open; as deep as jansson goes
	 * (JSON_PARSER_DEFAULT_DEPTH), so the two agree on what is JSON */
	unsigned char open[2048];
	size_t depth = 0;
	for (;;) {
		jv_ws(j);
		if (j->p >= j->end)
			return false;
		unsigned char c = *j->p;
		if (c == '{' || c == '[') {
			if (depth == sizeof open)
				return false;
			open[depth++] = c;
			j->p++;
			jv_ws(j);
			bool empty = j->p < j->end &&
				     *j->p == (c == '{' ? '}' : ']');
			if (!empty) {
				if (c == '{' && !jv_key(j))
					return false;
				continue; /* its first value */
			}
			j->p++;
			depth--;
		} else if (!jv_scalar(j)) {
			return false;
		}
		/* after a value: the next member, or the ends of containers */
		for (;;) {
			if (!depth)
				return true;
			jv_ws(j);
			if (j->p >= j->end)
				return false;
			unsigned char top = open[depth - 1];
			if (*j->p == ',') {
				j->p++;
				if (top == '{' && !jv_key(j))
					return false;
				break;
			}
			if (*j->p++ != (top == '{' ? '}' : ']'))
				return false;
			depth--;
		}
	}
}

int lang_check_json(const char *s, size_t len, Strbuf *why)
{
	JsonScan j = {(const unsigned char *)s, (const unsigned char *)s + len};
	if (jv_value(&j)) {
		jv_ws(&j);
		if (j.p == j.end)
			return 0;
	}
	json_error_t jerr;
	json_t *v = json_loadb(s, len, 0, &jerr);
	if (!v) {
		strbuf_addf(why, "JSON at line %d col %d: %s", jerr.line,
			    jerr.column, jerr.text);
		return -1;
	}
	/* jansson takes what the check refused: report where it stopped */
	json_decref(v);
	size_t line, col;
	line_col(s, (size_t)((const char *)j.p - s), &line, &col);
	strbuf_addf(why, "JSON at line %zu col %zu: not RFC 8259 JSON", line, col);
	return -1;
}

/*
 * HCL layout as `terraform fmt` leaves it (hclwrite's format.go): the `=`
 * of consecutive lines that assign a whole value on one line is aligned one
 * column after the longest name. A line whose value opens a bracket that
 * it does not close (`tags = {`) has no alignment cell and ends the run, as
 * do blank lines, comments and block headers. Templates write everything
 * else in canonical form; only this depends on the data.
 */
typedef struct HclLine {
	size_t start, eq, end; /* eq: offset of '=', or 0 when no cell */
	size_t lead_cols;       /* width before the '=', spaces trimmed */
} HclLine;

/* Finds the assignment '=' of [s, e): the first bare '=' outside strings,
 * provided the value after it closes every bracket it opens. */
static size_t hcl_assign(const char *s, size_t start, size_t end)
{
	size_t i = start;
	while (i < end && s[i] == ' ')
		i++;
	if (i == end || s[i] == '#' || s[i] == '/' || s[i] == '}' || s[i] == ']')
		return 0;
	size_t eq = 0;
	int depth = 0;
	bool in_str = false;
	for (; i < end; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[' || c == '(') {
			depth++;
		} else if (c == '}' || c == ']' || c == ')') {
			depth--;
		} else if (c == '=' && !eq && depth == 0 && i > start) {
			char prev = s[i - 1], next = '\0';
			if (i + 1 < end)
				next = s[i + 1];
			if (next == '=' || next == '>' || prev == '!' || prev == '<' ||
			    prev == '>' || prev == '=')
				return 0; /* an operator, not an assignment */
			eq = i;
			depth = 0; /* count the value's brackets only */
		}
	}
	return eq && depth == 0 ? eq : 0;
}

/*
 * The width terraform fmt gives s[start, end): it counts grapheme clusters
 * (a Thai consonant and its vowel sign, a Hangul syllable of three jamo, a
 * flag, an emoji joined with ZWJ are one each), and it counts them token
 * by token, so a string's text is measured apart from its quotes. pcre2's
 * \X is the extended grapheme cluster of the same Unicode rules.
 */
static pcre2_code *grapheme_re;
static pcre2_match_data *grapheme_md;

void lang_cleanup(void)
{
	pcre2_code_free(grapheme_re);
	pcre2_match_data_free(grapheme_md);
	grapheme_re = NULL;
	grapheme_md = NULL;
}

static size_t graphemes(const char *s, size_t len)
{
	bool ascii = true;
	for (size_t i = 0; i < len && ascii; i++)
		ascii = !((unsigned char)s[i] & 0x80);
	if (ascii)
		return len;
	if (!grapheme_re) {
		int err;
		PCRE2_SIZE off;
		grapheme_re = pcre2_compile((PCRE2_SPTR) "\\X", PCRE2_ZERO_TERMINATED,
					    PCRE2_UTF | PCRE2_NO_UTF_CHECK, &err,
					    &off, NULL);
		grapheme_md = pcre2_match_data_create(1, NULL);
		if (!grapheme_re || !grapheme_md)
			BUG("cannot compile \\X");
	}
	size_t n = 0;
	for (size_t pos = 0; pos < len; n++) {
		if (pcre2_match(grapheme_re, (PCRE2_SPTR)s, len, pos,
				PCRE2_NO_UTF_CHECK, grapheme_md, NULL) < 0)
			BUG("no grapheme cluster at offset %zu", pos);
		size_t next = pcre2_get_ovector_pointer(grapheme_md)[1];
		pos = next > pos ? next : pos + 1;
	}
	return n;
}

static size_t hcl_width(const char *s, size_t start, size_t end)
{
	size_t w = 0;
	for (size_t i = start; i < end;) {
		if (s[i] != '"') {
			w += ((unsigned char)s[i++] & 0xC0) != 0x80;
			continue;
		}
		size_t j = ++i; /* the string's text, up to its closing quote */
		while (j < end && s[j] != '"')
			j += s[j] == '\\' ? 2 : 1;
		if (j > end)
			j = end;
		w += 1 + graphemes(s + i, j - i) + (j < end);
		i = j < end ? j + 1 : j;
	}
	return w;
}

void lang_hcl_align(Strbuf *text)
{
	HclLine *lines = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < text->len;) {
		size_t e = i;
		while (e < text->len && text->buf[e] != '\n')
			e++;
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			lines = realloc(lines, cap * sizeof *lines);
			if (!lines)
				BUG("out of memory");
		}
		HclLine *l = &lines[n++];
		l->start = i;
		l->end = e;
		l->eq = hcl_assign(text->buf, i, e);
		l->lead_cols = 0;
		if (l->eq) {
			size_t k = l->eq;
			while (k > i && text->buf[k - 1] == ' ')
				k--;
			l->lead_cols = hcl_width(text->buf, i, k);
		}
		i = e < text->len ? e + 1 : e;
	}
	Strbuf out = STRBUF_INIT;
	strbuf_grow(&out, text->len + 64);
	for (size_t i = 0; i < n;) {
		if (!lines[i].eq) {
			strbuf_add(&out, text->buf + lines[i].start,
				   lines[i].end - lines[i].start);
			if (lines[i].end < text->len)
				strbuf_addch(&out, '\n');
			i++;
			continue;
		}
		size_t j = i, max = 0;
		for (; j < n && lines[j].eq; j++)
			if (lines[j].lead_cols > max)
				max = lines[j].lead_cols;
		for (; i < j; i++) {
			const HclLine *l = &lines[i];
			size_t k = l->eq;
			while (k > l->start && text->buf[k - 1] == ' ')
				k--;
			strbuf_add(&out, text->buf + l->start, k - l->start);
			for (size_t p = l->lead_cols; p <= max; p++)
				strbuf_addch(&out, ' ');
			strbuf_add(&out, text->buf + l->eq, l->end - l->eq);
			if (l->end < text->len)
				strbuf_addch(&out, '\n');
		}
	}
	free(lines);
	strbuf_release(text);
	*text = out;
}

