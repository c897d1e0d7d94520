/**
 * Failover orchestrator Lambda: the tasks of the failover and failback state
 * machines, dispatched on `event.step`. Contract: contract.ts. Environment:
 * config.ts. Error names for Retry/Catch: shared/errors.ts.
 *
 * Clients are created once, at module scope: own-region clients (the region
 * being promoted, the Lambda's region) and peer-region clients with short
 * timeouts and a single attempt each (the caller retries), used only for the
 * other region's lock, its database's health and best-effort fencing.
 */
import { promises as dns } from "node:dns";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { errorMessage, errorName } from "../shared/errors";
import { createLogger, logLevelFrom } from "../shared/log";
import { createHttpsProbe } from "../shared/probe";
import { createCaller, realSleep, systemClock } from "../shared/retry";
import { loadOrchestratorConfig } from "./config";
import { FailoverState, StepEvent } from "./contract";
import { OrchestratorDeps } from "./deps";
import { createStepHandler } from "./steps";

const config = loadOrchestratorConfig(process.env);
const log = createLogger({ function: "failover-orchestrator", region: config.region, environment: config.environment }, { level: logLevelFrom(process.env.LOG_LEVEL) });

const peerClientConfig = {
  region: config.peerRegion,
  maxAttempts: 1,
  requestHandler: { requestTimeout: config.peerTimeoutMs, connectionTimeout: Math.min(config.peerTimeoutMs, 3_000) },
};

const resolver = new dns.Resolver({ timeout: config.dnsTimeoutMs, tries: 2 });

const onRetry = (operation: string, error: unknown, attempt: number, delayMs: number) =>
  log.warn("aws.retry", { operation, attempt, delayMs, error: errorName(error), message: errorMessage(error) });

const deps: OrchestratorDeps = {
  config,
  own: {
    rds: new RDSClient({}),
    cloudwatch: new CloudWatchClient({}),
    autoscaling: new ApplicationAutoScalingClient({}),
    dynamodb: new DynamoDBClient({}),
    sns: new SNSClient({}),
    ecs: new ECSClient({}),
    elb: new ElasticLoadBalancingV2Client({}),
  },
  peer: {
    rds: new RDSClient(peerClientConfig),
    autoscaling: new ApplicationAutoScalingClient(peerClientConfig),
    dynamodb: new DynamoDBClient(peerClientConfig),
    elb: new ElasticLoadBalancingV2Client(peerClientConfig),
  },
  probe: createHttpsProbe(),
  resolveTxt: (name) => resolver.resolveTxt(name),
  clock: systemClock,
  sleep: realSleep,
  call: createCaller({ policy: config.retry, sleep: realSleep, onRetry }),
  peerCall: createCaller({ policy: config.peerRetry, sleep: realSleep, onRetry }),
  log,
};

export const handler: (event: StepEvent) => Promise<FailoverState> = createStepHandler(deps);
