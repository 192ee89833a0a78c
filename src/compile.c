/*
 * compile.c: the front end as one function. Reading it is reading the
 * pipeline: load -> parse -> (per environment) resolve -> validate ->
 * stacks.
 * Lowering and rendering are driven by main.c, which knows which
 * environments and backends were asked for.
 *
 * A stage runs even after an earlier one reported errors, as long as it
 * has something to work on, so that one run reports every error.
 */
#include "tablec.h"

#include <errno.h>
#include <string.h>

/* The front end on a spec already in memory; `name` is how diagnostics
 * name it (a path, or git:REV:PATH). */
void compile_source(Compilation *c, const char *name, const char *text,
		    size_t len)
{
	memset(c, 0, sizeof *c);
	c->arena = arena_new();
	c->diags.arena = c->arena;
	Source *src = source_new(c->arena, name, arena_strndup(c->arena, text, len),
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
				plan_stacks(c->arena, &c->diags, c->models[i]);
		}
		c->diags.env = NULL;
	}
	diag_finish(&c->diags);
}

int compile_file(Compilation *c, const char *path)
{
	Strbuf sb = STRBUF_INIT;
	/* one byte past the limit is enough to know it is too big */
	int rc = read_file(path, LOAD_MAX_FILE + 1, &sb);
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

void compilation_release(Compilation *c)
{
	arena_free(c->arena);
	memset(c, 0, sizeof *c);
}
