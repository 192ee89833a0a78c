/*
 * backend.c: backends. It takes the IR of one environment and gives
 * output files; a backend is nothing but a folder with manifest.json and
 * the templates it lists, so a new target format needs no change to
 * tablec itself. The built-in backends are such folders too, compiled
 * into the binary (scripts/embed-templates.py); --templates DIR and
 * TABLEC_TEMPLATES add folders that can add or replace backends.
 *
 * Every YAML or JSON file a backend renders is parsed back before it is
 * handed on. The escaping in tmpl.c makes data unable to break a document,
 * so a file that does not parse is a template bug, and it is reported as
 * an internal error naming the template instead of being written out.
 */
#include "tablec.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


#define MANIFEST_MAX ((size_t)1 << 20)
#define TEMPLATE_MAX ((size_t)4 << 20)

/* ---- finding backends */

/* Folder names that can be backends: [a-z0-9][a-z0-9_-]* */
static bool backend_name_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return false;
	return true;
}

/* A template path stays inside its backend: relative, no ".." part. */
static bool backend_template_ok(const char *s)
{
	if (!*s || *s == '/')
		return false;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		if (*p)
			p++;
	}
	return true;
}

/* An output is a plain file name in the environment's folder. */
static bool backend_output_ok(const char *s)
{
	if (!*s || *s == '.' || strchr(s, '/') || strchr(s, '\\') ||
	    strstr(s, ".."))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return false;
	return true;
}

static bool backend_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Messages name the manifest and the member: "M: files[0]: missing key
 * 'output'", "M: files[0].output: expected a string". `ctx` is the
 * object's own path ("files[0]"), or NULL for the top level.
 */
static void backend_where(Strbuf *err, const char *where, const char *ctx,
			  const char *key)
{
	strbuf_addf(err, "%s: ", where);
	if (ctx && key)
		strbuf_addf(err, "%s.%s: ", ctx, key);
	else if (ctx || key)
		strbuf_addf(err, "%s: ", ctx ? ctx : key);
}

/* The string member `key` of `obj`; reports a missing or non-string one. */
static const char *backend_str(Arena *a, json_t *obj, const char *key,
			       const char *where, const char *ctx, Strbuf *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v) {
		backend_where(err, where, ctx, NULL);
		strbuf_addf(err, "missing key '%s'", key);
		return NULL;
	}
	if (!json_is_string(v)) {
		backend_where(err, where, ctx, key);
		strbuf_addstr(err, "expected a string");
		return NULL;
	}
	size_t len = json_string_length(v);
	if (memchr(json_string_value(v), '\0', len)) {
		backend_where(err, where, ctx, key);
		strbuf_addstr(err, "NUL byte in string");
		return NULL;
	}
	return arena_strndup(a, json_string_value(v), len);
}

/* Rejects keys of `obj` not in the NULL-terminated `known`. */
static int backend_known_keys(json_t *obj, const char *const *known,
			      const char *where, const char *ctx, Strbuf *err)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		size_t i;
		for (i = 0; known[i]; i++)
			if (!strcmp(k, known[i]))
				break;
		if (known[i])
			continue;
		backend_where(err, where, ctx, NULL);
		strbuf_addf(err, "unknown key '%s' (", k);
		for (i = 0; known[i]; i++)
			strbuf_addf(err, "%s%s", i ? ", " : "", known[i]);
		strbuf_addch(err, ')');
		return -1;
	}
	return 0;
}

/* The built-in file "backend/path", or NULL. */
static const EmbeddedFile *embedded_get(const char *backend, const char *path)
{
	size_t bl = strlen(backend);
	for (const EmbeddedFile *e = tablec_embedded; e->name; e++)
		if (!strncmp(e->name, backend, bl) && e->name[bl] == '/' &&
		    !strcmp(e->name + bl + 1, path))
			return e;
	return NULL;
}

/*
 * A file of backend b, from its folder or from tablec's built-in copy, into
 * the arena. Returns 0; -2 when there is no such file; -1 with a message
 * in err when it cannot be read.
 */
static int backend_read(Arena *a, const Backend *b, const char *path,
			const char **text, size_t *len, Strbuf *err)
{
	*text = NULL;
	*len = 0;
	if (!b->origin) {
		const EmbeddedFile *e = embedded_get(b->name, path);
		if (!e)
			return -2;
		*text = e->data;
		*len = e->len;
		return 0;
	}
	const char *full = arena_printf(a, "%s/%s", b->dir, path);
	struct stat st;
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return -2;
	Strbuf sb = STRBUF_INIT;
	if (util_read_file(full, TEMPLATE_MAX, &sb)) {
		strbuf_addf(err, "%s: cannot read template: %s", full,
			    errno == EFBIG ? "larger than 4 MiB" : strerror(errno));
		strbuf_release(&sb);
		return -1;
	}
	*text = arena_strndup(a, sb.buf, sb.len);
	*len = sb.len;
	strbuf_release(&sb);
	return 0;
}

