/*
 * main.c: the command line. It parses arguments, runs the front end
 * (compile.c), and for `build` lowers each environment to the IR, renders
 * the chosen backends and writes the files.
 *
 * Exit codes are the contract's: 0 ok, 1 diagnostics with errors (or stale
 * files for `build --check`), 2 usage or I/O errors; 70 is an internal
 * error (a bug in tablec or a backend's template).
 *
 * Writes are all-or-nothing: every file is rendered and checked in memory
 * first, then written to a temporary file beside its destination, and only
 * when every temporary file is complete are they renamed into place.
 */
#include "tablec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { EXIT_OK = 0, EXIT_DIAG = 1, EXIT_USAGE = 2, EXIT_BUG = 70 };

static const char usage_text[] =
	"usage: tablec <command> [options]\n"
	"\n"
	"commands:\n"
	"  build SPEC [-o DIR] [--env E]... [--target T[,T]...] [--templates DIR] [--check]\n"
	"        validate SPEC and write DIR/<env>/<file> for each environment and\n"
	"        backend (DIR defaults to out/<project or spec name>); --check writes\n"
	"        nothing and fails when a file on disk differs\n"
	"  check SPEC... [--format text|json|github|sarif] [--werror]\n"
	"        validate every environment and print diagnostics\n"
	"  ir SPEC [--env E]\n"
	"        print the resolved intermediate representation of one environment\n"
	"  diff OLD NEW [--env E]... [--format text|json|github|sarif] [--allow CODE]...\n"
	"        classify every change between two versions of a spec; OLD and NEW\n"
	"        are files or git:REV:PATH; exit 1 when a change is blocking\n"
	"  targets [--templates DIR]\n"
	"        list the backends found\n"
	"  explain CODE | explain --list\n"
	"        what a diagnostic code means and how to proceed\n"
	"\n"
	"options:\n"
	"  -h, --help     show this help\n"
	"  --version      show the version\n"
	"\n"
	"exit status: 0 ok, 1 errors in the spec (or stale files), 2 usage or I/O error\n";

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
	int rc = backends_find(a, dirs, n, true, all, &err);
	if (!rc && builtin)
		rc = backends_find(a, NULL, 0, true, builtin, &err);
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

static int parse_opts(Arena *a, int argc, char **argv, Opts *o,
		      const char *allowed)
{
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
		if ((!takes && !flag) || !strstr(allowed, name))
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
			if (!code_lookup(val) || val[0] != 'D')
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

static bool use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fileno(f)) && !(nc && *nc);
}

static int cmp_cstr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The environments asked for, in spec order; NULL on an unknown name. */
static const Env **select_envs(Arena *a, const Spec *s, const Opts *o,
			       size_t *n)
{
	const Env **out = arena_alloc(a, (s->nenvs + 1) * sizeof *out);
	*n = 0;
	for (size_t i = 0; i < o->nenvs; i++) {
		bool known = false;
		for (size_t j = 0; j < s->nenvs && !known; j++)
			known = !strcmp(s->envs[j].name, o->envs[i]);
		if (!known) {
			fprintf(stderr, "tablec: unknown environment '%s'; the spec "
				"defines:", o->envs[i]);
			for (size_t j = 0; j < s->nenvs; j++)
				fprintf(stderr, " %s", s->envs[j].name);
			fputc('\n', stderr);
			return NULL;
		}
	}
	for (size_t j = 0; j < s->nenvs; j++) {
		bool want = !o->nenvs;
		for (size_t i = 0; i < o->nenvs && !want; i++)
			want = !strcmp(s->envs[j].name, o->envs[i]);
		if (want)
			out[(*n)++] = &s->envs[j];
	}
	return out;
}

static size_t env_index(const Spec *s, const Env *e)
{
	return (size_t)(e - s->envs);
}

/* ---- writing files */

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -1;
	return is_dir(buf) ? 0 : (errno = ENOTDIR, -1);
}

/* Reads the file `name` in directory dirfd, without following a symbolic
 * link, and says whether it holds exactly o's bytes. */
