// CDK for Terraform doing the work of `tablec build --target terraform` on the
// spec of tests/bench/gen.py: N aws_dynamodb_table resources with the same
// attributes and, for each, an aws_iam_role_policy granting read_write to its
// own role (the same actions and ARNs as tablec's), one stack per environment,
// synthesized to OUTDIR/stacks/<stack>/cdk.tf.json.
//
//   node app.js N OUTDIR
'use strict';
const { App, TerraformStack, Fn } = require('cdktf');
// Only the three resource modules used, not the provider's index of ~2,200:
// what a user who cares about synth time writes.
const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');
const { DynamodbTable } = require('@cdktf/provider-aws/lib/dynamodb-table');
const { IamRolePolicy } = require('@cdktf/provider-aws/lib/iam-role-policy');

const n = Number(process.argv[2]);
const outdir = process.argv[3];
if (!Number.isInteger(n) || n < 0 || !outdir) {
  console.error('usage: node app.js N OUTDIR');
  process.exit(2);
}

const envs = { staging: 'eu-west-1', production: 'eu-west-1' };
const READ = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'];
const WRITE = ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem',
  'dynamodb:DescribeTable', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

const app = new App({ outdir });
for (const [envName, region] of Object.entries(envs)) {
  const prod = envName === 'production';
  const stack = new TerraformStack(app, `bench-${envName}`);
  new AwsProvider(stack, 'aws', { region });
  for (let i = 0; i < n; i++) {
    const name = `t${String(i).padStart(5, '0')}`;
    const table = new DynamodbTable(stack, name, {
      name,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      tableClass: 'STANDARD',
      deletionProtectionEnabled: prod,
      attribute: [
        { name: 'pk', type: 'S' }, { name: 'sk', type: 'S' },
        { name: 'gpk', type: 'S' }, { name: 'gsk', type: 'N' },
        { name: 'owner_id', type: 'S' },
      ],
      globalSecondaryIndex: [
        { name: 'by-gpk', hashKey: 'gpk', rangeKey: 'gsk', projectionType: 'KEYS_ONLY' },
        { name: 'by-owner', hashKey: 'owner_id', rangeKey: 'gsk',
          projectionType: 'INCLUDE', nonKeyAttributes: ['title', 'body'] },
      ],
      ttl: { attributeName: 'expiresAt', enabled: true },
      pointInTimeRecovery: { enabled: true },
      tags: { team: `team${i % 17}`, 'cost-center': `cc${i % 5}` },
      lifecycle: prod ? { preventDestroy: true } : undefined,
    });
    new IamRolePolicy(stack, `svc-${name}-dynamodb`, {
      name: `bench-${envName}-svc-${name}-dynamodb`,
      role: `svc-${name}`,
      policy: Fn.jsonencode({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Read', Effect: 'Allow', Action: READ,
            Resource: [table.arn, `${table.arn}/index/*`] },
          { Sid: 'Write', Effect: 'Allow', Action: WRITE, Resource: [table.arn] },
        ],
      }),
    });
  }
}

try {
  app.synth();
} catch (e) {
  console.error(`cdktf synth failed: ${e.message}`);
  process.exit(1);
}