static int backend_file(Arena *a, Backend *b, json_t *f, size_t idx,
			const char *where, Strbuf *err)
{
	static const char *const keys[] = {"template", "output", "language",
					   "each", "max_bytes", NULL};
	BackendFile *bf = &b->files[idx];
	char *what = arena_printf(a, "files[%zu]", idx);

	if (!json_is_object(f)) {
		backend_where(err, where, what, NULL);
		strbuf_addstr(err, "expected an object");
		return -1;
	}
	if (backend_known_keys(f, keys, where, what, err))
		return -1;
	const char *tmpl = backend_str(a, f, "template", where, what, err);
	if (!tmpl)
		return -1;
	const char *output = backend_str(a, f, "output", where, what, err);
	if (!output)
		return -1;
	const char *lang = backend_str(a, f, "language", where, what, err);
	if (!lang)
		return -1;

	if (!backend_template_ok(tmpl)) {
		backend_where(err, where, what, "template");
		strbuf_addf(err, "'%s' must be a relative path inside the "
			    "backend's folder (no '..')", tmpl);
		return -1;
	}
	bf->template_path = arena_printf(a, "%s/%s", b->dir, tmpl);
	if (backend_read(a, b, tmpl, &bf->text, &bf->len, err) == -2) {
		backend_where(err, where, what, "template");
		strbuf_addf(err, "no such file '%s'", bf->template_path);
		return -1;
	}
	if (!bf->text)
		return -1;
	if (!backend_output_ok(output)) {
		backend_where(err, where, what, "output");
		strbuf_addf(err, "'%s' must be a plain file name (no '/', no "
			    "'..', not starting with '.')", output);
		return -1;
	}
	for (size_t i = 0; i < idx; i++) {
		if (!strcmp(b->files[i].output, output)) {
			backend_where(err, where, what, "output");
			strbuf_addf(err, "'%s' is also the output of "
				    "files[%zu]", output, i);
			return -1;
		}
	}
	bf->output = output;
	json_t *each = json_object_get(f, "each");
	if (each) {
		if (!json_is_string(each) || strcmp(json_string_value(each), "stacks")) {
			backend_where(err, where, what, "each");
			strbuf_addstr(err, "takes only \"stacks\"");
			return -1;
		}
		bf->each_stack = true;
	}
	json_t *mb = json_object_get(f, "max_bytes");
	if (mb) {
		if (!json_is_integer(mb) || json_integer_value(mb) < 1) {
			backend_where(err, where, what, "max_bytes");
			strbuf_addstr(err, "expected a positive integer");
			return -1;
		}
		bf->max_bytes = (size_t)json_integer_value(mb);
	}
	if (lang_parse(lang, &bf->lang)) {
		backend_where(err, where, what, "language");
		strbuf_addf(err, "unknown language '%s' (yaml, json, hcl, "
			    "shell, text, markdown)", lang);
		return -1;
	}
	return 0;
}

/* Reads and checks `dir`/`name`/manifest.json into *b. */
static int backend_load(Arena *a, const char *dir, const char *name,
			Backend *b, Strbuf *err)
{
	static const char *const keys[] = {"description", "files", NULL};
	Strbuf text = STRBUF_INIT;
	json_error_t jerr;
	int ret = -1;
	json_t *m = NULL;

	b->name = arena_strdup(a, name);
	b->origin = dir;
	b->dir = dir ? arena_printf(a, "%s/%s", dir, name)
		     : arena_printf(a, "built-in:%s", name);
	const char *where = arena_printf(a, "%s/manifest.json", b->dir);

	if (dir && util_read_file(where, MANIFEST_MAX, &text)) {
		strbuf_addf(err, "%s: cannot read: %s", where,
			    errno == EFBIG ? "larger than 1 MiB"
					   : strerror(errno));
		goto out;
	}
	if (!dir) {
		const EmbeddedFile *e = embedded_get(name, "manifest.json");
		if (!e)
			BUG("built-in backend '%s' has no manifest", name);
		strbuf_add(&text, e->data, e->len);
	}
	m = json_loadb(text.buf, text.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m) {
		strbuf_addf(err, "%s:%d:%d: %s", where, jerr.line, jerr.column,
			    jerr.text);
		goto out;
	}
	if (!json_is_object(m)) {
		strbuf_addf(err, "%s: expected an object", where);
		goto out;
	}
	if (backend_known_keys(m, keys, where, NULL, err))
		goto out;
	b->description = backend_str(a, m, "description", where, NULL, err);
	if (!b->description)
		goto out;
	json_t *files = json_object_get(m, "files");
	if (!files || !json_is_array(files) || !json_array_size(files)) {
		strbuf_addf(err, "%s: files: expected a non-empty list", where);
		goto out;
	}
	b->nfiles = json_array_size(files);
	b->files = arena_alloc(a, b->nfiles * sizeof *b->files);
	for (size_t i = 0; i < b->nfiles; i++)
		if (backend_file(a, b, json_array_get(files, i), i, where, err))
			goto out;
	ret = 0;
out:
	json_decref(m);
	strbuf_release(&text);
	return ret;
}

