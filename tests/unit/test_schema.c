/*
 * test_schema.c: every key the validator accepts has a description and a
 * shape in schema.c, every description is of a key the validator has
 * (or of an addition marked PENDING), and the JSON Schema built from
 * them holds exactly the validator's keys.
 */
#include "tablec.h"
#include "unit.h"

#include <string.h>

/* The schema's properties of a context's mapping. */
static json_t *props_of(json_t *schema, const char *context)
{
	json_t *def = !strcmp(context, "spec")
			      ? schema
			      : json_object_get(json_object_get(schema, "definitions"),
						context);
	return json_object_get(def, "properties");
}

int main(void)
{
	Strbuf why = STRBUF_INIT;
	size_t problems = schema_check(&why);
	if (problems)
		fputs(why.buf, stderr);
	ASSERT(problems == 0);
	strbuf_release(&why);

	json_t *schema = schema_build();
	ASSERT(schema != NULL);
	for (size_t i = 0; i < schema_context_count(); i++) {
		const char *cx = schema_context_name(i);
		const char *const *keys = schema_context_keys(i);
		json_t *props = props_of(schema, cx);
		ASSERT(props != NULL);
		size_t n = 0;
		for (; keys[n]; n++) {
			json_t *p = json_object_get(props, keys[n]);
			ASSERT(p != NULL);
			ASSERT(json_is_string(json_object_get(p, "description")));
			ASSERT(schema_describe(cx, keys[n]) != NULL);
		}
		/* exactly the validator's keys, nothing more */
		ASSERT(json_object_size(props) == n);
		json_t *def = !strcmp(cx, "spec") ? schema :
			json_object_get(json_object_get(schema, "definitions"), cx);
		ASSERT(json_is_false(json_object_get(def, "additionalProperties")));
	}
	/* every table property, known to the validator (parse.c) */
	for (size_t i = 0; parse_table_keys[i]; i++)
		ASSERT(schema_describe("table", parse_table_keys[i]) != NULL);
	ASSERT(schema_describe("table", "no_such_key") == NULL);
	json_decref(schema);
	return unit_done();
}