static bool same_content_at(int dirfd, const char *name, const Output *o)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	Strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t r;
	while (sb.len <= o->len && (r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf_add(&sb, buf, (size_t)r);
	}
	close(fd);
	bool same = sb.len == o->len && !memcmp(sb.buf, o->data, o->len);
	strbuf_release(&sb);
	return same;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * The folder of one environment under the output folder, opened without
 * following a symbolic link: an output never lands outside the chosen
 * folder, whatever links sit in it. Environment names are validated
 * ([A-Za-z0-9_-]), so the name is one plain path component.
 */
static int open_env_dir(int rootfd, const char *env, bool create,
			bool *created)
{
	int fd = openat(rootfd, env, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(rootfd, env, 0777) && errno != EEXIST)
			return -1;
		*created = true;
		fd = openat(rootfd, env, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

typedef struct Pending {
	int dirfd;
	const char *tmp, *name, *shown;
} Pending;

/* Splits "env/file" (render.c writes exactly that form). */
static void split_output(Arena *a, const Output *o, const char **env,
			 const char **file)
{
	const char *slash = strchr(o->path, '/');
	if (!slash || strchr(slash + 1, '/'))
		BUG("output path '%s' is not env/file", o->path);
	*env = arena_strndup(a, o->path, (size_t)(slash - o->path));
	*file = slash + 1;
}

/*
 * Writes every output under dir: all to temporary files first; only when
 * all of them are complete are they renamed into place, and on any failure
 * the temporary files and the folders this run made are removed. A file
 * whose content is unchanged is left alone (its timestamp too). Below dir,
 * no symbolic link is followed: a link where an output goes is replaced,
 * and a link where an environment's folder goes is an error.
 */
static int write_outputs(Arena *a, const char *dir, const Output *outs,
			 size_t n)
{
	Pending *pend = arena_alloc(a, (n + 1) * sizeof *pend);
	int *fds = arena_alloc(a, (n + 1) * sizeof *fds);
	const char **envs = arena_alloc(a, (n + 1) * sizeof *envs);
	bool *made = arena_alloc(a, (n + 1) * sizeof *made);
	size_t np = 0, nenv = 0;
	int rc = 0, rootfd = -1;
	bool made_root = !is_dir(dir);
	if (mkdirs(dir) || (rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "tablec: cannot create '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	static unsigned serial;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *env, *file;
		split_output(a, &outs[i], &env, &file);
		size_t e = 0;
		while (e < nenv && strcmp(envs[e], env))
			e++;
		if (e == nenv) {
			envs[nenv] = env;
			made[nenv] = false;
			fds[nenv] = open_env_dir(rootfd, env, true, &made[nenv]);
			nenv++;
			if (fds[e] < 0) {
				fprintf(stderr, "tablec: cannot use '%s/%s': %s%s\n", dir,
					env, strerror(errno),
					errno == ELOOP || errno == ENOTDIR
						? " (tablec does not write through "
						  "symbolic links)" : "");
				rc = -1;
				break;
			}
		}
		if (same_content_at(fds[e], file, &outs[i]))
			continue;
		const char *tmp = arena_printf(a, ".tablec-%ld-%u.tmp",
					       (long)getpid(), serial++);
		int fd = openat(fds[e], tmp, O_WRONLY | O_CREAT | O_EXCL |
					     O_NOFOLLOW | O_CLOEXEC,
				outs[i].executable ? 0755 : 0644);
		if (fd < 0) {
			fprintf(stderr, "tablec: cannot write in '%s/%s': %s\n", dir,
				env, strerror(errno));
			rc = -1;
			break;
		}
		Pending *p = &pend[np++];
		p->dirfd = fds[e];
		p->tmp = tmp;
		p->name = file;
		p->shown = arena_printf(a, "%s/%s", dir, outs[i].path);
		if (write_all(fd, outs[i].data, outs[i].len) || close(fd)) {
			fprintf(stderr, "tablec: cannot write '%s': %s\n", p->shown,
				strerror(errno));
			rc = -1;
		}
	}
	for (size_t i = 0; i < np; i++) {
		if (!rc && renameat(pend[i].dirfd, pend[i].tmp, pend[i].dirfd,
				    pend[i].name)) {
			fprintf(stderr, "tablec: cannot write '%s': %s\n",
				pend[i].shown, strerror(errno));
			rc = -1;
		}
		if (rc)
			unlinkat(pend[i].dirfd, pend[i].tmp, 0);
		else
			printf("wrote %s\n", pend[i].shown);
	}
	for (size_t e = 0; e < nenv; e++) {
		if (fds[e] >= 0)
			close(fds[e]);
		if (rc && made[e])
			unlinkat(rootfd, envs[e], AT_REMOVEDIR);
	}
	close(rootfd);
	if (rc && made_root)
		rmdir(dir); /* only if empty: it was made by this run */
	return rc;
}

/* Removes the stale files of find_stale(), once every output is written. */
static int remove_stale(const char *dir, const char **stale, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strchr(stale[i], '/');
		char env[128];
		snprintf(env, sizeof env, "%.*s", (int)(slash - stale[i]), stale[i]);
		int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		bool made = false;
		int fd = rootfd < 0 ? -1 : open_env_dir(rootfd, env, false, &made);
		if (fd < 0 || unlinkat(fd, slash + 1, 0)) {
			fprintf(stderr, "tablec: cannot remove stale '%s/%s': %s\n",
				dir, stale[i], strerror(errno));
			rc = -1;
		} else {
			printf("removed %s/%s (no longer written)\n", dir, stale[i]);
		}
		if (fd >= 0)
			close(fd);
		if (rootfd >= 0)
			close(rootfd);
	}
	return rc;
}

/* For --check: is each output on disk as it would be written? */
static size_t count_stale(Arena *a, const char *dir, const Output *outs,
			  size_t n, const char *spec)
{
	size_t stale = 0;
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; i < n; i++) {
		const char *env, *file;
		split_output(a, &outs[i], &env, &file);
		bool made = false;
		int fd = rootfd < 0 ? -1 : open_env_dir(rootfd, env, false, &made);
		if (fd < 0 || !same_content_at(fd, file, &outs[i])) {
			fprintf(stderr, "%s/%s: out of date; run 'tablec build %s'\n",
				dir, outs[i].path, spec);
			stale++;
		}
		if (fd >= 0)
			close(fd);
	}
	if (rootfd >= 0)
		close(rootfd);
	return stale;
}

/*
 * Files in the chosen environments' folders that a chosen backend writes
 * but this build does not (the stacks of a split that became smaller):
 * stale for --check, removed by build. Returns them as "env/file".
 */
static const char **find_stale(Arena *a, const char *dir, const Env **envs,
			       size_t nenv, const Backend **targets,
			       size_t ntargets, const Output *outs, size_t nouts,
			       size_t *n)
{
	const char **stale = NULL;
	size_t cap = 0;
	Strmap written = {.a = a};
	for (size_t i = 0; i < nouts; i++)
		strmap_put(&written, outs[i].path, i);
	*n = 0;
	int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (size_t e = 0; rootfd >= 0 && e < nenv; e++) {
		bool made = false;
		int fd = open_env_dir(rootfd, envs[e]->name, false, &made);
		DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(d))) {
			bool owned = false;
			for (size_t t = 0; t < ntargets && !owned; t++)
				owned = backend_owns(targets[t], de->d_name);
			const char *path = arena_printf(a, "%s/%s", envs[e]->name,
							de->d_name);
			if (owned && strmap_get(&written, path) == SIZE_MAX)
				*VEC_PUSH(a, stale, *n, cap) = path;
		}
		closedir(d);
	}
	if (rootfd >= 0)
		close(rootfd);
	if (*n > 1)
		qsort(stale, *n, sizeof *stale, cmp_cstr);
	return stale;
}

