/*
 * test_markdown.c: the markdown output language (lang.c) keeps every value
 * on one line of text that Markdown and a quoted Mermaid label read back
 * as the value: nothing can start HTML, a link, emphasis, code, math, a
 * heading or a list, end a label or split a table cell.
 */
#include "tablec.h"
#include "unit.h"

#include <string.h>

static int check(const char *in, size_t len, const char *want, int line)
{
	Strbuf out = STRBUF_INIT;
	lang_esc_markdown(&out, in, len);
	int ok = !strcmp(out.buf, want);
	if (!ok)
		fprintf(stderr, "line %d: want [%s]\n         got  [%s]\n", line, want,
			out.buf);
	strbuf_release(&out);
	return ok;
}

#define MD(in, want) ASSERT(check(in, strlen(in), want, __LINE__))

int main(void)
{
	/* names stay as they are */
	MD("staging-orders", "staging-orders");
	MD("conversation_summaries", "conversation_summaries");
	MD("svc+role=x,y.z@corp_1-a", "svc+role=x,y.z@corp_1-a");
	MD("arn:aws:dynamodb:us-east-1:123456789012:table/t",
	   "arn:aws:dynamodb:us-east-1:123456789012:table/t");
	MD("", "");
	/* a table cell and a quoted label stay whole */
	MD("a|b", "a&#124;b");
	MD("say \"hi\"", "say &quot;hi&quot;");
	MD("line\nnext\r\nend", "line next  end");
	MD("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xc2\x85" "d", "a b c d");
	MD("tab\there", "tab here");
	ASSERT(check("a\0b", 3, "a b", __LINE__));
	/* no HTML, no entities of the data's own */
	MD("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	MD("&amp; &copy;", "&amp;amp; &amp;copy;");
	/* no emphasis, code, links, math, strikethrough */
	MD("*bold* **x**", "\\*bold\\* \\*\\*x\\*\\*");
	MD("_em_ __init__ a_b", "\\_em\\_ \\_\\_init\\_\\_ a_b");
	MD("x_ _y", "x\\_ \\_y");
	MD("`code` ```", "\\`code\\` \\`\\`\\`");
	MD("[link](http://x) ![img](y)", "\\[link\\](http://x) !\\[img\\](y)");
	MD("$x$ ~~s~~", "\\$x\\$ \\~\\~s\\~\\~");
	MD("back\\slash\\", "back\\\\slash\\\\");
	/* nothing that starts a block, at the value's start */
	MD("# heading", "\\# heading");
	MD("- item", "\\- item");
	MD("+ item", "\\+ item");
	MD("=== setext", "\\=== setext");
	MD("1. first", "1\\. first");
	MD("12) twelfth", "12\\) twelfth");
	MD("1234567890. long", "1234567890. long");
	MD("a - b # c 1. d", "a - b # c 1. d");
	MD("> quote", "&gt; quote");
	/* spaces at the ends are not blanks a parser would eat */
	MD("  x  ", "&#32;&#32;x&#32;&#32;");
	MD("\n- item", "&#32;\\- item");
	MD("    code", "&#32;&#32;&#32;&#32;code");
	MD("   ", "&#32;&#32;&#32;");
	/* other text as it is */
	MD("Ünïcödé 日本語 😀", "Ünïcödé 日本語 😀");

	/* through the engine: strings, numbers, and containers as one line */
	json_t *data = json_pack("{s:s,s:i,s:{s:s}}", "s", "a|b", "n", 7, "o",
				 "k", "<v>");
	Strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	const char *tmpl = "| {{s}} | {{n}} | {{o}} |\n";
	ASSERT(tmpl_render("t", tmpl, strlen(tmpl), data, LANG_MARKDOWN, &out,
			   &err) == 0);
	ASSERT(!strcmp(out.buf, "| a&#124;b | 7 | {&quot;k&quot;:&quot;&lt;v&gt;"
			       "&quot;} |\n"));
	Lang l;
	ASSERT(lang_parse("markdown", &l) == 0 && l == LANG_MARKDOWN);
	ASSERT(!strcmp(lang_name(LANG_MARKDOWN), "markdown"));
	strbuf_release(&out);
	strbuf_release(&err);
	json_decref(data);
	return unit_done();
}
