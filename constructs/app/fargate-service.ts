/**
 * The service in one region: an ECS cluster with Container Insights, one task
 * definition built by the same code in both regions (only region-specific
 * values differ), least-privilege task and execution roles, logs to an
 * encrypted group, secrets injected from Secrets Manager and SSM (never as
 * plain environment values), a service in the private subnets with the
 * deployment circuit breaker and rollback, and target-tracking scaling on CPU
 * and on requests per target.
 *
 * Warm standby: the scalable target's bounds follow the region's role. The
 * failover automation raises the standby's minimum through the scalable target
 * (a bare UpdateService would be undone by target tracking and the next
 * deploy); the service ignores drift in desired_count, and once
 * regions.active is changed the next deploy keeps the scaled-out capacity.
 */
import { Construct } from "constructs";
import { Token } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { AwsRegion } from "../../lib/aws-regions";
import { AccountContext } from "../security/account-context";
import { BoundedRole } from "../security/bounded-role";
import { EncryptedLogGroup } from "../observability/encrypted-log-group";
import { KeyRef, SecretRef } from "../security/grants";

export const APP_CONTAINER_NAME = "app";
export const XRAY_DAEMON_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.3.14";

/**
 * A value injected into the container as an environment variable at start: a Secrets Manager secret by
 * its full ARN (a bare name is read by ECS as an SSM parameter name, so the task never starts), optionally
 * one JSON key of it, or an SSM parameter by its ARN. The execution role may read exactly these.
 */
export type ServiceSecret =
  | {
      /** Environment variable the secret is injected as. */
      readonly name: string;
      /** Full ARN of a Secrets Manager secret of the task's region (with the six characters AWS appends). */
      readonly secretArn: string;
      /**
       * One key of the secret's JSON (`<arn>:<key>::`).
       * @default the whole secret string
       */
      readonly jsonKey?: string;
    }
  | {
      readonly name: string;
      /** ARN of an SSM parameter of the task's region. */
      readonly parameterArn: string;
    };

/** The task definition's `valueFrom` of a secret. */
export function valueFromOf(secret: ServiceSecret): string {
  if ("parameterArn" in secret) return secret.parameterArn;
  return secret.jsonKey ? `${secret.secretArn}:${secret.jsonKey}::` : secret.secretArn;
}

/** Refuses a literal that is not an ARN (tokens, resolved at apply time, are the caller's ARNs). */
function requireArn(secret: ServiceSecret): void {
  const value = "parameterArn" in secret ? secret.parameterArn : secret.secretArn;
  if (!Token.isUnresolved(value) && !/^arn:/.test(value)) {
    throw new Error(`Secret ${secret.name}: "${value}" is not an ARN; ECS reads a bare name as an SSM parameter, so pass the full ARN`);
  }
}

export interface FargateServiceProps {
  readonly provider: AwsProvider;
  readonly account: AccountContext;
  readonly region: AwsRegion;
  readonly clusterName: string;
  readonly serviceName: string;
  /** Log group of the containers. */
  readonly logGroupName: string;
  /** Names of the CPU and requests-per-target scaling policies. */
  readonly scalingPolicyNames: { readonly cpu: string; readonly requests: string };
  readonly taskRoleName: string;
  readonly executionRoleName: string;
  /**
   * ARN of the permissions boundary of the role(s) created here (iam.permissionsBoundaryArn).
   * @default no permissions boundary
   */
  readonly permissionsBoundaryArn?: string;
  readonly image: string;
  /**
   * ARN of the ECR repository the image comes from, when it is the project's own: the execution role may pull from it.
   * @default a public image: no registry permissions
   */
  readonly repositoryArn?: string;
  readonly cpu: number;
  readonly memory: number;
  readonly containerPort: number;
  readonly environment: Record<string, string>;
  readonly secrets: ServiceSecret[];
  readonly readOnlyRootFilesystem: boolean;
  readonly writablePaths: readonly string[];
  readonly xraySidecar: boolean;
  readonly logsKeyArn: string;
  readonly logRetentionDays: number;
  readonly privateSubnetIds: string[];
  readonly securityGroupId: string;
  readonly targetGroupArn: string;
  /** "<alb arn suffix>/<target group arn suffix>", for requests-per-target scaling. */
  readonly requestCountResourceLabel: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly cpuTargetPercent: number;
  readonly requestsPerTarget: number;
  /** Statements of the task role: what the application itself may do. */
  readonly taskPermissions: import("@cdktf/provider-aws/lib/data-aws-iam-policy-document").DataAwsIamPolicyDocumentStatement[];
  /** Keys the execution role decrypts secrets with (secrets key of the region). */
  readonly secretsKeyArn: string;
}

export class FargateService extends Construct {
  readonly cluster: EcsCluster;
  readonly taskDefinition: EcsTaskDefinition;
  readonly service: EcsService;
  readonly scalableTarget: AppautoscalingTarget;
  readonly logGroup: EncryptedLogGroup;

