// AWS CDK doing the work of `tablec build` on the spec of tests/bench/gen.py:
// N tables with the same properties, each granted read_write to its own
// role, for the environments staging and production, synthesized to OUTDIR.
//
//   node app.js N OUTDIR [TABLES_PER_STACK]
//
// TABLES_PER_STACK (default 0: one stack per environment) splits each
// environment into stacks of that many tables. CDK refuses at synth a stack
// of more than 500 resources (a table and its grant policy are 2), so
// N > 250 needs a split, as tablec's output does (`cloudformation: { split:
// true }`); bench.py passes 200 for such N and says so in its output.
'use strict';
const cdk = require('aws-cdk-lib');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const iam = require('aws-cdk-lib/aws-iam');

const n = Number(process.argv[2]);
const outdir = process.argv[3];
const perStack = Number(process.argv[4] || 0) || n || 1;
if (!Number.isInteger(n) || n < 0 || !outdir) {
  console.error('usage: node app.js N OUTDIR [TABLES_PER_STACK]');
  process.exit(2);
}

const envs = {
  staging: { region: 'eu-west-1', account: '111111111111' },
  production: { region: 'eu-west-1', account: '222222222222' },
};

const app = new cdk.App({ outdir });
const S = dynamodb.AttributeType.STRING;
const N = dynamodb.AttributeType.NUMBER;

for (const [envName, env] of Object.entries(envs)) {
  let stack;
  for (let i = 0; i < n; i++) {
    if (i % perStack === 0) {
      const part = n > perStack ? `-${i / perStack}` : '';
      stack = new cdk.Stack(app, `bench-${envName}${part}`, { env });
    }
    const name = `t${String(i).padStart(5, '0')}`;
    const table = new dynamodb.Table(stack, name, {
      tableName: name,
      partitionKey: { name: 'pk', type: S },
      sortKey: { name: 'sk', type: S },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      tableClass: dynamodb.TableClass.STANDARD,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: envName === 'production',
      removalPolicy: cdk.RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: 'by-gpk',
      partitionKey: { name: 'gpk', type: S },
      sortKey: { name: 'gsk', type: N },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    table.addGlobalSecondaryIndex({
      indexName: 'by-owner',
      partitionKey: { name: 'owner_id', type: S },
      sortKey: { name: 'gsk', type: N },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['title', 'body'],
    });
    cdk.Tags.of(table).add('team', `team${i % 17}`);
    cdk.Tags.of(table).add('cost-center', `cc${i % 5}`);
    // An imported role, as in the spec (tablec does not create roles
    // either); CDK attaches an AWS::IAM::Policy to it in this stack.
    const role = iam.Role.fromRoleName(stack, `${name}-role`, `svc-${name}`);
    table.grantReadWriteData(role);
  }
}

// CDK's own errors come with a long minified stack; print the message only
try {
  app.synth();
} catch (e) {
  console.error(`cdk synth failed: ${e.message}`);
  process.exit(1);
}
