/**
 * Health monitor Lambda, run every minute by an EventBridge schedule in both
 * regions: ROLE=decider in the standby region (counts bad checks and acts
 * according to FAILOVER_AUTHORITY), ROLE=observer in the active region
 * (publishes the same metrics for dashboards and failback readiness).
 * Environment variables: see config.ts. Logic: monitor.ts.
 *
 * Clients are created once, at module scope, for the Lambda's own region.
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SNSClient } from "@aws-sdk/client-sns";
import { errorMessage, errorName } from "../shared/errors";
import { createLogger, logLevelFrom } from "../shared/log";
import { createHttpsProbe } from "../shared/probe";
import { createCaller, realSleep, systemClock } from "../shared/retry";
import { loadMonitorConfig } from "./config";
import { CheckOutcome, createMonitorHandler, MonitorClients } from "./monitor";

const config = loadMonitorConfig(process.env);
const log = createLogger({ function: "health-monitor", role: config.role, region: config.region, environment: config.environment }, { level: logLevelFrom(process.env.LOG_LEVEL) });

const clients: MonitorClients = {
  rds: new RDSClient({}),
  cloudwatch: new CloudWatchClient({}),
  dynamodb: new DynamoDBClient({}),
  sfn: new SFNClient({}),
  sns: new SNSClient({}),
};

const call = createCaller({
  policy: config.retry,
  sleep: realSleep,
  onRetry: (operation, error, attempt, delayMs) => log.warn("aws.retry", { operation, attempt, delayMs, error: errorName(error), message: errorMessage(error) }),
});

const probe = createHttpsProbe();

export const handler: () => Promise<CheckOutcome> = createMonitorHandler({ config, clients, probe, clock: systemClock, call, log });
