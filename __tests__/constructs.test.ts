/**
 * Construct tests on the one-stack harness (support/harness.ts): each builds
 * the construct under test in one stack and reads the Terraform JSON, instead
 * of synthesizing the whole app.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { keepChildAddresses } from "../constructs/addressing";
import { bundleBuildCount, bundleSet } from "../constructs/app/lambda-bundle";
import { SecureBucket } from "../constructs/data/secure-bucket";
import { FailoverStateTable } from "../constructs/failover/failover-state-table";
import { AlertTopic } from "../constructs/observability/alert-topic";
import { BoundedRole } from "../constructs/security/bounded-role";
import { BucketRef, KeyRef, SecretRef, TableRef, TopicRef } from "../constructs/security/grants";
import { HostedZone } from "../constructs/traffic/hosted-zone";
import { healthMonitorEnvironment, orchestratorEnvironment } from "../constructs/failover/failover-automation";
import { MONITOR_ENVIRONMENT } from "../lambda/health-monitor/environment";
import { loadMonitorConfig } from "../lambda/health-monitor/config";
import { ORCHESTRATOR_ENVIRONMENT } from "../lambda/failover-orchestrator/environment";
import { loadOrchestratorConfig } from "../lambda/failover-orchestrator/config";
import { catalogOf } from "../lib/catalog";
import { loadProcessorConfig } from "../lambda/transaction-processor/config";
import { PROCESSOR_ENVIRONMENT } from "../lambda/transaction-processor/environment";
import { configVariant } from "./support/config";
import { ofType, synthOneStack } from "./support/harness";

/** The statements of the one policy document a role's "permissions" policy uses. */
function policyStatements(json: any): any[] {
  const docs = Object.entries<any>(ofType(json, "aws_iam_policy_document", "data")).filter(([name]) => name.includes("policy-document-0"));
  expect(docs).toHaveLength(1);
  return docs[0][1].statement;
}

describe("grants", () => {
  const role = (scope: Construct, provider: any) => new BoundedRole(scope, "role", { provider, roleName: "r", description: "d", assumedBy: "lambda.amazonaws.com" });

  test("GIVEN a table, a bucket and a key WHEN granted to a role THEN one policy holds least-privilege statements in grant order", () => {
    const json = synthOneStack(({ stack }) => {
      const grantee = role(stack, stack.provider);
      new TableRef("t", "arn:aws:dynamodb:us-east-1:111122223333:table/t").grant(grantee, { sid: "Record", actions: ["dynamodb:PutItem"] });
      new BucketRef("b", "arn:aws:s3:::b").grantObjects(grantee, { sid: "Write", actions: ["s3:PutObject"], prefix: "logs/" });
      new KeyRef("arn:aws:kms:us-east-1:111122223333:key/k", "us-east-1").grantViaServices(grantee, {
        sid: "Key",
        actions: ["kms:GenerateDataKey"],
        services: ["s3", "dynamodb"],
      });
    });
    expect(Object.keys(ofType(json, "aws_iam_role_policy"))).toHaveLength(1);
    expect(policyStatements(json)).toEqual([
      { sid: "Record", effect: "Allow", actions: ["dynamodb:PutItem"], resources: ["arn:aws:dynamodb:us-east-1:111122223333:table/t"] },
      { sid: "Write", effect: "Allow", actions: ["s3:PutObject"], resources: ["arn:aws:s3:::b/logs/*"] },
      {
        sid: "Key",
        effect: "Allow",
        actions: ["kms:GenerateDataKey"],
        resources: ["arn:aws:kms:us-east-1:111122223333:key/k"],
        condition: [{ test: "StringEquals", variable: "kms:ViaService", values: ["s3.us-east-1.amazonaws.com", "dynamodb.us-east-1.amazonaws.com"] }],
      },
    ]);
  });

  test("GIVEN a table grant limited to items THEN it carries a dynamodb:LeadingKeys condition", () => {
    const json = synthOneStack(({ stack }) => {
      new TableRef("t", "arn:t").grant(role(stack, stack.provider), { sid: "Own", actions: ["dynamodb:GetItem"], items: ["lock#x"] });
    });
    expect(policyStatements(json)[0].condition).toEqual([{ test: "ForAllValues:StringLike", variable: "dynamodb:LeadingKeys", values: ["lock#x"] }]);
  });

  test("GIVEN a secret and a topic WHEN granted THEN the role may read that secret and publish to that topic only", () => {
    const json = synthOneStack(({ stack, account }) => {
      const grantee = role(stack, stack.provider);
      new SecretRef(account.arns.secret("s")).grantRead(grantee, "ReadSecret");
      new TopicRef(new SnsTopic(stack, "topic", { name: "t" }).arn).grantPublish(grantee, "Page");
    });
    const [secret, topic] = policyStatements(json);
    expect(secret).toMatchObject({ sid: "ReadSecret", actions: ["secretsmanager:GetSecretValue"] });
    expect(secret.resources[0]).toMatch(/:secretsmanager:us-east-1:\$\{data\.aws_caller_identity\.[^}]+\}:secret:s-\?\?\?\?\?\?$/);
    expect(topic).toEqual({ sid: "Page", effect: "Allow", actions: ["sns:Publish"], resources: ["${aws_sns_topic.topic.arn}"] });
  });
});

