/*
 * write.c: rendered files -> the output folder, all or nothing.
 *
 * A Writer takes the files of one build as they are rendered. Each goes
 * at once to a temporary file beside its destination (so a large build
 * never holds all its outputs in memory); only when every file of the
 * build is complete are the temporary files renamed into place, and on
 * any failure they are removed, with the folders this build made. A file
 * whose bytes are unchanged is left alone, its timestamp too.
 *
 * Below the output folder no symbolic link is followed: a link where an
 * output goes is replaced, and a link where an environment's folder goes
 * is an error. With `check`, nothing is written: each file is compared
 * with what is on disk, and the stale ones are reported.
 *
 * Files a backend writes but this build does not (the stacks of a split
 * that became smaller) are stale too: --check reports them, and a build
 * removes them once everything else is in place.
 */
#include "tablec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct EnvDir {
	const char *name;
	int fd;
	bool made; /* by this build: removed again on failure */
} EnvDir;

typedef struct Pending {
	int dirfd;
	const char *tmp, *name, *shown;
} Pending;

struct Writer {
	Arena *a;
	const char *dir;
	const char *spec; /* for "run 'tablec build SPEC'" */
	bool check;
	bool failed;
	bool made_root;
	int rootfd;
	EnvDir *envs;
	size_t nenvs, ecap;
	Pending *pend;
	size_t npend, pcap;
	Strmap paths; /* "env/file" of every file added */
	size_t nfiles, stale;
	const char **sweep; /* stale files found by write_sweep: "env/file" */
	size_t nsweep, scap;
};