  constructor(scope: Construct, id: string, props: FargateServiceProps) {
    super(scope, id);
    const { provider, account, region } = props;

    this.cluster = new EcsCluster(this, "cluster", {
      provider,
      name: props.clusterName,
      setting: [{ name: "containerInsights", value: "enhanced" }],
    });
    this.logGroup = new EncryptedLogGroup(this, "log-group", {
      provider,
      logGroupName: props.logGroupName,
      kmsKeyArn: props.logsKeyArn,
      retentionDays: props.logRetentionDays,
    });

    props.secrets.forEach(requireArn);
    const unique = (values: string[]) => [...new Set(values)];
    const ssmArns = unique(props.secrets.flatMap((s) => ("parameterArn" in s ? [s.parameterArn] : [])));
    const secretArns = unique(props.secrets.flatMap((s) => ("secretArn" in s ? [s.secretArn] : [])));
    const executionRole = new BoundedRole(this, "execution-role", {
      provider,
      roleName: props.executionRoleName,
      description: `Pulls the image, writes logs and reads the secrets of ${props.serviceName} in ${region}`,
      assumedBy: "ecs-tasks.amazonaws.com",
      trustConditions: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] }],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        ...(props.repositoryArn
          ? [
              { sid: "PullImage", effect: "Allow", actions: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], resources: [props.repositoryArn] },
              // GetAuthorizationToken has no resource-level permissions.
              { sid: "RegistryLogin", effect: "Allow", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
            ]
          : []),
        { sid: "WriteLogs", effect: "Allow", actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [`${this.logGroup.arn}:*`] },
        ...(ssmArns.length > 0 ? [{ sid: "ReadParameters", effect: "Allow", actions: ["ssm:GetParameters"], resources: ssmArns }] : []),
        // Exactly the secrets the task definition names, by their full ARNs.
        ...(secretArns.length > 0 ? [SecretRef.readStatement(secretArns.map((arn) => new SecretRef(arn)), "ReadSecrets")] : []),
        new KeyRef(props.secretsKeyArn, region).viaServicesStatement({ sid: "DecryptSecrets", actions: ["kms:Decrypt"], services: ["secretsmanager", "ssm"] }),
      ],
    });
    const taskRole = new BoundedRole(this, "task-role", {
      provider,
      roleName: props.taskRoleName,
      description: `What ${props.serviceName} itself may do in ${region}`,
      assumedBy: "ecs-tasks.amazonaws.com",
      trustConditions: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [account.arns.ecsAny] },
      ],
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        ...props.taskPermissions,
        ...(props.xraySidecar
          ? [{ sid: "SendTraces", effect: "Allow", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] }]
          : []),
      ],
    });

    const volumes = props.readOnlyRootFilesystem ? props.writablePaths.map((path, i) => ({ name: `scratch-${i + 1}`, path })) : [];
    const logConfiguration = (prefix: string) => ({
      logDriver: "awslogs",
      options: { "awslogs-group": this.logGroup.logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": prefix },
    });
    const containers: Record<string, unknown>[] = [
      {
        name: APP_CONTAINER_NAME,
        image: props.image,
        essential: true,
        portMappings: [{ containerPort: props.containerPort, protocol: "tcp" }],
        environment: Object.entries(props.environment)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => ({ name, value })),
        secrets: props.secrets.map((s) => ({ name: s.name, valueFrom: valueFromOf(s) })),
        readonlyRootFilesystem: props.readOnlyRootFilesystem,
        mountPoints: volumes.map((v) => ({ sourceVolume: v.name, containerPath: v.path, readOnly: false })),
        linuxParameters: { initProcessEnabled: true },
        logConfiguration: logConfiguration(APP_CONTAINER_NAME),
      },
    ];
    if (props.xraySidecar) {
      containers.push({
        name: "xray-daemon",
        image: XRAY_DAEMON_IMAGE,
        essential: false,
        cpu: 32,
        memoryReservation: 64,
        portMappings: [{ containerPort: 2000, protocol: "udp" }],
        readonlyRootFilesystem: true,
        logConfiguration: logConfiguration("xray"),
      });
    }
    this.taskDefinition = new EcsTaskDefinition(this, "task-definition", {
      provider,
      family: props.serviceName,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(props.cpu),
      memory: String(props.memory),
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify(containers),
      volume: volumes.map((v) => ({ name: v.name })),
    });

    this.service = new EcsService(this, "service", {
      provider,
      name: props.serviceName,
      cluster: this.cluster.arn,
      taskDefinition: this.taskDefinition.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: props.minCapacity,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 60,
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [props.securityGroupId], assignPublicIp: false },
      loadBalancer: [{ targetGroupArn: props.targetGroupArn, containerName: APP_CONTAINER_NAME, containerPort: props.containerPort }],
      // Scaling (and the failover automation through the scalable target) owns the task count.
      lifecycle: { ignoreChanges: ["desired_count"] },
    });

    this.scalableTarget = new AppautoscalingTarget(this, "scalable-target", {
      provider,
      serviceNamespace: "ecs",
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      scalableDimension: "ecs:service:DesiredCount",
      minCapacity: props.minCapacity,
      maxCapacity: props.maxCapacity,
      dependsOn: [this.service],
    });
    const trackingPolicy = (name: "cpu" | "requests", metric: Record<string, string>, targetValue: number) =>
      new AppautoscalingPolicy(this, name, {
        provider,
        name: props.scalingPolicyNames[name],
        policyType: "TargetTrackingScaling",
        serviceNamespace: this.scalableTarget.serviceNamespace,
        resourceId: this.scalableTarget.resourceId,
        scalableDimension: this.scalableTarget.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          targetValue,
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
          predefinedMetricSpecification: metric as { predefinedMetricType: string; resourceLabel?: string },
        },
      });
    trackingPolicy("cpu", { predefinedMetricType: "ECSServiceAverageCPUUtilization" }, props.cpuTargetPercent);
    trackingPolicy(
      "requests",
      { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: props.requestCountResourceLabel },
      props.requestsPerTarget,
    );
  }

  /** ARN of the service, for the failover automation's scoped permissions. */
  get serviceArn(): string {
    return this.service.id;
  }
}
