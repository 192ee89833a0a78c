// docs_check.mjs FILE...: reads each Markdown file as GitHub would and
// prints one JSON object per file, one per line:
//   {"file": F, "html": the HTML of micromark with GFM (raw HTML passed
//    through, so that a test sees any that the file would hold),
//    "mermaid": [{"ok": bool, "error": message, "type": diagram type,
//                 "vertices": {id: label}, "edges": [[from, to, label]]}]}
// Mermaid's own parser runs under jsdom (it needs a DOM for DOMPurify).
// Run with node from the folder whose node_modules hold the packages
// pinned in tests/tools/eco/package.json.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(pathToFileURL(process.cwd() + '/'));
const load = async (name) => import(pathToFileURL(require.resolve(name)));

const { JSDOM } = await load('jsdom');
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const mermaid = (await load('mermaid')).default;
const { micromark } = await load('micromark');
const { gfm, gfmHtml } = await load('micromark-extension-gfm');

const fence = /^```mermaid\n([\s\S]*?)^```$/gm;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const html = micromark(text, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
  const diagrams = [];
  for (const m of text.matchAll(fence)) {
    const d = { ok: false };
    try {
      const parsed = await mermaid.parse(m[1]);
      d.type = parsed.diagramType;
      const diagram = await mermaid.mermaidAPI.getDiagramFromText(m[1]);
      d.vertices = {};
      for (const [id, v] of diagram.db.getVertices())
        d.vertices[id] = v.text;
      d.edges = diagram.db.getEdges().map((e) => [e.start, e.end, e.text]);
      d.ok = true;
    } catch (e) {
      d.error = String(e && e.message ? e.message : e).split('\n').slice(0, 4).join(' / ');
    }
    diagrams.push(d);
  }
  process.stdout.write(JSON.stringify({ file, html, mermaid: diagrams }) + '\n');
}
