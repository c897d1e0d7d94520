/**
 * The benchmark's second yardstick for cold starts: a handler that only imports
 * one AWS SDK v3 client (DynamoDB, the one every function uses) and creates it at
 * module scope, bundled like the real ones. It shows what the SDK alone costs
 * against the empty handler.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

const client = new DynamoDBClient({});

export const handler = async (): Promise<{ region: string }> => ({ region: String(await client.config.region()) });
