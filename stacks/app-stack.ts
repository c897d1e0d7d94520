/**
 * app-<region>: the application tier and traffic entry of one region: the
 * container registry, the certificate, the load balancer (and WAF), the
 * Fargate service sized by the region's role, the application event bus, the
 * canaries, and the traffic gate of the OTHER region (readable here when that
 * region is lost).
 */
import { Construct } from "constructs";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { AccountContext } from "../constructs/security/account-context";
import { Canaries } from "../constructs/observability/canaries";
import { Certificate } from "../constructs/traffic/certificate";
import { ContainerRegistry } from "../constructs/app/container-registry";
import { FargateService } from "../constructs/app/fargate-service";
import { GateAlarm } from "../constructs/traffic/gate-alarm";
import { KeyLookup } from "../constructs/security/key-lookup";
import { LoadBalancer } from "../constructs/traffic/load-balancer";
import { TransactionEndpoint } from "../constructs/app/transaction-endpoint";
import { WebAcl } from "../constructs/traffic/web-acl";
import { otherRegion, roleOf } from "../lib/config/model";
import { globalHealthUrl, globalHost, regionalHealthUrl, regionalHost } from "../lib/endpoints";
import { targetGroupHealthCheck } from "../lib/timings";
import { BaseStack } from "./base-stack";
import { GLOBAL_TABLES } from "./data-stack";
import { DrStack, DrStackProps } from "./dr-stack";

export interface AppStackProps extends DrStackProps {
  /** The same region's base stack. */
  readonly base: BaseStack;
}

export class AppStack extends DrStack {
  readonly registry: ContainerRegistry;
  readonly loadBalancer: LoadBalancer;
  readonly service: FargateService;
  readonly eventBus: CloudwatchEventBus;
  readonly gateOfOtherRegion: GateAlarm;
  readonly canaries?: Canaries;
  readonly webAcl?: WebAcl;
  readonly transactions: TransactionEndpoint;

