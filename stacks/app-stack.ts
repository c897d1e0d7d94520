/**
 * app-<region>: the application tier and traffic entry of one region: the
 * container registry, the certificate, the load balancer (and WAF), the
 * Fargate service sized by the region's role, the region's traffic gate (rules
 * of its load balancer) and its regional record, the application event bus
 * (and, in the primary region, the EventBridge global endpoint over both
 * buses), and the canaries.
 */
import { LOG_OBJECT_PREFIX } from "../lambda/transaction-processor/log-object";
import { Construct } from "constructs";
import { AccountContext } from "../constructs/security/account-context";
import { Canaries } from "../constructs/observability/canaries";
import { Certificate } from "../constructs/traffic/certificate";
import { ContainerRegistry } from "../constructs/app/container-registry";
import { EventBus } from "../constructs/app/event-bus";
import { HostedZoneLookup } from "../constructs/traffic/hosted-zone";
import { BucketRef, KeyRef, TableRef } from "../constructs/security/grants";
import { DatabaseUserGrant } from "../constructs/security/database-user";
import { clientRegistryJson } from "../lib/config/validate";
import { FargateService } from "../constructs/app/fargate-service";
import { EventGlobalEndpoint } from "../constructs/traffic/event-global-endpoint";
import { RegionalRecord } from "../constructs/traffic/regional-record";
import { TrafficGate } from "../constructs/traffic/traffic-gate";
import { KeyLookup } from "../constructs/security/key-lookup";
import { LoadBalancer } from "../constructs/traffic/load-balancer";
import { TransactionEndpoint } from "../constructs/app/transaction-endpoint";
import { WebAcl } from "../constructs/traffic/web-acl";
import { targetGroupHealthCheck } from "../lib/timings";
import { BaseStack } from "./base-stack";
import { DrStack, DrStackProps } from "./dr-stack";
import { createsHostedZone } from "./layout";

export interface AppStackProps extends DrStackProps {
  /** The same region's base stack. */
  readonly base: BaseStack;
}

export class AppStack extends DrStack {
  readonly registry: ContainerRegistry;
  readonly loadBalancer: LoadBalancer;
  readonly service: FargateService;
  readonly eventBus: EventBus;
  readonly gate: TrafficGate;
  readonly regionalRecord: RegionalRecord;
  readonly globalEndpoint?: EventGlobalEndpoint;
  readonly canaries?: Canaries;
  readonly webAcl?: WebAcl;
  readonly transactions: TransactionEndpoint;

