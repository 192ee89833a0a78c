/*
 * help.c: what the command line is, written once. One table of commands
 * and options gives `tablec --help` and `tablec COMMAND --help`, the
 * options main.c accepts for each command, the manual page (`tablec man`,
 * with the language's keys from schema.c, the built-in backends and every
 * diagnostic of codes.def) and the bash and zsh completion scripts
 * (`tablec completion bash|zsh`). A command or option added here is
 * accepted, documented and completed at once; one missing here is
 * rejected as unknown.
 */
#include "tablec.h"

#include <string.h>

/* What completes a value or an operand. */
typedef enum Complete {
	C_NONE,
	C_DIR,      /* a directory */
	C_SPEC,     /* a YAML file */
	C_SPECS,    /* YAML files */
	C_ENV,      /* an environment of the spec on the line */
	C_TARGET,   /* backends, comma-separated */
	C_FORMAT,   /* text json github sarif */
	C_DIFF_CODE, /* a D code */
	C_CODE,     /* any code */
	C_SHELL,    /* bash zsh */
} Complete;

typedef struct HelpOption {
	const char *name;  /* --env */
	const char *alias; /* -o, or NULL */
	const char *arg;   /* E, or NULL for a flag */
	Complete complete;
	bool repeat;       /* may be given several times */
	const char *doc;
} HelpOption;

typedef struct HelpCommand {
	const char *name;
	const char *synopsis; /* after `tablec NAME` */
	const char *summary;  /* for --help: what it does */
	const char *doc;      /* more, for the manual, or NULL */
	const char *exit;     /* exit statuses */
	Complete operands;
	HelpOption opts[6];
} HelpCommand;

static const char formats_doc[] =
	"how to print diagnostics: text (the default: file:line:col, the "
	"source line and a caret), json, github (workflow commands that "
	"annotate a pull request) or sarif (for code scanning)";