  constructor(scope: Construct, props: AppStackProps) {
    super(scope, props);
    const { config, naming } = this;
    const { base } = props;
    const region = this.homeRegion;
    const peer = otherRegion(config, region);
    const role = roleOf(config, region);
    const protectedProfile = config.destroyProfile === "protected";
    const account = new AccountContext(this, "account", { provider: this.provider });
    const keys = new KeyLookup(this, "keys", { provider: this.provider, naming });

    this.registry = new ContainerRegistry(this, "registry", {
      provider: this.provider,
      repositoryName: naming.name("ecrRepository", "app"),
      kmsKeyArn: keys.arn("data"),
      replicateTo: config.service.ecrReplication ? { region: peer, accountId: account.accountId } : undefined,
      forceDelete: !protectedProfile,
      preventDestroy: protectedProfile,
    });

    const hostedZoneId =
      config.dns.hostedZoneId ??
      new DataAwsRoute53Zone(this, "zone", { provider: this.provider, name: config.dns.domainName, privateZone: false }).zoneId;
    const certificate = new Certificate(this, "certificate", {
      provider: this.provider,
      domainName: globalHost(config),
      alternativeNames: [regionalHost(config, region)],
      hostedZoneId,
    });

    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      provider: this.provider,
      account,
      region,
      loadBalancerName: naming.name("loadBalancer", "app"),
      targetGroupName: naming.name("targetGroup", "app"),
      logBucketName: naming.name("s3Bucket", "alblogs", region),
      vpcId: base.network.vpc.id,
      publicSubnetIds: base.network.publicSubnetIds,
      securityGroupId: base.securityGroups.loadBalancer.id,
      certificateArn: certificate.validation.certificateArn,
      appPort: config.service.containerPort,
      healthCheckPath: config.service.healthCheckPath,
      healthCheck: targetGroupHealthCheck(config.targets.rtoSeconds),
      logRetentionDays: config.retention.logDays,
      // The region's access-log bucket (data stack, applied before this one).
      accessLogBucket: naming.name("s3Bucket", "s3logs", region),
      protect: protectedProfile,
    });
    if (config.waf.enabled) {
      this.webAcl = new WebAcl(this, "waf", {
        provider: this.provider,
        webAclName: naming.name("wafWebAcl", "app"),
        loadBalancerArn: this.loadBalancer.loadBalancer.arn,
        rateLimitPer5Minutes: config.waf.rateLimitPer5Minutes,
        logGroupName: `aws-waf-logs-${config.project}-${config.suffix}`,
        logsKeyArn: keys.arn("logs"),
        logRetentionDays: config.retention.logDays,
      });
    }

    const parameterArn = (name: string) => `arn:${account.partition}:ssm:${region}:${account.accountId}:parameter${naming.parameter(name)}`;
    const tableArns = GLOBAL_TABLES.map(
      (t) => `arn:${account.partition}:dynamodb:${region}:${account.accountId}:table/${naming.name("dynamodbTable", t.purpose)}`,
    );
    const bucketArns = ["appdata", "txlogs"].map((p) => `arn:${account.partition}:s3:::${naming.name("s3Bucket", p as "appdata", region)}`);
    const capacity = config.service.capacity[role];
    this.service = new FargateService(this, "service", {
      provider: this.provider,
      account,
      region,
      clusterName: naming.name("ecs", "app"),
      serviceName: naming.name("ecs", "app"),
      scalingPolicyNames: { cpu: naming.name("generic", "app-cpu"), requests: naming.name("generic", "app-requests") },
      taskRoleName: naming.name("iamRole", "ecs-task", region),
      executionRoleName: naming.name("iamRole", "ecs-exec", region),
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      image: config.service.imageTag ? this.registry.imageUri(config.service.imageTag) : config.service.image,
      repositoryArn: config.service.imageTag ? this.registry.repository.arn : undefined,
      cpu: config.service.cpu,
      memory: config.service.memory,
      containerPort: config.service.containerPort,
      environment: config.service.environment,
      secrets: [
        { name: "DATABASE_CREDENTIALS", valueFrom: naming.name("secret", "db-master") },
        { name: "DATABASE_WRITER_ENDPOINT", valueFrom: parameterArn("database-writer-endpoint") },
        { name: "TXMETA_TABLE", valueFrom: parameterArn("txmeta-table") },
        { name: "TXLOGS_BUCKET", valueFrom: parameterArn("txlogs-bucket") },
      ],
      readOnlyRootFilesystem: config.service.readOnlyRootFilesystem,
      writablePaths: config.service.writablePaths,
      xraySidecar: config.service.xraySidecar,
      logsKeyArn: keys.arn("logs"),
      logRetentionDays: config.retention.logDays,
      privateSubnetIds: base.network.privateSubnetIds,
      securityGroupId: base.securityGroups.tasks.id,
      targetGroupArn: this.loadBalancer.targetGroup.arn,
      requestCountResourceLabel: `${this.loadBalancer.loadBalancer.arnSuffix}/${this.loadBalancer.targetGroup.arnSuffix}`,
      minCapacity: capacity.min,
      maxCapacity: capacity.max,
      cpuTargetPercent: config.service.cpuTargetPercent,
      requestsPerTarget: config.service.requestsPerTarget,
      secretsKeyArn: keys.arn("secrets"),
      taskPermissions: [
        {
          sid: "TransactionTables",
          effect: "Allow",
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"],
          resources: tableArns,
        },
        { sid: "TransactionObjects", effect: "Allow", actions: ["s3:GetObject", "s3:PutObject"], resources: bucketArns.map((b) => `${b}/*`) },
        { sid: "RuntimeParameters", effect: "Allow", actions: ["ssm:GetParameter", "ssm:GetParameters"], resources: [parameterArn("*")] },
        {
          // The runtime parameters are SecureStrings of the secrets key (GetParameter with WithDecryption).
          sid: "DecryptRuntimeParameters",
          effect: "Allow",
          actions: ["kms:Decrypt"],
          resources: [keys.arn("secrets")],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`ssm.${region}.amazonaws.com`] }],
        },
        {
          sid: "DataKeyThroughServices",
          effect: "Allow",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: [keys.arn("data")],
          condition: [{ test: "StringEquals", variable: "kms:ViaService", values: [`dynamodb.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`] }],
        },
      ],
    });

    this.transactions = new TransactionEndpoint(this, "transactions", {
      provider: this.provider,
      account,
      region,
      functionName: naming.name("lambdaFunction", "transaction-processor"),
      roleName: naming.name("iamRole", "transaction-processor", region),
      targetGroupName: naming.name("targetGroup", "tx"),
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      runtime: config.failover.lambdaRuntime,
      environmentName: config.environment,
      tableName: naming.name("dynamodbTable", "txmeta"),
      bucketName: naming.name("s3Bucket", "txlogs", region),
      dataKeyArn: keys.arn("data"),
      logsKeyArn: keys.arn("logs"),
      environmentKeyArn: keys.arn("secrets"),
      logRetentionDays: config.retention.logDays,
      logGroupName: `/aws/lambda/${naming.name("lambdaFunction", "transaction-processor")}`,
      privateSubnetIds: base.network.privateSubnetIds,
      securityGroupId: base.securityGroups.tasks.id,
      httpsListenerArn: this.loadBalancer.httpsListener.arn,
    });

    this.eventBus = new CloudwatchEventBus(this, "event-bus", {
      provider: this.provider,
      name: naming.name("eventBus", "events"),
      description: "Application events; with the global endpoint, events are replicated to the other region's bus of the same name",
      kmsKeyIdentifier: keys.arn("messaging"),
    });

    this.gateOfOtherRegion = new GateAlarm(this, "gate-of-other-region", {
      provider: this.provider,
      alarmName: naming.name("gateAlarm", "gate", peer),
      environment: config.environment,
      gatedRegion: peer,
    });

    if (config.canaries.enabled) {
      const { primary, secondary } = config.regions;
      this.canaries = new Canaries(this, "canaries", {
        provider: this.provider,
        account,
        region,
        targets: [
          { label: "pri", canaryName: naming.name("canary", "pri"), alarmName: naming.name("alarm", "canary-pri"), url: regionalHealthUrl(config, primary) },
          { label: "sec", canaryName: naming.name("canary", "sec"), alarmName: naming.name("alarm", "canary-sec"), url: regionalHealthUrl(config, secondary) },
          { label: "gbl", canaryName: naming.name("canary", "gbl"), alarmName: naming.name("alarm", "canary-gbl"), url: globalHealthUrl(config) },
        ],
        artifactBucketName: naming.name("s3Bucket", "canary", region),
        roleName: naming.name("iamRole", "canary", region),
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
        dataKeyArn: keys.arn("data"),
        runtimeVersion: config.canaries.runtimeVersion,
        intervalMinutes: config.canaries.intervalMinutes,
        alertTopicArn: base.alerts.arn,
        artifactRetentionDays: 31,
        accessLogBucket: naming.name("s3Bucket", "s3logs", region),
        destroyable: !protectedProfile,
      });
    }
  }
}
