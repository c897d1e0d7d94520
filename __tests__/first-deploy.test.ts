/**
 * The first deploy (README, "First deploy"): an explicit sequence that deploys the hosted zone, prints its
 * name servers, checks the delegation in public DNS and only then deploys the stacks whose certificates ACM
 * validates through that zone (app/first-deploy.ts, npm run first-deploy), and the delegation check on its own
 * (app/delegation.ts, npm run check-delegation). Commands and DNS are fakes: nothing here reaches AWS or DNS.
 */
import * as path from "path";
import { SynthesizedApp } from "../app/layout-check";
import { NameServerResolver, checkDelegation, normalizeNameServer, waitForDelegation } from "../app/delegation";
import { FirstDeployDeps, firstDeploySteps, parseNameServers, runFirstDeploy } from "../app/first-deploy";
import { readConfigFile } from "../lib/config/load";
import { DrConfig } from "../lib/config/model";
import { configVariant, shippedConfigFiles } from "./support/config";
import { synthConfig } from "./support/synth";

const ZONE_NS = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk", "ns-3.awsdns-03.com", "ns-4.awsdns-04.net"];

/** A resolver that answers from a table (or fails with a node:dns code). */
function fakeResolver(answers: Record<string, string[] | string>, log: string[] = []): NameServerResolver {
  return {
    resolveNs: async (name) => {
      log.push(name);
      const answer = answers[name];
      if (answer === undefined) throw Object.assign(new Error(`queryNs ENOTFOUND ${name}`), { code: "ENOTFOUND" });
      if (typeof answer === "string") throw Object.assign(new Error(`queryNs ${answer} ${name}`), { code: answer });
      return answer;
    },
  };
}

describe("the delegation check (npm run check-delegation)", () => {
  test("GIVEN public DNS answers the zone's name servers (any case, trailing dots) THEN the domain is delegated", async () => {
    const resolver = fakeResolver({ "dev.dr.example.com": ["NS-4.AWSDNS-04.NET.", "ns-3.awsdns-03.com", "ns-2.awsdns-02.co.uk.", "ns-1.awsdns-01.org"] });
    const result = await checkDelegation("dev.dr.example.com", ZONE_NS, resolver);
    expect(result.status).toBe("delegated");
    expect(result.found).toEqual([...ZONE_NS].sort());
  });

  test("GIVEN no NS records (the parent does not delegate yet) THEN not delegated, with the NS record set to add", async () => {
    const result = await checkDelegation("dev.dr.example.com", ZONE_NS, fakeResolver({}));
    expect(result.status).toBe("not-delegated");
    expect(result.message).toContain("ENOTFOUND");
    for (const ns of ZONE_NS) expect(result.message).toContain(`    ${ns}`);
  });

  test("GIVEN a delegation to other name servers (a stale zone of the same name) THEN refused, naming both sets", async () => {
    const stale = ["ns-9.awsdns-09.org", "ns-8.awsdns-08.co.uk", "ns-7.awsdns-07.com", "ns-6.awsdns-06.net"];
    const result = await checkDelegation("dev.dr.example.com", ZONE_NS, fakeResolver({ "dev.dr.example.com": stale }));
    expect(result.status).toBe("other-name-servers");
    expect(result.message).toContain("ns-9.awsdns-09.org");
    expect(result.message).toContain("ns-1.awsdns-01.org");
  });

  test("GIVEN a resolver failure (SERVFAIL) THEN unresolved, not a verdict on the delegation", async () => {
    const result = await checkDelegation("dev.dr.example.com", ZONE_NS, fakeResolver({ "dev.dr.example.com": "ESERVFAIL" }));
    expect(result.status).toBe("unresolved");
  });

  test("GIVEN an existing zone whose name servers are not known THEN any NS set passes and is reported", async () => {
    const result = await checkDelegation("a.dr.example.com", undefined, fakeResolver({ "a.dr.example.com": ZONE_NS }));
    expect(result.status).toBe("delegated");
    expect(result.message).toContain("ns-1.awsdns-01.org");
  });

  test("GIVEN a wait THEN it asks again until the delegation appears, and gives up at the deadline", async () => {
    let clock = 0;
    const answers: Record<string, string[]> = {};
    const asked: string[] = [];
    const resolver = fakeResolver(answers, asked);
    const sleep = async (ms: number) => {
      clock += ms;
      if (clock >= 60_000) answers["dev.dr.example.com"] = ZONE_NS;
    };
    const found = await waitForDelegation("dev.dr.example.com", ZONE_NS, resolver, { waitSeconds: 300, intervalSeconds: 30, sleep, now: () => clock });
    expect([found.status, asked.length]).toEqual(["delegated", 3]);
    clock = 0;
    const never = await waitForDelegation("x.example.com", ZONE_NS, fakeResolver({}), { waitSeconds: 90, intervalSeconds: 30, sleep: async (ms) => void (clock += ms), now: () => clock });
    expect(never.status).toBe("not-delegated");
    expect(normalizeNameServer(" NS-1.AWSDNS-01.ORG. ")).toBe("ns-1.awsdns-01.org");
  });
});

/** A recording runner: every command, and what `terraform output` prints. */
function fakeDeps(resolver: NameServerResolver, outputs: string = JSON.stringify(ZONE_NS)) {
  const commands: string[] = [];
  const lines: string[] = [];
  let clock = 0;
  const deps: FirstDeployDeps = {
    run: async (command, args) => {
      commands.push([path.basename(command), ...args].join(" "));
      return 0;
    },
    capture: async (command, args) => {
      commands.push([path.basename(command), ...args].join(" "));
      return { code: 0, stdout: outputs };
    },
    resolver,
    log: (line) => lines.push(line),
    sleep: async (ms) => void (clock += ms),
    now: () => clock,
  };
  return { deps, commands, lines };
}