describe("removal setting", () => {
  test.each([
    ["retain", { force_destroy: false, lifecycle: { prevent_destroy: true } }],
    ["destroy", { force_destroy: true }],
  ] as const)("GIVEN removal %s WHEN a bucket is built THEN destroy is refused or allowed with its objects", (removal, expected) => {
    const json = synthOneStack(({ stack }) => {
      new SecureBucket(stack, "b", { provider: stack.provider, bucketName: "b", kmsKeyArn: undefined, noncurrentVersionExpirationDays: 1, removal });
    });
    const bucket = Object.values<any>(ofType(json, "aws_s3_bucket"))[0];
    expect({ force_destroy: bucket.force_destroy, ...(bucket.lifecycle ? { lifecycle: bucket.lifecycle } : {}) }).toEqual(expected);
  });
});

describe("constructs that keep their children's addresses", () => {
  class Group extends Construct {
    constructor(scope: Construct, id: string, build: (self: Construct) => void) {
      super(scope, id);
      keepChildAddresses(this);
      build(this);
    }
  }

  test("GIVEN a resource inside such a construct THEN its address and metadata path are those it had directly in the stack", () => {
    const direct = synthOneStack(({ stack }) => void new SnsTopic(stack, "topic", { name: "t" }));
    const grouped = synthOneStack(({ stack }) => void new Group(stack, "group", (g) => new SnsTopic(g, "topic", { name: "t" })));
    expect(grouped.resource.aws_sns_topic).toEqual(direct.resource.aws_sns_topic);
  });

  test("GIVEN an output inside such a construct THEN the output tree has no level for it", () => {
    let metadata: any;
    synthOneStack(({ stack }) => {
      new Group(stack, "group", (g) => new TerraformOutput(g, "out", { value: "v" }));
      // The stack's own JSON, with cdktf's metadata (Testing.synth strips it).
      metadata = () => stack.toTerraform()["//"];
    });
    expect(metadata().outputs["ops-us-east-1"]).toEqual({ out: "out" });
  });

  test("GIVEN two resources that would share an address THEN synthesis fails naming both", () => {
    expect(() =>
      synthOneStack(({ stack }) => {
        new SnsTopic(stack, "topic", { name: "a" });
        new Group(stack, "group", (g) => new SnsTopic(g, "topic", { name: "b" }));
      }),
    ).toThrow(/ops-us-east-1\/group\/topic and ops-us-east-1\/topic would share the Terraform address topic/);
  });
});

