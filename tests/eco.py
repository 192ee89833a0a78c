"""Test groups for where users meet tablec: editors, readers of the docs
backend, shells and man, CI recipes and packages (imported by tests/run.py,
which calls run_group per group).

  schema   specs/tablec.schema.json is `tablec schema`; it is a valid
           draft-07 schema; every accepted golden spec and specs/*.yaml
           validates and every golden case rejected for an unknown key, a
           wrong type or an unknown word (E100, E101, E104 only) does not
           (python jsonschema, YAML read as tablec reads it); and the npm
           yaml-language-server, driven over stdio as an editor does, reports
           the unknown key of a spec at its place, offers the table keys as
           completions, and agrees on every golden spec
  docs     every docs.md under out/ and tests/golden/*/out/: markdownlint
           (markdownlint-cli2) finds nothing; read by micromark with GFM as
           GitHub does, its tables keep their columns, it holds no HTML
           element the template does not write, and each table's
           description, settings, tags and grants read back as the IR's;
           its Mermaid diagram passes Mermaid's own parser (under jsdom),
           with a node per table, index and role and an edge per grant
  install  the manual page (`tablec man`, built and installed as tablec.1)
           renders with man -l and without a groff warning and names every
           command, option, key and code; `--help` of each command; bash
           and zsh completion offer commands, options, targets, formats,
           codes and a spec's environments; scripts/package.sh builds a
           .deb that lintian passes and that, unpacked into a scratch root
           with dpkg-deb -x, runs and builds a spec as the build does, and a
           tarball whose binary needs nothing but the C library
  recipes  .pre-commit-hooks.yaml passes `pre-commit validate-manifest` and
           its hooks, run by pre-commit itself on a scratch repository,
           pass on good specs and fail on a broken spec and on stale output;
           action.yml is a well-formed composite action whose steps, run in
           order with their inputs on a scratch repository with a base
           branch, build tablec, annotate, classify and check as promised

Tools: node and the npm packages of tests/tools/eco/package.json in
.tools/eco/ (bash scripts/setup-tools.sh; TABLEC_ECO_TOOLS names another
folder), PyYAML, jsonschema and regex from the running Python, and man,
groff, bash, zsh, git, dpkg-deb, dpkg-shlibdeps, lintian and pre-commit from
Debian (scripts/setup.sh). A missing one makes its tests SKIP, or FAIL when
CI is set.
"""

import html
import html.parser
import json
import os
import queue
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import realtools

GROUPS = ("schema", "docs", "install", "recipes")

HERE = os.path.dirname(os.path.abspath(__file__))
SETUP_TOOLS = "run bash scripts/setup-tools.sh"
SETUP_APT = "run bash scripts/setup.sh (Debian packages, pinned there)"
NODE_TIMEOUT = 600


def run_group(name, report, h, build, update=False):
    ctx = realtools.Ctx(report, h, build)
    ctx.update = update
    ctx.eco = os.environ.get("TABLEC_ECO_TOOLS") or os.path.join(ctx.tools,
                                                                 "eco")
    ctx.build = build
    {"schema": group_schema, "docs": group_docs, "install": group_install,
     "recipes": group_recipes}[name](ctx)