static int backend_cmp(const void *x, const void *y)
{
	return strcmp(((const Backend *)x)->name, ((const Backend *)y)->name);
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static bool backend_have(const Backend *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return true;
	return false;
}

/*
 * The candidate folders of `dir`, sorted so that which broken manifest is
 * reported first does not depend on the file system's order.
 */
static int backend_scan(Arena *a, const char *dir, char ***names, size_t *n,
			Strbuf *err)
{
	size_t cap = 0;
	DIR *d = opendir(dir);
	*names = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		strbuf_addf(err, "%s: cannot read directory: %s", dir,
			    strerror(errno));
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!backend_name_ok(de->d_name))
			continue;
		char *sub = arena_printf(a, "%s/%s", dir, de->d_name);
		char *man = arena_printf(a, "%s/manifest.json", sub);
		struct stat st;
		if (!backend_is_dir(sub) || stat(man, &st) != 0)
			continue;
		*VEC_PUSH(a, *names, *n, cap) = arena_strdup(a, de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, str_cmp);
	return 0;
}

int backend_find(Arena *a, const char *const *dirs, size_t ndirs,
		  bool builtin, BackendSet *out, Strbuf *err)
{
	Backend *v = NULL;
	size_t n = 0, cap = 0;

	out->items = NULL;
	out->n = 0;
	for (size_t i = 0; i < ndirs; i++) {
		char **names;
		size_t nnames;
		if (!backend_is_dir(dirs[i]))
			continue;
		if (backend_scan(a, dirs[i], &names, &nnames, err))
			return -1;
		for (size_t j = 0; j < nnames; j++) {
			if (backend_have(v, n, names[j]))
				continue; /* an earlier directory wins */
			Backend b = {0};
			if (backend_load(a, dirs[i], names[j], &b, err))
				return -1;
			*VEC_PUSH(a, v, n, cap) = b;
		}
	}
	/* the built-in backends, under what the folders did not define;
	 * entries are sorted, so a backend's files are one run */
	for (const EmbeddedFile *e = tablec_embedded; builtin && e->name; e++) {
		const char *slash = strchr(e->name, '/');
		if (!slash || strcmp(slash + 1, "manifest.json"))
			continue;
		char *name = arena_strndup(a, e->name, (size_t)(slash - e->name));
		Backend b = {0};
		const Backend *shadow = NULL;
		for (size_t k = 0; k < n && !shadow; k++)
			if (!strcmp(v[k].name, name))
				shadow = &v[k];
		if (shadow) {
			v[shadow - v].overrides_builtin = true;
			continue;
		}
		if (backend_load(a, NULL, name, &b, err))
			return -1;
		*VEC_PUSH(a, v, n, cap) = b;
	}
	if (n)
		qsort(v, n, sizeof *v, backend_cmp);
	out->items = v;
	out->n = n;
	return 0;
}

const Backend *backend_get(const BackendSet *set, const char *name)
{
	Backend key = {.name = name};
	if (!set->n)
		return NULL;
	return bsearch(&key, set->items, set->n, sizeof key, backend_cmp);
}

/* ---- rendering */

/* The template's path as the manifest names it, for messages. */
static const char *backend_tmpl_name(const Backend *b, const BackendFile *f)
{
	size_t n = strlen(b->dir);
	if (!strncmp(f->template_path, b->dir, n) && f->template_path[n] == '/')
		return f->template_path + n + 1;
	return f->template_path;
}

