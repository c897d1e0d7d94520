/**
 * Where each stack keeps its state. Every stack's state lives in its state
 * region (its home region, or the DR region for stacks that span both), so
 * that a region can plan and apply while the other one is gone.
 */
import * as path from "path";
import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from "cdktf";
import { AwsRegion } from "../lib/aws-regions";
import { catalogOf } from "../lib/catalog";
import { DrConfig } from "../lib/config/model";
import { stackIds } from "./layout";

/** KMS alias of the state key; aliases are regional, so each region's alias names its own key. */
export function stateKeyAlias(config: DrConfig): string {
  return catalogOf(config).stateStore(config.regions.primary).keyAlias;
}

/** Names of the S3 backend's pieces in one region, shared with the bootstrap stack that creates them. */
export function s3StateNames(config: DrConfig, region: AwsRegion) {
  return catalogOf(config).stateStore(region);
}

/** Object key of a stack's state: one per environment and stack. */
export function stateObjectKey(config: DrConfig, stackId: string): string {
  return `${config.environment}/${stackId}/terraform.tfstate`;
}

/**
 * Local state file, relative to the directory Terraform runs in
 * (cdktf.out/stacks/<stack>), so the output holds no machine-specific path.
 */
export function localStatePath(config: DrConfig, stackId: string): string {
  const directory = config.backend.type === "local" ? config.backend.directory : "terraform-state";
  return path.posix.join("..", "..", "..", directory, config.environment, `${stackId}.tfstate`);
}

export function cloudWorkspaceName(config: DrConfig, stackId: string): string {
  if (config.backend.type !== "cloud") throw new Error("cloudWorkspaceName needs the cloud backend");
  return `${config.backend.workspacePrefix}-${stackId}`;
}

/**
 * A string that identifies where a stack's state lives, in the same terms a
 * `terraform_remote_state` block uses; the layout check matches reads to stacks by it.
 */
export function stateLocation(config: DrConfig, stackId: string, stateRegion: AwsRegion): string {
  if (stackId === stackIds.bootstrap || config.backend.type === "local") {
    return `local:${localStatePath(config, stackId)}`;
  }
  if (config.backend.type === "cloud") return `cloud:${config.backend.organization}/${cloudWorkspaceName(config, stackId)}`;
  return `s3:${s3StateNames(config, stateRegion).bucket}/${stateObjectKey(config, stackId)}`;
}

export function configureBackend(
  stack: TerraformStack,
  config: DrConfig,
  stackId: string,
  stateRegion: AwsRegion,
): void {
  // The bootstrap stack creates the state buckets, so its own state cannot live in them.
  if (stackId === stackIds.bootstrap || config.backend.type === "local") {
    new LocalBackend(stack, { path: localStatePath(config, stackId) });
    return;
  }
  const backend = config.backend;
  if (backend.type === "cloud") {
    new CloudBackend(stack, {
      organization: backend.organization,
      hostname: backend.hostname,
      workspaces: new NamedCloudWorkspace(cloudWorkspaceName(config, stackId)),
    });
    return;
  }
  const names = s3StateNames(config, stateRegion);
  const s3 = new S3Backend(stack, {
    bucket: names.bucket,
    key: stateObjectKey(config, stackId),
    region: stateRegion,
    encrypt: true,
    kmsKeyId: names.keyAlias,
    dynamodbTable: backend.locking === "lockfile" ? undefined : names.lockTable,
  });
  if (backend.locking !== "dynamodb") s3.addOverride("use_lockfile", true);
}