def sh(cmd, cwd=None, env=None, timeout=300, input=None):
    """Runs cmd; returns (exit status or None on timeout, stdout, stderr)
    as text."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, input=input,
                           stdin=None if input is not None else
                           subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, text=True, errors="replace")
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", e.stderr or ""
    except OSError as e:
        return 127, "", str(e)
    return p.returncode, p.stdout, p.stderr


def show(cmd, rc, out, err):
    what = "timed out" if rc is None else f"exit status {rc}"
    text = (out + err).strip()
    return (f"$ {' '.join(cmd) if isinstance(cmd, list) else cmd}\n{what}" +
            (":\n" + realtools.indent(realtools.clip(text), "  ")
             if text else ""))


def node_module(ctx, name):
    """The path of an npm package of tests/tools/eco in ctx.eco, or None."""
    p = os.path.join(ctx.eco, "node_modules", name)
    return p if os.path.isfile(os.path.join(p, "package.json")) else None


def need(ctx, name, tools):
    """True when every tool of `tools` ((label, found) pairs) is there;
    else reports name as missing (SKIP, or FAIL under CI)."""
    for label, found in tools:
        if not found:
            ctx.missing(name, label, SETUP_TOOLS if label.startswith("npm")
                        else SETUP_APT)
            return False
    return True


def golden_cases(ctx):
    """(case folder, status, error codes) of every golden case."""
    out = []
    for case in ctx.h.golden_cases():
        try:
            status = open(os.path.join(case, "status")).read().strip()
            check = open(os.path.join(case, "check.txt"),
                         errors="replace").read()
        except OSError:
            continue
        codes = set(re.findall(r"error: .*\[(E\d+)\]$", check, re.M))
        out.append((case, status, codes))
    return out


# ================================================================== schema

def tablec_loader(yaml):
    """A PyYAML loader that reads scalars as tablec does (by their text):
    plain true/false in three casings are booleans, a plain optional `-`
    and digits an integer, a plain empty, ~ or null (any case) null, and
    everything else, quoted or not, text. Merge keys are kept."""
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {}
    Loader.add_implicit_resolver("tag:yaml.org,2002:merge",
                                 re.compile(r"^(?:<<)$"), ["<"])
    integer = re.compile(r"-?[0-9]+\Z")

    def scalar(loader, node):
        v = node.value
        if node.style not in (None, ""):
            return v
        if v in ("true", "True", "TRUE"):
            return True
        if v in ("false", "False", "FALSE"):
            return False
        if v in ("", "~") or v.lower() == "null":
            return None
        if integer.match(v):
            return int(v)
        return v
    for tag in ("str", "int", "float", "bool", "null"):
        Loader.add_constructor("tag:yaml.org,2002:" + tag, scalar)
    return Loader


def schema_validator(schema):
    """A draft-07 validator whose patterns are ECMA-262 regular
    expressions with the u flag, as editors read them: the regex module
    has \\p{L} and the rest of what tablec's rules use; Python's re has not."""
    import jsonschema
    import regex
    from jsonschema import validators

    def pattern(validator, patrn, instance, _schema):
        if validator.is_type(instance, "string") and \
                not regex.search(patrn, instance):
            yield jsonschema.ValidationError(
                f"{instance!r} does not match {patrn!r}")
    checker = jsonschema.FormatChecker()
    checker.checks("regex", raises=regex.error)(
        lambda s: regex.compile(s) is not None)
    meta = jsonschema.Draft7Validator(jsonschema.Draft7Validator.META_SCHEMA,
                                      format_checker=checker)
    cls = validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})
    return meta, cls(schema)


def group_schema(ctx):
    h = ctx.h
    path = os.path.join(ctx.root, "specs", "tablec.schema.json")
    rc, out, err = sh([ctx.tablec, "schema"])
    name = "schema/current"
    if ctx.wants(name):
        try:
            have = open(path, encoding="utf-8").read()
        except OSError as e:
            have = f"({e})"
        if rc != 0:
            ctx.result(name, [show(["tablec", "schema"], rc, out, err)])
        elif ctx.update and have != out:
            with open(path, "w", encoding="utf-8") as f:
                f.write(out)
            ctx.emit("PASS", name, f"wrote {ctx.rel(path)}")
        else:
            ctx.result(name, [] if have == out else [
                f"{ctx.rel(path)} is not what tablec schema prints; run "
                f"python3 tests/run.py -g schema --update\n" +
                h.udiff(have.encode(), out.encode(), ctx.rel(path),
                        "tablec schema")])
    if rc != 0:
        return
    schema = json.loads(out)
    try:
        import jsonschema  # noqa: F401
        import regex  # noqa: F401
        import yaml
    except ImportError as e:
        for n in ("schema/meta", "schema/accepted", "schema/rejected"):
            if ctx.wants(n):
                h.missing_tool(ctx.report, n, "jsonschema", f"({e})")
        yaml = None
    cases = golden_cases(ctx)
    accepted = [os.path.join(c, "spec.yaml") for c, s, _ in cases
                if s == "0"] + sorted(
        os.path.join(ctx.root, "specs", f)
        for f in os.listdir(os.path.join(ctx.root, "specs"))
        if f.endswith(".yaml"))
    rejected = [os.path.join(c, "spec.yaml") for c, s, codes in cases
                if s == "1" and codes and codes <= {"E100", "E101", "E104"}]
    if yaml is not None:
        meta, validator = schema_validator(schema)
        if ctx.wants("schema/meta"):
            errs = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                    for e in meta.iter_errors(schema)]
            ctx.result("schema/meta", errs[:20])
        loader = tablec_loader(yaml)

        def problems_of(spec):
            try:
                with open(spec, "rb") as f:
                    doc = yaml.load(f, Loader=loader)
            except yaml.YAMLError as e:
                return None, f"{ctx.rel(spec)}: PyYAML cannot read it: {e}"
            return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: "
                    f"{e.message[:300]}"
                    for e in validator.iter_errors(doc)], None
        if ctx.wants("schema/accepted"):
            problems = []
            for spec in accepted:
                errs, why = problems_of(spec)
                if why:
                    problems.append(why)
                elif errs:
                    problems.append(f"{ctx.rel(spec)} compiles but the "
                                    f"schema rejects it:\n" +
                                    realtools.indent("\n".join(errs[:5]), "  "))
            ctx.result("schema/accepted", problems,
                       f"{len(accepted)} specs validate")
        if ctx.wants("schema/rejected"):
            problems = [] if rejected else [
                "no golden case is rejected for E100, E101 or E104 only"]
            for spec in rejected:
                errs, why = problems_of(spec)
                if why:
                    problems.append(why)
                elif not errs:
                    problems.append(f"{ctx.rel(spec)}: tablec rejects it "
                                    f"(E100/E101/E104) but the schema "
                                    f"accepts it")
            ctx.result("schema/rejected", problems,
                       f"{len(rejected)} specs are invalid")
    name = "schema/yaml-language-server"
    if ctx.wants(name):
        node = shutil.which("node")
        server = node_module(ctx, "yaml-language-server")
        if need(ctx, name, [("node", node),
                            ("npm yaml-language-server", server)]):
            ctx.result(name, yaml_language_server(ctx, node, server, path,
                                                  schema, accepted,
                                                  rejected))


class Lsp:
    """A language client: JSON-RPC over the server's stdin and stdout."""

    def __init__(self, cmd, settings):
        self.settings = settings
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        self.msgs = queue.Queue()
        self.responses, self.diagnostics = {}, {}
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        f = self.p.stdout
        try:
            while True:
                headers = {}
                while True:
                    line = f.readline()
                    if not line:
                        self.msgs.put(None)
                        return
                    line = line.decode("ascii", "replace").strip()
                    if not line:
                        break
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = f.read(int(headers.get("content-length", "0")))
                self.msgs.put(json.loads(body))
        except (OSError, ValueError):
            self.msgs.put(None)

    def send(self, obj):
        data = json.dumps(obj).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.p.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                   "params": params})
        return self.next_id

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def pump(self, done, timeout=60):
        """Handles messages until done() or the timeout; False on the
        latter or when the server is gone."""
        end = time.time() + timeout
        while not done():
            if time.time() > end:
                return False
            try:
                m = self.msgs.get(timeout=0.2)
            except queue.Empty:
                continue
            if m is None:
                return False
            if "method" in m and "id" in m:   # a request of the server
                result = None
                if m["method"] == "workspace/configuration":
                    result = [self.settings.get(i.get("section"))
                              for i in m["params"]["items"]]
                self.send({"jsonrpc": "2.0", "id": m["id"],
                           "result": result})
            elif m.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[m["params"]["uri"]] = \
                    m["params"]["diagnostics"]
            elif "id" in m:
                self.responses[m["id"]] = m
        return True

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        realtools.stop(self.p)


def file_uri(path):
    from urllib.request import pathname2url
    return "file://" + pathname2url(os.path.abspath(path))


