/*
 * main.c: the command line. It parses each command's arguments, finds the
 * backends, and hands the work to compile.c, where the pipeline is.
 *
 * Exit codes are the contract's: 0 ok, 1 diagnostics with errors (or stale
 * files for `build --check`), 2 usage or I/O errors; 70 is an internal
 * error (a bug in tablec or a backend's template).
 */
#include "tablec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int usage_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("tablec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\ntry 'tablec --help'\n", stderr);
	return EXIT_USAGE;
}

/* ---- backends: --templates, then TABLEC_TEMPLATES, then the built-in
 * ones, which are inside the binary (a tablec copied anywhere has them) */

static bool is_dir(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static int find_backends(Arena *a, const char *user_dir, BackendSet *all,
			 BackendSet *builtin)
{
	const char *dirs[2];
	size_t n = 0;
	if (user_dir) {
		if (!is_dir(user_dir)) {
			fprintf(stderr, "tablec: --templates '%s' is not a directory\n",
				user_dir);
			return -1;
		}
		dirs[n++] = user_dir;
	}
	const char *env = getenv("TABLEC_TEMPLATES");
	if (env && *env)
		dirs[n++] = env;
	Strbuf err = STRBUF_INIT;
	int rc = backend_find(a, dirs, n, true, all, &err);
	if (!rc && builtin)
		rc = backend_find(a, NULL, 0, true, builtin, &err);
	if (rc)
		fprintf(stderr, "tablec: %s\n", err.buf);
	strbuf_release(&err);
	return rc;
}

/* ---- shared option parsing */

typedef struct Opts {
	const char **specs;
	size_t nspecs;
	const char *out_dir;
	const char **envs;
	size_t nenvs;
	const char **targets;
	size_t ntargets;
	const char *templates;
	const char **allow;
	size_t nallow;
	bool check;
	bool werror;
	DiagFormat format;
} Opts;

/* `allowed`: the command's options, as help_options() gives them. */
static int parse_opts(Arena *a, int argc, char **argv, Opts *o,
		      const char *options)
{
	const char *allowed = arena_printf(a, " %s ", options);
	size_t scap = 0, ecap = 0, tcap = 0, acap = 0;
	bool no_more_opts = false;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = NULL;
		if (no_more_opts || arg[0] != '-' || !arg[1]) {
			*VEC_PUSH(a, o->specs, o->nspecs, scap) = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			no_more_opts = true;
			continue;
		}
		/* --opt=value and --opt value */
		char name[64];
		const char *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		if (len >= sizeof name)
			return usage_error("unknown option '%s'", arg);
		memcpy(name, arg, len);
		name[len] = '\0';
		bool takes = !strcmp(name, "-o") || !strcmp(name, "--out") ||
			     !strcmp(name, "--env") || !strcmp(name, "--target") ||
			     !strcmp(name, "--templates") || !strcmp(name, "--format") ||
			     !strcmp(name, "--allow");
		bool flag = !strcmp(name, "--check") || !strcmp(name, "--werror");
		char word[sizeof name + 2];
		snprintf(word, sizeof word, " %s ", name);
		if ((!takes && !flag) || !strstr(allowed, word))
			return usage_error("unknown option '%s'", arg);
		if (takes) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("option '%s' needs a value", name);
		} else if (eq) {
			return usage_error("option '%s' takes no value", name);
		}
		if (!strcmp(name, "-o") || !strcmp(name, "--out")) {
			o->out_dir = val;
		} else if (!strcmp(name, "--env")) {
			*VEC_PUSH(a, o->envs, o->nenvs, ecap) = val;
		} else if (!strcmp(name, "--target")) {
			char *copy = arena_strdup(a, val);
			for (char *p = copy, *q; p; p = q) {
				q = strchr(p, ',');
				if (q)
					*q++ = '\0';
				if (*p)
					*VEC_PUSH(a, o->targets, o->ntargets, tcap) = p;
			}
		} else if (!strcmp(name, "--templates")) {
			o->templates = val;
		} else if (!strcmp(name, "--allow")) {
			if (!diag_code_lookup(val) || val[0] != 'D')
				return usage_error("--allow takes a diff code such "
						   "as D102, not '%s'", val);
			*VEC_PUSH(a, o->allow, o->nallow, acap) = val;
		} else if (!strcmp(name, "--format")) {
			if (diag_format_parse(val, &o->format))
				return usage_error("unknown format '%s' (text, json, "
						   "github, sarif)", val);
		} else if (!strcmp(name, "--check")) {
			o->check = true;
		} else if (!strcmp(name, "--werror")) {
			o->werror = true;
		}
	}
	return 0;
}