static const HelpCommand commands[] = {
	{"build",
	 "SPEC [-o DIR] [--env E]... [--target T[,T]...] [--templates DIR] "
	 "[--check]",
	 "validate SPEC and write DIR/<env>/<file> for each environment and "
	 "backend (DIR defaults to out/<project or spec name>); --check writes "
	 "nothing and fails when a file on disk differs",
	 "A spec with errors writes nothing. Every file is rendered and checked "
	 "in memory, written beside its destination and renamed into place only "
	 "when all are complete; a stack file that a split no longer needs is "
	 "removed. The same spec gives the same bytes.",
	 "0 ok, 1 errors in the spec or stale files (--check), 2 usage or I/O "
	 "error",
	 C_SPEC,
	 {{"--out", "-o", "DIR", C_DIR, false,
	   "write into DIR/<env>/ (default: out/<project>, else "
	   "out/<spec file name>)"},
	  {"--env", NULL, "E", C_ENV, true,
	   "only environment E (default: every environment)"},
	  {"--target", NULL, "T[,T...]", C_TARGET, true,
	   "only these backends (default: every built-in one); "
	   "`tablec targets` lists them"},
	  {"--templates", NULL, "DIR", C_DIR, false,
	   "also find backends in DIR, before the built-in ones"},
	  {"--check", NULL, NULL, C_NONE, false,
	   "write nothing; exit 1 when a file on disk differs from what would "
	   "be written (for CI)"}}},
	{"check", "SPEC... [--format text|json|github|sarif] [--werror]",
	 "validate every environment of each SPEC and print diagnostics",
	 "Every environment is resolved and validated on its own; a problem "
	 "found only in some environments names them. All diagnostics of a run "
	 "are printed together.",
	 "0 clean (warnings allowed unless --werror), 1 errors, 2 usage or I/O "
	 "error",
	 C_SPECS,
	 {{"--format", NULL, "FORMAT", C_FORMAT, false, formats_doc},
	  {"--werror", NULL, NULL, C_NONE, false,
	   "exit 1 on warnings too"}}},
	{"ir", "SPEC [--env E]",
	 "print the resolved intermediate representation of one environment "
	 "(JSON)",
	 "The IR is what backend templates are rendered from; --env may be "
	 "left out when the spec has one environment.",
	 "as check", C_SPEC,
	 {{"--env", NULL, "E", C_ENV, false, "the environment"}}},
	{"diff",
	 "OLD NEW [--env E]... [--format text|json|github|sarif] "
	 "[--allow CODE]...",
	 "classify every change between two versions of a spec; OLD and NEW "
	 "are files or git:REV:PATH; exit 1 when a change is blocking",
	 "Changes are blocking (D1xx: data loss, a replacement, an update "
	 "CloudFormation or DynamoDB rejects halfway), risky (D2xx) or safe "
	 "(D3xx). A comment `# tablec: allow CODE` in NEW accepts a code for "
	 "the whole spec.",
	 "0 nothing blocking, 1 a blocking change, 2 usage or I/O error",
	 C_SPECS,
	 {{"--env", NULL, "E", C_ENV, true,
	   "only environment E of NEW (default: all)"},
	  {"--format", NULL, "FORMAT", C_FORMAT, false, formats_doc},
	  {"--allow", NULL, "CODE", C_DIFF_CODE, true,
	   "accept blocking changes of this D code: reported as warnings"}}},
	{"targets", "[--templates DIR]",
	 "list the backends found: name, files and where each comes from",
	 NULL, "0 ok, 2 usage or I/O error", C_NONE,
	 {{"--templates", NULL, "DIR", C_DIR, false,
	   "also list the backends in DIR"}}},
	{"explain", "CODE | --list | --markdown",
	 "what a diagnostic code means and how to proceed",
	 "--list lists every code, --markdown prints them all as a Markdown "
	 "table (docs/diagnostics.md).",
	 "0 ok, 2 for an unknown code", C_CODE, {{0}}},
	{"environments", "SPEC",
	 "print the names of the spec's environments, one per line",
	 "For scripts and CI matrices, and for shell completion of --env; a "
	 "spec without environments: has one, default.",
	 "0 ok, 1 the spec cannot be read as a spec, 2 usage or I/O error",
	 C_SPEC, {{0}}},
	{"schema", "",
	 "print the JSON Schema of a spec (draft-07), for editors",
	 "Made from the keys and rules tablec validates with; the repository "
	 "holds it as specs/tablec.schema.json. An editor with the YAML "
	 "language server reads it from the first line of a spec: "
	 "`# yaml-language-server: $schema=PATH-OR-URL`.",
	 "0", C_NONE, {{0}}},
	{"man", "", "print this manual page (roff)",
	 "Read it with `tablec man | man -l -`.", "0", C_NONE, {{0}}},
	{"completion", "bash|zsh",
	 "print the shell completion script for bash or zsh",
	 "Packages install both; to load one by hand: `source <(tablec "
	 "completion bash)`.",
	 "0 ok, 2 for another shell", C_SHELL, {{0}}},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const HelpCommand *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static size_t nopts(const HelpCommand *c)
{
	size_t n = 0;
	while (n < sizeof c->opts / sizeof c->opts[0] && c->opts[n].name)
		n++;
	return n;
}

bool help_is_command(const char *name)
{
	return find_command(name) != NULL;
}

const char *help_options(Arena *a, const char *command)
{
	const HelpCommand *c = find_command(command);
	if (!c)
		BUG("no command '%s' in help.c", command);
	Strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < nopts(c); i++) {
		if (c->opts[i].alias)
			strbuf_addf(&sb, "%s ", c->opts[i].alias);
		strbuf_addf(&sb, "%s ", c->opts[i].name);
	}
	const char *s = arena_strdup(a, sb.buf);
	strbuf_release(&sb);
	return s;
}

/* ---- --help */

/* Words of s filled into lines of at most width columns after indent. */
static void wrap(FILE *f, const char *s, int indent, int width)
{
	int col = 0;
	while (*s) {
		while (*s == ' ')
			s++;
		size_t n = strcspn(s, " ");
		if (!n)
			break;
		if (col && col + 1 + (int)n > width) {
			fputc('\n', f);
			col = 0;
		}
		if (!col)
			col = fprintf(f, "%*s", indent, "");
		else
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)n, s);
		s += n;
	}
	if (col)
		fputc('\n', f);
}

void help_usage(FILE *f)
{
	fputs("usage: tablec <command> [options]\n\ncommands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const HelpCommand *c = &commands[i];
		fprintf(f, "  %s%s%s\n", c->name, *c->synopsis ? " " : "",
			c->synopsis);
		wrap(f, c->summary, 8, 78);
	}
	fputs("\noptions:\n"
	      "  -h, --help     show this help (after a command: its help)\n"
	      "  --version      show the version\n"
	      "\n"
	      "exit status: 0 ok, 1 errors in the spec (or stale files), 2 usage "
	      "or I/O error\n"
	      "'tablec man | man -l -' shows the manual\n", f);
}

static void option_head(Strbuf *sb, const HelpOption *o)
{
	if (o->alias)
		strbuf_addf(sb, "%s, ", o->alias);
	strbuf_addstr(sb, o->name);
	if (o->arg)
		strbuf_addf(sb, " %s", o->arg);
}