def yaml_language_server(ctx, node, server, schema_path, schema, accepted,
                         rejected):
    """What an editor with the YAML language server shows, through the
    modeline the README documents."""
    problems = []
    # every pattern of the schema is an ECMA-262 regular expression with
    # the u flag, as the server's validator (ajv) compiles them
    patterns = sorted({v for k, v in walk(schema) if k == "pattern"})
    rc, out, err = sh([node, "-e", "for (const p of JSON.parse(process.argv[1]))"
                       " new RegExp(p, 'u');", json.dumps(patterns)])
    if rc != 0:
        problems.append("a pattern of the schema is not a JavaScript regular "
                        "expression:\n" + realtools.indent(err.strip(), "  "))
    settings = {"yaml": {"validate": True, "completion": True, "hover": True,
                         "format": {"enable": False},
                         "schemaStore": {"enable": False}}}
    lsp = Lsp([node, os.path.join(server, "bin", "yaml-language-server"),
               "--stdio"], settings)
    try:
        init = lsp.request("initialize", {
            "processId": os.getpid(), "rootUri": None,
            "capabilities": {"workspace": {"configuration": True},
                             "textDocument": {"completion": {
                                 "completionItem": {"snippetSupport":
                                                    False}}}}})
        if not lsp.pump(lambda: init in lsp.responses, 60):
            return problems + ["the server did not answer initialize"]
        lsp.notify("initialized", {})
        lsp.notify("workspace/didChangeConfiguration", {"settings": settings})
        # the README's form: the schema beside the specs, named relatively
        tmp = tempfile.mkdtemp(prefix="tablec-yamlls-")
        shutil.copy(schema_path, os.path.join(tmp, "tablec.schema.json"))
        modeline = "# yaml-language-server: $schema=tablec.schema.json\n"
        docs = {}

        def open_doc(name, text, kind, source):
            uri = file_uri(os.path.join(tmp, name))
            docs[uri] = (kind, source)
            lsp.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "yaml", "version": 1,
                "text": text}})
            return uri
        typo = open_doc("typo.yaml", modeline + (
            "tablec: 1\ntables:\n  orders:\n    attributes: { id: S }\n"
            "    key: id\n    deletion_protecton: true\n"), "typo", None)
        blank = open_doc("blank.yaml", modeline + (
            "tablec: 1\ntables:\n  orders:\n    \n"), "blank", None)
        for i, spec in enumerate(accepted + rejected):
            try:
                text = open(spec, encoding="utf-8").read()
            except (OSError, UnicodeDecodeError):
                continue   # invalid UTF-8 is a case of its own (E002)
            open_doc(f"{i}.yaml", modeline + text,
                     "accept" if spec in accepted else "reject", spec)
        if not lsp.pump(lambda: all(u in lsp.diagnostics for u in docs),
                        300):
            missing = [u for u in docs if u not in lsp.diagnostics]
            problems.append(f"no diagnostics after 300 s for {len(missing)} "
                            f"of {len(docs)} documents")
        # the unknown key, at its place, named
        got = lsp.diagnostics.get(typo, [])
        hit = [d for d in got if d["range"]["start"]["line"] == 6 and
               "deletion_protecton" in d["message"]]
        if not hit:
            problems.append("the server does not report the unknown key "
                            "deletion_protecton on line 7: " + json.dumps(got))
        # completion in an empty table mapping: every table key
        c = lsp.request("textDocument/completion", {
            "textDocument": {"uri": blank},
            "position": {"line": 4, "character": 4}})
        if not lsp.pump(lambda: c in lsp.responses, 60):
            problems.append("no answer to textDocument/completion")
        else:
            result = lsp.responses[c].get("result") or []
            items = result.get("items", []) if isinstance(result, dict) \
                else result
            labels = {i.get("label") for i in items}
            keys = set(schema["definitions"]["table"]["properties"])
            if not keys or not keys <= labels:
                problems.append("completion in a table does not offer "
                                f"{sorted(keys - labels)}; it offers "
                                f"{sorted(labels)}")
        hover = lsp.request("textDocument/hover", {
            "textDocument": {"uri": typo},
            "position": {"line": 4, "character": 6}})
        if lsp.pump(lambda: hover in lsp.responses, 60):
            r = json.dumps(lsp.responses[hover].get("result"))
            want = schema["definitions"]["table"]["properties"][
                "attributes"]["description"]
            if want[:40] not in r:
                problems.append(f"hover over attributes does not show its "
                                f"description: {r[:300]}")
        for uri, (kind, spec) in docs.items():
            got = lsp.diagnostics.get(uri)
            if got is None or kind not in ("accept", "reject"):
                continue
            if kind == "accept" and got:
                problems.append(f"{ctx.rel(spec)} compiles but the editor "
                                f"shows: " + "; ".join(
                                    f"line {d['range']['start']['line']}: "
                                    f"{d['message']}" for d in got[:3]))
            if kind == "reject" and not got:
                problems.append(f"{ctx.rel(spec)}: tablec rejects it but the "
                                f"editor shows nothing")
        shutil.rmtree(tmp, ignore_errors=True)
    finally:
        lsp.close()
    return problems


def walk(v):
    """Every (key, value) of a JSON document, at any depth."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield k, x
            yield from walk(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x)


# ==================================================================== docs

def md_text(s):
    """What the markdown language makes a reader see of s: line breaks and
    the other characters JSON escapes as spaces."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]", " ",
                  s)