/* ---- commands */

static int cmd_build(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, help_options(a, "build"));
	if (rc)
		goto out;
	if (o.nspecs != 1) {
		rc = usage_error("build takes one spec");
		goto out;
	}
	BackendSet all = {0}, builtin = {0};
	if (find_backends(a, o.templates, &all, &builtin)) {
		rc = EXIT_USAGE;
		goto out;
	}
	/* --target names backends; without it, every built-in one (or the
	 * folder's backend that replaces it) */
	const Backend **targets = arena_alloc(a, (all.n + o.ntargets + 1) *
					      sizeof *targets);
	size_t ntargets = 0;
	for (size_t i = 0; i < o.ntargets; i++) {
		const Backend *b = backend_get(&all, o.targets[i]);
		if (!b) {
			fprintf(stderr, "tablec: unknown target '%s'; run 'tablec "
				"targets' for the list\n", o.targets[i]);
			rc = EXIT_USAGE;
			goto out;
		}
		targets[ntargets++] = b;
	}
	if (!o.ntargets)
		for (size_t i = 0; i < builtin.n; i++)
			targets[ntargets++] = backend_get(&all, builtin.items[i].name);
	Build b = {
		.spec = o.specs[0],
		.out_dir = o.out_dir,
		.envs = o.envs,
		.nenvs = o.nenvs,
		.targets = targets,
		.ntargets = ntargets,
		.check = o.check,
	};
	rc = compile_build(a, &b);
out:
	arena_free(a);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, help_options(a, "check"));
	if (rc)
		goto out;
	if (!o.nspecs) {
		rc = usage_error("check needs at least one spec");
		goto out;
	}
	/* all specs' diagnostics go out as one report */
	Diags all = {.arena = a};
	Compilation *cs = arena_alloc(a, o.nspecs * sizeof *cs);
	size_t ncomp = 0;
	for (size_t i = 0; i < o.nspecs; i++) {
		if (compile_file(&cs[ncomp], o.specs[i])) {
			rc = EXIT_USAGE;
			continue;
		}
		Diags *d = &cs[ncomp++].diags;
		for (size_t j = 0; j < d->n; j++)
			*VEC_PUSH(a, all.items, all.n, all.cap) = d->items[j];
		all.errors += d->errors;
		all.warnings += d->warnings;
		all.notes += d->notes;
		all.not_shown += d->not_shown;
	}
	Compilation shown = {.diags = all};
	compile_report(&shown, o.format, stdout);
	if (!rc)
		rc = all.errors || (o.werror && all.warnings) ? EXIT_DIAG : EXIT_OK;
	for (size_t i = 0; i < ncomp; i++)
		compile_release(&cs[i]);
out:
	arena_free(a);
	return rc;
}

