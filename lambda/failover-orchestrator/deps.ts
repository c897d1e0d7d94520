/** The collaborators every step receives: clients per region, clock, sleep, probe, callers, logger. */
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { RDSClient } from "@aws-sdk/client-rds";
import { SNSClient } from "@aws-sdk/client-sns";
import { Logger } from "../shared/log";
import { Probe } from "../shared/probe";
import { Caller, Clock, Sleep } from "../shared/retry";
import { OrchestratorConfig } from "./config";

export interface RegionClients {
  readonly rds: RDSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly autoscaling: ApplicationAutoScalingClient;
  /** Own region: lock, audit, gate decisions. Peer region: the gate decisions only (best effort). */
  readonly dynamodb: DynamoDBClient;
}

export interface OwnRegionClients extends RegionClients {
  readonly sns: SNSClient;
}

export interface OrchestratorDeps {
  readonly config: OrchestratorConfig;
  /** Clients for the Lambda's own region (the region being promoted). */
  readonly own: OwnRegionClients;
  /** Clients for the peer region: short timeouts, used only for best-effort fencing (capacity, gate metric and gate record) and health reads. */
  readonly peer: RegionClients;
  readonly probe: Probe;
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Retrying caller for own-region calls. */
  readonly call: Caller;
  /** Retrying caller for peer-region calls (fewer attempts). */
  readonly peerCall: Caller;
  readonly log: Logger;
}