/* "cloudformation.yaml" with ".1" -> "cloudformation.1.yaml" */
static const char *output_name(Arena *a, const char *output, const char *suffix)
{
	if (!*suffix)
		return output;
	const char *dot = strrchr(output, '.');
	size_t stem = dot && dot != output ? (size_t)(dot - output) : strlen(output);
	return arena_printf(a, "%.*s%s%s", (int)stem, output, suffix, output + stem);
}

/* Is `file` a name b writes: one of its outputs, or for a file per stack
 * the output with a stack's suffix (cloudformation.01.yaml)? */
bool backend_owns(const Backend *b, const char *file)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *out = b->files[i].output;
		if (!strcmp(out, file))
			return true;
		if (!b->files[i].each_stack)
			continue;
		const char *dot = strrchr(out, '.');
		size_t stem = dot && dot != out ? (size_t)(dot - out) : strlen(out);
		const char *ext = out + stem;
		size_t fl = strlen(file), el = strlen(ext);
		if (fl < stem + 2 + el || strncmp(file, out, stem) ||
		    file[stem] != '.' || strcmp(file + fl - el, ext))
			continue;
		bool bits = true; /* stack ids are strings of hash bits */
		for (size_t k = stem + 1; k < fl - el && bits; k++)
			bits = file[k] == '0' || file[k] == '1';
		if (bits)
			return true;
	}
	return false;
}

/* Renders one file of a backend into text, checked. */
static int render_one(const Backend *b, const BackendFile *f, const Strbuf *tmpl,
		      json_t *ctx, const char *name, Strbuf *text, Strbuf *err)
{
	Strbuf why = STRBUF_INIT;
	int ret = -1;
	strbuf_reset(text);
	int r = tmpl_render(f->template_path, tmpl->buf, tmpl->len, ctx,
			    f->lang, text, err);
	if (r) {
		ret = r; /* RENDER_TOO_LARGE is the spec's size, not a bug */
		goto out;
	}
	if (f->lang == LANG_HCL)
		lang_hcl_align(text);
	int bad = 0;
	if (f->lang == LANG_YAML)
		bad = lang_check_yaml(text->buf, text->len, &why);
	else if (f->lang == LANG_JSON)
		bad = lang_check_json(text->buf, text->len, &why);
	if (bad) {
		strbuf_addf(err, "internal error: backend '%s' template "
			    "'%s' produced invalid %s", b->name,
			    backend_tmpl_name(b, f), why.buf);
		goto out;
	}
	if (f->max_bytes && text->len > f->max_bytes) {
		strbuf_addf(err, "internal error: backend '%s' wrote %zu bytes "
			    "into %s, over its max_bytes of %zu (stacks.c "
			    "estimated it smaller)", b->name, text->len, name,
			    f->max_bytes);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&why);
	return ret;
}

int backend_render(Arena *a, const Backend *b, const char *env, json_t *ir,
		   Output **outs, size_t *n, size_t *cap, Strbuf *err)
{
	size_t n0 = *n;
	Strbuf tmpl = STRBUF_INIT, text = STRBUF_INIT;
	int ret = -1;
	json_t *stacks = json_object_get(ir, "stacks");

	for (size_t i = 0; i < b->nfiles; i++) {
		const BackendFile *f = &b->files[i];
		strbuf_reset(&tmpl);
		strbuf_add(&tmpl, f->text, f->len);
		/* a file per stack: the stack's keys over the IR's */
		size_t nctx = f->each_stack && stacks ? json_array_size(stacks) : 1;
		for (size_t s = 0; s < nctx; s++) {
			json_t *ctx = ir;
			const char *name = f->output;
			if (f->each_stack && stacks) {
				json_t *st = json_array_get(stacks, s);
				ctx = json_copy(ir);
				json_object_update(ctx, st);
				name = output_name(a, f->output,
						   json_string_value(json_object_get(
							   st, "file_suffix")));
			}
			int bad = render_one(b, f, &tmpl, ctx, name, &text, err);
			if (ctx != ir)
				json_decref(ctx);
			if (bad == RENDER_TOO_LARGE) {
				strbuf_reset(err);
				strbuf_addf(err, "%s/%s", env, name);
				ret = bad;
			}
			if (bad)
				goto out;
			Output *o = VEC_PUSH(a, *outs, *n, *cap);
			o->path = arena_printf(a, "%s/%s", env, name);
			o->file = name;
			o->data = arena_strndup(a, text.buf, text.len);
			o->len = text.len;
			o->executable = f->lang == LANG_SHELL;
		}
	}
	ret = 0;
out:
	if (ret)
		*n = n0; /* all of the backend's files or none */
	strbuf_release(&tmpl);
	strbuf_release(&text);
	return ret;
}
