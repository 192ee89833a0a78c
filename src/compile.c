/*
 * compile.c: the pipeline. compile_source() is the front end, one stage
 * after the other: load -> parse -> (per environment) resolve -> validate
 * -> stacks; compile_build() is the whole of `tablec build`: the front
 * end, then per environment lower -> render each backend -> write.
 * Reading the two is reading tablec.
 *
 * A stage runs even after an earlier one reported errors, as long as it
 * has something to work on, so that one run reports every error; nothing
 * is lowered or written once there is one.
 */
#include "tablec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The front end on a spec already in memory; `name` is how diagnostics
 * name it (a path, or git:REV:PATH). */
void compile_source(Compilation *c, const char *name, const char *text,
		    size_t len)
{
	memset(c, 0, sizeof *c);
	c->arena = arena_new();
	c->diags.arena = c->arena;
	Source *src = diag_source_new(c->arena, name, arena_strndup(c->arena, text, len),
				 len);
	if (len > LOAD_MAX_FILE) {
		diag_report(&c->diags, "E006", (Loc){src, 1, 1, 1},
			    "spec is over the limit of %u bytes",
			    (unsigned)LOAD_MAX_FILE);
		diag_finish(&c->diags);
		return;
	}

	Node *root = load_yaml(c->arena, &c->diags, src);
	if (root)
		c->spec = parse_spec(c->arena, &c->diags, src, root);
	if (c->spec) {
		Spec *s = c->spec;
		c->models = arena_alloc(c->arena, (s->nenvs + 1) * sizeof *c->models);
		c->diags.all_envs = arena_alloc(c->arena, (s->nenvs + 1) * sizeof(char *));
		c->diags.nall_envs = s->nenvs;
		for (size_t i = 0; i < s->nenvs; i++)
			c->diags.all_envs[i] = s->envs[i].name;
		for (size_t i = 0; i < s->nenvs; i++) {
			const Env *env = &s->envs[i];
			c->diags.env = env->name;
			Resolved *r = resolve_env(c->arena, &c->diags, s, env);
			c->models[i] = validate_env(c->arena, &c->diags, s, env, r);
			if (c->models[i])
				stacks_plan(c->arena, &c->diags, c->models[i]);
		}
		c->diags.env = NULL;
	}
	diag_finish(&c->diags);
}

int compile_file(Compilation *c, const char *path)
{
	Strbuf sb = STRBUF_INIT;
	/* one byte past the limit is enough to know it is too big */
	int rc = util_read_file(path, LOAD_MAX_FILE + 1, &sb);
	int err = errno;
	if (rc < 0 && err != EFBIG) {
		memset(c, 0, sizeof *c);
		fprintf(stderr, "tablec: cannot read '%s': %s\n", path,
			strerror(err));
		strbuf_release(&sb);
		return -1;
	}
	compile_source(c, path, sb.buf, rc < 0 ? (size_t)LOAD_MAX_FILE + 1 : sb.len);
	strbuf_release(&sb);
	return 0;
}

void compile_release(Compilation *c)
{
	arena_free(c->arena);
	memset(c, 0, sizeof *c);
}

/* ---- what the commands share */

static bool use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(nc && *nc);
}

int compile_report(const Compilation *c, DiagFormat fmt, FILE *f)
{
	diag_print(&c->diags, fmt, f, fmt == FMT_TEXT && use_color(f));
	return c->diags.errors ? EXIT_DIAG : EXIT_OK;
}

const Env **compile_select_envs(Arena *a, const Spec *s,
				const char *const *names, size_t nnames,
				size_t *n)
{
	const Env **out = arena_alloc(a, (s->nenvs + 1) * sizeof *out);
	*n = 0;
	for (size_t i = 0; i < nnames; i++) {
		bool known = false;
		for (size_t j = 0; j < s->nenvs && !known; j++)
			known = !strcmp(s->envs[j].name, names[i]);
		if (!known) {
			fprintf(stderr, "tablec: unknown environment '%s'; the spec "
				"defines:", names[i]);
			for (size_t j = 0; j < s->nenvs; j++)
				fprintf(stderr, " %s", s->envs[j].name);
			fputc('\n', stderr);
			return NULL;
		}
	}
	for (size_t j = 0; j < s->nenvs; j++) {
		bool want = !nnames;
		for (size_t i = 0; i < nnames && !want; i++)
			want = !strcmp(s->envs[j].name, names[i]);
		if (want)
			out[(*n)++] = &s->envs[j];
	}
	return out;
}

const char *compile_base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/*
 * Reads a spec given as a path or as git:REV:PATH (git show, run without a
 * shell, so that no part of the argument is interpreted). Returns 0, or
 * -1 after printing why.
 */
