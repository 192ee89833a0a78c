/*
 * tablec.h: the one header of tablec, split into sections named after the
 * source file that implements them (as chibicc does), in the order of the
 * pipeline:
 *
 *   load.c      YAML bytes -> node tree with file:line:col on every node
 *               (node.c reads it: lookups and typed accessors)
 *   parse.c     node tree  -> spec (tables, grants, environments)
 *   resolve.c   spec + environment -> merged property nodes per table
 *   validate.c  merged nodes -> typed, checked tables and grants (with
 *               names.c, props.c, unique.c and grants.c)
 *   stacks.c    checked model -> CloudFormation stacks and their limits
 *   lower.c     checked model -> IR
 *   backend.c   IR + backend folder -> output files (tmpl.c renders,
 *               lang.c escapes and checks each output language)
 *   write.c     output files -> the output folder, all or nothing
 *
 * compile.c holds the functions that read as the whole pipeline; diff.c
 * compares two compiled specs.
 */
#ifndef TABLEC_H
#define TABLEC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define TABLEC_VERSION "0.1.0"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* An internal error: a bug in tablec, never bad input. Exits with 70. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
NORETURN void bug_at(const char *file, int line, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* ---------------------------------------------------------------- util.c */

/*
 * Arena: every allocation of one compilation comes from here and is freed
 * at once by arena_free(). Allocation failure is fatal (BUG-like exit), so
 * callers never check for NULL.
 */
typedef struct Arena Arena;
Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size); /* zeroed */
char *arena_strndup(Arena *a, const char *s, size_t len);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Growable array in an arena: `vec_push(a, &v, &n, &cap, sizeof *v)`. */
void *vec_grow(Arena *a, void *ptr, size_t *cap, size_t need, size_t elem);
#define VEC_PUSH(arena, arr, n, cap)                                          \
	((arr) = vec_grow((arena), (arr), &(cap), (n) + 1, sizeof *(arr)),    \
	 &(arr)[(n)++])

/*
 * Strbuf, after git's strbuf.h: `buf` is never NULL and always
 * NUL-terminated; arguments come in <ptr, len> order; a buffer is set up
 * with strbuf_init() or STRBUF_INIT and freed with strbuf_release().
 * strbuf_detach() hands the malloc'd string to the caller.
 */
typedef struct Strbuf {
	char *buf;
	size_t len;
	size_t alloc;
} Strbuf;
extern char strbuf_slopbuf[];
#define STRBUF_INIT {strbuf_slopbuf, 0, 0}
void strbuf_init(Strbuf *sb, size_t hint);
void strbuf_release(Strbuf *sb);
void strbuf_reset(Strbuf *sb);
void strbuf_grow(Strbuf *sb, size_t extra);
void strbuf_add(Strbuf *sb, const void *data, size_t len);
void strbuf_addstr(Strbuf *sb, const char *s);
/* Inline: escapers add text a character at a time, millions of times in
 * a large build. */
static inline void strbuf_addch(Strbuf *sb, int c)
{
	if (sb->len + 2 > sb->alloc)
		strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}
