/**
 * base-<region>: what a region needs before any data or application exists:
 * its keys, network, security groups, interface endpoints and runtime
 * parameters, and (in the DR region) the account's audit trail.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { planSubnets } from "../lib/subnet-plan";
import { otherRegion } from "../lib/config/model";
import { KEY_PURPOSES, KeyPurpose, catalogOf } from "../lib/catalog";
import { KeyPolicyUser, keyPolicyUsers, projectKeyUsers } from "../lib/key-users";
import { AccountContext } from "../constructs/security/account-context";
import { AlertTopic } from "../constructs/observability/alert-topic";
import { AuditTrail } from "../constructs/observability/audit-trail";
import { PagingForwarder } from "../constructs/observability/paging-forwarder";
import { LambdaCodeSigning } from "../constructs/security/lambda-code-signing";
import { InterfaceEndpoints } from "../constructs/network/interface-endpoints";
import { Network } from "../constructs/network/network";
import { RegionalKeys } from "../constructs/security/regional-keys";
import { RuntimeParameters } from "../constructs/app/runtime-parameters";
import { SecurityGroups } from "../constructs/network/security-groups";
import { DrStack, DrStackProps } from "./dr-stack";
import { regionCidr } from "./region-settings";

export class BaseStack extends DrStack {
  readonly account: AccountContext;
  readonly keys: RegionalKeys;
  readonly network: Network;
  readonly securityGroups: SecurityGroups;
  /** Absent when the configuration has no interface endpoints (the destroyable profile's default). */
  readonly endpoints?: InterfaceEndpoints;
  readonly parameters: RuntimeParameters;
  readonly alerts: AlertTopic;
  /** The region's Lambda code signing, which every function of the region deploys through. */
  readonly codeSigning: LambdaCodeSigning;
  readonly auditTrail?: AuditTrail;
  /** Present with alerts.pagingForwarder. */
  readonly pagingForwarder?: PagingForwarder;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, catalog } = this;
    const region = this.homeRegion;
    const peer = otherRegion(config, region);
    const boundary = config.iam.permissionsBoundaryArn;

    this.account = new AccountContext(this, "account", { provider: this.provider, catalog });
    const copyDestination = config.backup.crossAccountCopy.destinationVaultArns?.[region];
    const projectUsers = projectKeyUsers(catalog, catalogOf(config).region(peer), {
      canaries: config.canaries.enabled,
      reconciliation: config.reconciliation.enabled,
      pagingForwarder: config.alerts.pagingForwarder,
    });
    this.keys = new RegionalKeys(this, "keys", {
      provider: this.provider,
      account: this.account,
      region,
      aliases: catalog.keyAliases,
      deletionWindowDays: config.kms.deletionWindowDays,
      administratorArns: config.kms.administratorRoleArns,
      users: Object.fromEntries(
        KEY_PURPOSES.map((purpose) => [purpose, keyPolicyUsers(purpose, this.account.arns, config.iam, projectUsers[purpose])]),
      ) as Record<KeyPurpose, KeyPolicyUser[]>,
      eventBusArn: this.account.arns.eventBus(region),
      // The account of the vault that receives this region's cross-account copies (arn:<partition>:backup:<region>:<account>:...).
      backupCopyAccounts: copyDestination ? [copyDestination.split(":")[4]] : [],
      removal: this.removal,
    });
    const cidr = regionCidr(config, region);
    this.network = new Network(this, "network", {
      provider: this.provider,
      account: this.account,
      region,
      names: catalog,
      cidr,
      availabilityZones: config.network.availabilityZones,
      natGateways: config.network.natGateways,
      logsKeyArn: this.keys.key("logs").arn,
      logRetentionDays: config.retention.logDays,
      permissionsBoundaryArn: boundary,
      gatewayEndpointScope: {
        bucketNames: Object.values(catalog.buckets),
        tableNames: [...catalog.tableNames, catalog.controlTable, catalog.stateTable],
      },
    });
    const peerPlan = planSubnets(regionCidr(config, peer), config.network.availabilityZones);
    this.securityGroups = new SecurityGroups(this, "security-groups", {
      provider: this.provider,
      names: catalog,
      vpcId: this.network.vpc.id,
      vpcCidr: cidr,
      appPort: config.service.containerPort,
      databasePort: config.database.port,
      gatewayPrefixLists: { s3: this.network.gatewayEndpoints.s3.prefixListId, dynamodb: this.network.gatewayEndpoints.dynamodb.prefixListId },
      // The peer's subnets exactly as its network carves them (security groups cannot be referenced across regions).
      peerPrivateSubnetCidrs: config.network.crossRegionDatabaseAccess ? peerPlan.private : undefined,
      peerDatabaseSubnetCidrs: config.network.crossRegionDatabaseAccess ? peerPlan.isolated : undefined,
      interfaceEndpoints: config.network.interfaceEndpoints.length > 0,
    });
    if (this.securityGroups.endpoints) {
      this.endpoints = new InterfaceEndpoints(this, "endpoints", {
        provider: this.provider,
        region,
        vpcId: this.network.vpc.id,
        subnetIds: this.network.privateSubnetIds,
        securityGroupId: this.securityGroups.endpoints.id,
        services: config.network.interfaceEndpoints,
        names: catalog,
        accountId: this.account.accountId,
      });
    }
    this.alerts = new AlertTopic(this, "alerts", {
      provider: this.provider,
      account: this.account,
      topicName: catalog.alertTopic,
      kmsKeyArn: this.keys.key("messaging").arn,
      emails: config.alerts.emails,
      httpsEndpoints: config.alerts.httpsEndpoints,
    });
    this.codeSigning = new LambdaCodeSigning(this, "code-signing", {
      provider: this.provider,
      bucketName: catalog.lambdaArtifactBucket,
      profileNamePrefix: catalog.signingProfilePrefix,
      kmsKeyArn: this.keys.key("data").arn,
      // Bundles are deployment artifacts, kept as long as the state that deployed them.
      noncurrentVersionExpirationDays: config.retention.stateVersionDays,
      removal: this.removal,
    });
    if (config.alerts.pagingForwarder) {
      this.pagingForwarder = new PagingForwarder(this, "paging", {
        provider: this.provider,
        codeSigning: this.codeSigning,
        account: this.account,
        region,
        names: catalog,
        environment: config.environment,
        topicArn: this.alerts.arn,
        secretsKeyArn: this.keys.key("secrets").arn,
        messagingKeyArn: this.keys.key("messaging").arn,
        logsKeyArn: this.keys.key("logs").arn,
        logRetentionDays: config.retention.logDays,
        runtime: config.failover.lambdaRuntime,
        breakGlassRoleArns: config.iam.breakGlassRoleArns,
        permissionsBoundaryArn: boundary,
        removal: this.removal,
      });
    }
    this.parameters = new RuntimeParameters(this, "parameters", {
      provider: this.provider,
      names: catalog,
      secretsKeyArn: this.keys.key("secrets").arn,
      parameters: {
        "active-region": { value: config.regions.active, description: "Region that holds the database writer now" },
        "region-role": { value: catalog.role, description: `Role of ${region}: active or standby` },
        "peer-region": { value: peer, description: "The other region of the pair" },
        "service-domain": { value: catalog.globalHost, description: "Name the service answers at" },
        "vpc-id": { value: this.network.vpc.id, description: `VPC of ${region}` },
        "private-subnet-ids": { value: Fn.join(",", this.network.privateSubnetIds), description: "Private subnets, comma-separated" },
        // The application connects with IAM database authentication as this user; the master secret is break-glass only.
        "database-user": { value: config.database.applicationUser, description: "Database user the application connects as (IAM database authentication)" },
      },
    });
    if (region === config.regions.secondary && config.audit.cloudTrail) {
      this.auditTrail = new AuditTrail(this, "audit-trail", {
        provider: this.provider,
        account: this.account,
        region,
        names: catalog,
        logsKeyArn: this.keys.key("logs").arn,
        logRetentionDays: config.retention.logDays,
        keyDeletionWindowDays: config.kms.deletionWindowDays,
        noncurrentVersionDays: config.retention.stateVersionDays,
        permissionsBoundaryArn: boundary,
        removal: this.removal,
        keyAdministratorArns: config.kms.administratorRoleArns,
        deployRoleArns: config.iam.deployRoleArns,
        readerRoleArns: config.iam.operatorRoleArns,
        dataEvents: config.audit.dataEvents === "none" ? undefined : { scope: config.audit.dataEvents, ...this.auditedData() },
        objectLock: config.audit.objectLock.enabled
          ? { mode: config.audit.objectLock.mode === "compliance" ? "COMPLIANCE" : "GOVERNANCE", days: config.audit.objectLock.retentionDays }
          : undefined,
      });
    }
  }

  /** The project's own data, in both regions: the tables (application, control, failover state) and the data and state buckets. */
  private auditedData(): { tableArns: string[]; bucketArns: string[] } {
    const { config } = this;
    const regions = [config.regions.primary, config.regions.secondary];
    const names = catalogOf(config);
    const tables = [...this.catalog.tableNames, this.catalog.controlTable, this.catalog.stateTable];
    return {
      tableArns: regions.flatMap((r) => tables.map((t) => this.account.arns.table(t, r))),
      bucketArns: regions.flatMap((r) => [
        ...Object.values(names.region(r).buckets),
        // Who uploaded or signed which function code.
        names.region(r).lambdaArtifactBucket,
        ...(config.backend.type === "s3" ? [names.stateStore(r).bucket] : []),
      ]).map((b) => this.account.arns.bucket(b)),
    };
  }
}
