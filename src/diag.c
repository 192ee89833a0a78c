/*
 * diag.c: diagnostics. Every stage reports into one Diags with a code from
 * codes.def and a location; nothing is printed until the run is over, so
 * that all errors of a run come out together, sorted, and once.
 *
 * Every environment of a spec is validated on its own, so the same mistake
 * in a table is found once per environment. diag_finish() folds those into
 * one diagnostic and, where a problem exists only in some environments,
 * says which: "(in environment production)".
 */
#include "tablec.h"

#include <stdlib.h>
#include <string.h>

static const CodeInfo codes[] = {
#define CODE(c, n, e) {#c, n, e},
#include "codes.def"
#undef CODE
};

const CodeInfo *diag_code_table(size_t *n)
{
	*n = sizeof codes / sizeof codes[0];
	return codes;
}

const CodeInfo *diag_code_lookup(const char *code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (!strcmp(codes[i].code, code))
			return &codes[i];
	return NULL;
}

Source *diag_source_new(Arena *a, const char *path, const char *text, size_t len)
{
	Source *s = arena_alloc(a, sizeof *s);
	s->path = arena_strdup(a, path);
	s->text = text;
	s->len = len;
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			n++;
	s->line_start = arena_alloc(a, n * sizeof *s->line_start);
	s->line_start[0] = 0;
	size_t k = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n')
			s->line_start[k++] = i + 1;
	s->nlines = n;
	return s;
}

static Diag *diag_vreport(Diags *d, const char *code, Loc loc, const char *fmt,
			  va_list ap) PRINTF_LIKE(4, 0);
static Diag *diag_vreport(Diags *d, const char *code, Loc loc, const char *fmt,
			  va_list ap)
{
	const CodeInfo *ci = diag_code_lookup(code);
	if (!ci)
		BUG("diagnostic code %s is not in codes.def", code);
	/* E error, W warning; diff's D1xx blocking, D2xx risky, D3xx safe */
	const char *level = diag_code_level(code);
	Severity sev = !strcmp(level, "error")     ? SEV_ERROR
		       : !strcmp(level, "warning") ? SEV_WARNING
						   : SEV_NOTE;
	if (d->n >= DIAG_MAX) {
		d->not_shown++;
		d->not_shown_by_sev[sev]++;
		memset(&d->sink, 0, sizeof d->sink);
		return &d->sink;
	}
	Strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	Diag *dg = VEC_PUSH(d->arena, d->items, d->n, d->cap);
	dg->sev = sev;
	dg->code = ci->code;
	dg->loc = loc;
	dg->msg = arena_strndup(d->arena, sb.buf, sb.len);
	dg->env = d->env;
	strbuf_release(&sb);
	return dg;
}

void diag_allow(Diags *d, Diag *dg)
{
	if (dg == &d->sink) { /* not kept: move it between the counts */
		d->not_shown_by_sev[SEV_ERROR]--;
		d->not_shown_by_sev[SEV_WARNING]++;
		d->not_shown_allowed++;
		return;
	}
	dg->sev = SEV_WARNING;
}

Diag *diag_report(Diags *d, const char *code, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	Diag *dg = diag_vreport(d, code, loc, fmt, ap);
	va_end(ap);
	return dg;
}

bool diag_full(const Diags *d)
{
	return d->n >= DIAG_MAX;
}

void diag_help(Diag *dg, Diags *d, const char *fmt, ...)
{
	if (dg == &d->sink)
		return;
	Strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	dg->help = arena_strndup(d->arena, sb.buf, sb.len);
	strbuf_release(&sb);
}

void diag_note(Diag *dg, Diags *d, Loc loc, const char *fmt, ...)
{
	if (dg == &d->sink)
		return;
	Strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	dg->note = arena_strndup(d->arena, sb.buf, sb.len);
	dg->note_loc = loc;
	strbuf_release(&sb);
}

/* ---- folding and sorting */

static const char *path_of(const Loc *l)
{
	return l->src ? l->src->path : "";
}

