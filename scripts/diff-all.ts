/**
 * npm run diff [-- <stack>... | --from <stack>] [--skip-synth] [cdktf diff options]
 *
 * `cdktf diff` of every stack of the selected configuration (DR_ENV / DR_CONFIG) in deploy order, stopping
 * at the first that cannot plan (app/diff-all.ts). Needs AWS credentials and Terraform, like cdktf diff.
 */
import * as path from "path";
import { manifestReader, runDiffAll } from "../app/diff-all";
import { deployOrder, planStacks } from "../stacks/layout";
import { PROJECT_ROOT, run, selectedConfig } from "./delegation-cli";

runDiffAll(
  process.argv.slice(2),
  { cdktf: path.join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"), preferredOrder: deployOrder(planStacks(selectedConfig())) },
  {
    run,
    readManifest: manifestReader(path.resolve(PROJECT_ROOT, process.env.CDKTF_OUTDIR ?? "cdktf.out")),
    log: (line) => process.stdout.write(`diff: ${line}\n`),
  },
).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`diff: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
