/**
 * The application's event bus in one region: the same name in both regions
 * (so the global endpoint can replicate between them), encrypted with the
 * region's messaging key.
 */
import { Construct } from "constructs";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { CloudwatchEventBus } from "@cdktf/provider-aws/lib/cloudwatch-event-bus";
import { keepChildAddresses } from "../addressing";

export interface EventBusProps {
  readonly provider: AwsProvider;
  readonly busName: string;
  /** ARN of the region's messaging key. */
  readonly kmsKeyArn: string;
}

/** Keeps its child's address: the bus was created directly by the app stack before this construct existed. */
export class EventBus extends Construct {
  readonly bus: CloudwatchEventBus;

  constructor(scope: Construct, id: string, props: EventBusProps) {
    super(scope, id);
    keepChildAddresses(this);
    this.bus = new CloudwatchEventBus(this, "event-bus", {
      provider: props.provider,
      name: props.busName,
      description: "Application events; with the global endpoint, events are replicated to the other region's bus of the same name",
      kmsKeyIdentifier: props.kmsKeyArn,
    });
  }
}