void help_command_usage(FILE *f, const char *name)
{
	const HelpCommand *c = find_command(name);
	if (!c) {
		help_usage(f);
		return;
	}
	fprintf(f, "usage: tablec %s%s%s\n\n", c->name, *c->synopsis ? " " : "",
		c->synopsis);
	wrap(f, c->summary, 0, 78);
	if (c->doc) {
		fputc('\n', f);
		wrap(f, c->doc, 0, 78);
	}
	if (nopts(c))
		fputs("\noptions:\n", f);
	for (size_t i = 0; i < nopts(c); i++) {
		Strbuf sb = STRBUF_INIT;
		option_head(&sb, &c->opts[i]);
		fprintf(f, "  %s%s\n", sb.buf, c->opts[i].repeat ? " (repeatable)" : "");
		wrap(f, c->opts[i].doc, 8, 78);
		strbuf_release(&sb);
	}
	fprintf(f, "\nexit status: %s\n", c->exit);
}

/* ---- the manual page */

/*
 * Text for roff: `\` as \e, a line never starting with a control
 * character, a hyphen that starts a word (an option) as \-, anything
 * outside ASCII as \[uXXXX], and `code` in bold.
 */
static void roff(Strbuf *out, const char *s)
{
	bool code = false;
	size_t start = out->len;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (out->len == start && (c == '.' || c == '\''))
			strbuf_addstr(out, "\\&");
		if (c == '`') {
			strbuf_addstr(out, code ? "\\fR" : "\\fB");
			code = !code;
		} else if (c == '\\') {
			strbuf_addstr(out, "\\e");
		} else if (c == '-' && (p == s || p[-1] == ' ' || p[-1] == '-' ||
				       p[-1] == '[' || p[-1] == '(' || p[-1] == '|' ||
				       p[-1] == '`' || code)) {
			strbuf_addstr(out, "\\-");
		} else if (c == '\n') {
			strbuf_addch(out, ' ');
		} else if (c >= 0x80) {
			size_t n;
			uint32_t u = utf8_decode(p, &n);
			strbuf_addf(out, "\\[u%04X]", (unsigned)u);
			p += n - 1;
		} else {
			strbuf_addch(out, (char)c);
		}
	}
	if (code)
		strbuf_addstr(out, "\\fR");
}

static void roff_line(Strbuf *out, const char *s)
{
	roff(out, s);
	strbuf_addch(out, '\n');
}

/* A synopsis: upper-case words (SPEC, DIR) in italics, options in bold. */
static void roff_synopsis(Strbuf *out, const char *s)
{
	for (const char *p = s; *p;) {
		size_t n;
		if (*p == '-' && (p == s || strchr(" [|", p[-1]))) {
			n = strspn(p, "-abcdefghijklmnopqrstuvwxyz");
			strbuf_addstr(out, "\\fB");
			for (size_t i = 0; i < n; i++)
				strbuf_addstr(out, p[i] == '-' ? "\\-" : (char[]){p[i], 0});
			strbuf_addstr(out, "\\fR");
			p += n;
		} else if (*p >= 'A' && *p <= 'Z') {
			n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
			strbuf_addf(out, "\\fI%.*s\\fR", (int)n, p);
			p += n;
		} else if (*p >= 'a' && *p <= 'z' && (p == s || strchr(" |", p[-1]))) {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
			strbuf_addf(out, "\\fB%.*s\\fR", (int)n, p);
			p += n;
		} else {
			strbuf_addch(out, *p++);
		}
	}
	strbuf_addch(out, '\n');
}

static void man_commands(Strbuf *m)
{
	strbuf_addstr(m, ".SH COMMANDS\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const HelpCommand *c = &commands[i];
		strbuf_addf(m, ".SS %s\n.B tablec %s\n", c->name, c->name);
		if (*c->synopsis)
			roff_synopsis(m, c->synopsis);
		strbuf_addstr(m, ".PP\n");
		Strbuf t = STRBUF_INIT;
		strbuf_addf(&t, "%c%s.", c->summary[0] - 'a' + 'A', c->summary + 1);
		roff_line(m, t.buf);
		strbuf_release(&t);
		if (c->doc)
			roff_line(m, c->doc);
		for (size_t j = 0; j < nopts(c); j++) {
			const HelpOption *o = &c->opts[j];
			strbuf_addstr(m, ".TP\n");
			if (o->alias)
				strbuf_addf(m, "\\fB\\%s\\fR, ", o->alias);
			strbuf_addstr(m, "\\fB");
			roff(m, o->name);
			strbuf_addstr(m, "\\fR");
			if (o->arg)
				strbuf_addf(m, " \\fI%s\\fR", o->arg);
			strbuf_addstr(m, "\n");
			Strbuf d = STRBUF_INIT;
			strbuf_addf(&d, "%c%s%s.", o->doc[0] >= 'a' && o->doc[0] <= 'z'
				    ? o->doc[0] - 'a' + 'A' : o->doc[0], o->doc + 1,
				    o->repeat ? "; may be given more than once" : "");
			roff_line(m, d.buf);
			strbuf_release(&d);
		}
		strbuf_addstr(m, ".PP\nExit status: ");
		roff_line(m, c->exit);
	}
}

