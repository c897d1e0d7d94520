/**
 * npm run why-failed -- <execution ARN> [--table <state table>] [--json]
 *
 * Why a failover, failback (or any runbook) execution failed: the audit record the Abort step wrote
 * (audit#<execution ARN> in the region's state table), else the execution history (app/why-failed.ts).
 * Read-only; runs with the operator's AWS credentials (default chain) in the execution's region, which it
 * takes from the ARN. The state table's name comes from the selected configuration (DR_ENV / DR_CONFIG),
 * or from --table. Exit codes: 0 explained (or nothing failed), 1 error, 2 usage.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { catalogOf } from "../lib/catalog";
import { AwsRegion } from "../lib/aws-regions";
import { explainExecution, formatExplanation, parseExecutionArn } from "../app/why-failed";
import { selectedConfig } from "./delegation-cli";

const USAGE = "usage: npm run why-failed -- <execution ARN> [--table <state table name>] [--json]\n";

async function main(argv: readonly string[]): Promise<number> {
  let arn: string | undefined;
  let table: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--table") table = argv[++i];
    else if (argv[i] === "--json") json = true;
    else if (argv[i] === "--help" || argv[i] === "-h") {
      process.stdout.write(USAGE);
      return 0;
    } else if (!arn) arn = argv[i];
    else {
      process.stderr.write(`unexpected argument ${argv[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (!arn || (table !== undefined && table === "")) {
    process.stderr.write(USAGE);
    return 2;
  }
  let region: string;
  try {
    region = parseExecutionArn(arn).region;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const stateTableName = table ?? catalogOf(selectedConfig()).region(region as AwsRegion).stateTable;
  const deps = { sfn: new SFNClient({ region }), dynamodb: new DynamoDBClient({ region }), stateTableName };
  const explanation = await explainExecution(deps, arn);
  process.stdout.write(json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation, stateTableName));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`why-failed: ${(error as Error).name}: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