void strbuf_addf(Strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void strbuf_vaddf(Strbuf *sb, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
char *strbuf_detach(Strbuf *sb, size_t *len);

/* Reads a whole file. Returns 0, or -1 with errno set; `limit` bounds size
 * (returns -1 with errno EFBIG past it). */
int util_read_file(const char *path, size_t limit, Strbuf *out);

/* UTF-8: returns the byte offset of the first invalid sequence, or -1. */
long utf8_invalid_at(const char *s, size_t len);
/* Decodes one code point at s (valid UTF-8 assumed); sets *len. */
uint32_t utf8_decode(const char *s, size_t *len);
/* Levenshtein distance, bounded: returns > max when farther. */
size_t util_edit_distance(const char *a, const char *b, size_t max);

/*
 * Strmap: string -> index, open addressing in the arena, for the checks
 * that would otherwise compare every name with every other (duplicate
 * names over 10,000 tables). Keys are not copied: they must outlive it.
 */
typedef struct Strmap {
	Arena *a;
	const char **keys;
	size_t *vals;
	size_t n, cap; /* cap: a power of two, or 0 */
} Strmap;

/* The value of key, or SIZE_MAX when absent. */
size_t strmap_get(const Strmap *m, const char *key);
/* Sets key to val unless present; returns the value it now has. */
size_t strmap_put(Strmap *m, const char *key, size_t val);
/* Sets key to val, replacing the value it had. */
void strmap_set(Strmap *m, const char *key, size_t val);

/* ---------------------------------------------------------------- diag.c */

/* A source file and its line table, for locations and caret lines. */
typedef struct Source {
	const char *path; /* as the user named it */
	const char *text;
	size_t len;
	size_t *line_start; /* byte offset of each line */
	size_t nlines;
} Source;

/* A 1-based location; `len` is the span's width in columns (>= 1). */
typedef struct Loc {
	const Source *src;
	int line, col, len;
} Loc;

typedef enum Severity { SEV_ERROR, SEV_WARNING, SEV_NOTE } Severity;

typedef struct Diag {
	Severity sev;
	const char *code;
	Loc loc;
	const char *msg;
	const char *help; /* how to fix it, or NULL */
	Loc note_loc;     /* e.g. the first definition; src NULL when none */
	const char *note;
	const char *env;  /* environment it was found in, NULL for all */
	const char *subject; /* diff: the table a change is about, or NULL */
	const char **envs; /* after diag_finish: where it holds, NULL = all */
	size_t nenvs;
} Diag;

typedef struct Diags {
	Arena *arena;
	Diag *items;
	size_t n, cap;
	const char *env;        /* the environment being validated now */
	const char **all_envs;  /* every environment, for diag_finish */
	size_t nall_envs;
	int errors, warnings, notes;
	bool changes; /* diff: count blocking, risky and safe changes */
	/* past DIAG_MAX reports, diagnostics are counted, not kept: a spec
	 * of a million unknown keys must not cost minutes and gigabytes */
	int not_shown;
	int not_shown_by_sev[3];
	int not_shown_allowed; /* of them, D1xx changes allowed (diag_allow) */
	Diag sink;
	size_t suggested; /* candidates compared by diag_suggest */
} Diags;

#define DIAG_MAX 10000 /* diagnostics kept per run (before folding) */

Source *diag_source_new(Arena *a, const char *path, const char *text, size_t len);

/* Reports code at loc; severity comes from the code (E.../W...). Returns the
 * diagnostic so that a help or note can be attached. */
Diag *diag_report(Diags *d, const char *code, Loc loc, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
void diag_help(Diag *dg, Diags *d, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* True once DIAG_MAX diagnostics are kept: what is reported now is only
 * counted, so a caller can skip costly suggestions. */
bool diag_full(const Diags *d);
void diag_note(Diag *dg, Diags *d, Loc loc, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
/* did_you_mean() within a per-run budget of compared candidates: NULL
 * when none is close, past the budget, or once diagnostics are full. */
const char *diag_suggest(Diags *d, const char *s, const char *const *cands,
			 size_t n);

/* Merges what several environments reported at one place into one
 * diagnostic (naming the environments where it does not hold everywhere),
 * sorts by location and counts. Call once, before printing. */
/* Reports dg (just returned by diag_report) as an allowed blocking change:
 * a warning, counted as allowed also when it was past DIAG_MAX. */
void diag_allow(Diags *d, Diag *dg);
void diag_finish(Diags *d);

typedef enum DiagFormat { FMT_TEXT, FMT_JSON, FMT_GITHUB, FMT_SARIF } DiagFormat;
int diag_format_parse(const char *name, DiagFormat *out);
/* Prints all diagnostics (after diag_finish). `color` for text on a tty. */
void diag_print(const Diags *d, DiagFormat fmt, FILE *f, bool color);

/* The code table of codes.def. */
typedef struct CodeInfo {
	const char *code, *name, *explanation;
} CodeInfo;
const CodeInfo *diag_code_lookup(const char *code);
/* "error", "warning" or "note": how a code is reported. */
const char *diag_code_level(const char *code);
const CodeInfo *diag_code_table(size_t *n);

/* ---------------------------------------------------------------- load.c */

typedef enum NodeKind { NODE_SCALAR, NODE_MAP, NODE_SEQ } NodeKind;

typedef struct Node Node;
typedef struct Pair {
	Node *key, *value;
} Pair;

struct Node {
	NodeKind kind;
	Loc loc;
	const char *str; /* scalar text (NUL-terminated; may hold no NUL) */
	size_t len;
	bool quoted;     /* quoted, block or !!str: never a number or bool */
	Pair *pairs;     /* NODE_MAP, in source order */
	size_t npairs;
	Node **items;    /* NODE_SEQ */
	size_t nitems;
	size_t weight;   /* nodes under it, aliases expanded (load.c) */
	Pair **index;    /* NODE_MAP: pairs sorted by key, or NULL (short) */
};

/* Limits on hostile input, documented in the README. */
#define LOAD_MAX_FILE (8u << 20)      /* bytes of one spec */
#define LOAD_MAX_DEPTH 64              /* nesting of collections */
#define LOAD_MAX_NODES 1000000         /* nodes after alias expansion */
#define LOAD_MAX_SCALAR (64u << 10)    /* bytes of one scalar */

/* Parses one YAML document into a node tree. Returns NULL after reporting
 * (the document is unusable); never aborts on bad input. */
Node *load_yaml(Arena *a, Diags *d, const Source *src);

/* ---------------------------------------------------------------- node.c */

/* Mapping lookup by key text; NULL when absent. */
Node *node_get(const Node *map, const char *key);
Pair *node_pair(const Node *map, const char *key);
/* Sorts a mapping's pairs into its index, so node_get() is a binary
 * search; to be called again whenever pairs change. */
void node_index(Arena *a, Node *map);
const char *node_kind_name(const Node *n);
/* What a value is, for "must be X, found Y": "a mapping", "text"... */
const char *node_found(const Node *n);

/* Typed access to nodes; each reports E101 (or E104) and returns false
 * when the node is not of the kind asked for. `what` names the key. */
bool node_is_null(const Node *n);
bool node_want_map(Diags *d, const Node *n, const char *what);
bool node_want_seq(Diags *d, const Node *n, const char *what);
bool node_want_str(Diags *d, const Node *n, const char *what, const char **out);
bool node_want_bool(Diags *d, const Node *n, const char *what, bool *out);
bool node_want_int(Diags *d, const Node *n, const char *what, long long *out);
/* One of `choices` (NULL-terminated); returns its index or -1. */
int node_want_enum(Diags *d, const Node *n, const char *what,
		   const char *const *choices);
/* Reports unknown keys of `map` (E100) with a did-you-mean from
 * `allowed` (NULL-terminated); returns how many there were. */
size_t node_check_keys(Diags *d, const Node *map,
		       const char *const *allowed, const char *where);

/* --------------------------------------------------------------- parse.c */

/*
 * The spec as written: the top-level structure is checked here; table
 * bodies stay nodes until resolve.c has merged them per environment.
 */
typedef struct Env {
	const char *name;
	Node *at;           /* the name's key node */
	Node *region;       /* scalars or NULL */
	Node *account;
	Node *set;          /* mapping of table properties, or NULL */
	Node *tables;       /* mapping table -> mapping of properties, or NULL */
	bool production;    /* the name looks like production */
} Env;

typedef struct TableDecl {
	const char *name; /* logical */
	Node *at;         /* the key node */
	Node *body;       /* mapping */
} TableDecl;

typedef struct GrantDecl {
	Node *at;
	Node *role, *role_arn, *access, *actions, *tables, *indexes,
		*leading_keys, *environments, *policy_name, *managed;
} GrantDecl;

/* CloudFormation's limits for one template, or smaller ones a spec asks
 * for (`cloudformation.max_resources`). */
typedef struct StackLimits {
	size_t resources, outputs, bytes;
} StackLimits;

#define CFN_MAX_RESOURCES 500
#define CFN_MAX_OUTPUTS 200
#define CFN_MAX_BYTES 1000000 /* a template body read from S3 */

/* One CloudFormation stack of an environment (stacks.c). */
typedef struct Stack {
	const char *id;  /* hash bits without trailing zeros; "" is the first */
	size_t index;    /* in Model.stacks, which is ordered by id */
	size_t resources, outputs, bytes; /* bytes estimated */
} Stack;


typedef struct Spec {
	const Source *src;
	Node *root;
	const char *project;
	Node *naming_table, *naming_export, *naming_policy;
	Env *envs;
	size_t nenvs;
	bool implicit_env; /* no `environments:`: one named "default" */
	Node *defaults;
	TableDecl *tables;
	size_t ntables;
	GrantDecl *grants;
	size_t ngrants;
	Node *tables_at; /* the `tables` key (else the root), for whole-spec errors */
	bool split_stacks;        /* cloudformation.split */
	StackLimits stack_limits;
} Spec;

#define SPEC_MAX_TABLES 10000
#define SPEC_MAX_ENVS 64
#define SPEC_MAX_GRANTS 10000
#define SPEC_MAX_PROP_NODES 2000 /* YAML nodes in one table property */

/* Returns NULL when the document cannot be a spec at all. */
Spec *parse_spec(Arena *a, Diags *d, const Source *src, Node *root);

/* The keys a table accepts (also in `defaults`, `set` and overrides). */
extern const char *const parse_table_keys[];
/* The keys of the other mappings parse.c checks, NULL-terminated: for
 * the schema generator (schema.c), so that the schema cannot drift. */
extern const char *const *const parse_top_keys;
extern const char *const *const parse_naming_keys;
extern const char *const *const parse_cfn_keys;
extern const char *const *const parse_env_keys;
extern const char *const *const parse_grant_keys;

/* ------------------------------------------------------------- resolve.c */

/* One table of one environment: properties merged in resolution order. */
typedef struct Resolved {
	const TableDecl *decl;
	Node *props; /* a mapping; each pair keeps its source location */
} Resolved;

/* Merges built-in defaults < `defaults` < table < env `set` < env
 * `tables.<name>` for every table, in spec order. */
Resolved *resolve_env(Arena *a, Diags *d, const Spec *spec, const Env *env);

/* ---------------------------------------------------------------- names.c */

/* Placeholders for name patterns; a NULL value is "not available". */
typedef struct Placeholders {
	const char *env, *project, *name, *region, *account, *export, *role;
} Placeholders;

/* Expands ${...} in the pattern node's text. Unknown or unavailable
 * placeholders are reported (E219/E238) and NULL is returned. `$$` is a
 * literal `$`. */
const char *names_expand(Arena *a, Diags *d, const Node *pattern,
			 const char *text, const Placeholders *ph,
			 const char *const *allowed);
/* PascalCase of the letters and digits (conversation-summaries ->
 * ConversationSummaries), for CloudFormation logical ids. */
const char *names_pascal(Arena *a, const char *s);
/* snake_case (conversation_summaries), for Terraform and shell names; a
 * leading digit gets `t_`. Both are cut past 200 characters and made
 * unique with a hash of what they were made from. */
const char *names_snake(Arena *a, const char *s);

/* ------------------------------------------------------------ validate.c */

typedef enum AttrType {
	ATTR_S, ATTR_N, ATTR_B, ATTR_BOOL, ATTR_NULL, ATTR_M, ATTR_L, ATTR_SS,
	ATTR_NS, ATTR_BS,
} AttrType;

typedef struct Attr {
	const char *name;
	AttrType type;
	Node *at;
} Attr;

typedef struct KeyDef {
	const char *pk, *sk; /* sk NULL for a partition-only key */
	Node *at;
} KeyDef;

typedef struct Throughput {
	bool set;
	long long read, write;
	Node *at;
} Throughput;

typedef enum ProjType { PROJ_ALL, PROJ_KEYS_ONLY, PROJ_INCLUDE } ProjType;

typedef struct Index {
	const char *name;
	Node *at;
	KeyDef key;
	ProjType proj;
	const char **include;
	size_t ninclude;
	Throughput cap, odm;
} Index;

typedef struct Tag {
	const char *key, *value;
	Node *at;
} Tag;

typedef struct AccessPattern {
	const char *name;
	const char *pk, *sk;
	const char *index; /* NULL: any */
	Node *at;
} AccessPattern;

typedef enum Encryption { ENC_AWS_OWNED, ENC_AWS_MANAGED, ENC_KMS } Encryption;
typedef enum Stream {
	STREAM_OFF, STREAM_KEYS_ONLY, STREAM_NEW_IMAGE, STREAM_OLD_IMAGE,
	STREAM_NEW_AND_OLD_IMAGES,
} Stream;
typedef enum DeletionPolicy { DP_RETAIN, DP_DELETE, DP_SNAPSHOT } DeletionPolicy;

typedef struct Table {
	const char *logical;   /* the key under `tables:` */
	Node *at;
	Node *props;           /* the merged properties (resolve.c) */
	const char *physical;  /* after the naming pattern */
	const char *id;        /* PascalCase identifier: letters and digits */
	const char *ident;     /* snake_case identifier */
	const char *description;
	Attr *attrs;
	size_t nattrs;
	KeyDef key;
	Index *gsis, *lsis;
	size_t ngsis, nlsis;
	bool provisioned;
	Throughput cap, odm;
	bool has_ttl, ttl_enabled;
	const char *ttl_attr;
	const char *retention;  /* as written, or NULL */
	long long retention_s;
	bool pitr;
	int pitr_days;          /* 0: not set (AWS's default, 35) */
	Encryption enc;
	const char *kms_key;
	Stream stream;
	bool infrequent_access;
	bool deletion_protection;
	DeletionPolicy deletion_policy;
	bool contributor_insights;
	Tag *tags;
	size_t ntags;
	const char *export;      /* as written */
	const char *export_name; /* after naming.export */
	const char *env_var;
	AccessPattern *patterns;
	size_t npatterns;
	int stack;               /* index into Model.stacks (stacks.c) */
} Table;

typedef enum ResKind { RES_TABLE, RES_INDEX, RES_STREAM, RES_ANY } ResKind;

typedef struct ResRef {
	ResKind kind;
	const Table *table; /* NULL for RES_ANY */
	const char *index;  /* RES_INDEX: a name or "*" */
} ResRef;

typedef struct Statement {
	const char *sid;
	const char **actions;
	size_t nactions;
	ResRef *res;
	size_t nres;
	bool leading_keys; /* the grant's condition applies */
} Statement;

typedef struct Policy {
	const char *name;
	const char *id;          /* PascalCase of the name */
	const char *resource_id; /* unique logical id in a template */
	const char *ident;       /* unique snake_case identifier */
	bool managed;
	const char *role;     /* role name */
	const char *role_arn; /* as given, or NULL */
	const char **leading_keys;
	size_t nleading_keys;
	Statement *stmts;
	size_t nstmts;
	const GrantDecl *decl;
	const Table *home; /* the grant's first table: where `*` resources go */
	/* split into stacks: the name of the policy's part in each stack,
	 * NULL where it has none (stacks.c); NULL with one stack */
	const char **stack_names;
} Policy;

/* One environment, resolved and checked. */
typedef struct Model {
	const Spec *spec;
	const Env *env;
	const char *region, *account; /* NULL when not set */
	const char *partition;        /* aws, aws-cn, aws-us-gov */
	Table *tables;
	size_t ntables;
	Policy *policies;
	size_t npolicies;
	Stack *stacks;  /* CloudFormation stacks (stacks.c); one unless split */
	size_t nstacks;
} Model;

/* The validator's state for one environment, shared by the files of the
 * stage: validate.c drives it, props.c reads tables, unique.c compares
 * them, grants.c builds the policies. */
typedef struct Validator {
	Arena *a;
	Diags *d;
	const Spec *spec;
	const Env *env;
	Model *m;
	Placeholders ph;
	bool untyped; /* the table has no `attributes` (E102 said so) */
	Strmap table_index; /* logical name -> index in m->tables */
	const char **names; /* the logical names, once asked for */
	size_t *listed;     /* per table: the stamp of the last grant naming it */
	size_t stamp;
} Validator;

/* The rules of names and values: pcre2 patterns from botocore's DynamoDB
 * model and the IAM and CloudFormation references. */
enum {
	RE_TABLE_NAME,   /* botocore TableName: [a-zA-Z0-9_.-]+, 3..255 */
	RE_TAG,          /* AWS tag characters */
	RE_KMS,
	RE_EXPORT,       /* CloudFormation: alphanumerics, ':' and '-' */
	RE_ENV_VAR,
	RE_ROLE_NAME,    /* IAM: [\w+=,.@-]{1,64} */
	RE_ROLE_ARN,
	RE_POLICY_NAME,  /* IAM: [\w+=,.@-]{1,128} */
	RE_REGION,
	RE_ACCOUNT,
	RE_DURATION,
	RE_HOT_KEY,
	RE_COUNT
};

/* The pcre2 sources of the rules, indexed by RE_*, for schema.c. */
extern const char *const *const validate_rules;
/* Matches s against rule `id`; with `group`, the first capture group is
 * copied there. */
bool validate_match(Validator *v, int id, const char *s, const char **group);
/* Is `name` a DynamoDB reserved word (any case)? */
bool validate_reserved_word(const char *name);

/* Interprets and checks every table and grant of one environment. Reports
 * into d (with d->env set by the caller); the model is complete even when
 * errors were reported, but must not be lowered then. */
Model *validate_env(Arena *a, Diags *d, const Spec *spec, const Env *env,
		    Resolved *tables);
/* Frees the compiled patterns (for leak checkers; optional at exit). */
void validate_cleanup(void);

/* ---------------------------------------------------------------- props.c */

/* Reads and checks one table's merged properties into t. */
void props_read_table(Validator *v, Table *t, const Resolved *r);
/* The spec's words for AttrType ("S", "N", ... "BS"), Stream ("off",
 * "keys_only", ...) and the named projections ("all", "keys_only"). */
extern const char *const props_attr_types[];
extern const char *const props_stream_names[];
extern const char *const props_proj_names[];
/* The rest of props.c's words and keys (NULL-terminated), for schema.c:
 * long attribute types (in props_attr_types' order), billing modes, table
 * classes, deletion policies, encryption words; the keys of a mapping
 * `key`, of `capacity` / `on_demand_max`, of a global and a local index,
 * of `ttl`, `pitr`, `encryption` and of an access pattern. */
extern const char *const *const props_attr_long_names;
extern const char *const *const props_billing_names;
extern const char *const *const props_class_names;
extern const char *const *const props_policy_names;
extern const char *const *const props_encryption_names;
extern const char *const props_key_keys[];
extern const char *const props_throughput_keys[];
extern const char *const props_gsi_keys[];
extern const char *const props_lsi_keys[];
extern const char *const props_ttl_keys[];
extern const char *const props_pitr_keys[];
extern const char *const props_encryption_keys[];
extern const char *const props_pattern_keys[];
/* Appends the names of t's indexes (global, then local). */
void props_index_names(Arena *a, const Table *t, const char ***names,
		       size_t *n, size_t *cap);

/* --------------------------------------------------------------- unique.c */

/* Reports names that two tables of the environment share (E205, E227,
 * E228). */
void unique_check(Validator *v);

/* --------------------------------------------------------------- grants.c */

/* Turns the environment's grants into v->m->policies, with unique names
 * and identifiers. */
void grants_build(Validator *v);
/* The access levels ("read", ... "full"), NULL-terminated, for schema.c. */
extern const char *const *const grants_access_names;

/* -------------------------------------------------------------- stacks.c */

/* Assigns every table of m to a stack (Table.stack, Model.stacks), and
 * reports an environment over CloudFormation's limits when the spec does
 * not split (E244, W007 near them). */
void stacks_plan(Arena *a, Diags *d, Model *m);
/* The stack where a policy's statement resource goes: its table's. */
int stacks_of_resource(const Policy *p, const ResRef *r);

/* --------------------------------------------------------------- lower.c */

/*
 * The IR is a tree of JSON values. lower.c builds it only through these
 * ir_* calls, so that how a value is stored is decided here, in one
 * place: a value set or pushed into a container belongs to it, and one
 * ir_free() of the root frees the tree. ir_set() and ir_push() take a
 * value made just for them; ir_push_ref() shares one that is also
 * elsewhere in the tree.
 */
typedef json_t Ir;
static inline Ir *ir_obj(void) { return json_object(); }
static inline Ir *ir_arr(void) { return json_array(); }
static inline Ir *ir_null(void) { return json_null(); }
static inline Ir *ir_bool(bool b) { return json_boolean(b); }
static inline Ir *ir_int(long long i) { return json_integer((json_int_t)i); }
static inline Ir *ir_str(const char *s) { return json_string(s); }
static inline Ir *ir_strn(const char *s, size_t n) { return json_stringn(s, n); }
static inline Ir *ir_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}
/* a + b as one string */
Ir *ir_cat(const char *a, const char *b);
static inline void ir_set(Ir *o, const char *k, Ir *v)
{
	if (!v || json_object_set_new(o, k, v))
		BUG("cannot build IR value for '%s'", k);
}
static inline void ir_push(Ir *a, Ir *v)
{
	if (!v || json_array_append_new(a, v))
		BUG("cannot build an IR list");
}
static inline void ir_push_ref(Ir *a, Ir *v) { ir_push(a, json_incref(v)); }
static inline Ir *ir_ref(Ir *v) { return json_incref(v); }
static inline Ir *ir_copy(Ir *v) { return json_deep_copy(v); }
static inline Ir *ir_get(const Ir *o, const char *k) { return json_object_get(o, k); }
static inline Ir *ir_at(const Ir *a, size_t i) { return json_array_get(a, i); }
static inline size_t ir_len(const Ir *a) { return json_array_size(a); }
static inline const char *ir_text(const Ir *s) { return json_string_value(s); }
static inline void ir_free(Ir *v) { json_decref(v); }
#define ir_arr_foreach(a, i, v) json_array_foreach(a, i, v)

/* The IR of one environment: the contract for templates (specs/ir.schema.json). */
Ir *lower_model(const Model *m, const char *spec_name);

/* ---------------------------------------------------------------- lang.c */

/* The languages of output files, each with its own escaping. */
typedef enum Lang {
	LANG_TEXT,
	LANG_YAML,
	LANG_JSON,
	LANG_HCL,
	LANG_SHELL,
	LANG_MARKDOWN,
} Lang;

/* "text", "yaml", "json", "hcl", "shell", "markdown" -> 0 and *out;
 * else -1. */
int lang_parse(const char *name, Lang *out);
const char *lang_name(Lang lang);

/* Appends s as one string of the language: a JSON string literal (also a
 * YAML double-quoted scalar), an HCL quoted template ("${" doubled), a
 * single-quoted shell word, or one comment line (line breaks made
 * spaces). lang_yaml_plain_safe says whether s may stay a plain scalar. */
void lang_esc_json(Strbuf *out, const char *s, size_t len);
void lang_esc_hcl(Strbuf *out, const char *s, size_t len);
void lang_esc_shell(Strbuf *out, const char *s, size_t len);
void lang_esc_comment(Strbuf *out, const char *s, size_t len);
/* Text for Markdown (GitHub's) and quoted Mermaid labels: one line that
 * reads back as s, with line breaks and controls as spaces. */
void lang_esc_markdown(Strbuf *out, const char *s, size_t len);
bool lang_yaml_plain_safe(const char *s, size_t len);

/* Parses s as YAML (libyaml) or checks it as RFC 8259 JSON (a scan that
 * builds nothing): 0, or -1 with the problem and its place in `why`. */
int lang_check_yaml(const char *s, size_t len, Strbuf *why);
int lang_check_json(const char *s, size_t len, Strbuf *why);
/* Aligns the `=` of HCL attribute runs as `terraform fmt` does. */
void lang_hcl_align(Strbuf *text);
/* Frees what lang.c compiled once (for leak checkers). */
void lang_cleanup(void);

/* ---------------------------------------------------------------- tmpl.c */

/*
 * A logic-less template engine (mustache's tags, no lambdas, no partials).
 * Every interpolation is escaped for the language of the output file, so a
 * template cannot emit a broken or injectable document whatever the data.
 */

/*
 * Renders template `src` (of `len` bytes; `name` is used in messages)
 * against `data`, appending to `out`. Returns 0, or -1 with one message
 * "NAME:LINE:COL: what went wrong" appended to `err` (RENDER_TOO_LARGE
 * when the error is that the output passed OUTPUT_MAX).
 */
int tmpl_render(const char *name, const char *src, size_t len, json_t *data,
		Lang lang, Strbuf *out, Strbuf *err);

/* ------------------------------------------------------------- backend.c */

/*
 * A backend is a folder holding manifest.json and the templates it names;
 * nothing about a backend is compiled into tablec.
 */
typedef struct BackendFile {
	const char *template_path; /* full path of the template, for messages */
	const char *text;          /* the template, read when found */
	size_t len;
	const char *output;        /* file name written under DIR/<env>/ */
	Lang lang;
	bool each_stack;  /* "each": "stacks": a file per CloudFormation stack */
	size_t max_bytes; /* 0: no limit but the engine's */
} BackendFile;

typedef struct Backend {
	const char *name; /* the folder's name */
	const char *origin; /* the folder it was found in; NULL: built in */
	bool overrides_builtin; /* a folder's backend of a built-in's name */
	const char *dir;
	const char *description;
	BackendFile *files;
	size_t nfiles;
} Backend;

typedef struct BackendSet {
	Backend *items; /* sorted by name */
	size_t n;
} BackendSet;

/*
 * Scans each directory of `dirs` (in order; the first that defines a name
 * wins) for subfolders with a manifest.json, then, with `builtin`, adds
 * the backends built into tablec whose names no folder defined. A
 * directory that does not exist is skipped; a broken manifest is an
 * error. Returns 0 or -1 with a message in `err`.
 */
int backend_find(Arena *a, const char *const *dirs, size_t ndirs,
		  bool builtin, BackendSet *out, Strbuf *err);

/* The built-in backends: every file of templates/ at build time, as
 * "backend/path" (scripts/embed-templates.py), sorted; ends with NULL. */
typedef struct EmbeddedFile {
	const char *name;
	const char *data;
	size_t len;
} EmbeddedFile;
extern const EmbeddedFile tablec_embedded[];
const Backend *backend_get(const BackendSet *set, const char *name);
/* Is `file` a name that b writes into an environment's folder (an output,
 * or an output with a stack's suffix)? For finding stale files. */
bool backend_owns(const Backend *b, const char *file);

typedef struct Output {
	const char *path; /* relative: "<env>/<file>" */
	const char *file; /* the file's name in the environment's folder */
	const char *data;
	size_t len;
	bool executable;  /* a script: written with mode 0755 */
} Output;

/* The most one output file may hold: a spec within the input limits can
 * ask for more (10,000 tables with 50 long tags each), and that is E245. */
#define OUTPUT_MAX ((size_t)64 << 20)
#define RENDER_TOO_LARGE (-2)

/*
 * Renders every file of `b` for the IR of one environment and parses each
 * YAML or JSON result back; appends to *outs (an arena vector with *n and
 * *cap). Returns 0; -1 with a message naming the template in `err`; or
 * RENDER_TOO_LARGE with the output's path (ENV/FILE) in `err` when a file
 * would be over OUTPUT_MAX.
 */
int backend_render(Arena *a, const Backend *b, const char *env, json_t *ir,
		   Output **outs, size_t *n, size_t *cap, Strbuf *err);

/* ---------------------------------------------------------------- write.c */

/*
 * A Writer puts the files of one build under an output folder, all or
 * nothing: write_add() writes each to a temporary file at once (with
 * `check`, compares it with the disk instead), write_commit() renames them
 * all into place, write_abort() removes them. No symbolic link below the
 * folder is followed. Messages are printed.
 */
typedef struct Writer Writer;
Writer *write_open(Arena *a, const char *dir, const char *spec, bool check);
/* -1 on an I/O error, or when a file of the build is added twice. */
int write_add(Writer *w, const char *env, const char *file, const char *data,
	      size_t len, bool executable);
/* Files in env's folder that `owned` claims but the build did not add:
 * reported as stale with `check`, else removed by write_commit(). */
void write_sweep(Writer *w, const char *env,
		 bool (*owned)(const char *file, void *ctx), void *ctx);
/* 0; -1 on an I/O error; with `check`, 1 when a file is stale. */
int write_commit(Writer *w);
void write_abort(Writer *w);

/* ------------------------------------------------------------- compile.c */

/* Exit statuses of the contract; 70 is an internal error (a bug). */
enum { EXIT_OK = 0, EXIT_DIAG = 1, EXIT_USAGE = 2, EXIT_BUG = 70 };

typedef struct Compilation {
	Arena *arena;
	Diags diags;
	Spec *spec;
	Model **models; /* one per environment of spec->envs, NULL if unusable */
} Compilation;

/* The whole front end: load, parse, resolve, validate every environment.
 * Returns 0 when the spec was read (diagnostics may hold errors), -1 on an
 * I/O error (message printed). */
int compile_file(Compilation *c, const char *path);
void compile_source(Compilation *c, const char *name, const char *text,
		    size_t len);
void compile_release(Compilation *c);

/* What `tablec build` was asked for. */
typedef struct Build {
	const char *spec;    /* its path */
	const char *out_dir; /* NULL: out/<project or spec name> */
	const char *const *envs; /* the environments; none: all */
	size_t nenvs;
	const struct Backend *const *targets;
	size_t ntargets;
	bool check; /* write nothing; fail when a file on disk differs */
} Build;

/* The whole pipeline: the front end, then for each environment lower,
 * render every backend and write. Returns the exit status. */
int compile_build(Arena *a, const Build *b);

/* Prints c's diagnostics; returns EXIT_DIAG when there are errors. */
int compile_report(const Compilation *c, DiagFormat fmt, FILE *f);
/* The environments named (all when none), in spec order; NULL after
 * printing why when one is unknown. */
const Env **compile_select_envs(Arena *a, const Spec *s,
				const char *const *names, size_t nnames,
				size_t *n);
/* A spec's text from a path or git:REV:PATH; -1 after printing why. */
int compile_read_spec(const char *arg, Strbuf *out);
const char *compile_base_name(const char *path);

/* ---------------------------------------------------------------- diff.c */

/*
 * Classifies every change from `old` to `new` (both compiled without
 * errors) per environment: D1xx blocking (errors), D2xx risky (warnings),
 * D3xx safe (notes). `envs` limits the environments (NULL: all of new's);
 * `allow` lists codes accepted as known, which become warnings.
 */
void diff_specs(Arena *a, Diags *d, const Compilation *old,
		const Compilation *new, const char *const *envs,
		size_t nenvs, const char *const *allow, size_t nallow);

/* ---------------------------------------------------------------- help.c */

/*
 * The command line written once: --help, the options main.c accepts, the
 * manual page and the shell completion scripts all come from help.c's
 * table of commands.
 */
bool help_is_command(const char *name);
/* The options a command accepts, space-separated ("-o --out --env ..."). */
const char *help_options(Arena *a, const char *command);
void help_usage(FILE *f);
/* `tablec COMMAND --help` (the general usage for an unknown command). */
void help_command_usage(FILE *f, const char *name);
/* The manual page, tablec(1), in roff; returns the exit status. */
int help_man(FILE *f);
/* The completion script of "bash" or "zsh"; -1 for another shell. */
int help_completion(FILE *f, const char *shell);

/* -------------------------------------------------------------- schema.c */

/*
 * The language described: each mapping of a spec (a "context": spec,
 * table, index, grant, ...) with the validator's own list of its keys, a
 * description of every key, and the JSON Schema of a spec for editors.
 */
size_t schema_context_count(void);
const char *schema_context_name(size_t i);  /* "table" */
const char *schema_context_title(size_t i); /* "Table properties" */
const char *schema_context_doc(size_t i);
const char *const *schema_context_keys(size_t i); /* NULL-terminated */
/* The description of a key of a context, or NULL. */
const char *schema_describe(const char *context, const char *key);
/* The JSON Schema (draft-07) of a spec; the caller frees it. */
json_t *schema_build(void);
/* Keys without a description, descriptions of no key, bad shapes or
 * references: counted, and explained in `why` (for the unit test). */
size_t schema_check(Strbuf *why);

#endif
