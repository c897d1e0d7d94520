/**
 * npm run first-deploy [-- --wait <seconds>] [--expect ns1,ns2,...] [--resolver <ip>]... [cdktf deploy options]
 *
 * The first deploy of the selected configuration (DR_ENV / DR_CONFIG), in the order a new hosted zone needs:
 * zone first, its name servers printed, the delegation checked in public DNS, then every stack
 * (app/first-deploy.ts). Exits 3 when the domain is not delegated in time; run it again once it is.
 * Options other than the ones above go to every `cdktf deploy` (for example --auto-approve).
 */
import * as path from "path";
import { dnsResolver } from "../app/delegation";
import { runFirstDeploy } from "../app/first-deploy";
import { PROJECT_ROOT, capture, parseArgs, run, selectedConfig } from "./delegation-cli";

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const config = selectedConfig();
  return runFirstDeploy(
    config,
    {
      outdir: path.resolve(PROJECT_ROOT, process.env.CDKTF_OUTDIR ?? "cdktf.out"),
      cdktf: path.join(PROJECT_ROOT, "node_modules", ".bin", "cdktf"),
      deployArgs: args.rest,
      waitSeconds: args.waitSeconds ?? 900,
      expectedNameServers: args.expect,
    },
    { run, capture, resolver: dnsResolver(args.resolvers), log: (line) => process.stdout.write(`first-deploy: ${line}\n`) },
  );
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`first-deploy: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