class Html(html.parser.HTMLParser):
    """The elements, tables (rows of cells as text) and paragraphs of a
    page, and the text after each h3."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.tables, self.paragraphs = set(), [], []
        self.cell = self.row = self.para = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
            self.tables[-1].append(self.row)
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "p":
            self.para = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "p" and self.para is not None:
            self.paragraphs.append("".join(self.para))
            self.para = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        if self.para is not None:
            self.para.append(data)


DOCS_TAGS = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th",
             "td", "pre", "code", "a"}


def check_page(ctx, path, page, doc):
    """Problems of one rendered docs.md against its IR."""
    problems = []
    parsed = Html()
    parsed.feed(page["html"])
    extra = parsed.tags - DOCS_TAGS
    if extra:
        problems.append(f"the page holds HTML elements the template does not "
                        f"write: {sorted(extra)}")
    for t in parsed.tables:
        widths = {len(r) for r in t}
        if len(widths) != 1:
            problems.append(f"a table's rows have {sorted(widths)} cells: "
                            f"{t[0]}")
    settings = {}
    for t in parsed.tables:
        if t and t[0] == ["Setting", "Value"]:
            rows = dict(r for r in t[1:] if len(r) == 2)
            settings[rows.get("Logical name")] = rows
    tags = [t for t in parsed.tables if t and t[0] == ["Tag", "Value"]]
    grants = [t for t in parsed.tables if t and t[0][:2] == ["Role",
                                                             "Policy"]]
    tagged = [t for t in doc["tables"] if t["tags"]]
    if len(tags) != len(tagged):
        problems.append(f"{len(tags)} tag tables for {len(tagged)} tables "
                        f"with tags")
    for t, rows in zip(tagged, tags):
        want = [[md_text(g["key"]), md_text(g["value"])] for g in t["tags"]]
        if rows[1:] != want:
            problems.append(f"tags of {t['name']} read {rows[1:]}, the IR "
                            f"has {want}")
    for t in doc["tables"]:
        s = settings.get(md_text(t["logical_name"]))
        if s is None:
            problems.append(f"no settings table of {t['logical_name']}")
            continue
        if s.get("Partition key") != \
                f"{t['partition_key']['name']} ({t['partition_key']['type']})":
            problems.append(f"{t['name']}: partition key reads "
                            f"{s.get('Partition key')!r}")
        if t["description"] is not None and \
                md_text(t["description"]) not in parsed.paragraphs:
            problems.append(f"{t['name']}: its description is not a "
                            f"paragraph of its own that reads as the IR's: "
                            f"{md_text(t['description'])!r}")
    nrows = sum(len(p["tables"]) for p in doc["policies"])
    got = sum(len(t) - 1 for t in grants)
    if nrows != got:
        problems.append(f"the grants table has {got} rows, the IR's "
                        f"policies reach {nrows} tables")
    # the diagram: a node per table, index and role, an edge per grant
    if len(page["mermaid"]) != 1:
        problems.append(f"{len(page['mermaid'])} Mermaid diagrams, not one")
        return problems
    d = page["mermaid"][0]
    if not d["ok"]:
        problems.append(f"Mermaid does not parse the diagram: {d['error']}")
        return problems
    labels = {k: html.unescape(v).replace("\\", "")
              for k, v in d["vertices"].items()}
    want = {}
    for t in doc["tables"]:
        want[t["diagram_id"]] = t["name"]
        for kind, ixs in (("global", t["global_indexes"]),
                          ("local", t["local_indexes"])):
            for ix in ixs:
                want[ix["index_diagram_id"]] = f"{ix['name']} ({kind} index)"
    for p in doc["policies"]:
        want[p["role_diagram_id"]] = p["role"]
    if labels != want:
        problems.append("the diagram's nodes are not the IR's tables, "
                        f"indexes and roles:\n  diagram: {labels}\n  IR: "
                        f"{want}")
    edges = {(a, b) for a, b, _ in d["edges"]}
    for p in doc["policies"]:
        for t in p["tables"]:
            if (p["role_diagram_id"], t["table_diagram_id"]) not in edges:
                problems.append(f"no edge from role {p['role']} to "
                                f"{t['table_name']}")
    return problems


def group_docs(ctx):
    files = ctx.outputs("docs.md")
    names = {f: f"docs/{ctx.rel(f)}" for f in files}
    lint = "docs/markdownlint"
    todo = [f for f in files if ctx.wants(names[f])]
    if not files:
        ctx.emit("FAIL", "docs", "no docs.md under out/ or the golden cases")
        return
    node = shutil.which("node")
    cli = node_module(ctx, "markdownlint-cli2")
    if ctx.wants(lint) and need(ctx, lint, [("node", node),
                                           ("npm markdownlint-cli2", cli)]):
        # one run over copies in a folder of their own: no configuration
        # file of this repository applies, only the rules' defaults and
        # what the file says itself
        tmp = tempfile.mkdtemp(prefix="tablec-mdlint-")
        try:
            for i, f in enumerate(files):
                shutil.copy(f, os.path.join(tmp, f"{i:04d}.md"))
            cmd = [node, os.path.join(cli, "markdownlint-cli2-bin.mjs")
                   if os.path.isfile(os.path.join(
                       cli, "markdownlint-cli2-bin.mjs"))
                   else os.path.join(cli, "markdownlint-cli2.mjs"), "*.md"]
            rc, out, err = sh(cmd, cwd=tmp, timeout=NODE_TIMEOUT)
            text = out + err
            for i, f in enumerate(files):
                text = text.replace(f"{i:04d}.md", ctx.rel(f))
            ok = rc == 0 and "Summary: 0 error" in text
            ctx.result(lint, [] if ok else [show(cmd[:1] + [
                "markdownlint-cli2", "..."], rc, text, "")],
                f"{len(files)} files")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if not todo:
        return
    mermaid = node_module(ctx, "mermaid")
    if not need(ctx, "docs/render", [
            ("node", node), ("npm mermaid", mermaid),
            ("npm jsdom", node_module(ctx, "jsdom")),
            ("npm micromark-extension-gfm",
             node_module(ctx, "micromark-extension-gfm"))]):
        return
    cmd = [node, os.path.join(HERE, "tools", "docs_check.mjs")] + todo
    rc, out, err = sh(cmd, cwd=ctx.eco, timeout=NODE_TIMEOUT)
    pages = {}
    for line in out.splitlines():
        try:
            page = json.loads(line)
        except ValueError:
            continue
        pages[page["file"]] = page
    for f in todo:
        if f not in pages:
            ctx.emit("FAIL", names[f], "tests/tools/docs_check.mjs gave no "
                     "result\n" + show(["node", "docs_check.mjs", "..."], rc,
                                       "", err))
            continue
        doc, why = ctx.ir_for(f)
        if doc is None:
            ctx.emit("FAIL", names[f], f"no IR to compare with: {why}")
            continue
        ctx.result(names[f], check_page(ctx, f, pages[f], doc))


# ================================================================= install

def group_install(ctx):
    tablec = ctx.tablec
    man_file = os.path.join(ctx.build, "tablec.1")
    rc, page, err = sh([tablec, "man"])
    # --help of every command, and every option accepted as documented
    name = "install/help"
    if ctx.wants(name):
        problems = []
        rc2, usage, _ = sh([tablec, "--help"])
        commands = re.findall(r"^  ([a-z]+)(?: |$)", usage, re.M)
        if rc2 != 0 or len(commands) < 6:
            problems.append(f"tablec --help lists {commands}")
        for c in commands:
            r, out, e = sh([tablec, c, "--help"])
            if r != 0 or not out.startswith(f"usage: tablec {c}"):
                problems.append(show(["tablec", c, "--help"], r, out, e))
                continue
            for opt in re.findall(r"^  (?:-\w, )?(--[a-z-]+)", out, re.M):
                r, o, e = sh([tablec, c, opt, "x"] if c != "explain" else
                             [tablec, c, opt])
                if "unknown option" in o + e:
                    problems.append(f"tablec {c} --help documents {opt}, "
                                    f"which it rejects: {(o + e).strip()}")
        ctx.result(name, problems, f"{len(commands)} commands")
    name = "install/man"
    if ctx.wants(name):
        problems = []
        if rc != 0:
            problems.append(show(["tablec", "man"], rc, page, err))
        else:
            try:
                built = open(man_file, encoding="utf-8").read()
            except OSError as e:
                built = str(e)
            if built != page:
                problems.append(f"{ctx.rel(man_file)} (meson's) is not what "
                                f"tablec man prints")
            man, groff = shutil.which("man"), shutil.which("groff")
            if not need(ctx, name, [("man", man), ("groff", groff)]):
                return
            r, out, e = sh([groff, "-ww", "-z", "-man", man_file])
            if r != 0 or e.strip():
                problems.append("groff warns:\n" + show(
                    ["groff", "-ww", "-z", "-man", "tablec.1"], r, out, e))
            env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0",
                       LC_ALL="C.UTF-8")
            r, text, e = sh([man, "-l", man_file], env=env)
            if r != 0 or e.strip():
                problems.append(show(["man", "-l", "tablec.1"], r, text, e))
            text = re.sub(r".\x08", "", text)
            for section in ("NAME", "SYNOPSIS", "COMMANDS", "SPEC LANGUAGE",
                            "BACKENDS", "DIAGNOSTICS", "EXIT STATUS"):
                if not re.search(rf"^{section}$", text, re.M):
                    problems.append(f"man -l shows no section {section}")
            r, usage, _ = sh([tablec, "--help"])
            for c in re.findall(r"^  ([a-z]+)(?: |$)", usage, re.M):
                if not re.search(rf"^   {c}$", text, re.M):
                    problems.append(f"the manual has no subsection for the "
                                    f"command {c}")
            r, codes, _ = sh([tablec, "explain", "--list"])
            for code in re.findall(r"^([EWD]\d+)", codes, re.M):
                if not re.search(rf"^       {code} ", text, re.M):
                    problems.append(f"the manual does not explain {code}")
            schema = json.loads(sh([tablec, "schema"])[1])
            for key in schema["definitions"]["table"]["properties"]:
                if not re.search(rf"^       {key}\b", text, re.M):
                    problems.append(f"the manual does not describe the "
                                    f"table key {key}")
            rc3, targets, _ = sh([tablec, "targets"])
            for t in re.findall(r"^(\S+)", targets, re.M):
                if not re.search(rf"^       {re.escape(t)} \(", text, re.M):
                    problems.append(f"the manual does not list the backend "
                                    f"{t}")
        ctx.result(name, problems)
    rc, targets_out, _ = sh([tablec, "targets"])
    targets = re.findall(r"^(\S+)", targets_out, re.M)
    cases = completion_cases(ctx, targets)
    for shell in ("bash", "zsh"):
        name = f"install/{shell}-completion"
        if not ctx.wants(name):
            continue
        exe = shutil.which(shell)
        script = os.path.join(ctx.build, "completions",
                              "tablec" if shell == "bash" else "_tablec")
        if not need(ctx, name, [(shell, exe)]):
            continue
        problems = []
        rc, want, _ = sh([tablec, "completion", shell])
        if not os.path.isfile(script) or open(script).read() != want:
            problems.append(f"{ctx.rel(script)} (meson's) is not what "
                            f"tablec completion {shell} prints")
        runner = complete_bash if shell == "bash" else complete_zsh
        got = runner(ctx, exe, script, [c[0] for c in cases])
        if isinstance(got, str):
            problems.append(got)
        else:
            for (line, want_words), words in zip(cases, got):
                # bash offers a list's whole word (cloudformation,docs),
                # zsh a file's name after its folder (compadd -p)
                seen = {os.path.basename(w.split(",")[-1]) for w in words}
                if not {os.path.basename(w) for w in want_words} <= seen:
                    problems.append(f"{shell}: {line!r} offers {words}, "
                                    f"not {sorted(want_words)}")
        if shell == "bash":
            problems += bash_completion_framework(ctx, exe, script)
            rc, out, err = sh(["shellcheck", "-s", "bash", script]) \
                if shutil.which("shellcheck") else (0, "", "")
            if rc != 0:
                problems.append("shellcheck:\n" + out + err)
        ctx.result(name, problems, f"{len(cases)} lines")
    if ctx.wants("install/package"):
        group_package(ctx)


def completion_cases(ctx, targets):
    """(command line up to the cursor, words it must offer)."""
    rc, usage, _ = sh([ctx.tablec, "--help"])
    commands = re.findall(r"^  ([a-z]+)(?: |$)", usage, re.M)
    return [
        ("tablec ", commands),
        ("tablec bu", ["build"]),
        ("tablec build specs/picasso.yaml --", ["--env", "--target", "--out",
                                                "--check", "--templates"]),
        ("tablec build specs/picasso.yaml --target ", targets),
        ("tablec build specs/picasso.yaml --target cloudformation,",
         [t for t in targets if t != "cloudformation"]),
        ("tablec build specs/picasso.yaml --env ", ["staging", "production"]),
        ("tablec ir specs/cmz.yaml --env ", ["production"]),
        ("tablec check --format ", ["text", "json", "github", "sarif"]),
        ("tablec diff --allow D10", ["D100", "D101"]),
        ("tablec explain E21", ["E210", "E211"]),
        ("tablec completion ", ["bash", "zsh"]),
        ("tablec build specs/pic", ["specs/picasso.yaml"]),
    ]


def complete_bash(ctx, bash, script, lines):
    """The words bash's completion of tablec offers for each line, asked in
    one bash: COMP_WORDS and COMP_CWORD set as readline would, then
    _tablec called."""
    prog = ["source " + shlex.quote(script)]
    for line in lines:
        words = shlex.split(line) + ([""] if line.endswith(" ") else [])
        if words[-1].endswith(","):
            pass
        prog.append("COMP_WORDS=(" + " ".join(shlex.quote(w)
                                              for w in words) + ")")
        prog.append(f"COMP_CWORD={len(words) - 1}; COMPREPLY=(); _tablec")
        prog.append("printf '%s\\n' \"${COMPREPLY[@]}\"; echo '<<END>>'")
    env = dict(os.environ, PATH=os.path.dirname(ctx.tablec) + os.pathsep +
               os.environ.get("PATH", ""))
    rc, out, err = sh([bash, "--norc", "--noprofile", "-c", "\n".join(prog)],
                      cwd=ctx.root, env=env)
    if rc != 0:
        return show(["bash", "-c", "..."], rc, out, err)
    parts = out.split("<<END>>\n")
    return [[w for w in p.split("\n") if w] for p in parts[:len(lines)]]


def bash_completion_framework(ctx, bash, script):
    """With Debian's bash-completion loaded, complete -p names _tablec
    once the file is found where the package installs it."""
    framework = "/usr/share/bash-completion/bash_completion"
    if not os.path.isfile(framework):
        return [] if not ctx.h.IN_CI else [
            "bash-completion is not installed (scripts/setup.sh)"]
    tmp = tempfile.mkdtemp(prefix="tablec-bashcomp-")
    try:
        comp = os.path.join(tmp, "bash-completion", "completions")
        os.makedirs(comp)
        shutil.copy(script, os.path.join(comp, "tablec"))
        prog = (f"source {framework}; _completion_loader tablec; "
                f"complete -p tablec")
        env = dict(os.environ, XDG_DATA_DIRS=tmp, PATH=os.path.dirname(
            ctx.tablec) + os.pathsep + os.environ.get("PATH", ""))
        rc, out, err = sh([bash, "--norc", "--noprofile", "-c", prog],
                          env=env)
        if rc != 0 or "-F _tablec tablec" not in out:
            return ["bash-completion does not load the completion from "
                    "share/bash-completion/completions/tablec:\n" +
                    show(["bash", "-c", prog], rc, out, err)]
        return []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


ZSH_CAPTURE = r"""
# zsh -f capture.zsh FPATH LINE...: for each LINE, the words zsh's
# completion offers at its end. One interactive zsh in a pseudo-terminal
# (zpty) loads the completion system; for each line it types the line and
# a TAB; compadd is wrapped to print what it adds between \x01 and \x02,
# and each completion ends with \x01END\x03 (comppostfuncs, which zsh
# empties after each completion, so it is set again before each line).
zmodload zsh/zpty
local fp=$1; shift
local line l
integer waited
zpty z zsh -f -i
zpty -w z "PROMPT= ; fpath=(${(q)fp} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'zstyle ":completion:*" list-grouped false; zstyle ":completion:*" insert-tab false'
zpty -w z 'bindkey "^I" complete-word; bindkey "^U" kill-whole-line'
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -A __h "$@"; local x; for x in $__h; do print -r -- $'"'"'\x01'"'"'$x$'"'"'\x02'"'"'; done; }'
zpty -w z "_zc_end() { print -r -- \$'\\x01END\\x03' }"
for line in "$@"; do
  zpty -w z $'\C-u''comppostfuncs=( _zc_end )'
  zpty -n -w z "$line"$'\t'
  waited=0
  while (( waited < 600 )); do
    if ! zpty -rt z l; then sleep 0.05; (( waited++ )); continue; fi
    [[ $l == *$'\x01END\x03'* ]] && break
    [[ $l == *$'\x01'*$'\x02'* ]] && { l=${l#*$'\x01'}; print -r -- ${l%%$'\x02'*} }
  done
  print -r -- '<<END>>'
done
zpty -d z
"""


def complete_zsh(ctx, zsh, script, lines):
    tmp = tempfile.mkdtemp(prefix="tablec-zsh-")
    try:
        shutil.copy(script, os.path.join(tmp, "_tablec"))
        capture = os.path.join(tmp, "capture.zsh")
        with open(capture, "w") as f:
            f.write(ZSH_CAPTURE)
        env = dict(os.environ, PATH=os.path.dirname(ctx.tablec) +
                   os.pathsep + os.environ.get("PATH", ""), TERM="dumb")
        rc, out, err = sh([zsh, "-f", capture, tmp] + lines, cwd=ctx.root,
                          env=env, timeout=60 + 30 * len(lines))
        if rc != 0:
            return show(["zsh", "-f", "capture.zsh", "..."], rc, out, err)
        parts = out.split("<<END>>\n")
        if len(parts) < len(lines):
            return f"the zsh capture ended early:\n{out}{err}"
        return [[w.rstrip("\r") for w in p.split("\n") if w.strip()]
                for p in parts[:len(lines)]]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def group_package(ctx):
    name = "install/package"
    tools = [(t, shutil.which(t)) for t in ("dpkg-deb", "dpkg-shlibdeps",
                                            "lintian", "meson", "man")]
    if not need(ctx, name, tools):
        return
    tmp = tempfile.mkdtemp(prefix="tablec-package-")
    problems = []
    try:
        dist = os.path.join(tmp, "dist")
        cmd = ["bash", os.path.join(ctx.root, "scripts", "package.sh"), dist]
        rc, out, err = sh(cmd, cwd=ctx.root, timeout=1200)
        if rc != 0:
            ctx.result(name, ["scripts/package.sh failed (lintian runs "
                              "last):\n" + show(cmd, rc, out, err)])
            return
        version = re.search(r'TABLEC_VERSION "([^"]+)"', open(os.path.join(
            ctx.root, "src", "tablec.h")).read()).group(1)
        arch = sh(["dpkg", "--print-architecture"])[1].strip()
        deb = os.path.join(dist, f"tablec_{version}_{arch}.deb")
        tarball = os.path.join(dist, f"tablec-{version}-linux-{arch}.tar.gz")
        for f in (deb, tarball):
            if not os.path.isfile(f):
                problems.append(f"package.sh wrote no {os.path.basename(f)}")
        if problems:
            ctx.result(name, problems)
            return
        fields = {}
        for k in ("Package", "Version", "Architecture", "Depends",
                  "Maintainer", "Description"):
            fields[k] = sh(["dpkg-deb", "-f", deb, k])[1].strip()
        if fields["Package"] != "tablec" or fields["Version"] != version or \
                fields["Architecture"] != arch:
            problems.append(f"control fields: {fields}")
        for lib in ("libyaml", "libjansson", "libpcre2-8", "libc6"):
            if lib not in fields["Depends"]:
                problems.append(f"Depends lacks {lib}: {fields['Depends']}")
        # unpacked into a scratch root, as dpkg would install it
        root = os.path.join(tmp, "root")
        rc, out, err = sh(["dpkg-deb", "-x", deb, root])
        if rc != 0:
            problems.append(show(["dpkg-deb", "-x", "..."], rc, out, err))
        for p in ("usr/bin/tablec", "usr/share/man/man1/tablec.1.gz",
                  "usr/share/bash-completion/completions/tablec",
                  "usr/share/zsh/vendor-completions/_tablec",
                  "usr/share/doc/tablec/copyright"):
            if not os.path.isfile(os.path.join(root, p)):
                problems.append(f"the package has no /{p}")
        problems += same_build(ctx, os.path.join(root, "usr", "bin",
                                                 "tablec"), tmp, "deb")
        man_page = os.path.join(root, "usr/share/man/man1/tablec.1.gz")
        if os.path.isfile(man_page):
            rc, text, err = sh(["man", "-l", man_page],
                               env=dict(os.environ, MANWIDTH="80"))
            if rc != 0 or "tablec build" not in re.sub(r".\x08", "", text):
                problems.append(show(["man", "-l", man_page], rc, "", err))
        # the tarball: a binary that needs only the C library
        rc, out, err = sh(["tar", "-xzf", tarball, "-C", tmp])
        top = os.path.join(tmp, f"tablec-{version}-linux-{arch}")
        exe = os.path.join(top, "bin", "tablec")
        if rc != 0 or not os.path.isfile(exe):
            problems.append(show(["tar", "-xzf", tarball], rc, out, err))
        else:
            rc, out, err = sh(["ldd", exe])
            libs = [l.split()[0] for l in out.splitlines() if l.strip()]
            extra = [l for l in libs if not re.match(
                r"(linux-vdso|/lib64/ld-linux|libc\.so|libm\.so)", l)]
            if extra:
                problems.append(f"the tarball's tablec needs {extra}")
            for p in ("share/man/man1/tablec.1",
                      "share/bash-completion/completions/tablec",
                      "share/zsh/site-functions/_tablec"):
                if not os.path.isfile(os.path.join(top, p)):
                    problems.append(f"the tarball has no {p}")
            problems += same_build(ctx, exe, tmp, "tarball")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ctx.result(name, problems)


def same_build(ctx, exe, tmp, label):
    """The packaged tablec, run from elsewhere with no templates folder in
    reach, builds specs/picasso.yaml into the same files as the tested
    build: its backends are inside it."""
    problems = []
    outs = {}
    for who, prog in (("build", ctx.tablec), (label, exe)):
        d = os.path.join(tmp, f"out-{who}")
        env = {k: v for k, v in os.environ.items() if k != "TABLEC_TEMPLATES"}
        rc, out, err = sh([prog, "build",
                           os.path.join(ctx.root, "specs", "picasso.yaml"),
                           "-o", d], cwd=tmp, env=env)
        if rc != 0:
            problems.append(f"{label}: " + show([prog, "build", "..."], rc,
                                                out, err))
        outs[who] = ctx.h.read_tree(d)
    if not problems and outs["build"] != outs[label]:
        problems.append(f"the {label}'s tablec writes other files than the "
                        f"build: " + "; ".join(ctx.h.tree_diff(
                            outs["build"], outs[label], "build", label))[:2000])
    if not problems and "docs.md" not in " ".join(outs[label]):
        problems.append(f"the {label}'s tablec wrote no docs.md")
    return problems


# ================================================================= recipes

SPEC = """tablec: 1
project: app
environments:
  staging: { region: eu-west-1, account: "123456789012" }
tables:
  orders:
    attributes: { id: S, tenant: S }
    key: id
    indexes:
      by-tenant: { key: tenant }
grants:
  - role: orders-api
    access: read_write
    tables: [orders]
"""


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    rc, out, err = sh(["git", "-c", "init.defaultBranch=main",
                       "-c", "commit.gpgsign=false"] + list(args),
                      cwd=cwd, env=env)
    if rc != 0:
        raise RuntimeError(show(["git"] + list(args), rc, out, err))
    return out


def scratch_repo(ctx, top, tablec):
    """A repository with specs/app.yaml and its generated out/, committed
    on main."""
    repo = os.path.join(top, "repo")
    os.makedirs(os.path.join(repo, "specs"))
    with open(os.path.join(repo, "specs", "app.yaml"), "w") as f:
        f.write(SPEC)
    git(repo, "init", "-q")
    rc, out, err = sh([tablec, "build", "specs/app.yaml"], cwd=repo)
    if rc != 0:
        raise RuntimeError(show(["tablec", "build"], rc, out, err))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "app")
    return repo


def group_recipes(ctx):
    for name, fn in (("recipes/pre-commit", recipe_pre_commit),
                     ("recipes/action", recipe_action)):
        if not ctx.wants(name):
            continue
        if not need(ctx, name, [("git", shutil.which("git"))]):
            continue
        tmp = tempfile.mkdtemp(prefix="tablec-recipe-")
        try:
            ctx.result(name, fn(ctx, tmp, name))
        except RuntimeError as e:
            ctx.result(name, [str(e)])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def recipe_pre_commit(ctx, tmp, name):
    pre_commit = shutil.which("pre-commit")
    if not need(ctx, name, [("pre-commit", pre_commit)]):
        return []
    problems = []
    manifest = os.path.join(ctx.root, ".pre-commit-hooks.yaml")
    rc, out, err = sh([pre_commit, "validate-manifest", manifest])
    if rc != 0:
        problems.append(show(["pre-commit", "validate-manifest"], rc, out,
                             err))
    # the hooks' repository: what this tree holds, committed
    hooks = os.path.join(tmp, "hooks")
    os.makedirs(os.path.join(hooks, "contrib"))
    shutil.copy(manifest, hooks)
    shutil.copy2(os.path.join(ctx.root, "contrib", "tablec-build-check"),
                 os.path.join(hooks, "contrib"))
    git(hooks, "init", "-q")
    git(hooks, "add", "-A")
    git(hooks, "commit", "-q", "-m", "hooks")
    rev = git(hooks, "rev-parse", "HEAD").strip()
    bindir = os.path.dirname(ctx.tablec)
    repo = scratch_repo(ctx, tmp, ctx.tablec)
    with open(os.path.join(repo, ".pre-commit-config.yaml"), "w") as f:
        f.write(f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n"
                f"      - id: tablec-check\n      - id: tablec-build-check\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hooks")
    env = dict(os.environ, PRE_COMMIT_HOME=os.path.join(tmp, "cache"),
               PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    cmd = [pre_commit, "run", "--all-files", "--color", "never"]

    def run(why, want_rc, want_text):
        rc, out, err = sh(cmd, cwd=repo, env=env, timeout=300)
        if rc != want_rc or any(t not in out + err for t in want_text):
            problems.append(f"{why}: expected exit status {want_rc} and "
                            f"{want_text}:\n" + show(cmd, rc, out, err))
    run("clean specs", 0, ["tablec check", "Passed", "tablec build --check"])
    spec = os.path.join(repo, "specs", "app.yaml")
    # a change whose output was not rebuilt: build --check fails
    with open(spec, "a") as f:
        f.write("  - role: audit\n    access: read\n    tables: [orders]\n")
    run("a spec changed without tablec build", 1,
        ["tablec build --check", "Failed", "out of date"])
    rc, out, err = sh([ctx.tablec, "build", "specs/app.yaml"], cwd=repo)
    run("rebuilt", 0, ["Passed"])
    # an error in the spec: check fails and names it
    with open(spec, "a") as f:
        f.write("    indexs: true\n")
    run("a spec with an unknown key", 1, ["tablec check", "Failed", "E100"])
    return problems


def action_expr(expr, ctx_vars):
    """Evaluates the GitHub Actions expressions action.yml uses: a
    context value (inputs.x, github.x, runner.x), a 'string', == and !=,
    && and ||. Anything else is an error, so that the test notices an
    expression it cannot check."""
    tokens = re.findall(r"\s*('(?:[^']|'')*'|==|!=|&&|\|\||[A-Za-z_][\w.-]*)",
                        expr)
    if "".join(tokens).replace(" ", "") != expr.replace(" ", ""):
        raise RuntimeError(f"cannot evaluate the expression {expr!r}")

    def value(t):
        t = t.strip()
        if t.startswith("'"):
            return t[1:-1].replace("''", "'")
        if t in ("true", "false"):
            return t == "true"
        if t not in ctx_vars:
            raise RuntimeError(f"unknown context value {t!r} in {expr!r}")
        return ctx_vars[t]
    tokens = [t.strip() for t in tokens]
    if len(tokens) == 1:
        return value(tokens[0])
    # || of && of comparisons
    def conj(ts):
        result = True
        for part in split(ts, "&&"):
            if len(part) == 3 and part[1] in ("==", "!="):
                v = (str(value(part[0])) == str(value(part[2]))) == \
                    (part[1] == "==")
            elif len(part) == 1:
                v = bool(value(part[0]))
            else:
                raise RuntimeError(f"cannot evaluate {expr!r}")
            result = result and v
        return result
    return any(conj(p) for p in split(tokens, "||"))


def split(tokens, sep):
    out, cur = [], []
    for t in tokens:
        if t == sep:
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    out.append(cur)
    return out


def substitute(text, ctx_vars):
    """A value with ${{ ... }} expressions replaced by their values."""
    def one(m):
        v = action_expr(m.group(1), ctx_vars)
        return str(v).lower() if isinstance(v, bool) else str(v)
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", one, text)


def check_action_shape(action):
    """The metadata syntax of a composite action, as GitHub documents it."""
    problems = []
    for k in ("name", "description", "runs"):
        if not isinstance(action.get(k), (str, dict)) or not action.get(k):
            problems.append(f"action.yml has no {k}")
    allowed = {"name", "author", "description", "inputs", "outputs", "runs",
               "branding"}
    problems += [f"action.yml: unknown key {k}" for k in action
                 if k not in allowed]
    inputs = action.get("inputs") or {}
    for k, v in inputs.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", k):
            problems.append(f"input {k!r} is not a valid id")
        if not isinstance(v, dict) or not isinstance(v.get("description"),
                                                     str):
            problems.append(f"input {k} has no description")
        bad = set(v) - {"description", "required", "default",
                        "deprecationMessage"}
        if bad:
            problems.append(f"input {k}: unknown keys {sorted(bad)}")
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append("runs.using is not composite")
    for i, st in enumerate(runs.get("steps") or []):
        bad = set(st) - {"name", "id", "if", "run", "shell", "env",
                         "working-directory", "uses", "with",
                         "continue-on-error"}
        if bad:
            problems.append(f"step {i}: unknown keys {sorted(bad)}")
        if "run" in st and "shell" not in st:
            problems.append(f"step {i} ({st.get('name')}) runs a script "
                            f"without shell:, which composite actions need")
        if ("run" in st) == ("uses" in st):
            problems.append(f"step {i} needs one of run and uses")
        for expr in re.findall(r"\$\{\{\s*(.*?)\s*\}\}", st.get("run", "")):
            problems.append(f"step {i} pastes ${{{{ {expr} }}}} into its "
                            f"script: pass it in env: instead")
        for ref in re.findall(r"inputs\.([A-Za-z0-9_-]+)", json.dumps(st)):
            if ref not in inputs:
                problems.append(f"step {i} uses input {ref}, which is not "
                                f"declared")
    return problems


def recipe_action(ctx, tmp, name):
    try:
        import yaml
    except ImportError as e:
        ctx.h.missing_tool(ctx.report, name, "PyYAML", f"({e})")
        return []
    action = yaml.safe_load(open(os.path.join(ctx.root, "action.yml")))
    problems = check_action_shape(action)
    if problems:
        return problems
    repo = scratch_repo(ctx, tmp, ctx.tablec)
    origin = os.path.join(tmp, "origin.git")
    git(tmp, "clone", "-q", "--bare", repo, origin)
    git(repo, "remote", "add", "origin", origin)
    git(repo, "fetch", "-q", "origin")
    runner_temp = os.path.join(tmp, "runner")
    os.makedirs(runner_temp)
    github_path = os.path.join(tmp, "github_path")
    open(github_path, "w").close()
    spec = os.path.join(repo, "specs", "app.yaml")

    def run_action(why, inputs, expect_fail_step=None, expect_text=()):
        """Runs the action's steps in order as the runner does; returns
        the output of each step."""
        values = {f"inputs.{k}": str(v.get("default", ""))
                  for k, v in (action.get("inputs") or {}).items()}
        values.update({f"inputs.{k}": v for k, v in inputs.items()})
        values.update({"github.action_path": ctx.root,
                       "github.base_ref": "main",
                       "github.workspace": repo,
                       "runner.temp": runner_temp})
        path_extra = [p for p in open(github_path).read().splitlines() if p]
        outputs, failed = [], None
        for st in action["runs"]["steps"]:
            if "if" in st and not action_expr(str(st["if"]), values):
                outputs.append("(skipped)")
                continue
            env = dict(os.environ, GITHUB_PATH=github_path,
                       GITHUB_ACTIONS="true",
                       PATH=os.pathsep.join(path_extra + [
                           os.environ.get("PATH", "")]))
            for k, v in (st.get("env") or {}).items():
                env[k] = substitute(str(v), values)
            script = os.path.join(tmp, "step.sh")
            with open(script, "w") as f:
                f.write(st["run"])
            shell = st["shell"]
            cmd = ["bash", "--noprofile", "--norc", "-eo", "pipefail",
                   script] if shell == "bash" else [shell, script]
            rc, out, err = sh(cmd, cwd=repo, env=env, timeout=900)
            outputs.append(out + err)
            # what the step added to GITHUB_PATH holds for the next ones
            path_extra = [p for p in open(github_path).read().splitlines()
                          if p]
            if rc != 0:
                failed = st.get("name")
                break
        text = "\n".join(outputs)
        if failed != expect_fail_step or any(t not in text
                                             for t in expect_text):
            problems.append(
                f"{why}: expected "
                f"{'step ' + repr(expect_fail_step) + ' to fail' if expect_fail_step else 'every step to pass'}"
                f" and {list(expect_text)}; "
                f"{'step ' + repr(failed) + ' failed' if failed else 'every step passed'}:\n"
                + realtools.indent(realtools.clip(text), "  "))
        return outputs

    # a pull request that adds a grant and rebuilds: the action builds
    # tablec from this tree, checks, classifies and finds nothing stale
    git(repo, "checkout", "-q", "-b", "change")
    with open(spec, "a") as f:
        f.write("  - role: audit\n    access: read\n    tables: [orders]\n")
    sh([ctx.tablec, "build", "specs/app.yaml"], cwd=repo)
    git(repo, "commit", "-q", "-am", "audit")
    outputs = run_action("a safe change", {"install": "build"},
                         expect_text=["tablec 0.1.0"])
    built = [p for p in open(github_path).read().splitlines() if p]
    if not built or not os.path.isfile(os.path.join(built[0], "tablec")):
        problems.append(f"the install step put no tablec on GITHUB_PATH "
                        f"({built})")
        return problems
    # a blocking change (the index's key), rebuilt: diff fails, annotated
    with open(spec) as f:
        text = f.read()
    with open(spec, "w") as f:
        f.write(text.replace("by-tenant: { key: tenant }",
                             "by-tenant: { key: [tenant, id] }"))
    sh([ctx.tablec, "build", "specs/app.yaml"], cwd=repo)
    git(repo, "commit", "-q", "-am", "index key")
    run_action("a blocking change", {"install": "path"},
               "Classify the changes against the base branch",
               ["::error file=specs/app.yaml"])
    # allowed: the same change passes
    codes = sh([built[0] + "/tablec", "diff", "git:origin/main:specs/app.yaml",
                "specs/app.yaml", "--format", "json"], cwd=repo)[1]
    allow = " ".join(sorted({d["code"] for d in json.loads(codes).get(
        "diagnostics", []) if d["severity"] == "error"}))
    run_action("the blocking change allowed", {"install": "path",
                                               "allow": allow})
    # a spec changed without tablec build: the last step fails
    with open(spec, "a") as f:
        f.write("  - role: ops\n    access: read\n    tables: [orders]\n")
    git(repo, "commit", "-q", "-am", "ops", "--no-verify")
    run_action("stale output", {"install": "path", "allow": allow},
               "Check that the generated files are current",
               ["::error file=specs/app.yaml"])
    # an error in the spec: the check step annotates it and fails
    with open(spec, "a") as f:
        f.write("    indexs: true\n")
    run_action("an error in the spec", {"install": "path"},
               "Check the specs", ["::error file=specs/app.yaml", "E100"])
    return problems
