"""Generate a tablec spec with N tables, for the benchmark (scripts/bench.sh).

Each table has a composite key, two GSIs (one keys_only, one with an include
projection), TTL, PITR and two tags, and is granted read_write to its own
role; two environments, staging and production. The CloudFormation output
is split into stacks where one per environment would be over a limit.
`tablec check` accepts the spec with no diagnostic.

usage: python3 tests/bench/gen.py N [--out FILE]     (default: stdout)
"""
import argparse
import sys


def spec(n):
    # split: past 250 tables (500 resources) one stack per environment is
    # over CloudFormation's limits, an error (E244) unless the spec splits
    o = ["# generated: %d tables" % n, "tablec: 1", "project: bench",
         "cloudformation: { split: true }", "environments:",
         "  staging: { region: eu-west-1, account: \"111111111111\" }",
         "  production: { region: eu-west-1, account: \"222222222222\", set: { deletion_protection: true } }",
         "defaults:", "  billing: on_demand", "tables:"]
    for i in range(n):
        o += [f"  t{i:05d}:",
              "    attributes: { pk: S, sk: S, gpk: S, gsk: N, owner_id: S }",
              "    key: [pk, sk]",
              "    indexes:",
              "      by-gpk: { key: [gpk, gsk], projection: keys_only }",
              "      by-owner: { key: [owner_id, gsk], projection: [title, body] }",
              "    ttl: expiresAt",
              "    pitr: true",
              f"    tags: {{ team: team{i % 17}, cost-center: cc{i % 5} }}"]
    o.append("grants:")
    for i in range(n):
        o += [f"  - role: svc-t{i:05d}", "    access: read_write", f"    tables: [t{i:05d}]"]
    return "\n".join(o) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, help="number of tables")
    ap.add_argument("--out", help="write the spec to this file instead of stdout")
    args = ap.parse_args()
    if args.out:
        with open(args.out, "w") as f:
            f.write(spec(args.n))
    else:
        sys.stdout.write(spec(args.n))


if __name__ == "__main__":
    main()