static void man_language(Strbuf *m)
{
	strbuf_addstr(m, ".SH \"SPEC LANGUAGE\"\n");
	roff_line(m, "A spec is one YAML file. Scalars are read by their text: "
		  "booleans are true and false, numbers are unquoted whole "
		  "numbers, a null (~) means absent where a value is optional. "
		  "An unknown key is an error everywhere, with a did-you-mean. "
		  "For each environment a table's properties are resolved from "
		  "defaults:, the table's own, the environment's set: and its "
		  "tables: entry, later ones winning; mappings merge key by key. "
		  "These are every mapping of the language and its keys:");
	for (size_t i = 0; i < schema_context_count(); i++) {
		strbuf_addstr(m, ".SS ");
		roff(m, schema_context_title(i));
		strbuf_addstr(m, "\n");
		roff_line(m, schema_context_doc(i));
		const char *const *keys = schema_context_keys(i);
		for (size_t j = 0; keys[j]; j++) {
			const char *doc = schema_describe(schema_context_name(i),
							  keys[j]);
			strbuf_addstr(m, ".TP\n\\fB");
			roff(m, keys[j]);
			strbuf_addstr(m, "\\fR\n");
			roff_line(m, doc ? doc : "(not described)");
		}
	}
}

static int man_backends(Strbuf *m)
{
	Arena *a = arena_new();
	BackendSet set = {0};
	Strbuf err = STRBUF_INIT;
	int rc = backend_find(a, NULL, 0, true, &set, &err);
	if (rc)
		fprintf(stderr, "tablec: %s\n", err.buf);
	strbuf_addstr(m, ".SH BACKENDS\n");
	roff_line(m, "tablec build writes, for each environment, the files of "
		  "every built-in backend (or those chosen with --target) into "
		  "DIR/<env>/. A backend is a folder of templates: --templates "
		  "DIR adds or replaces backends without rebuilding tablec. The "
		  "built-in ones:");
	for (size_t i = 0; !rc && i < set.n; i++) {
		const Backend *b = &set.items[i];
		strbuf_addstr(m, ".TP\n\\fB");
		roff(m, b->name);
		strbuf_addstr(m, "\\fR (");
		for (size_t f = 0; f < b->nfiles; f++) {
			if (f)
				strbuf_addstr(m, ", ");
			roff(m, b->files[f].output);
		}
		strbuf_addstr(m, ")\n");
		roff_line(m, b->description ? b->description : "");
	}
	strbuf_release(&err);
	arena_free(a);
	return rc;
}

static void man_diagnostics(Strbuf *m)
{
	strbuf_addstr(m, ".SH DIAGNOSTICS\n");
	roff_line(m, "A diagnostic reads `FILE:LINE:COL: error|warning: MESSAGE "
		  "[CODE]`, then the source line with a caret under the "
		  "offending text and a help line. Codes are stable: E for "
		  "errors, W for warnings, D for the changes tablec diff reports "
		  "(D1xx blocking, D2xx risky, D3xx safe). `tablec explain CODE` "
		  "prints one of these:");
	size_t n;
	const CodeInfo *tab = diag_code_table(&n);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(m, ".TP\n\\fB%s\\fR ", tab[i].code);
		roff(m, tab[i].name);
		strbuf_addf(m, " (%s)\n", diag_code_level(tab[i].code));
		roff_line(m, tab[i].explanation);
	}
}