describe("HostedZone", () => {
  test("GIVEN removal retain THEN the zone is prevent_destroy and its name servers are an output", () => {
    const json = synthOneStack(({ stack }) => void new HostedZone(stack, "hosted-zone", { domainName: "example.com", comment: "c", removal: "retain" }));
    expect(json.resource.aws_route53_zone.zone).toMatchObject({ name: "example.com", force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(Object.keys(json.output)).toEqual(["name-servers"]);
  });
});

describe("resource catalog", () => {
  const catalog = catalogOf(configVariant("dev"));
  const [use1, use2] = catalog.regions;

  test("GIVEN the same configuration twice THEN the catalog is built once", () => {
    const config = configVariant("dev");
    expect(catalogOf(config)).toBe(catalogOf(config));
  });

  test("GIVEN both regions THEN names in global namespaces carry the region code and shared names are equal", () => {
    expect([use1.buckets.txlogs, use2.buckets.txlogs]).toEqual(["txdr-txlogs-use1-dev", "txdr-txlogs-use2-dev"]);
    expect(use1.peerBuckets).toEqual(use2.buckets);
    expect([use1.tables, use1.stateTable, use1.controlTable, use1.ecsService, use1.loadBalancer]).toEqual([use2.tables, use2.stateTable, use2.controlTable, use2.ecsService, use2.loadBalancer]);
    expect(use1.witness("us-east-2")).toEqual(use2.witness("us-east-2"));
    expect(use1.urls.peerHealth).toBe(use2.urls.ownHealth);
  });

  test("GIVEN the state keys THEN they are the Lambda code's own key formats for the global cluster", () => {
    expect(use1.stateKeys).toEqual({
      counter: "monitor#txdr-global-dev",
      lock: "lock#failover#txdr-global-dev",
      auditPattern: "audit#*",
    });
    expect([use1.controlKeys.heartbeat("us-east-2"), use1.controlKeys.fence("us-east-1")]).toEqual(["heartbeat#us-east-2", "fence#us-east-1"]);
  });

  test("GIVEN an account THEN ARNs are built in its partition and the given region", () => {
    const arns = use1.arns({ partition: "aws-us-gov", accountId: "111122223333" });
    expect(arns.table(use1.tables.txmeta, "us-east-2")).toBe("arn:aws-us-gov:dynamodb:us-east-2:111122223333:table/txdr-txmeta-dev");
    expect(arns.bucket(use1.buckets.appdata)).toBe("arn:aws-us-gov:s3:::txdr-appdata-use1-dev");
    expect(arns.cluster("us-east-2")).toBe("arn:aws-us-gov:rds:us-east-2:111122223333:cluster:txdr-db-use2-dev");
    expect(() => arns.cluster("eu-west-1")).toThrow(/No cluster identifier for eu-west-1/);
  });
});

describe("failover functions' environment contracts", () => {
  test("GIVEN the infrastructure's builders THEN each function's loader reads every value back, and the contracts name each variable once", () => {
    const config = configVariant("prod");
    const names = catalogOf(config).region("us-east-2");
    const settings = config.failover;
    const monitorEnv = healthMonitorEnvironment({ names, settings, capacity: config.service.capacity, topicArn: "arn:aws:sns:us-east-2:111122223333:t", failoverStateMachineArn: "arn:aws:states:us-east-2:111122223333:stateMachine:m" });
    expect(loadMonitorConfig({ ...monitorEnv, AWS_REGION: "us-east-2" })).toMatchObject({
      sampleIntervalSeconds: settings.sampleIntervalSeconds,
      staleHeartbeatSeconds: settings.staleHeartbeatSeconds,
      consecutiveSamples: settings.consecutiveFailures,
      peerWitnessAliveName: names.witness("us-east-1").alive,
    });
    const orchestratorEnv = orchestratorEnvironment({ names, settings, capacity: config.service.capacity, rpoSeconds: 60, rpoEnforcedByDatabase: true, topicArn: "arn:aws:sns:us-east-2:111122223333:t", awaitWriter: { sliceSeconds: 600, extraAttempts: 0 } });
    expect(loadOrchestratorConfig({ ...orchestratorEnv, AWS_REGION: "us-east-2" })).toMatchObject({ rpoSeconds: 60, rpoEnforcement: "database", peerTimeoutMs: settings.peerTimeoutMs, ownGateUrl: names.urls.ownGate });
    for (const contract of [MONITOR_ENVIRONMENT, ORCHESTRATOR_ENVIRONMENT]) {
      const variables = Object.values(contract.names);
      expect(new Set(variables).size).toBe(variables.length);
    }
  });

  test("GIVEN manual authority THEN the monitor's environment names no runbook to start", () => {
    const config = configVariant("dev", { failover: { authority: "manual" } });
    const env = healthMonitorEnvironment({ names: catalogOf(config).region("us-east-1"), settings: config.failover, capacity: config.service.capacity, topicArn: "t", failoverStateMachineArn: "m" });
    expect(env.STATE_MACHINE_ARN).toBeUndefined();
  });
});

describe("transaction processor environment contract", () => {
  test("GIVEN the values the infrastructure writes THEN the function's configuration reads them back", () => {
    const env = PROCESSOR_ENVIRONMENT.write({
      environment: "prod",
      tableName: "txdr-txmeta-prd",
      bucketName: "txdr-txlogs-use1-prd",
      controlTableName: "txdr-control-prd",
      fenceCacheSeconds: 5,
      staleHeartbeatSeconds: 30,
      tokenIssuer: "https://idp.example.com",
      clientIdClaim: "client_id",
      clientRegistry: '{"acme":["DE89*"]}',
    });
    expect(env).toEqual({
      ENVIRONMENT: "prod",
      TXMETA_TABLE_NAME: "txdr-txmeta-prd",
      TXLOGS_BUCKET_NAME: "txdr-txlogs-use1-prd",
      CONTROL_TABLE_NAME: "txdr-control-prd",
      FENCE_CACHE_SECONDS: "5",
      STALE_HEARTBEAT_SECONDS: "30",
      TOKEN_ISSUER: "https://idp.example.com",
      CLIENT_ID_CLAIM: "client_id",
      CLIENT_REGISTRY: '{"acme":["DE89*"]}',
    });
    expect(loadProcessorConfig({ ...env, AWS_REGION: "us-east-1" })).toMatchObject({
      environment: "prod",
      tableName: "txdr-txmeta-prd",
      bucketName: "txdr-txlogs-use1-prd",
      controlTableName: "txdr-control-prd",
      tokenIssuer: "https://idp.example.com",
      clients: new Map([["acme", ["DE89*"]]]),
    });
  });
});

describe("Lambda bundle cache", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "dr-bundle-"));
  const cacheDir = path.join(root, "cache");
  const set = { root, entries: { fn: "src/index.ts" }, cacheDir };
  beforeAll(() => {
    fs.mkdirSync(path.join(root, "src"));
    fs.writeFileSync(path.join(root, "src", "helper.ts"), 'export const greeting = "hello";\n');
    fs.writeFileSync(path.join(root, "src", "index.ts"), 'import { greeting } from "./helper";\nexport const handler = async () => greeting;\n');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test("GIVEN unchanged inputs THEN a warm cache serves the bundle without running esbuild, and a changed input rebuilds it", () => {
    const first = bundleSet(set).get("fn")!;
    const builds = bundleBuildCount();
    expect(bundleSet(set).get("fn")!.sha256Hex).toBe(first.sha256Hex);
    expect(bundleBuildCount()).toBe(builds);
    // Same size, new content: the cache must not be fooled by a stat.
    fs.writeFileSync(path.join(root, "src", "helper.ts"), 'export const greeting = "HELLO";\n');
    const second = bundleSet(set).get("fn")!;
    expect(bundleBuildCount()).toBe(builds + 1);
    expect(second.sha256Hex).not.toBe(first.sha256Hex);
    expect(second.inputs).toEqual(["src/helper.ts", "src/index.ts"]);
  });

  test("GIVEN a new file beside the inputs THEN the cache key changes and the bundle is built again", () => {
    bundleSet(set);
    const builds = bundleBuildCount();
    fs.writeFileSync(path.join(root, "src", "helper.js"), "exports.greeting = 'shadow';\n");
    bundleSet(set);
    expect(bundleBuildCount()).toBe(builds + 1);
  });
});

describe("grants from the constructs that own the resources", () => {
  test("GIVEN an alert topic and a state table WHEN their refs grant to a role THEN the role may publish to that topic and use those items", () => {
    const json = synthOneStack(({ stack, account }) => {
      const grantee = new BoundedRole(stack, "role", { provider: stack.provider, roleName: "r", description: "d", assumedBy: "lambda.amazonaws.com" });
      new AlertTopic(stack, "alerts", { provider: stack.provider, account, topicName: "t", kmsKeyArn: "arn:k", emails: [], httpsEndpoints: [] }).ref.grantPublish(grantee, "Page");
      new FailoverStateTable(stack, "state-table", { provider: stack.provider, tableName: "s", kmsKeyArn: "arn:k" }).ref.grant(grantee, {
        sid: "Lock",
        actions: ["dynamodb:UpdateItem"],
        items: ["lock#x"],
      });
    });
    expect(policyStatements(json).map((s: any) => [s.sid, s.resources])).toEqual([
      ["Page", [expect.stringMatching(/^\$\{aws_sns_topic\.alerts_topic_[0-9A-F]{8}\.arn\}$/)]],
      ["Lock", [expect.stringMatching(/^\$\{aws_dynamodb_table\.state-table_[0-9A-F]{8}\.arn\}$/)]],
    ]);
  });
});
