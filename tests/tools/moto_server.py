#!/usr/bin/env python3
"""moto_server (moto 5.2.1) with the DynamoDB state that moto drops.

    python3 tests/tools/moto_server.py -H 127.0.0.1 -p PORT

Runs moto's own server (moto.server.main, the `moto_server` command) after
adding what tablec's generated deploy.sh uses and moto 5.2.1 lacks. Each
addition is the smallest that lets a correct script run and lets the test
read back what the script set; none validates more than moto does:

- DescribeContributorInsights / UpdateContributorInsights: moto answers
  HTTP 500. Added: per table (and per index, with IndexName) status
  ENABLED or DISABLED, switched at once (AWS passes through ENABLING /
  DISABLING); ResourceNotFoundException for an unknown table, as AWS.
- TableClass: moto ignores it in CreateTable and UpdateTable and never
  reports TableClassSummary. Added: stored when given and reported as
  TableClassSummary.TableClass (as AWS, only once a class was given).
- OnDemandThroughput (table, and GSIs in CreateTable and UpdateTable's
  GlobalSecondaryIndexUpdates Create / Update): moto ignores it. Added:
  stored as given and reported in DescribeTable.

Everything else is moto's, unchanged.
"""

import json
import sys


def patch():
    from moto.dynamodb import responses
    from moto.dynamodb.models import table as table_mod

    Handler = responses.DynamoHandler
    Table = table_mod.Table
    orig_create = Handler.create_table
    orig_update = Handler.update_table
    orig_describe = Table.describe

    def extra(table):
        x = getattr(table, "_tablec_extra", None)
        if x is None:
            x = {"class": None, "odt": None, "gsi_odt": {}, "ci": {}}
            table._tablec_extra = x
        return x

    def remember_gsi(x, gsi):
        if isinstance(gsi, dict) and "OnDemandThroughput" in gsi:
            x["gsi_odt"][gsi.get("IndexName")] = gsi["OnDemandThroughput"]

    def create_table(self):
        orig_create(self)
        body = self.body
        table = self.dynamodb_backend.get_table(body["TableName"])
        x = extra(table)
        if body.get("TableClass"):
            x["class"] = body["TableClass"]
        if body.get("OnDemandThroughput") is not None:
            x["odt"] = body["OnDemandThroughput"]
        for gsi in body.get("GlobalSecondaryIndexes") or []:
            remember_gsi(x, gsi)
        return responses.DynamoResult(table.describe())

    def update_table(self):
        result = orig_update(self)
        body = self.body
        table = self.dynamodb_backend.get_table(body["TableName"])
        x = extra(table)
        changed = False
        if body.get("TableClass"):
            x["class"] = body["TableClass"]
            changed = True
        if body.get("OnDemandThroughput") is not None:
            x["odt"] = body["OnDemandThroughput"]
            changed = True
        for upd in body.get("GlobalSecondaryIndexUpdates") or []:
            for kind in ("Create", "Update"):
                if isinstance(upd, dict) and kind in upd:
                    remember_gsi(x, upd[kind])
                    changed = True
        return responses.DynamoResult(table.describe()) if changed else result

    def describe(self, base_key="TableDescription"):
        result = orig_describe(self, base_key=base_key)
        x = getattr(self, "_tablec_extra", None)
        if x:
            d = result[base_key]
            if x["class"]:
                d["TableClassSummary"] = {"TableClass": x["class"]}
            if x["odt"] is not None:
                d["OnDemandThroughput"] = x["odt"]
            for gsi in d.get("GlobalSecondaryIndexes") or []:
                if gsi.get("IndexName") in x["gsi_odt"]:
                    gsi["OnDemandThroughput"] = x["gsi_odt"][gsi["IndexName"]]
        return result

    def ci_answer(body, table, status):
        out = {"TableName": body["TableName"],
               "ContributorInsightsStatus": status}
        if body.get("IndexName"):
            out["IndexName"] = body["IndexName"]
        return json.dumps(out)

    def describe_contributor_insights(self):
        body = self.body
        table = self.dynamodb_backend.get_table(body["TableName"])
        status = extra(table)["ci"].get(body.get("IndexName"), "DISABLED")
        out = json.loads(ci_answer(body, table, status))
        out["ContributorInsightsRuleList"] = []
        return json.dumps(out)

    def update_contributor_insights(self):
        body = self.body
        table = self.dynamodb_backend.get_table(body["TableName"])
        action = body.get("ContributorInsightsAction")
        if action not in ("ENABLE", "DISABLE"):
            from moto.dynamodb.exceptions import MockValidationException
            raise MockValidationException(
                "1 validation error detected: Value at "
                "'contributorInsightsAction' failed to satisfy constraint: "
                "Member must satisfy enum value set: [ENABLE, DISABLE]")
        status = "ENABLED" if action == "ENABLE" else "DISABLED"
        extra(table)["ci"][body.get("IndexName")] = status
        return ci_answer(body, table, status)

    Handler.create_table = create_table
    Handler.update_table = update_table
    Handler.describe_contributor_insights = describe_contributor_insights
    Handler.update_contributor_insights = update_contributor_insights
    Table.describe = describe


def main():
    patch()
    from moto.server import main as moto_main
    moto_main(sys.argv[1:])


if __name__ == "__main__":
    main()