/* ---- commands */

static int report(Compilation *c, DiagFormat fmt, FILE *f)
{
	diag_print(&c->diags, fmt, f, fmt == FMT_TEXT && use_color(f));
	return c->diags.errors ? EXIT_DIAG : EXIT_OK;
}

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

static int cmd_build(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o,
			    "-o --out --env --target --templates --check");
	if (rc)
		goto out_arena;
	if (o.nspecs != 1) {
		rc = usage_error("build takes one spec");
		goto out_arena;
	}
	BackendSet all = {0}, builtin = {0};
	if (find_backends(a, o.templates, &all, &builtin)) {
		rc = EXIT_USAGE;
		goto out_arena;
	}
	const Backend **targets = arena_alloc(a, (all.n + o.ntargets + 1) *
					      sizeof *targets);
	size_t ntargets = 0;
	for (size_t i = 0; i < o.ntargets; i++) {
		const Backend *b = backend_get(&all, o.targets[i]);
		if (!b) {
			fprintf(stderr, "tablec: unknown target '%s'; run 'tablec "
				"targets' for the list\n", o.targets[i]);
			rc = EXIT_USAGE;
			goto out_arena;
		}
		targets[ntargets++] = b;
	}
	if (!o.ntargets)
		for (size_t i = 0; i < builtin.n; i++)
			targets[ntargets++] = backend_get(&all, builtin.items[i].name);

	Compilation c;
	if (compile_file(&c, o.specs[0])) {
		rc = EXIT_USAGE;
		goto out_comp;
	}
	if (c.diags.errors || !c.spec) {
		rc = report(&c, FMT_TEXT, stderr);
		goto out_comp;
	}
	report(&c, FMT_TEXT, stderr); /* warnings */
	size_t nenv;
	const Env **envs = select_envs(a, c.spec, &o, &nenv);
	if (!envs) {
		rc = EXIT_USAGE;
		goto out_comp;
	}
	const char *dir = o.out_dir;
	if (!dir) {
		const char *name = c.spec->project;
		if (!name) {
			char *b = arena_strdup(a, base_name(o.specs[0]));
			char *dot = strrchr(b, '.');
			if (dot && dot != b)
				*dot = '\0';
			name = b;
		}
		dir = arena_printf(a, "out/%s", name);
	}

	Output *outs = NULL;
	size_t nouts = 0, cap = 0;
	Strbuf err = STRBUF_INIT;
	for (size_t e = 0; e < nenv && !rc; e++) {
		const Model *m = c.models[env_index(c.spec, envs[e])];
		json_t *ir = lower_model(m, base_name(o.specs[0]));
		for (size_t t = 0; t < ntargets && !rc; t++) {
			size_t first = nouts;
			int r = backend_render(a, targets[t], envs[e]->name, ir,
					       &outs, &nouts, &cap, &err);
			if (r == RENDER_TOO_LARGE) {
				rc = report_too_large(&c, targets[t], err.buf);
			} else if (r) {
				fprintf(stderr, "tablec: %s\n", err.buf);
				rc = EXIT_BUG;
			}
			/* two backends must not write one file */
			for (size_t i = first; i < nouts && !rc; i++)
				for (size_t j = 0; j < first; j++)
					if (!strcmp(outs[i].path, outs[j].path)) {
						fprintf(stderr, "tablec: backends "
							"write '%s' twice; choose "
							"one with --target\n",
							outs[i].path);
						rc = EXIT_USAGE;
						break;
					}
		}
		json_decref(ir);
	}
	strbuf_release(&err);
	if (rc)
		goto out_comp;

	size_t nstray;
	const char **stray = find_stale(a, dir, envs, nenv, targets, ntargets,
					outs, nouts, &nstray);
	if (o.check) {
		size_t stale = count_stale(a, dir, outs, nouts, o.specs[0]);
		for (size_t i = 0; i < nstray; i++)
			fprintf(stderr, "%s/%s: stale, tablec no longer writes it; "
				"run 'tablec build %s' to remove it\n", dir,
				stray[i], o.specs[0]);
		stale += nstray;
		rc = stale ? EXIT_DIAG : EXIT_OK;
		if (!stale)
			printf("%zu files up to date in %s\n", nouts, dir);
		goto out_comp;
	}
	rc = write_outputs(a, dir, outs, nouts) ? EXIT_USAGE : EXIT_OK;
	if (!rc)
		rc = remove_stale(dir, stray, nstray) ? EXIT_USAGE : EXIT_OK;
