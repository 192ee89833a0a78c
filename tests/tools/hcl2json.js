#!/usr/bin/env node
// Parses Terraform files with HashiCorp's HCL parser (hcl2 compiled to
// wasm, npm @cdktf/hcl2json, installed into .tools/ by
// scripts/setup-tools.sh) and prints the parser's JSON.
//
//   node tests/tools/hcl2json.js FILE.tf
//       prints the JSON of FILE.tf and exits 0, or prints the parser's
//       error (`FILE.tf:LINE,COL-...: summary; detail`) to stderr and
//       exits 1.
//   node tests/tools/hcl2json.js --batch FILE.tf...
//       parses every file in one process (the wasm takes about a second to
//       start) and prints one JSON line per file, in order:
//       {"file": F, "json": {...}} or {"file": F, "error": "..."}; exits 0
//       unless the tool itself failed.
//
// The module is looked up in $TABLEC_TOOLS/node_modules (default .tools/ in
// the repository root), then by node's usual resolution.
//
// What the JSON looks like (tmccombs/hcl2json, which the package wraps):
// blocks are lists of objects (`resource.TYPE.NAME: [{...}]`, an unlabeled
// block `ttl {}` is `ttl: [{...}]`); an attribute is its value; an
// expression that is not a literal is its source text in "${...}";
// literal strings are decoded except template escapes ($${ and %%{ are
// kept as written).
"use strict";

const fs = require("fs");
const path = require("path");

function load() {
  const root = path.resolve(__dirname, "..", "..");
  const tools = process.env.TABLEC_TOOLS || path.join(root, ".tools");
  const candidates = [
    path.join(tools, "node_modules", "@cdktf", "hcl2json"),
    "@cdktf/hcl2json",
  ];
  for (const c of candidates) {
    try {
      return require(c);
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND") throw e;
    }
  }
  process.stderr.write(
    "hcl2json.js: @cdktf/hcl2json not found; run bash scripts/setup-tools.sh\n");
  process.exit(2);
}

function message(err) {
  // The bridge rejects with Error("parse config: [FILE:L,C-L,C: ...]").
  let m = err && err.message ? err.message : String(err);
  return m.replace(/^parse config: \[/, "").replace(/\]$/, "");
}

async function main() {
  const args = process.argv.slice(2);
  const { parse } = load();
  if (args[0] === "--batch") {
    for (const file of args.slice(1)) {
      let out;
      try {
        const text = fs.readFileSync(file, "utf8");
        out = { file, json: await parse(file, text) };
      } catch (e) {
        out = { file, error: message(e) };
      }
      process.stdout.write(JSON.stringify(out) + "\n");
    }
    return 0;
  }
  if (args.length !== 1) {
    process.stderr.write(
      "usage: node tests/tools/hcl2json.js FILE.tf | --batch FILE.tf...\n");
    return 2;
  }
  let text;
  try {
    text = fs.readFileSync(args[0], "utf8");
  } catch (e) {
    process.stderr.write(`${args[0]}: ${e.message}\n`);
    return 2;
  }
  try {
    const json = await parse(args[0], text);
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
    return 0;
  } catch (e) {
    process.stderr.write(message(e) + "\n");
    return 1;
  }
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    process.stderr.write(`hcl2json.js: ${e && e.stack ? e.stack : e}\n`);
    process.exit(2);
  });