int help_man(FILE *f)
{
	Strbuf m = STRBUF_INIT;
	strbuf_addstr(&m, ".\\\" The manual of tablec, printed by `tablec man` "
		      "from the text of --help, explain and the language.\n");
	strbuf_addstr(&m, ".TH TABLEC 1 \"\" \"tablec " TABLEC_VERSION "\" "
		      "\"User Commands\"\n.nh\n.ad l\n.SH NAME\ntablec \\- compile DynamoDB "
		      "table definitions into CloudFormation, Terraform and AWS "
		      "CLI deployments\n.SH SYNOPSIS\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		strbuf_addf(&m, "%s.B tablec %s\n", i ? ".br\n" : "",
			    commands[i].name);
		if (*commands[i].synopsis)
			roff_synopsis(&m, commands[i].synopsis);
	}
	strbuf_addstr(&m, ".br\n.B tablec\n\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n");
	strbuf_addstr(&m, ".SH DESCRIPTION\n");
	roff_line(&m, "tablec reads one YAML spec of DynamoDB tables (keys, "
		  "indexes, TTL, backups, encryption, streams, tags) and the IAM "
		  "access of roles to them, validates it like a compiler (every "
		  "problem with file:line:col, a stable code and a fix) and "
		  "writes, for every environment of the spec, CloudFormation "
		  "(YAML and JSON), Terraform, an idempotent AWS CLI script, an "
		  "env file and a documentation page. tablec diff tells which "
		  "changes between two versions of a spec lose data or fail "
		  "halfway through a deploy.");
	strbuf_addstr(&m, ".SH OPTIONS\n.TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\n"
		      "Print the usage; after a command, that command's.\n"
		      ".TP\n\\fB\\-\\-version\\fR\nPrint the version.\n");
	man_commands(&m);
	man_language(&m);
	int rc = man_backends(&m);
	man_diagnostics(&m);
	strbuf_addstr(&m, ".SH \"EXIT STATUS\"\n.TP\n0\nSuccess.\n.TP\n1\n"
		      "The spec has errors, a build \\-\\-check found stale files, "
		      "or diff found a blocking change.\n.TP\n2\nA usage error "
		      "or an I/O error.\n.TP\n70\nAn internal error: a bug in "
		      "tablec or in a backend's template.\n");
	strbuf_addstr(&m, ".SH ENVIRONMENT\n.TP\n.B TABLEC_TEMPLATES\n"
		      "A folder of backends that replaces the built-in ones.\n"
		      ".TP\n.B NO_COLOR\nWhen set and not empty, diagnostics on a "
		      "terminal are not colored.\n");
	strbuf_addstr(&m, ".SH EXAMPLES\n.nf\n"
		      "tablec check specs/app.yaml\n"
		      "tablec build specs/app.yaml \\-\\-env staging\n"
		      "tablec build specs/app.yaml \\-\\-check\n"
		      "tablec check \\-\\-format github specs/*.yaml\n"
		      "tablec diff git:origin/main:specs/app.yaml specs/app.yaml\n"
		      "tablec ir specs/app.yaml \\-\\-env production | jq .tables\n"
		      "tablec explain E218\n.fi\n");
	strbuf_addstr(&m, ".SH \"SEE ALSO\"\n");
	roff_line(&m, "The README and docs/language.md of tablec's sources; "
		  "`tablec schema` for editors; aws(1), terraform(1).");
	fwrite(m.buf, 1, m.len, f);
	strbuf_release(&m);
	return rc ? EXIT_USAGE : EXIT_OK;
}

/* ---- shell completion */

static const char *const formats = "text json github sarif";

/* Options of command c that take a value, space-separated. */
static void value_options(Strbuf *sb, const HelpCommand *c)
{
	for (size_t j = 0; j < nopts(c); j++) {
		if (!c->opts[j].arg)
			continue;
		if (c->opts[j].alias)
			strbuf_addf(sb, "%s ", c->opts[j].alias);
		strbuf_addf(sb, "%s ", c->opts[j].name);
	}
}

static const char *kind_name(Complete k)
{
	static const char *const names[] = {
		[C_NONE] = "", [C_DIR] = "dir", [C_SPEC] = "spec",
		[C_SPECS] = "spec", [C_ENV] = "env", [C_TARGET] = "target",
		[C_FORMAT] = "format", [C_DIFF_CODE] = "diff-code",
		[C_CODE] = "code", [C_SHELL] = "shell",
	};
	return names[k];
}

