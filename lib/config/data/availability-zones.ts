/**
 * Availability zones an account can use in each region this project deploys to, so that asking
 * for more zones than a region has fails at synthesis instead of at plan time.
 *
 * Source: AWS Global Infrastructure, Regions and Availability Zones
 * (https://aws.amazon.com/about-aws/global-infrastructure/regions_az/) and the EC2 user guide,
 * "Regions and Zones" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html),
 * checked 2026-11-29. Where a region has a zone that new accounts cannot use (us-west-1 has two
 * zones open to new accounts, ap-northeast-1 three), the table holds what a new account gets.
 */
import { AwsRegion } from "../../aws-regions";

export const AVAILABILITY_ZONE_DATA_CHECKED = "2026-11-29";

export const AVAILABILITY_ZONES: Readonly<Record<AwsRegion, number>> = {
  "us-east-1": 6,
  "us-east-2": 3,
  "us-west-1": 2,
  "us-west-2": 4,
  "af-south-1": 3,
  "ap-east-1": 3,
  "ap-east-2": 3,
  "ap-south-1": 3,
  "ap-south-2": 3,
  "ap-southeast-1": 3,
  "ap-southeast-2": 3,
  "ap-southeast-3": 3,
  "ap-southeast-4": 3,
  "ap-southeast-5": 3,
  "ap-southeast-6": 3,
  "ap-southeast-7": 3,
  "ap-northeast-1": 3,
  "ap-northeast-2": 4,
  "ap-northeast-3": 3,
  "ca-central-1": 3,
  "ca-west-1": 3,
  "eu-central-1": 3,
  "eu-central-2": 3,
  "eu-west-1": 3,
  "eu-west-2": 3,
  "eu-west-3": 3,
  "eu-south-1": 3,
  "eu-south-2": 3,
  "eu-north-1": 3,
  "il-central-1": 3,
  "me-south-1": 3,
  "me-central-1": 3,
  "mx-central-1": 3,
  "sa-east-1": 3,
  "us-gov-east-1": 3,
  "us-gov-west-1": 3,
};