static int strcmp_null(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* Order of output: file, line, column, code, message. */
static int diag_cmp_place(const Diag *a, const Diag *b)
{
	int c = strcmp(path_of(&a->loc), path_of(&b->loc));
	if (c)
		return c;
	if (a->loc.line != b->loc.line)
		return a->loc.line < b->loc.line ? -1 : 1;
	if (a->loc.col != b->loc.col)
		return a->loc.col < b->loc.col ? -1 : 1;
	if ((c = strcmp(a->code, b->code)))
		return c;
	if ((c = strcmp(a->msg, b->msg)))
		return c;
	return strcmp_null(a->help, b->help);
}

static int diag_cmp(const void *pa, const void *pb)
{
	const Diag *a = pa, *b = pb;
	int c = diag_cmp_place(a, b);
	if (c)
		return c;
	/* same diagnostic: environment order keeps the sort stable */
	return strcmp_null(a->env, b->env);
}

static bool env_listed(const char **envs, size_t n, const char *e)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(envs[i], e))
			return true;
	return false;
}

void diag_finish(Diags *d)
{
	if (d->n > 1)
		qsort(d->items, d->n, sizeof *d->items, diag_cmp);
	size_t out = 0;
	for (size_t i = 0; i < d->n;) {
		size_t j = i;
		bool everywhere = false;
		const char **envs = NULL;
		size_t nenvs = 0, cap = 0;
		while (j < d->n && !diag_cmp_place(&d->items[i], &d->items[j])) {
			const char *e = d->items[j].env;
			if (!e)
				everywhere = true;
			else if (!env_listed(envs, nenvs, e))
				*VEC_PUSH(d->arena, envs, nenvs, cap) = e;
			j++;
		}
		if (!everywhere && nenvs >= d->nall_envs) {
			everywhere = true;
			for (size_t k = 0; k < d->nall_envs; k++)
				if (!env_listed(envs, nenvs, d->all_envs[k]))
					everywhere = false;
		}
		Diag dg = d->items[i];
		dg.envs = everywhere ? NULL : envs;
		dg.nenvs = everywhere ? 0 : nenvs;
		d->items[out++] = dg;
		i = j;
	}
	d->n = out;
	d->errors = d->warnings = d->notes = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (d->items[i].sev == SEV_ERROR)
			d->errors++;
		else if (d->items[i].sev == SEV_WARNING)
			d->warnings++;
		else
			d->notes++;
	}
	/* what was counted, not kept, still counts (and fails the run) */
	d->errors += d->not_shown_by_sev[SEV_ERROR];
	d->warnings += d->not_shown_by_sev[SEV_WARNING];
	d->notes += d->not_shown_by_sev[SEV_NOTE];
}

int diag_format_parse(const char *name, DiagFormat *out)
{
	static const struct {
		const char *name;
		DiagFormat fmt;
	} fmts[] = {{"text", FMT_TEXT},
		    {"json", FMT_JSON},
		    {"github", FMT_GITHUB},
		    {"sarif", FMT_SARIF}};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
		if (!strcmp(name, fmts[i].name)) {
			*out = fmts[i].fmt;
			return 0;
		}
	return -1;
}

/* The message as printed: with the environments it is limited to. */
static void full_message(const Diag *dg, Strbuf *sb)
{
	strbuf_addstr(sb, dg->msg);
	if (dg->nenvs) {
		strbuf_addstr(sb, dg->nenvs == 1 ? " (in environment "
						 : " (in environments ");
		for (size_t i = 0; i < dg->nenvs; i++)
			strbuf_addf(sb, "%s%s", i ? ", " : "", dg->envs[i]);
		strbuf_addch(sb, ')');
	}
}

/* ---- text */