static const char bash_head[] =
	"# bash completion for tablec                           -*- shell-script -*-\n"
	"# Generated by `tablec completion bash` from tablec's own table of\n"
	"# commands and options; environments, targets and codes are asked of\n"
	"# tablec itself as you type.\n"
	"\n"
	"# _tablec_spec OPTS: the last operand on the line before the cursor that\n"
	"# names a file, skipping the values of the options OPTS.\n"
	"_tablec_spec()\n"
	"{\n"
	"\tlocal i w skip='' spec=''\n"
	"\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tif [[ -n $skip ]]; then\n"
	"\t\t\tskip=\n"
	"\t\telif [[ \" $1 \" == *\" $w \"* ]]; then\n"
	"\t\t\tskip=1\n"
	"\t\telif [[ $w != -* && $w != = && -f $w ]]; then\n"
	"\t\t\tspec=$w\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tprintf '%s' \"$spec\"\n"
	"}\n"
	"\n"
	"# _tablec_words KIND CUR OPTS: candidates of KIND for CUR into COMPREPLY.\n"
	"_tablec_words()\n"
	"{\n"
	"\tlocal kind=$1 cur=$2 tablec=${COMP_WORDS[0]} spec pre='' i\n"
	"\tlocal -a words=()\n"
	"\tcase $kind in\n"
	"\tdir)\n"
	"\t\tcompopt -o filenames 2>/dev/null\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -d -- \"$cur\")\n"
	"\t\treturn ;;\n"
	"\tspec)\n"
	"\t\tcompopt -o filenames 2>/dev/null\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -f -X '!*.yaml' -- \"$cur\"\n"
	"\t\t\tcompgen -f -X '!*.yml' -- \"$cur\"; compgen -d -- \"$cur\")\n"
	"\t\treturn ;;\n"
	"\tenv)\n"
	"\t\tspec=$(_tablec_spec \"$3\")\n"
	"\t\t[[ -n $spec ]] &&\n"
	"\t\t\tmapfile -t words < <(\"$tablec\" environments \"$spec\" 2>/dev/null) ;;\n"
	"\ttarget)\n"
	"\t\t# a comma-separated list: complete its last element\n"
	"\t\tif [[ $cur == *,* ]]; then\n"
	"\t\t\tpre=${cur%,*},\n"
	"\t\t\tcur=${cur##*,}\n"
	"\t\tfi\n"
	"\t\tlocal -a with=()\n"
	"\t\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	"\t\t\t[[ ${COMP_WORDS[i]} == --templates && -d ${COMP_WORDS[i+1]} ]] &&\n"
	"\t\t\t\twith=(--templates \"${COMP_WORDS[i+1]}\")\n"
	"\t\tdone\n"
	"\t\tmapfile -t words < <(\"$tablec\" targets \"${with[@]}\" 2>/dev/null |\n"
	"\t\t\tawk '!/^ / { print $1 }') ;;\n"
	"\tcode)\n"
	"\t\tmapfile -t words < <(\"$tablec\" explain --list 2>/dev/null |\n"
	"\t\t\tawk '{ print $1 }')\n"
	"\t\twords+=(--list --markdown) ;;\n"
	"\tdiff-code)\n"
	"\t\tmapfile -t words < <(\"$tablec\" explain --list 2>/dev/null |\n"
	"\t\t\tawk '$1 ~ /^D/ { print $1 }') ;;\n";

static void bash_words(Strbuf *s, const char *kind, const char *words)
{
	strbuf_addf(s, "\t%s)\n\t\twords=(%s) ;;\n", kind, words);
}

static void completion_bash(Strbuf *s)
{
	strbuf_addstr(s, bash_head);
	bash_words(s, "format", formats);
	bash_words(s, "shell", "bash zsh");
	strbuf_addstr(s,
		"\tesac\n"
		"\tlocal w\n"
		"\tCOMPREPLY=()\n"
		"\tfor w in \"${words[@]}\"; do\n"
		"\t\t[[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$pre$w\")\n"
		"\tdone\n"
		"\t[[ -n $pre ]] && compopt -o nospace 2>/dev/null\n"
		"\treturn 0\n"
		"}\n"
		"\n"
		"_tablec()\n"
		"{\n"
		"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev='' opt='' kind=''\n"
		"\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		"\tCOMPREPLY=()\n"
		"\tif ((COMP_CWORD == 1)); then\n"
		"\t\t_tablec_complete_words \"$cur\" '");
	for (size_t i = 0; i < NCOMMANDS; i++)
		strbuf_addf(s, "%s ", commands[i].name);
	strbuf_addstr(s, "--help --version'\n"
		"\t\treturn 0\n"
		"\tfi\n"
		"\tlocal cmd=${COMP_WORDS[1]}\n"
		"\t# the option whose value is at the cursor: --opt VALUE, --opt=VALUE\n"
		"\t# (one word, or three when = breaks words)\n"
		"\tif [[ $cur == -*=* ]]; then\n"
		"\t\topt=${cur%%=*}\n"
		"\t\tcur=${cur#*=}\n"
		"\telif [[ $prev == = ]] && ((COMP_CWORD > 2)); then\n"
		"\t\topt=${COMP_WORDS[COMP_CWORD-2]}\n"
		"\telif [[ $cur == = ]]; then\n"
		"\t\topt=$prev\n"
		"\t\tcur=\n"
		"\telif [[ $prev == -* ]]; then\n"
		"\t\topt=$prev\n"
		"\tfi\n"
		"\tlocal values opts\n"
		"\tcase $cmd in\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const HelpCommand *c = &commands[i];
		Strbuf vo = STRBUF_INIT;
		value_options(&vo, c);
		strbuf_addf(s, "\t%s)\n\t\tvalues='%s'\n\t\topts='", c->name, vo.buf);
		for (size_t j = 0; j < nopts(c); j++) {
			if (c->opts[j].alias)
				strbuf_addf(s, "%s ", c->opts[j].alias);
			strbuf_addf(s, "%s ", c->opts[j].name);
		}
		strbuf_addstr(s, "--help'\n\t\tcase $opt in\n");
		for (size_t j = 0; j < nopts(c); j++) {
			const HelpOption *o = &c->opts[j];
			if (!o->arg)
				continue;
			strbuf_addf(s, "\t\t%s%s%s) kind='%s' ;;\n", o->alias ? o->alias : "",
				    o->alias ? "|" : "", o->name, kind_name(o->complete));
		}
		strbuf_addf(s, "\t\t*) opt= ;;\n\t\tesac\n");
		strbuf_addf(s, "\t\t[[ -z $opt && $cur != -* ]] && kind='%s' ;;\n",
			    kind_name(c->operands));
		strbuf_release(&vo);
	}
	strbuf_addstr(s,
		"\t*) return 0 ;;\n"
		"\tesac\n"
		"\tif [[ -n $kind ]]; then\n"
		"\t\t_tablec_words \"$kind\" \"$cur\" \"$values\"\n"
		"\telif [[ -z $opt ]]; then\n"
		"\t\t_tablec_complete_words \"$cur\" \"$opts\"\n"
		"\tfi\n"
		"\treturn 0\n"
		"}\n"
		"\n"
		"_tablec_complete_words()\n"
		"{\n"
		"\tlocal w\n"
		"\tfor w in $2; do\n"
		"\t\t[[ $w == \"$1\"* ]] && COMPREPLY+=(\"$w\")\n"
		"\tdone\n"
		"}\n"
		"\n"
		"complete -F _tablec tablec\n");
}