static int cmd_ir(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, help_options(a, "ir"));
	if (rc)
		goto out_arena;
	if (o.nspecs != 1 || o.nenvs > 1) {
		rc = usage_error("ir takes one spec and at most one --env");
		goto out_arena;
	}
	Compilation c;
	if (compile_file(&c, o.specs[0])) {
		rc = EXIT_USAGE;
		goto out_comp;
	}
	if (c.diags.errors || !c.spec) {
		rc = compile_report(&c, FMT_TEXT, stderr);
		goto out_comp;
	}
	size_t n;
	const Env **envs = compile_select_envs(a, c.spec, o.envs, o.nenvs, &n);
	if (!envs) {
		rc = EXIT_USAGE;
		goto out_comp;
	}
	if (n != 1) {
		fprintf(stderr, "tablec: the spec has %zu environments; choose one "
			"with --env\n", n);
		rc = EXIT_USAGE;
		goto out_comp;
	}
	json_t *ir = lower_model(c.models[envs[0] - c.spec->envs],
				 compile_base_name(o.specs[0]));
	char *s = json_dumps(ir, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		BUG("cannot encode the IR");
	puts(s);
	free(s);
	json_decref(ir);
	rc = EXIT_OK;
out_comp:
	compile_release(&c);
out_arena:
	arena_free(a);
	return rc;
}

static int cmd_diff(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	Compilation c[2] = {{0}};
	int ncomp = 0;
	int rc = parse_opts(a, argc, argv, &o, help_options(a, "diff"));
	if (rc)
		goto out;
	if (o.nspecs != 2) {
		rc = usage_error("diff takes OLD and NEW");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		Strbuf sb = STRBUF_INIT;
		if (compile_read_spec(o.specs[i], &sb)) {
			strbuf_release(&sb);
			rc = EXIT_USAGE;
			goto out;
		}
		/* annotations and code scanning attach to files of the work
		 * tree: name a git:REV:PATH by its PATH there */
		const char *name = o.specs[i];
		if (!strncmp(name, "git:", 4) &&
		    (o.format == FMT_GITHUB || o.format == FMT_SARIF))
			name = strchr(name + 4, ':') + 1;
		compile_source(&c[i], name, sb.buf, sb.len);
		ncomp++;
		strbuf_release(&sb);
	}
	/* both versions must compile: say why not, in the usual form */
	if (c[0].diags.errors || !c[0].spec || c[1].diags.errors || !c[1].spec) {
		for (int i = 0; i < 2; i++)
			if (c[i].diags.errors || !c[i].spec)
				compile_report(&c[i], FMT_TEXT, stderr);
		fprintf(stderr, "tablec: fix the errors above to compare the specs\n");
		rc = EXIT_DIAG;
		goto out;
	}
	for (size_t i = 0; i < o.nenvs; i++) {
		bool known = false;
		for (size_t j = 0; j < c[1].spec->nenvs && !known; j++)
			known = !strcmp(c[1].spec->envs[j].name, o.envs[i]);
		if (!known) {
			rc = usage_error("NEW has no environment '%s'", o.envs[i]);
			goto out;
		}
	}
	Diags d = {.arena = a, .changes = true};
	diff_specs(a, &d, &c[0], &c[1], o.envs, o.nenvs, o.allow, o.nallow);
	Compilation shown = {.diags = d};
	rc = compile_report(&shown, o.format, stdout);
out:
	for (int i = 0; i < ncomp; i++)
		compile_release(&c[i]);
	arena_free(a);
	return rc;
}

static int cmd_targets(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, help_options(a, "targets"));
	if (!rc && o.nspecs)
		rc = usage_error("targets takes no spec");
	BackendSet all = {0};
	if (!rc && find_backends(a, o.templates, &all, NULL))
		rc = EXIT_USAGE;
	for (size_t i = 0; !rc && i < all.n; i++) {
		const Backend *b = &all.items[i];
		printf("%-22s", b->name);
		for (size_t f = 0; f < b->nfiles; f++)
			printf("%s%s", f ? ", " : "", b->files[f].output);
		printf("  %s\n", b->description ? b->description : "");
		/* where it comes from: a folder can add or replace backends */
		if (!b->origin)
			printf("%-22sbuilt in\n", "");
		else
			printf("%-22sfrom %s%s\n", "", b->dir,
			       b->overrides_builtin ? " (replaces the built-in one)"
						    : "");
	}
	arena_free(a);
	return rc;
}

