#!/usr/bin/env node
// Asks AWS CDK's diff engine (npm @aws-cdk/cloudformation-diff, the
// library behind `cdk diff`, installed into .tools/ by
// scripts/setup-tools.sh) what an update from one CloudFormation template
// to another does to each resource.
//
//   node tests/tools/cfn_diff.js OLD.json NEW.json
//       prints one JSON document: {"resources": {LOGICAL_ID: {...}}}
//   node tests/tools/cfn_diff.js --batch JOBS.json
//       JOBS.json is a list of {"name": N, "old": PATH, "new": PATH}; the
//       engine (and its resource database) loads once, and one JSON line
//       per job is printed, in order: {"name": N, "resources": {...}} or
//       {"name": N, "error": "..."}; exits 0 unless the tool itself failed.
//
// Every resource that differs is listed (unchanged ones are left out):
//   {"type": "AWS::DynamoDB::Table",
//    "impact": "WILL_UPDATE" | "WILL_CREATE" | "WILL_REPLACE" |
//              "MAY_REPLACE" | "WILL_DESTROY" | "WILL_ORPHAN" | ...,
//    "addition": bool, "removal": bool,
//    "replaced": bool,            // impact is WILL_REPLACE or MAY_REPLACE
//    "properties": {NAME: IMPACT} // per changed property, as cdk rates it
//   }
// That is fullDiff(old, new) without a change set, i.e. what `cdk diff`
// says from the templates alone.
//
// The module is looked up in $TABLEC_TOOLS/node_modules (default .tools/ in
// the repository root), then by node's usual resolution.
"use strict";

const fs = require("fs");
const path = require("path");

function load() {
  const root = path.resolve(__dirname, "..", "..");
  const tools = process.env.TABLEC_TOOLS || path.join(root, ".tools");
  const candidates = [
    path.join(tools, "node_modules", "@aws-cdk", "cloudformation-diff"),
    "@aws-cdk/cloudformation-diff",
  ];
  for (const c of candidates) {
    try {
      return require(c);
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND") throw e;
    }
  }
  process.stderr.write("cfn_diff.js: @aws-cdk/cloudformation-diff not " +
    "found; run bash scripts/setup-tools.sh\n");
  process.exit(2);
}

const REPLACING = new Set(["WILL_REPLACE", "MAY_REPLACE"]);

function diffFiles(cfd, oldPath, newPath) {
  const oldT = JSON.parse(fs.readFileSync(oldPath, "utf8"));
  const newT = JSON.parse(fs.readFileSync(newPath, "utf8"));
  const diff = cfd.fullDiff(oldT, newT);
  const resources = {};
  diff.resources.forEachDifference((id, rd) => {
    if (!rd.isDifferent) return;
    const properties = {};
    for (const [name, pd] of Object.entries(rd.propertyUpdates)) {
      properties[name] = pd.changeImpact || "WILL_UPDATE";
    }
    const impact = rd.changeImpact;
    resources[id] = {
      type: rd.newResourceType || rd.oldResourceType,
      impact: impact,
      addition: rd.isAddition,
      removal: rd.isRemoval,
      replaced: REPLACING.has(impact),
      properties: properties,
    };
  });
  return resources;
}

function main() {
  const args = process.argv.slice(2);
  const cfd = load();
  if (args[0] === "--batch" && args.length === 2) {
    const jobs = JSON.parse(fs.readFileSync(args[1], "utf8"));
    for (const job of jobs) {
      let out;
      try {
        out = { name: job.name, resources: diffFiles(cfd, job.old, job.new) };
      } catch (e) {
        out = { name: job.name, error: String(e && e.stack || e) };
      }
      process.stdout.write(JSON.stringify(out) + "\n");
    }
    return 0;
  }
  if (args.length !== 2) {
    process.stderr.write("usage: cfn_diff.js OLD.json NEW.json | " +
      "--batch JOBS.json\n");
    return 2;
  }
  const resources = diffFiles(cfd, args[0], args[1]);
  process.stdout.write(JSON.stringify({ resources: resources }, null, 1) + "\n");
  return 0;
}

process.exitCode = main();
