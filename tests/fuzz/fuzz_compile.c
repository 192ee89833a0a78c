/*
 * fuzz_compile.c: libFuzzer target for the whole of `tablec build` short of
 * writing files. The input is a spec; when it compiles without errors,
 * every environment is lowered to the IR and rendered with every built-in
 * backend of templates/ (render.c parses YAML and JSON outputs back). A
 * valid spec must render everywhere: a render error, a BUG() exit (70), a
 * sanitizer report or a leak is a crash. As a bonus, diffing the spec
 * against itself must report no change.
 */
#include "tablec.h"

#ifndef TABLEC_TEMPLATES_DIR
#error "meson defines TABLEC_TEMPLATES_DIR (the source tree's templates/)"
#endif

static Arena *arena; /* the backends' for the whole process */
static BackendSet backends;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!backends.n) {
		static const char *const dirs[] = {TABLEC_TEMPLATES_DIR};
		Strbuf err = STRBUF_INIT;
		arena = arena_new();
		if (backend_find(arena, dirs, 1, false, &backends, &err) ||
		    !backends.n) {
			fprintf(stderr, "no backends in %s: %s\n", dirs[0], err.buf);
			abort();
		}
	}
	Compilation c;
	compile_source(&c, "fuzz.yaml", (const char *)data, size);
	if (c.spec && !c.diags.errors) {
		Output *outs = NULL;
		size_t n = 0, cap = 0;
		Strbuf err = STRBUF_INIT;
		for (size_t e = 0; e < c.spec->nenvs; e++) {
			json_t *ir = lower_model(c.models[e], "fuzz.yaml");
			for (size_t b = 0; b < backends.n; b++) {
				int r = backend_render(c.arena, &backends.items[b],
						       c.spec->envs[e].name, ir,
						       &outs, &n, &cap, &err);
				/* an output over 64 MiB is E245, not a bug */
				if (r && r != RENDER_TOO_LARGE) {
					fprintf(stderr, "render failed: %s\n", err.buf);
					abort();
				}
				strbuf_reset(&err);
			}
			json_decref(ir);
		}
		strbuf_release(&err);
		Diags d = {.arena = c.arena, .changes = true};
		diff_specs(c.arena, &d, &c, &c, NULL, 0, NULL, 0);
		if (d.n) {
			fprintf(stderr, "diff of a spec with itself: %s %s\n",
				d.items[0].code, d.items[0].msg);
			abort();
		}
	}
	compile_release(&c);
	return 0;
}
