/**
 * The drill's Lambda loader: the drill bundles keep the SDK external (and only
 * the SDK), one module instance per (function, region) with its own
 * environment, SDK clients defaulting to the function's region and tagged with
 * it, and fetch/dns answered by the hooks.
 */
import { CALLER_REGION } from "../../drill/model/aws-model";
import { DRILL_BUNDLE_OPTIONS, drillBundles } from "../../drill/lambda/bundle";
import { BUNDLE_OPTIONS } from "../../constructs/app/lambda-bundle";
import { DnsShim, loadInstance } from "../../drill/lambda/instance";

const dns: DnsShim = {
  promises: {
    resolveTxt: async (name) => [[`answer-for-${name}`]],
    Resolver: class {
      async resolveTxt(name: string) {
        return [[`answer-for-${name}`]];
      }
    },
  },
  resolveTxt: (name, callback) => callback(null, [[name]]),
  Resolver: class {
    resolveTxt(name: string, callback: (error: Error | null, records?: string[][]) => void) {
      callback(null, [[name]]);
    }
  },
};

const CODE = `
const { RDSClient } = require("@aws-sdk/client-rds");
const dns = require("node:dns");
const client = new RDSClient({});
const peer = new RDSClient({ region: "us-west-2" });
const loadedWith = process.env.MARK;
exports.handler = async () => ({
  loadedWith,
  region: await client.config.region(),
  peerRegion: await peer.config.region(),
  tag: client[Symbol.for("drill.callerRegion")],
  txt: await dns.promises.resolveTxt("dr-alive-use1.example.com"),
  status: (await fetch("https://api.example.com/health")).status,
  logged: (process.stdout.write("a log line\\n"), true),
});
`;

describe("the drill bundles", () => {
  it("are built with exactly the production BUNDLE_OPTIONS but for one difference: @aws-sdk/* external", () => {
    const { external, ...rest } = DRILL_BUNDLE_OPTIONS;
    expect(rest).toEqual(BUNDLE_OPTIONS);
    expect(external).toEqual(["@aws-sdk/*"]);
    expect("external" in BUNDLE_OPTIONS).toBe(false);
  });

  it("bundle every function with only @aws-sdk/* left external", () => {
    const bundles = drillBundles();
    expect([...bundles.keys()].sort()).toEqual(["failover-orchestrator", "health-monitor", "reconciler", "transaction-processor"]);
    const orchestrator = bundles.get("failover-orchestrator") as string;
    expect(orchestrator).toMatch(/require\("@aws-sdk\/client-rds"\)/);
    const required = [...orchestrator.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    expect(required.filter((r) => !r?.startsWith("@aws-sdk/") && !r?.startsWith("node:") && !["crypto", "fs", "path", "os", "util"].includes(r as string))).toEqual([]);
  });
});

describe("a function instance", () => {
  it("has its own environment, default region and caller tag, and the drill's fetch and dns", async () => {
    const make = (region: string, mark: string) =>
      loadInstance({ functionName: "fn", region, code: CODE, env: { MARK: mark }, dns, fetch: async () => ({ status: region === "us-east-2" ? 204 : 503 }) });
    const east = make("us-east-2", "east");
    const west = make("us-east-1", "west");

    const a = (await east.handler({})) as Record<string, unknown>;
    const b = (await west.handler({})) as Record<string, unknown>;

    expect(a).toEqual({ loadedWith: "east", region: "us-east-2", peerRegion: "us-west-2", tag: "us-east-2", txt: [["answer-for-dr-alive-use1.example.com"]], status: 204, logged: true });
    expect(b).toMatchObject({ loadedWith: "west", region: "us-east-1", tag: "us-east-1", status: 503 });
    expect(east.logs).toEqual(["a log line"]);
    expect(process.env.MARK).toBeUndefined();
    expect(CALLER_REGION).toBe(Symbol.for("drill.callerRegion"));
  });
});
