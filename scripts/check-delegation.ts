/**
 * npm run check-delegation [-- --expect ns1,ns2,...] [--wait <seconds>] [--resolver <ip>]...
 *
 * Checks in public DNS that the selected configuration's domain (dns.domainName) is delegated to its hosted
 * zone. The name servers to expect are, in this order: --expect; the zone stack's `name-servers` output
 * (read with terraform from cdktf.out, once the zone stack is deployed); none, for an existing zone
 * (dns.hostedZoneId), in which case any NS set passes and is printed to compare with
 * `aws route53 get-hosted-zone --id <id> --query DelegationSet.NameServers`. Exits 0 when delegated, 3 when
 * not (after --wait seconds of asking, default 0), 1 on a usage error.
 */
import * as path from "path";
import { dnsResolver, waitForDelegation } from "../app/delegation";
import { firstDeploySteps, parseNameServers } from "../app/first-deploy";
import { PROJECT_ROOT, capture, parseArgs, selectedConfig } from "./delegation-cli";

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.rest.length > 0) throw new Error(`unknown arguments: ${args.rest.join(" ")}`);
  const config = selectedConfig();
  let expected = args.expect;
  const read = firstDeploySteps(config).find((s) => s.kind === "read-name-servers");
  if (!expected && read && read.kind === "read-name-servers") {
    const dir = path.join(path.resolve(PROJECT_ROOT, process.env.CDKTF_OUTDIR ?? "cdktf.out"), "stacks", read.stack);
    const result = await capture("terraform", [`-chdir=${dir}`, "output", "-json", read.output]);
    if (result.code !== 0) throw new Error(`could not read the ${read.output} output of ${read.stack}: deploy it first, or pass --expect`);
    expected = parseNameServers(result.stdout);
  }
  const result = await waitForDelegation(config.dns.domainName, expected, dnsResolver(args.resolvers), {
    waitSeconds: args.waitSeconds ?? 0,
    log: (line) => process.stdout.write(`check-delegation: ${line}\n`),
  });
  process.stdout.write(`check-delegation: ${result.message}\n`);
  return result.status === "delegated" ? 0 : 3;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`check-delegation: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
