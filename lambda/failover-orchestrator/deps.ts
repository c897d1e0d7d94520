/** The collaborators every step receives: clients per region, clock, sleep, probe, resolver, callers, logger. */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { Logger } from "../shared/log";
import { Probe } from "../shared/probe";
import { Caller, Clock, Sleep } from "../shared/retry";
import { TxtResolver } from "../shared/signals";
import { OrchestratorConfig } from "./config";

export interface RegionClients {
  readonly rds: RDSClient;
  readonly autoscaling: ApplicationAutoScalingClient;
  /** Own region: lock, audit, control table. Peer region: its lock only. */
  readonly dynamodb: DynamoDBClient;
  readonly elb: ElasticLoadBalancingV2Client;
}

export interface OwnRegionClients extends RegionClients {
  readonly sns: SNSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly ecs: ECSClient;
}

export interface OrchestratorDeps {
  readonly config: OrchestratorConfig;
  /** Clients for the Lambda's own region (the region being promoted). */
  readonly own: OwnRegionClients;
  /** Clients for the peer region: short timeouts, used only for its lock, its database's health and best-effort fencing. */
  readonly peer: RegionClients;
  readonly probe: Probe;
  readonly resolveTxt: TxtResolver;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Retrying caller for own-region calls. */
  readonly call: Caller;
  /** Retrying caller for peer-region calls (fewer attempts). */
  readonly peerCall: Caller;
  readonly log: Logger;
}
