/**
 * AWS APIs reached through interface endpoints, by the name that follows
 * com.amazonaws.<region>: what the tasks call (ECR, logs, secrets, parameters,
 * X-Ray) and what the failover path calls (RDS, ECS, Application Auto
 * Scaling, CloudWatch, Step Functions, SNS, SQS, EventBridge, STS, KMS), so
 * that it works in a region with no NAT gateway and no internet.
 */
export const INTERFACE_ENDPOINT_SERVICES = [
  "ecr.api",
  "ecr.dkr",
  "logs",
  "monitoring",
  "secretsmanager",
  "kms",
  "sts",
  "ssm",
  "sns",
  "sqs",
  "states",
  "rds",
  "ecs",
  "ecs-agent",
  "ecs-telemetry",
  "application-autoscaling",
  "elasticloadbalancing",
  "events",
  "xray",
] as const;

export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];
