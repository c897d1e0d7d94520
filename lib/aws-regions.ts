/**
 * AWS regions this project can deploy to, with their partition.
 *
 * A fixed list rather than a pattern: a typo such as "us-east-3" must fail at
 * validation, not at `terraform apply`. Source: AWS General Reference, "AWS
 * Regions and Availability Zones" (regions enabled by default and opt-in).
 */
export const AWS_REGIONS = {
  "us-east-1": "aws",
  "us-east-2": "aws",
  "us-west-1": "aws",
  "us-west-2": "aws",
  "af-south-1": "aws",
  "ap-east-1": "aws",
  "ap-east-2": "aws",
  "ap-south-1": "aws",
  "ap-south-2": "aws",
  "ap-southeast-1": "aws",
  "ap-southeast-2": "aws",
  "ap-southeast-3": "aws",
  "ap-southeast-4": "aws",
  "ap-southeast-5": "aws",
  "ap-southeast-6": "aws",
  "ap-southeast-7": "aws",
  "ap-northeast-1": "aws",
  "ap-northeast-2": "aws",
  "ap-northeast-3": "aws",
  "ca-central-1": "aws",
  "ca-west-1": "aws",
  "eu-central-1": "aws",
  "eu-central-2": "aws",
  "eu-west-1": "aws",
  "eu-west-2": "aws",
  "eu-west-3": "aws",
  "eu-south-1": "aws",
  "eu-south-2": "aws",
  "eu-north-1": "aws",
  "il-central-1": "aws",
  "me-south-1": "aws",
  "me-central-1": "aws",
  "mx-central-1": "aws",
  "sa-east-1": "aws",
  "us-gov-east-1": "aws-us-gov",
  "us-gov-west-1": "aws-us-gov",
} as const;

export type AwsRegion = keyof typeof AWS_REGIONS;
export type AwsPartition = (typeof AWS_REGIONS)[AwsRegion];

export const AWS_REGION_NAMES = Object.keys(AWS_REGIONS) as AwsRegion[];

export function isAwsRegion(value: unknown): value is AwsRegion {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(AWS_REGIONS, value);
}

export function partitionOf(region: AwsRegion): AwsPartition {
  return AWS_REGIONS[region];
}

const DIRECTION_CODES: Record<string, string> = {
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  central: "c",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};

/**
 * Short, unique code for a region ("us-east-1" -> "use1", "ap-southeast-2" ->
 * "apse2", "us-gov-west-1" -> "usgw1"), used in names that live in a global
 * namespace (S3 buckets, IAM roles) where both regions' copies must differ.
 */
export function regionCode(region: AwsRegion): string {
  const parts = region.split("-");
  const geo = parts[0];
  const number = parts[parts.length - 1];
  const middle = parts.slice(1, -1).map((word) => {
    if (word === "gov") return "g";
    const code = DIRECTION_CODES[word];
    if (!code) throw new Error(`No short code for the region word "${word}" in ${region}`);
    return code;
  });
  return `${geo}${middle.join("")}${number}`;
}