static const char *sev_name(Severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

/* Prints the source line of loc and a caret line under its span. Control
 * characters of the line are shown as spaces so that the caret lines up and
 * nothing from the spec reaches the terminal raw. */
static void print_snippet(FILE *f, const Loc *loc, bool color)
{
	const Source *s = loc->src;
	if (!s || loc->line < 1 || (size_t)loc->line > s->nlines)
		return;
	size_t start = s->line_start[loc->line - 1];
	size_t end = start;
	while (end < s->len && s->text[end] != '\n' && s->text[end] != '\r')
		end++;
	if (end - start > 400) /* a minified line: do not flood the terminal */
		return;
	Strbuf line = STRBUF_INIT, caret = STRBUF_INIT;
	int col = 1;
	for (size_t i = start; i < end;) {
		unsigned char c = (unsigned char)s->text[i];
		size_t n = 1;
		bool valid = c < 0x80;
		if (!valid) {
			/* the sequence's length from its lead byte, then check it */
			n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			valid = n <= end - i && utf8_invalid_at(s->text + i, n) < 0;
			if (!valid)
				n = 1;
		}
		bool tab = c == '\t';
		if (c < 0x20 || c == 0x7f)
			strbuf_addch(&line, tab ? '\t' : ' ');
		else if (!valid)
			strbuf_addch(&line, '?');
		else
			strbuf_add(&line, s->text + i, n);
		if (col < loc->col)
			strbuf_addch(&caret, tab ? '\t' : ' ');
		else if (col < loc->col + (loc->len > 0 ? loc->len : 1))
			strbuf_addch(&caret, col == loc->col ? '^' : '~');
		col++;
		i += n;
	}
	if (col <= loc->col) {
		while (col++ < loc->col)
			strbuf_addch(&caret, ' ');
		strbuf_addch(&caret, '^');
	}
	fprintf(f, "%5d | %s\n      | %s%s%s\n", loc->line, line.buf,
		color ? "\033[1;32m" : "", caret.buf, color ? "\033[0m" : "");
	strbuf_release(&line);
	strbuf_release(&caret);
}

static void print_one(const Diag *dg, FILE *f, bool color, bool with_envs)
{
	Strbuf msg = STRBUF_INIT;
	if (with_envs)
		full_message(dg, &msg);
	else
		strbuf_addstr(&msg, dg->msg);
	const char *sc = dg->sev == SEV_ERROR	  ? "\033[1;31m"
			 : dg->sev == SEV_WARNING ? "\033[1;35m"
						  : "\033[1;36m";
	fprintf(f, "%s%s:%d:%d:%s %s%s:%s %s [%s]\n", color ? "\033[1m" : "",
		path_of(&dg->loc), dg->loc.line, dg->loc.col, color ? "\033[0m" : "",
		color ? sc : "", sev_name(dg->sev), color ? "\033[0m" : "", msg.buf,
		dg->code);
	print_snippet(f, &dg->loc, color);
	if (dg->help)
		fprintf(f, "      = help: %s\n", dg->help);
	if (dg->note_loc.src) {
		fprintf(f, "%s:%d:%d: note: %s\n", path_of(&dg->note_loc),
			dg->note_loc.line, dg->note_loc.col, dg->note);
		print_snippet(f, &dg->note_loc, color);
	}
	strbuf_release(&msg);
}

/* "staging, production" or "" for every environment. */
static void env_label(const Diag *dg, Strbuf *sb)
{
	for (size_t i = 0; i < dg->nenvs; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", dg->envs[i]);
}

static int group_cmp(const void *pa, const void *pb)
{
	const Diag *a = *(const Diag *const *)pa, *b = *(const Diag *const *)pb;
	Strbuf la = STRBUF_INIT, lb = STRBUF_INIT;
	env_label(a, &la);
	env_label(b, &lb);
	int c = strcmp(la.buf, lb.buf);
	strbuf_release(&la);
	strbuf_release(&lb);
	if (c)
		return c;
	if ((c = strcmp_null(a->subject, b->subject)))
		return c;
	return diag_cmp_place(a, b);
}

/*
 * A diff reads best by environment, then by table: a heading for each
 * group, changes in source order under it. Changes that hold in every
 * environment come first.
 */
static void print_not_shown(const Diags *d, FILE *f)
{
	if (d->not_shown)
		fprintf(f, "%d more not shown: tablec keeps the first %d "
			"diagnostics of a run; fix these and run it again\n",
			d->not_shown, DIAG_MAX);
}

static void print_changes(const Diags *d, FILE *f, bool color)
{
	const Diag **order = malloc((d->n + 1) * sizeof *order);
	if (!order)
		BUG("out of memory");
	for (size_t i = 0; i < d->n; i++)
		order[i] = &d->items[i];
	qsort(order, d->n, sizeof *order, group_cmp);
	Strbuf last = STRBUF_INIT, cur = STRBUF_INIT;
	for (size_t i = 0; i < d->n; i++) {
		const Diag *dg = order[i];
		strbuf_reset(&cur);
		if (dg->nenvs) {
			strbuf_addstr(&cur, dg->nenvs == 1 ? "environment "
							   : "environments ");
			env_label(dg, &cur);
		} else {
			strbuf_addstr(&cur, "every environment");
		}
		if (dg->subject)
			strbuf_addf(&cur, ", table %s", dg->subject);
		if (i == 0 || strcmp(cur.buf, last.buf)) {
			fprintf(f, "%s== %s%s\n", i ? "\n" : "", cur.buf, "");
			strbuf_reset(&last);
			strbuf_addstr(&last, cur.buf);
		}
		print_one(dg, f, color, false);
	}
	strbuf_release(&last);
	strbuf_release(&cur);
	free(order);
	int allowed = d->not_shown_allowed;
	for (size_t i = 0; i < d->n; i++)
		allowed += d->items[i].code[0] == 'D' && d->items[i].code[1] == '1' &&
			   d->items[i].sev != SEV_ERROR;
	fprintf(f, "%s%d blocking, %d risky, %d safe changes", d->n ? "\n" : "",
		d->errors, d->warnings - allowed, d->notes);
	if (allowed)
		fprintf(f, ", %d blocking change%s allowed", allowed,
			allowed == 1 ? "" : "s");
	fputc('\n', f);
	print_not_shown(d, f);
}

static void print_text(const Diags *d, FILE *f, bool color)
{
	if (d->changes) {
		print_changes(d, f, color);
		return;
	}
	for (size_t i = 0; i < d->n; i++)
		print_one(&d->items[i], f, color, true);
	if (d->errors || d->warnings || d->notes) {
		fprintf(f, "%d error%s, %d warning%s", d->errors,
			d->errors == 1 ? "" : "s", d->warnings,
			d->warnings == 1 ? "" : "s");
		if (d->notes)
			fprintf(f, ", %d note%s", d->notes, d->notes == 1 ? "" : "s");
		fputc('\n', f);
	}
	print_not_shown(d, f);
}

/* The severity a code is reported with, by name. */
const char *diag_code_level(const char *code)
{
	if (code[0] == 'W' || (code[0] == 'D' && code[1] == '2'))
		return "warning";
	if (code[0] == 'D' && code[1] == '3')
		return "note";
	return "error";
}

/* ---- json and sarif (built with jansson, which owns the escaping) */

static json_t *diag_json(const Diag *dg)
{
	json_t *o = json_object();
	json_object_set_new(o, "file", json_string(path_of(&dg->loc)));
	json_object_set_new(o, "line", json_integer(dg->loc.line));
	json_object_set_new(o, "column", json_integer(dg->loc.col));
	json_object_set_new(o, "end_column",
			    json_integer(dg->loc.col + (dg->loc.len > 0 ? dg->loc.len : 1)));
	json_object_set_new(o, "severity", json_string(sev_name(dg->sev)));
	json_object_set_new(o, "code", json_string(dg->code));
	json_object_set_new(o, "name", json_string(diag_code_lookup(dg->code)->name));
	json_object_set_new(o, "message", json_string(dg->msg));
	if (dg->subject)
		json_object_set_new(o, "table", json_string(dg->subject));
	if (dg->help)
		json_object_set_new(o, "help", json_string(dg->help));
	json_t *envs = json_array();
	for (size_t i = 0; i < dg->nenvs; i++)
		json_array_append_new(envs, json_string(dg->envs[i]));
	json_object_set_new(o, "environments", envs);
	if (dg->note_loc.src) {
		json_t *n = json_object();
		json_object_set_new(n, "file", json_string(path_of(&dg->note_loc)));
		json_object_set_new(n, "line", json_integer(dg->note_loc.line));
		json_object_set_new(n, "column", json_integer(dg->note_loc.col));
		json_object_set_new(n, "message", json_string(dg->note));
		json_object_set_new(o, "note", n);
	}
	return o;
}

static void dump_json(json_t *root, FILE *f)
{
	char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		BUG("cannot encode diagnostics as JSON");
	fputs(s, f);
	fputc('\n', f);
	free(s);
	json_decref(root);
}

static void print_json(const Diags *d, FILE *f)
{
	json_t *root = json_object();
	json_t *arr = json_array();
	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(arr, diag_json(&d->items[i]));
	json_object_set_new(root, "diagnostics", arr);
	json_t *sum = json_object();
	json_object_set_new(sum, "errors", json_integer(d->errors));
	json_object_set_new(sum, "warnings", json_integer(d->warnings));
	json_object_set_new(sum, "notes", json_integer(d->notes));
	if (d->not_shown) /* past DIAG_MAX: counted, not listed */
		json_object_set_new(sum, "not_shown", json_integer(d->not_shown));
	json_object_set_new(root, "summary", sum);
	dump_json(root, f);
}

static void print_sarif(const Diags *d, FILE *f)
{
	json_t *rules = json_array(), *results = json_array();
	const char **used = NULL;
	size_t nused = 0, cap = 0;
	/* rules: the codes used, in code order, so ruleIndex is stable */
	size_t ncodes;
	const CodeInfo *tab = diag_code_table(&ncodes);
	for (size_t c = 0; c < ncodes; c++) {
		bool hit = false;
		for (size_t i = 0; i < d->n && !hit; i++)
			hit = !strcmp(d->items[i].code, tab[c].code);
		if (!hit)
			continue;
		*VEC_PUSH(d->arena, used, nused, cap) = tab[c].code;
		json_t *r = json_object();
		json_object_set_new(r, "id", json_string(tab[c].code));
		json_object_set_new(r, "name", json_string(tab[c].name));
		json_t *fd = json_object();
		json_object_set_new(fd, "text", json_string(tab[c].explanation));
		json_object_set_new(r, "fullDescription", fd);
		json_t *dc = json_object();
		json_object_set_new(dc, "level",
				    json_string(diag_code_level(tab[c].code)));
		json_object_set_new(r, "defaultConfiguration", dc);
		json_array_append_new(rules, r);
	}
	for (size_t i = 0; i < d->n; i++) {
		const Diag *dg = &d->items[i];
		size_t idx = 0;
		while (idx < nused && strcmp(used[idx], dg->code))
			idx++;
		Strbuf msg = STRBUF_INIT;
		full_message(dg, &msg);
		if (dg->help)
			strbuf_addf(&msg, "\nhelp: %s", dg->help);
		json_t *r = json_object();
		json_object_set_new(r, "ruleId", json_string(dg->code));
		json_object_set_new(r, "ruleIndex", json_integer((json_int_t)idx));
		json_object_set_new(r, "level", json_string(sev_name(dg->sev)));
		json_t *m = json_object();
		json_object_set_new(m, "text", json_string(msg.buf));
		json_object_set_new(r, "message", m);
		json_t *region = json_object();
		json_object_set_new(region, "startLine", json_integer(dg->loc.line));
		json_object_set_new(region, "startColumn", json_integer(dg->loc.col));
		json_object_set_new(region, "endColumn",
				    json_integer(dg->loc.col + (dg->loc.len > 0 ? dg->loc.len : 1)));
		json_t *art = json_object();
		json_object_set_new(art, "uri", json_string(path_of(&dg->loc)));
		json_t *phys = json_object();
		json_object_set_new(phys, "artifactLocation", art);
		json_object_set_new(phys, "region", region);
		json_t *loc = json_object();
		json_object_set_new(loc, "physicalLocation", phys);
		json_t *locs = json_array();
		json_array_append_new(locs, loc);
		json_object_set_new(r, "locations", locs);
		json_array_append_new(results, r);
		strbuf_release(&msg);
	}
	json_t *driver = json_object();
	json_object_set_new(driver, "name", json_string("tablec"));
	json_object_set_new(driver, "version", json_string(TABLEC_VERSION));
	json_object_set_new(driver, "rules", rules);
	json_t *tool = json_object();
	json_object_set_new(tool, "driver", driver);
	json_t *run = json_object();
	json_object_set_new(run, "tool", tool);
	json_object_set_new(run, "results", results);
	json_t *runs = json_array();
	json_array_append_new(runs, run);
	json_t *root = json_object();
	json_object_set_new(root, "$schema",
			    json_string("https://json.schemastore.org/sarif-2.1.0.json"));
	json_object_set_new(root, "version", json_string("2.1.0"));
	json_object_set_new(root, "runs", runs);
	dump_json(root, f);
}

/* ---- github workflow commands: data and properties are %-escaped */

static void gh_escape(FILE *f, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else if (property && *s == ':')
			fputs("%3A", f);
		else if (property && *s == ',')
			fputs("%2C", f);
		else
			fputc(*s, f);
	}
}

static void print_github(const Diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const Diag *dg = &d->items[i];
		Strbuf msg = STRBUF_INIT, title = STRBUF_INIT;
		full_message(dg, &msg);
		if (dg->help)
			strbuf_addf(&msg, "\nhelp: %s", dg->help);
		strbuf_addf(&title, "%s %s", dg->code, diag_code_lookup(dg->code)->name);
		fprintf(f, "::%s file=", dg->sev == SEV_NOTE ? "notice"
							     : sev_name(dg->sev));
		gh_escape(f, path_of(&dg->loc), true);
		fprintf(f, ",line=%d,col=%d,endColumn=%d,title=", dg->loc.line,
			dg->loc.col, dg->loc.col + (dg->loc.len > 0 ? dg->loc.len : 1));
		gh_escape(f, title.buf, true);
		fputs("::", f);
		gh_escape(f, msg.buf, false);
		fputc('\n', f);
		strbuf_release(&msg);
		strbuf_release(&title);
	}
}

