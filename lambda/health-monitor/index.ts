/**
 * Health monitor Lambda, run every minute by an EventBridge schedule in both
 * regions; one invocation samples every SAMPLE_INTERVAL_SECONDS for
 * RUN_SECONDS. Whether a sample acts as the writer region's or the standby's
 * follows the global cluster's writer at that sample. Environment: config.ts.
 * Logic: monitor.ts. Clients are created once, at module scope, for the
 * Lambda's own region.
 */
import { promises as dns } from "node:dns";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { errorMessage, errorName } from "../shared/errors";
import { createLogger, logLevelFrom } from "../shared/log";
import { createHttpsProbe } from "../shared/probe";
import { createCaller, realSleep, systemClock } from "../shared/retry";
import { loadMonitorConfig } from "./config";
import { createMonitorHandler, MonitorClients, SampleOutcome } from "./monitor";

const config = loadMonitorConfig(process.env);
const log = createLogger({ function: "health-monitor", region: config.region, environment: config.environment }, { level: logLevelFrom(process.env.LOG_LEVEL) });

const clients: MonitorClients = {
  rds: new RDSClient({}),
  cloudwatch: new CloudWatchClient({}),
  dynamodb: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  sns: new SNSClient({}),
  ecs: new ECSClient({}),
  elb: new ElasticLoadBalancingV2Client({}),
  autoscaling: new ApplicationAutoScalingClient({}),
};

const call = createCaller({
  policy: config.retry,
  sleep: realSleep,
  onRetry: (operation, error, attempt, delayMs) => log.warn("aws.retry", { operation, attempt, delayMs, error: errorName(error), message: errorMessage(error) }),
});

const resolver = new dns.Resolver({ timeout: config.dnsTimeoutMs, tries: 2 });

export const handler: () => Promise<SampleOutcome[]> = createMonitorHandler({
  config,
  clients,
  probe: createHttpsProbe(),
  resolveTxt: (name) => resolver.resolveTxt(name),
  clock: systemClock,
  sleep: realSleep,
  call,
  log,
});
