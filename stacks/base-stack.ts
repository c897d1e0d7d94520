/**
 * base-<region>: what a region needs before any data or application exists:
 * its keys, network, security groups, interface endpoints and runtime
 * parameters, and (in the DR region) the account's audit trail.
 */
import { Construct } from "constructs";
import { Fn } from "cdktf";
import { planSubnets } from "../lib/subnet-plan";
import { otherRegion } from "../lib/config/model";
import { AccountContext } from "../constructs/security/account-context";
import { AlertTopic } from "../constructs/observability/alert-topic";
import { AuditTrail } from "../constructs/observability/audit-trail";
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
  readonly auditTrail?: AuditTrail;

  constructor(scope: Construct, props: DrStackProps) {
    super(scope, props);
    const { config, catalog } = this;
    const region = this.homeRegion;
    const peer = otherRegion(config, region);
    const boundary = config.iam.permissionsBoundaryArn;

    this.account = new AccountContext(this, "account", { provider: this.provider, catalog });
    this.keys = new RegionalKeys(this, "keys", {
      provider: this.provider,
      account: this.account,
      region,
      aliases: catalog.keyAliases,
      deletionWindowDays: config.kms.deletionWindowDays,
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
        "database-secret-name": { value: catalog.databaseSecret, description: "Secrets Manager secret with the database master credentials" },
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
      });
    }
  }
}