/* A description for zsh's _arguments and _describe: no quote, colon or
 * bracket, and only its first clause. */
static void zsh_desc(Strbuf *s, const char *d)
{
	size_t n = strcspn(d, ";(");
	while (n && d[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		if (c == '\'' || c == '"' || c == '`' || c == '\\' || c == '$')
			continue;
		strbuf_addch(s, c == ':' ? '-' : c == '[' ? '(' : c == ']' ? ')' : c);
	}
}

static const char *zsh_action(Complete k)
{
	switch (k) {
	case C_DIR: return "_files -/";
	case C_SPEC:
	case C_SPECS: return "_files -g \"*.(yaml|yml)\"";
	case C_ENV: return "_tablec_envs";
	case C_TARGET: return "_tablec_targets";
	case C_FORMAT: return "(text json github sarif)";
	case C_DIFF_CODE: return "_tablec_diff_codes";
	case C_CODE: return "_tablec_codes";
	case C_SHELL: return "(bash zsh)";
	case C_NONE: return "";
	}
	return "";
}

static const char zsh_head[] =
	"#compdef tablec\n"
	"# zsh completion for tablec, generated by `tablec completion zsh` from\n"
	"# tablec's own table of commands and options; environments, targets and\n"
	"# codes are asked of tablec itself as you type.\n"
	"\n"
	"# the last operand before the cursor that names a file\n"
	"_tablec_spec()\n"
	"{\n"
	"\tlocal w spec='' skip=''\n"
	"\tlocal -i i\n"
	"\tfor ((i = 2; i < CURRENT; i++)); do\n"
	"\t\tw=${(Q)words[i]}\n"
	"\t\tif [[ -n $skip ]]; then\n"
	"\t\t\tskip=\n"
	"\t\telif [[ \" $_tablec_values \" == *\" $w \"* ]]; then\n"
	"\t\t\tskip=1\n"
	"\t\telif [[ $w != -* && -f $w ]]; then\n"
	"\t\t\tspec=$w\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tprint -r -- $spec\n"
	"}\n"
	"\n"
	"_tablec_envs()\n"
	"{\n"
	"\tlocal spec=$(_tablec_spec)\n"
	"\t[[ -n $spec ]] || return 1\n"
	"\tlocal -a envs\n"
	"\tenvs=(${(f)\"$(_call_program environments $_tablec_bin environments \\\n"
	"\t\t${(q)spec} 2>/dev/null)\"})\n"
	"\t_describe -t environments environment envs\n"
	"}\n"
	"\n"
	"_tablec_targets()\n"
	"{\n"
	"\tlocal -a targets\n"
	"\ttargets=(${(f)\"$(_call_program targets $_tablec_bin targets 2>/dev/null |\n"
	"\t\tawk '!/^ / { print $1 }')\"})\n"
	"\t_values -s , target $targets\n"
	"}\n"
	"\n"
	"# diagnostic codes: all of them, or those of diff (D...)\n"
	"_tablec_codes()\n"
	"{\n"
	"\tlocal -a codes\n"
	"\tcodes=(${(f)\"$(_call_program codes $_tablec_bin explain --list \\\n"
	"\t\t2>/dev/null | awk '{ print $1 }')\"})\n"
	"\t_describe -t codes code codes\n"
	"}\n"
	"\n"
	"_tablec_diff_codes()\n"
	"{\n"
	"\tlocal -a codes\n"
	"\tcodes=(${(f)\"$(_call_program codes $_tablec_bin explain --list \\\n"
	"\t\t2>/dev/null | awk '$1 ~ /^D/ { print $1 }')\"})\n"
	"\t_describe -t codes code codes\n"
	"}\n"
	"\n"
	"_tablec()\n"
	"{\n"
	"\tlocal curcontext=$curcontext state line _tablec_bin=$words[1]\n"
	"\tlocal _tablec_values\n"
	"\ttypeset -A opt_args\n"
	"\t_arguments -C \\\n"
	"\t\t'(- : *)'{-h,--help}'[show the help]' \\\n"
	"\t\t'(- : *)--version[show the version]' \\\n"
	"\t\t'1: :->command' \\\n"
	"\t\t'*:: :->args' && return\n"
	"\tcase $state in\n"
	"\tcommand)\n"
	"\t\tlocal -a commands\n"
	"\t\tcommands=(\n";

static void completion_zsh(Strbuf *s)
{
	strbuf_addstr(s, zsh_head);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		strbuf_addf(s, "\t\t\t'%s:", commands[i].name);
		zsh_desc(s, commands[i].summary);
		strbuf_addstr(s, "'\n");
	}
	strbuf_addstr(s, "\t\t)\n"
		      "\t\t_describe -t commands 'tablec command' commands ;;\n"
		      "\targs)\n"
		      "\t\tcurcontext=${curcontext%:*:*}:tablec-$words[1]:\n"
		      "\t\tcase $words[1] in\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const HelpCommand *c = &commands[i];
		Strbuf vo = STRBUF_INIT;
		value_options(&vo, c);
		strbuf_addf(s, "\t\t%s)\n\t\t\t_tablec_values='%s'\n"
			    "\t\t\t_arguments \\\n", c->name, vo.buf);
		strbuf_release(&vo);
		strbuf_addstr(s, "\t\t\t\t'(- : *)'{-h,--help}'[show the help]' \\\n");
		for (size_t j = 0; j < nopts(c); j++) {
			const HelpOption *o = &c->opts[j];
			const char *eq = o->arg ? "=" : "";
			strbuf_addstr(s, "\t\t\t\t");
			if (o->alias && !o->repeat)
				strbuf_addf(s, "'(%s %s)'{%s%s,%s%s}'[", o->alias,
					    o->name, o->alias, o->arg ? "+" : "",
					    o->name, eq);
			else
				strbuf_addf(s, "'%s%s%s[", o->repeat ? "*" : "",
					    o->name, eq);
			zsh_desc(s, o->doc);
			strbuf_addstr(s, "]");
			if (o->arg) {
				strbuf_addf(s, ":%s:", o->arg);
				strbuf_addstr(s, zsh_action(o->complete));
			}
			strbuf_addstr(s, "' \\\n");
		}
		if (!strcmp(c->name, "explain"))
			strbuf_addstr(s, "\t\t\t\t'(- : *)--list[list every code]' \\\n"
				      "\t\t\t\t'(- : *)--markdown[every code as a "
				      "Markdown table]' \\\n");
		if (c->operands == C_SPECS)
			strbuf_addf(s, "\t\t\t\t'*:spec:%s'", zsh_action(c->operands));
		else if (c->operands != C_NONE)
			strbuf_addf(s, "\t\t\t\t'1:%s:%s'", kind_name(c->operands),
				    zsh_action(c->operands));
		else
			strbuf_addstr(s, "\t\t\t\t\\");
		strbuf_addstr(s, "\n\t\t\t;;\n");
	}
	strbuf_addstr(s, "\t\tesac ;;\n\tesac\n}\n\n_tablec \"$@\"\n");
}

int help_completion(FILE *f, const char *shell)
{
	Strbuf s = STRBUF_INIT;
	if (!strcmp(shell, "bash"))
		completion_bash(&s);
	else if (!strcmp(shell, "zsh"))
		completion_zsh(&s);
	else
		return -1;
	fwrite(s.buf, 1, s.len, f);
	strbuf_release(&s);
	return 0;
}