const options = { outdir: "/out", cdktf: "/project/node_modules/.bin/cdktf", deployArgs: ["--auto-approve"], waitSeconds: 120 };

describe("the first-deploy sequence (npm run first-deploy)", () => {
  const dev = configVariant("dev");

  test("GIVEN a new zone THEN it deploys the zone and what it needs, reads the name servers, checks the delegation, then everything", async () => {
    const { deps, commands, lines } = fakeDeps(fakeResolver({ "dev.dr.example.com": ZONE_NS }));
    expect(await runFirstDeploy(dev, options, deps)).toBe(0);
    expect(commands).toEqual([
      "cdktf synth",
      "cdktf deploy bootstrap base-us-east-2 zone --skip-synth --auto-approve",
      "terraform -chdir=/out/stacks/zone output -json name-servers",
      "cdktf deploy * --skip-synth --auto-approve",
    ]);
    expect(lines.join("\n")).toContain("    ns-3.awsdns-03.com");
  });

  test("GIVEN the delegation is missing THEN it stops (exit 3) before any stack that validates a certificate, and says what to add", async () => {
    const { deps, commands, lines } = fakeDeps(fakeResolver({}));
    expect(await runFirstDeploy(dev, options, deps)).toBe(3);
    expect(commands.some((c) => c.startsWith("cdktf deploy *"))).toBe(false);
    expect(lines.join("\n")).toContain("Delegate dev.dr.example.com at its parent zone");
    expect(lines.join("\n")).toContain("    ns-1.awsdns-01.org");
  });

  test("GIVEN a failed deploy of the zone THEN nothing after it runs and its exit code is returned", async () => {
    const { deps, commands } = fakeDeps(fakeResolver({ "dev.dr.example.com": ZONE_NS }));
    const failing: FirstDeployDeps = { ...deps, run: async (c, a) => (a[0] === "deploy" ? (await deps.run(c, a), 1) : deps.run(c, a)) };
    expect(await runFirstDeploy(dev, options, failing)).toBe(1);
    expect(commands).toEqual(["cdktf synth", "cdktf deploy bootstrap base-us-east-2 zone --skip-synth --auto-approve"]);
  });

  test("GIVEN an existing zone (dns.hostedZoneId) THEN no zone stack is deployed: the delegation is checked (against --expect), then everything", async () => {
    const existing = configVariant("dev", { dns: { hostedZoneId: "Z0123456789ABCDEFGHIJ" } });
    expect(firstDeploySteps(existing).map((s) => s.kind)).toEqual(["synth", "check-delegation", "deploy-all"]);
    const { deps, commands } = fakeDeps(fakeResolver({ "dev.dr.example.com": ZONE_NS }));
    expect(await runFirstDeploy(existing, { ...options, expectedNameServers: ZONE_NS }, deps)).toBe(0);
    expect(commands).toEqual(["cdktf synth", "cdktf deploy * --skip-synth --auto-approve"]);
    const wrong = fakeDeps(fakeResolver({ "dev.dr.example.com": ["ns-9.example.net"] }));
    expect(await runFirstDeploy(existing, { ...options, expectedNameServers: ZONE_NS }, wrong.deps)).toBe(3);
  });

  test("terraform's JSON output of the name servers is read strictly", () => {
    expect(parseNameServers(`${JSON.stringify(ZONE_NS)}\n`)).toEqual(ZONE_NS);
    expect(() => parseNameServers("[]")).toThrow("non-empty list");
    expect(() => parseNameServers('"ns-1"')).toThrow("non-empty list");
  });
});

describe.each(shippedConfigFiles().map((f) => [path.basename(f, ".json"), readConfigFile(f)] as [string, DrConfig]))(
  "%s: the sequence against its synthesized output",
  (_name, config) => {
    let app: SynthesizedApp;
    beforeAll(() => {
      app = synthConfig(config);
    });

    test("the zone stack has the output the sequence reads, holding the zone's name servers", () => {
      const read = firstDeploySteps(config).find((s) => s.kind === "read-name-servers");
      if (!read || read.kind !== "read-name-servers") throw new Error("a shipped configuration creates its zone");
      expect(app.stacks[read.stack].output[read.output].value).toMatch(/^\$\{aws_route53_zone\.[^.]+\.name_servers\}$/);
    });

    test("no stack deployed before the delegation check validates a certificate; every stack that does is deployed after it", () => {
      const steps = firstDeploySteps(config);
      const before = steps.flatMap((s) => (s.kind === "deploy" ? s.stacks : []));
      const validating = Object.entries(app.stacks)
        .filter(([, stack]) => Object.keys(stack.resource?.aws_acm_certificate_validation ?? {}).length > 0)
        .map(([id]) => id);
      expect(validating.length).toBeGreaterThan(0);
      expect(before.filter((id) => validating.includes(id))).toEqual([]);
      expect(steps.map((s) => s.kind).indexOf("check-delegation")).toBeLessThan(steps.map((s) => s.kind).indexOf("deploy-all"));
      // Every stack the zone needs is deployed with it, in dependency order.
      expect(before[before.length - 1]).toBe("zone");
    });
  },
);
