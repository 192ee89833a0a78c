/*
 * fuzz_load.c: libFuzzer target for the front end on untrusted specs. The
 * input is a spec's bytes; compile_source() loads, parses, resolves and
 * validates every environment, then the diagnostics are printed in every
 * format (diag.c quotes source lines with carets, so it sees the hostile
 * bytes too). Bad input must give diagnostics, never a crash, a hang, UB,
 * a BUG() exit or a leak; the arena is freed every run.
 */
#include "tablec.h"

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	Compilation c;
	compile_source(&c, "fuzz.yaml", (const char *)data, size);
	/* every error is either kept or counted as not shown (past DIAG_MAX),
	 * and a usable spec means a model per env */
	if ((size_t)c.diags.errors >
	    c.diags.n + (size_t)c.diags.not_shown_by_sev[SEV_ERROR])
		abort();
	for (size_t i = 0; c.spec && !c.diags.errors && i < c.spec->nenvs; i++)
		if (!c.models[i])
			abort();
	static const DiagFormat fmts[] = {FMT_TEXT, FMT_JSON, FMT_GITHUB,
					  FMT_SARIF};
	for (size_t i = 0; i < sizeof fmts / sizeof *fmts; i++)
		diag_print(&c.diags, fmts[i], devnull, i == 0);
	compile_release(&c);
	return 0;
}