out_comp:
	compilation_release(&c);
out_arena:
	arena_free(a);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, "--format --werror");
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
	diag_print(&all, o.format, stdout, o.format == FMT_TEXT && use_color(stdout));
	if (!rc)
		rc = all.errors || (o.werror && all.warnings) ? EXIT_DIAG : EXIT_OK;
	for (size_t i = 0; i < ncomp; i++)
		compilation_release(&cs[i]);
out:
	arena_free(a);
	return rc;
}

static int cmd_ir(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, "--env");
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
		rc = report(&c, FMT_TEXT, stderr);
		goto out_comp;
	}
	size_t n;
	const Env **envs = select_envs(a, c.spec, &o, &n);
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
	json_t *ir = lower_model(c.models[env_index(c.spec, envs[0])],
				 base_name(o.specs[0]));
	char *s = json_dumps(ir, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s)
		BUG("cannot encode the IR");
	puts(s);
	free(s);
	json_decref(ir);
	rc = EXIT_OK;
out_comp:
	compilation_release(&c);
out_arena:
	arena_free(a);
	return rc;
}

/*
 * Reads a spec given as a path or as git:REV:PATH (git show, run without a
 * shell, so that no part of the argument is interpreted). Returns 0, or
 * -1 after printing why.
 */
static int read_spec(const char *arg, Strbuf *out)
{
	if (strncmp(arg, "git:", 4)) {
		if (read_file(arg, LOAD_MAX_FILE + 1, out) && errno != EFBIG) {
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

static int cmd_diff(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	Compilation c[2] = {{0}};
	int ncomp = 0;
	int rc = parse_opts(a, argc, argv, &o, "--env --format --allow");
	if (rc)
		goto out;
	if (o.nspecs != 2) {
		rc = usage_error("diff takes OLD and NEW");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		Strbuf sb = STRBUF_INIT;
		if (read_spec(o.specs[i], &sb)) {
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
				report(&c[i], FMT_TEXT, stderr);
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
	diag_print(&d, o.format, stdout, o.format == FMT_TEXT && use_color(stdout));
	rc = d.errors ? EXIT_DIAG : EXIT_OK;
out:
	for (int i = 0; i < ncomp; i++)
		compilation_release(&c[i]);
	arena_free(a);
	return rc;
}

static int cmd_targets(int argc, char **argv)
{
	Arena *a = arena_new();
	Opts o = {0};
	int rc = parse_opts(a, argc, argv, &o, "--templates");
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
	const CodeInfo *tab = code_table(&n);
	if (argc == 1 && !strcmp(argv[0], "--list")) {
		for (size_t i = 0; i < n; i++)
			printf("%s  %-8s %s\n", tab[i].code,
			       code_level(tab[i].code),
			       tab[i].name);
		return EXIT_OK;
	}
	if (argc == 1 && !strcmp(argv[0], "--markdown")) {
		printf("| code | severity | name | meaning and fix |\n|---|---|---|---|\n");
		for (size_t i = 0; i < n; i++)
			printf("| %s | %s | %s | %s |\n", tab[i].code,
			       code_level(tab[i].code),
			       tab[i].name, tab[i].explanation);
		return EXIT_OK;
	}
	if (argc != 1)
		return usage_error("explain takes one code, e.g. E100");
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(argv[0], tab[i].code) || !strcmp(argv[0], tab[i].name)) {
			printf("%s %s (%s)\n\n%s\n", tab[i].code, tab[i].name,
			       code_level(tab[i].code),
			       tab[i].explanation);
			return EXIT_OK;
		}
	return usage_error("unknown code '%s'; 'tablec explain --list' lists them",
			   argv[0]);
}

int main(int argc, char **argv)
{
	int rc;
	if (argc < 2)
		return usage_error("no command given");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("tablec %s\n", TABLEC_VERSION);
		return EXIT_OK;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage_text, stdout);
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
	else
		rc = usage_error("unknown command '%s'", cmd);
	validate_cleanup();
	render_cleanup();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tablec: cannot write output: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return rc;
}