  constructor(scope: Construct, props: AppStackProps) {
    super(scope, props);
    const { config, catalog, removal } = this;
    const { base } = props;
    const region = this.homeRegion;
    const peer = catalog.peerRegion;
    const role = catalog.role;
    const account = new AccountContext(this, "account", { provider: this.provider, catalog });
    const keys = new KeyLookup(this, "keys", { provider: this.provider, aliases: catalog.keyAliases });

    this.registry = new ContainerRegistry(this, "registry", {
      provider: this.provider,
      repositoryName: catalog.repository,
      kmsKeyArn: keys.arn("data"),
      replicateTo: config.service.ecrReplication ? { region: peer, accountId: account.accountId } : undefined,
      removal,
    });

    // The DR region reads the zone's id from the parameter the zone stack published there, not from Route 53's
    // control plane (us-east-1): this stack plans and applies with the primary region gone.
    const zone = new HostedZoneLookup(this, "zone-lookup", {
      provider: this.provider,
      domainName: config.dns.domainName,
      zoneId: config.dns.hostedZoneId,
      zoneIdParameter: region === config.regions.secondary && createsHostedZone(config) ? catalog.published.hostedZoneId : undefined,
    });
    const certificate = new Certificate(this, "certificate", {
      provider: this.provider,
      domainName: catalog.globalHost,
      alternativeNames: [catalog.regionalHost],
      hostedZoneId: zone.zoneId,
    });

    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      provider: this.provider,
      account,
      region,
      loadBalancerName: catalog.loadBalancer,
      targetGroupName: catalog.targetGroup,
      logBucketName: catalog.loadBalancerLogBucket,
      vpcId: base.network.vpc.id,
      publicSubnetIds: base.network.publicSubnetIds,
      securityGroupId: base.securityGroups.loadBalancer.id,
      certificateArn: certificate.validation.certificateArn,
      appPort: config.service.containerPort,
      targetProtocol: config.service.targetProtocol,
      tlsPolicy: config.loadBalancer.tlsPolicy,
      healthCheckPath: config.service.healthCheckPath,
      healthCheck: targetGroupHealthCheck(config.targets.rtoSeconds),
      logRetentionDays: config.retention.logDays,
      // The region's access-log bucket (data stack, applied before this one).
      accessLogBucket: catalog.accessLogBucket,
      removal,
    });
    this.gate = new TrafficGate(this, "traffic-gate", {
      provider: this.provider,
      listenerArn: this.loadBalancer.httpsListener.arn,
      targetGroupArn: this.loadBalancer.targetGroup.arn,
      healthCheckPath: config.service.healthCheckPath,
      initiallyOpen: role === "active",
    });
    this.regionalRecord = new RegionalRecord(this, "regional-record", {
      provider: this.provider,
      hostedZoneId: zone.zoneId,
      name: catalog.regionalHost,
      loadBalancerDnsName: this.loadBalancer.loadBalancer.dnsName,
      loadBalancerZoneId: this.loadBalancer.loadBalancer.zoneId,
    });
    if (config.waf.enabled) {
      this.webAcl = new WebAcl(this, "waf", {
        provider: this.provider,
        webAclName: catalog.webAcl,
        loadBalancerArn: this.loadBalancer.loadBalancer.arn,
        rateLimitPer5Minutes: config.waf.rateLimitPer5Minutes,
        logGroupName: catalog.webAclLogGroup,
        logsKeyArn: keys.arn("logs"),
        logRetentionDays: config.retention.logDays,
      });
    }

    const parameterArn = (name: string) => account.arns.parameter(name);
    // The application's database user, by IAM authentication: no stored password, and never the master credentials.
    const databaseUser = new DatabaseUserGrant(this, "database-user", {
      provider: this.provider,
      account,
      region,
      clusterIdentifier: catalog.clusterId,
      peerRegion: config.network.crossRegionDatabaseAccess ? peer : undefined,
      user: config.database.applicationUser,
    });
    const tables = catalog.tableNames.map((name) => new TableRef(name, account.arns.table(name)));
    const bucket = (name: string) => new BucketRef(name, account.arns.bucket(name));
    const capacity = config.service.capacity[role];
    this.service = new FargateService(this, "service", {
      provider: this.provider,
      account,
      region,
      clusterName: catalog.ecsCluster,
      serviceName: catalog.ecsService,
      logGroupName: catalog.serviceLogGroup,
      scalingPolicyNames: catalog.scalingPolicies,
      taskRoleName: catalog.taskRole,
      executionRoleName: catalog.executionRole,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      // Pinned by digest in the region's own repository, or by tag there (the destroyable profile), or service.image
      // (lib/config/validate.ts imageProblems: the protected profile runs only ECR images pinned by digest).
      image: config.service.imageDigest
        ? this.registry.imageUriByDigest(config.service.imageDigest)
        : config.service.imageTag
          ? this.registry.imageUri(config.service.imageTag)
          : config.service.image,
      repositoryArn: config.service.imageDigest || config.service.imageTag ? this.registry.repository.arn : undefined,
      cpu: config.service.cpu,
      memory: config.service.memory,
      containerPort: config.service.containerPort,
      environment: {
        ...config.service.environment,
        // IAM database authentication: the application signs a token with its task role (RDS Signer) for this user.
        DATABASE_USER: config.database.applicationUser,
        DATABASE_AUTH: "iam",
        DATABASE_NAME: config.database.databaseName,
        DATABASE_PORT: String(config.database.port),
      },
      secrets: [
        { name: "DATABASE_WRITER_ENDPOINT", parameterArn: parameterArn("database-writer-endpoint") },
        { name: "TXMETA_TABLE", parameterArn: parameterArn("txmeta-table") },
        { name: "TXLOGS_BUCKET", parameterArn: parameterArn("txlogs-bucket") },
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
      // What the application itself may do: its tables and buckets, its parameters, and their keys through their services.
      taskPermissions: [
        TableRef.statement(tables, {
          sid: "TransactionTables",
          actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"],
        }),
        BucketRef.objectsStatement([bucket(catalog.buckets.appdata)], { sid: "ApplicationDataObjects", actions: ["s3:GetObject", "s3:PutObject"] }),
        // Transaction logs only: the reconciliation's reports (reconciliation/) are not the application's to read or write.
        BucketRef.objectsStatement([bucket(catalog.buckets.txlogs)], { sid: "TransactionLogObjects", actions: ["s3:GetObject", "s3:PutObject"], prefix: LOG_OBJECT_PREFIX }),
        { sid: "RuntimeParameters", effect: "Allow", actions: ["ssm:GetParameter", "ssm:GetParameters"], resources: [parameterArn("*")] },
        // The database as its own least-privilege user (IAM authentication), never with the master credentials.
        databaseUser.statement,
        // The runtime parameters are SecureStrings of the secrets key (GetParameter with WithDecryption).
        new KeyRef(keys.arn("secrets"), region).viaServicesStatement({ sid: "DecryptRuntimeParameters", actions: ["kms:Decrypt"], services: ["ssm"] }),
        new KeyRef(keys.arn("data"), region).viaServicesStatement({
          sid: "DataKeyThroughServices",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          services: ["dynamodb", "s3"],
        }),
      ],
    });

    this.transactions = new TransactionEndpoint(this, "transactions", {
      provider: this.provider,
      codeSigning: base.codeSigning,
      account,
      region,
      functionName: catalog.functions.transactionProcessor,
      roleName: catalog.functionRoles.transactionProcessor,
      targetGroupName: catalog.transactionTargetGroup,
      permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      runtime: config.failover.lambdaRuntime,
      environment: {
        environment: config.environment,
        tableName: catalog.tables.txmeta,
        bucketName: catalog.buckets.txlogs,
        controlTableName: catalog.controlTable,
        fenceCacheSeconds: config.transactionApi.fenceCacheSeconds,
        staleHeartbeatSeconds: config.failover.staleHeartbeatSeconds,
        tokenIssuer: config.transactionApi.authentication?.issuer,
        clientIdClaim: config.transactionApi.authentication?.clientIdClaim ?? "client_id",
        clientRegistry: clientRegistryJson(config),
      },
      tokenValidation: config.transactionApi.authentication,
      reservedConcurrency: config.transactionApi.reservedConcurrency,
      controlTable: new TableRef(catalog.controlTable, account.arns.table(catalog.controlTable)),
      table: new TableRef(catalog.tables.txmeta, account.arns.table(catalog.tables.txmeta)),
      bucket: bucket(catalog.buckets.txlogs),
      dataKey: new KeyRef(keys.arn("data"), region),
      logsKeyArn: keys.arn("logs"),
      environmentKeyArn: keys.arn("secrets"),
      logRetentionDays: config.retention.logDays,
      logGroupName: catalog.functionLogGroups.transactionProcessor,
      privateSubnetIds: base.network.privateSubnetIds,
      securityGroupId: base.securityGroups.transactions.id,
      httpsListenerArn: this.loadBalancer.httpsListener.arn,
    });

    this.eventBus = new EventBus(this, "events", { provider: this.provider, busName: catalog.eventBus, kmsKeyArn: keys.arn("messaging") });

    if (config.events.globalEndpoint && region === config.regions.primary) {
      this.globalEndpoint = new EventGlobalEndpoint(this, "event-global-endpoint", {
        provider: this.provider,
        account,
        endpointName: catalog.globalEndpoint,
        primaryRegion: config.regions.primary,
        secondaryRegion: config.regions.secondary,
        gateHost: catalog.regionalHost,
        healthCheckName: catalog.healthCheck("events", region),
        checkerRegions: config.dns.healthCheckRegions,
        roleName: catalog.eventReplicationRole,
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
      });
    }

    if (config.canaries.enabled) {
      this.canaries = new Canaries(this, "canaries", {
        provider: this.provider,
        account,
        region,
        targets: catalog.canaryLabels.map((label) => ({
          label,
          canaryName: catalog.canaries[label].canary,
          alarmName: catalog.canaries[label].alarm,
          url: catalog.canaries[label].url,
        })),
        artifactBucketName: catalog.canaryBucket,
        roleName: catalog.canaryRole,
        permissionsBoundaryArn: config.iam.permissionsBoundaryArn,
        dataKeyArn: keys.arn("data"),
        runtimeVersion: config.canaries.runtimeVersion,
        intervalMinutes: config.canaries.intervalMinutes,
        alertTopicArn: base.alerts.arn,
        artifactRetentionDays: 31,
        accessLogBucket: catalog.accessLogBucket,
        removal,
      });
    }
  }
}