int compile_read_spec(const char *arg, Strbuf *out)
{
	if (strncmp(arg, "git:", 4)) {
		if (util_read_file(arg, LOAD_MAX_FILE + 1, out) && errno != EFBIG) {
			fprintf(stderr, "tablec: cannot read '%s': %s\n", arg,
				strerror(errno));
			return -1;
		}
		return 0;
	}
	const char *object = arg + 4;
	if (!strchr(object, ':')) {
		fprintf(stderr, "tablec: '%s' is not git:REV:PATH\n", arg);
		return -1;
	}
	int fds[2];
	if (pipe(fds)) {
		fprintf(stderr, "tablec: pipe: %s\n", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	/* --end-of-options: an object such as "--output=FILE:x" is a
	 * revision to git, never an option that writes a file */
	char *const args[] = {"git", "show", "--no-textconv", "--end-of-options",
			      (char *)object, NULL};
	pid_t pid;
	int rc = posix_spawnp(&pid, "git", &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		fprintf(stderr, "tablec: cannot run git: %s\n", strerror(rc));
		return -1;
	}
	char buf[65536];
	ssize_t n;
	bool too_big = false;
	while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && !too_big) {
			strbuf_add(out, buf, (size_t)n);
			too_big = out->len > LOAD_MAX_FILE;
		}
	close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "tablec: git show %s failed\n", object);
		return -1;
	}
	return 0;
}

/* ---- tablec build */

/* E245: an output file over OUTPUT_MAX. Not found by `check`, which
 * renders nothing; located at `tables`, whose size is the cause. */
static int report_too_large(Compilation *c, const Backend *b, const char *path)
{
	Diags d = {.arena = c->arena};
	Diag *dg = diag_report(&d, "E245", c->spec->tables_at->loc,
			       "the %s output %s would be larger than %zu MiB, "
			       "the limit of one output file",
			       b->name, path, OUTPUT_MAX >> 20);
	diag_help(dg, &d, "%s", strncmp(b->name, "cloudformation", 14)
		  ? "divide the tables among several specs, or leave this "
		    "backend out with --target"
		  : "set `cloudformation: { split: true }`, or divide the "
		    "tables among several specs");
	diag_finish(&d);
	diag_print(&d, FMT_TEXT, stderr, use_color(stderr));
	return EXIT_DIAG;
}

/* For write_sweep: does a chosen backend write this file name? */
typedef struct Chosen {
	const Backend *const *targets;
	size_t n;
} Chosen;

static bool chosen_owns(const char *file, void *ctx)
{
	const Chosen *ch = ctx;
	for (size_t i = 0; i < ch->n; i++)
		if (backend_owns(ch->targets[i], file))
			return true;
	return false;
}

/* The output folder: -o, else out/<project>, else out/<spec's name>. */
static const char *out_dir(Arena *a, const Build *b, const Spec *s)
{
	if (b->out_dir)
		return b->out_dir;
	const char *name = s->project;
	if (!name) {
		char *base = arena_strdup(a, compile_base_name(b->spec));
		char *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		name = base;
	}
	return arena_printf(a, "out/%s", name);
}

int compile_build(Arena *a, const Build *b)
{
	Compilation c;
	if (compile_file(&c, b->spec))
		return EXIT_USAGE;
	int rc = compile_report(&c, FMT_TEXT, stderr); /* warnings, or errors */
	size_t nenv = 0;
	const Env **envs = NULL;
	if (!rc && c.spec) {
		envs = compile_select_envs(a, c.spec, b->envs, b->nenvs, &nenv);
		if (!envs)
			rc = EXIT_USAGE;
	} else if (!c.spec) {
		rc = EXIT_DIAG;
	}
	if (rc)
		goto out;

	Writer *w = write_open(a, out_dir(a, b, c.spec), b->spec, b->check);
	Chosen chosen = {b->targets, b->ntargets};
	Strbuf err = STRBUF_INIT;
	for (size_t e = 0; e < nenv && !rc; e++) {
		const Model *m = c.models[envs[e] - c.spec->envs];
		json_t *ir = lower_model(m, compile_base_name(b->spec));
		for (size_t t = 0; t < b->ntargets && !rc; t++) {
			Output *outs = NULL;
			size_t nouts = 0, cap = 0;
			int r = backend_render(a, b->targets[t], envs[e]->name, ir,
					       &outs, &nouts, &cap, &err);
			if (r == RENDER_TOO_LARGE) {
				rc = report_too_large(&c, b->targets[t], err.buf);
			} else if (r) {
				fprintf(stderr, "tablec: %s\n", err.buf);
				rc = EXIT_BUG;
			}
			for (size_t i = 0; i < nouts && !rc; i++)
				if (write_add(w, envs[e]->name, outs[i].file,
					      outs[i].data, outs[i].len,
					      outs[i].executable))
					rc = EXIT_USAGE;
		}
		json_decref(ir);
		if (!rc)
			write_sweep(w, envs[e]->name, chosen_owns, &chosen);
	}
	strbuf_release(&err);
	if (rc) {
		write_abort(w);
		goto out;
	}
	int wrc = write_commit(w);
	rc = b->check ? (wrc ? EXIT_DIAG : EXIT_OK) : (wrc ? EXIT_USAGE : EXIT_OK);
out:
	compile_release(&c);
	return rc;
}