void diag_print(const Diags *d, DiagFormat fmt, FILE *f, bool color)
{
	switch (fmt) {
	case FMT_TEXT:
		print_text(d, f, color);
		break;
	case FMT_JSON:
		print_json(d, f);
		break;
	case FMT_GITHUB:
		print_github(d, f);
		break;
	case FMT_SARIF:
		print_sarif(d, f);
		break;
	}
}

/*
 * Did-you-mean over a list that a hostile spec can make long (10,000
 * table names) and ask about often (an unknown table in each of 10,000
 * grants): each suggestion costs a comparison per candidate, so a run
 * gets a budget of comparisons, and past it (or past DIAG_MAX) no more
 * suggestions are made.
 */
#define SUGGEST_BUDGET 200000

/* The closest of `cands` to `s` within a few edits, or one it begins. */
static const char *did_you_mean(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = 0;
	size_t max = strlen(s) / 3 + 1;
	if (max > 3)
		max = 3;
	for (size_t i = 0; i < n && cands[i]; i++) {
		if (!strcasecmp(s, cands[i]))
			return cands[i];
		size_t dist = util_edit_distance(s, cands[i], max);
		if (dist <= max && (!best || dist < best_d)) {
			best = cands[i];
			best_d = dist;
		}
	}
	if (!best) /* a prefix: `dele` for deletion_policy is too vague, */
		for (size_t i = 0; i < n && cands[i]; i++) /* but _ variants */
			if (strlen(s) >= 4 && !strncmp(cands[i], s, strlen(s)))
				return cands[i];
	return best;
}

const char *diag_suggest(Diags *d, const char *s, const char *const *cands,
			 size_t n)
{
	if (diag_full(d) || d->suggested + n > SUGGEST_BUDGET)
		return NULL;
	d->suggested += n;
	return did_you_mean(s, cands, n);
}