static bool is_dir(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

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
 * link, and says whether it holds exactly these bytes. */
static bool same_content_at(int dirfd, const char *name, const char *data,
			    size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	Strbuf sb = STRBUF_INIT;
	char buf[65536];
	ssize_t r;
	while (sb.len <= len && (r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		strbuf_add(&sb, buf, (size_t)r);
	}
	close(fd);
	bool same = sb.len == len && !memcmp(sb.buf, data, len);
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

Writer *write_open(Arena *a, const char *dir, const char *spec, bool check)
{
	Writer *w = arena_alloc(a, sizeof *w);
	w->a = a;
	w->dir = dir;
	w->spec = spec;
	w->check = check;
	w->rootfd = -1;
	w->paths.a = a;
	if (check) {
		w->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return w;
	}
	w->made_root = !is_dir(dir);
	if (mkdirs(dir) ||
	    (w->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "tablec: cannot create '%s': %s\n", dir,
			strerror(errno));
		w->failed = true;
	}
	return w;
}

/* The environment's folder, opened (and with create, made) once. */
static EnvDir *env_dir(Writer *w, const char *env, bool create)
{
	for (size_t i = 0; i < w->nenvs; i++)
		if (!strcmp(w->envs[i].name, env))
			return &w->envs[i];
	EnvDir *e = VEC_PUSH(w->a, w->envs, w->nenvs, w->ecap);
	e->name = arena_strdup(w->a, env);
	e->made = false;
	e->fd = w->rootfd < 0 ? -1 : open_env_dir(w->rootfd, env, create, &e->made);
	return e;
}

int write_add(Writer *w, const char *env, const char *file, const char *data,
	      size_t len, bool executable)
{
	if (w->failed)
		return -1;
	const char *path = arena_printf(w->a, "%s/%s", env, file);
	if (strmap_put(&w->paths, path, w->nfiles) != w->nfiles) {
		fprintf(stderr, "tablec: backends write '%s' twice; choose one "
			"with --target\n", path);
		w->failed = true;
		return -1;
	}
	w->nfiles++;
	EnvDir *e = env_dir(w, env, !w->check);
	if (w->check) {
		if (e->fd < 0 || !same_content_at(e->fd, file, data, len)) {
			fprintf(stderr, "%s/%s: out of date; run 'tablec build %s'\n",
				w->dir, path, w->spec);
			w->stale++;
		}
		return 0;
	}
	if (e->fd < 0) {
		fprintf(stderr, "tablec: cannot use '%s/%s': %s%s\n", w->dir, env,
			strerror(errno),
			errno == ELOOP || errno == ENOTDIR
				? " (tablec does not write through symbolic links)"
				: "");
		w->failed = true;
		return -1;
	}
	if (same_content_at(e->fd, file, data, len))
		return 0;
	static unsigned serial;
	const char *tmp = arena_printf(w->a, ".tablec-%ld-%u.tmp", (long)getpid(),
				       serial++);
	int fd = openat(e->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC, executable ? 0755 : 0644);
	if (fd < 0) {
		fprintf(stderr, "tablec: cannot write in '%s/%s': %s\n", w->dir, env,
			strerror(errno));
		w->failed = true;
		return -1;
	}
	Pending *p = VEC_PUSH(w->a, w->pend, w->npend, w->pcap);
	p->dirfd = e->fd;
	p->tmp = tmp;
	p->name = arena_strdup(w->a, file);
	p->shown = arena_printf(w->a, "%s/%s", w->dir, path);
	if (write_all(fd, data, len) || close(fd)) {
		fprintf(stderr, "tablec: cannot write '%s': %s\n", p->shown,
			strerror(errno));
		w->failed = true;
		return -1;
	}
	return 0;
}

static int cmp_cstr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void write_sweep(Writer *w, const char *env,
		 bool (*owned)(const char *file, void *ctx), void *ctx)
{
	EnvDir *e = env_dir(w, env, false);
	int fd = e->fd < 0 ? -1 : dup(e->fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	size_t first = w->nsweep;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *path = arena_printf(w->a, "%s/%s", env, de->d_name);
		if (owned(de->d_name, ctx) && strmap_get(&w->paths, path) == SIZE_MAX)
			*VEC_PUSH(w->a, w->sweep, w->nsweep, w->scap) = path;
	}
	closedir(d);
	if (w->nsweep - first > 1) /* readdir's order is the file system's */
		qsort(w->sweep + first, w->nsweep - first, sizeof *w->sweep,
		      cmp_cstr);
}

/* Removes the stale files that write_sweep found, after every rename. */
static int remove_swept(Writer *w)
{
	int rc = 0;
	for (size_t i = 0; i < w->nsweep; i++) {
		const char *slash = strchr(w->sweep[i], '/');
		const char *env = arena_strndup(w->a, w->sweep[i],
						(size_t)(slash - w->sweep[i]));
		EnvDir *e = env_dir(w, env, false);
		if (e->fd < 0 || unlinkat(e->fd, slash + 1, 0)) {
			fprintf(stderr, "tablec: cannot remove stale '%s/%s': %s\n",
				w->dir, w->sweep[i], strerror(errno));
			rc = -1;
		} else {
			printf("removed %s/%s (no longer written)\n", w->dir,
			       w->sweep[i]);
		}
	}
	return rc;
}

static void close_all(Writer *w, bool remove_made)
{
	for (size_t e = 0; e < w->nenvs; e++) {
		if (w->envs[e].fd >= 0)
			close(w->envs[e].fd);
		w->envs[e].fd = -1;
		if (remove_made && w->envs[e].made && w->rootfd >= 0)
			unlinkat(w->rootfd, w->envs[e].name, AT_REMOVEDIR);
	}
	if (w->rootfd >= 0)
		close(w->rootfd);
	w->rootfd = -1;
	if (remove_made && w->made_root)
		rmdir(w->dir); /* only if empty: it was made by this run */
}

void write_abort(Writer *w)
{
	for (size_t i = 0; i < w->npend; i++)
		unlinkat(w->pend[i].dirfd, w->pend[i].tmp, 0);
	close_all(w, !w->check);
}

int write_commit(Writer *w)
{
	if (w->check) {
		for (size_t i = 0; i < w->nsweep; i++)
			fprintf(stderr, "%s/%s: stale, tablec no longer writes it; "
				"run 'tablec build %s' to remove it\n", w->dir,
				w->sweep[i], w->spec);
		w->stale += w->nsweep;
		if (!w->stale)
			printf("%zu files up to date in %s\n", w->nfiles, w->dir);
		close_all(w, false);
		return w->stale ? 1 : 0;
	}
	if (w->failed) {
		write_abort(w);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < w->npend; i++) {
		if (!rc && renameat(w->pend[i].dirfd, w->pend[i].tmp,
				    w->pend[i].dirfd, w->pend[i].name)) {
			fprintf(stderr, "tablec: cannot write '%s': %s\n",
				w->pend[i].shown, strerror(errno));
			rc = -1;
		}
		if (rc)
			unlinkat(w->pend[i].dirfd, w->pend[i].tmp, 0);
		else
			printf("wrote %s\n", w->pend[i].shown);
	}
	if (!rc)
		rc = remove_swept(w);
	close_all(w, rc != 0);
	return rc;
}