static int cmd_explain(int argc, char **argv)
{
	size_t n;
	const CodeInfo *tab = diag_code_table(&n);
	if (argc == 1 && !strcmp(argv[0], "--list")) {
		for (size_t i = 0; i < n; i++)
			printf("%s  %-8s %s\n", tab[i].code,
			       diag_code_level(tab[i].code),
			       tab[i].name);
		return EXIT_OK;
	}
	if (argc == 1 && !strcmp(argv[0], "--markdown")) {
		printf("| code | severity | name | meaning and fix |\n|---|---|---|---|\n");
		for (size_t i = 0; i < n; i++)
			printf("| %s | %s | %s | %s |\n", tab[i].code,
			       diag_code_level(tab[i].code),
			       tab[i].name, tab[i].explanation);
		return EXIT_OK;
	}
	if (argc != 1)
		return usage_error("explain takes one code, e.g. E100");
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(argv[0], tab[i].code) || !strcmp(argv[0], tab[i].name)) {
			printf("%s %s (%s)\n\n%s\n", tab[i].code, tab[i].name,
			       diag_code_level(tab[i].code),
			       tab[i].explanation);
			return EXIT_OK;
		}
	return usage_error("unknown code '%s'; 'tablec explain --list' lists them",
			   argv[0]);
}

static int cmd_environments(int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-')
		return usage_error("environments takes one spec");
	Compilation c;
	if (compile_file(&c, argv[0]))
		return EXIT_USAGE;
	int rc = EXIT_OK;
	/* the names even when the spec has errors (shell completion asks for
	 * them while the spec is being written); the errors on stderr */
	if (c.diags.errors || !c.spec)
		rc = compile_report(&c, FMT_TEXT, stderr);
	for (size_t i = 0; c.spec && i < c.spec->nenvs; i++)
		puts(c.spec->envs[i].name);
	compile_release(&c);
	return rc;
}

static int cmd_schema(int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error("schema takes no argument");
	json_t *s = schema_build();
	char *text = json_dumps(s, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		BUG("cannot encode the schema");
	puts(text);
	free(text);
	json_decref(s);
	return EXIT_OK;
}

static int cmd_man(int argc, char **argv)
{
	(void)argv;
	if (argc)
		return usage_error("man takes no argument");
	return help_man(stdout);
}

static int cmd_completion(int argc, char **argv)
{
	if (argc != 1 || help_completion(stdout, argv[0]))
		return usage_error("completion takes bash or zsh");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	int rc;
	if (argc < 2)
		return usage_error("no command given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		if (argc > 2 && help_is_command(argv[2]))
			help_command_usage(stdout, argv[2]);
		else
			help_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("tablec %s\n", TABLEC_VERSION);
		return EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help_command_usage(stdout, cmd);
			return EXIT_OK;
		}
	if (!strcmp(cmd, "build"))
		rc = cmd_build(argc - 2, argv + 2);
	else if (!strcmp(cmd, "check"))
		rc = cmd_check(argc - 2, argv + 2);
	else if (!strcmp(cmd, "ir"))
		rc = cmd_ir(argc - 2, argv + 2);
	else if (!strcmp(cmd, "targets"))
		rc = cmd_targets(argc - 2, argv + 2);
	else if (!strcmp(cmd, "diff"))
		rc = cmd_diff(argc - 2, argv + 2);
	else if (!strcmp(cmd, "explain"))
		rc = cmd_explain(argc - 2, argv + 2);
	else if (!strcmp(cmd, "environments"))
		rc = cmd_environments(argc - 2, argv + 2);
	else if (!strcmp(cmd, "schema"))
		rc = cmd_schema(argc - 2, argv + 2);
	else if (!strcmp(cmd, "man"))
		rc = cmd_man(argc - 2, argv + 2);
	else if (!strcmp(cmd, "completion"))
		rc = cmd_completion(argc - 2, argv + 2);
	else
		rc = usage_error("unknown command '%s'", cmd);
	validate_cleanup();
	lang_cleanup();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tablec: cannot write output: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return rc;
}
