/**
 * Regional DynamoDB tables held in memory behind a client mock (aws-sdk-client-mock): GetItem, PutItem,
 * UpdateItem and DeleteItem on items keyed by `pk`, with their condition and update expressions evaluated
 * the way DynamoDB evaluates them (the drill's expression evaluator), and DynamoDB's own refusals of a
 * malformed request (an attribute name or value that no expression uses, an empty attribute name).
 * Tests of the lock, the monitor's counter and the control table then check what the items become and
 * which writes are refused, not which strings were sent.
 */
import { AttributeValue, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { AwsClientStub } from "aws-sdk-client-mock";
import { fromItem, Plain, TABLE_KEY, toItem } from "../../../lambda/shared/dynamo";
import { applyUpdate, evaluateCondition, Item } from "./ddb-expressions";
import { awsError, conditionFailed } from "./fixtures";

interface ExpressionRequest {
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/** DynamoDB refuses names or values that no expression of the request uses, and empty attribute names. */
function validate(request: ExpressionRequest, expressions: readonly (string | undefined)[]): void {
  const text = expressions.filter((e): e is string => typeof e === "string").join(" ");
  for (const [name, value] of Object.entries(request.ExpressionAttributeNames ?? {})) {
    if (value === "") throw awsError("ValidationException", `ExpressionAttributeNames contains invalid value: Empty attribute name for key ${name}`);
    if (!new RegExp(`${name}(?![A-Za-z0-9_])`).test(text)) throw awsError("ValidationException", `Value provided in ExpressionAttributeNames unused in expressions: keys: {${name}}`);
  }
  for (const name of Object.keys(request.ExpressionAttributeValues ?? {})) {
    if (!new RegExp(`${name}(?![A-Za-z0-9_])`).test(text)) throw awsError("ValidationException", `Value provided in ExpressionAttributeValues unused in expressions: keys: {${name}}`);
  }
}

export class DynamoTables {
  /** table name -> pk -> item */
  private readonly tables = new Map<string, Map<string, Item>>();
  /** Writes refused by their condition, in order. */
  readonly refused: { table: string; key: string; command: string }[] = [];

  constructor(stub: AwsClientStub<DynamoDBClient>) {
    stub.on(GetItemCommand).callsFake((input) => {
      const item = this.table(input.TableName).get(this.keyOf(input.Key));
      return item ? { Item: item } : {};
    });
    stub.on(PutItemCommand).callsFake((input) => {
      validate(input, [input.ConditionExpression]);
      const key = this.keyOf(input.Item);
      const current = this.table(input.TableName).get(key);
      if (!evaluateCondition(input.ConditionExpression, current, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) this.refuse(input.TableName, key, "PutItem");
      this.table(input.TableName).set(key, { ...(input.Item as Item) });
      return {};
    });
    stub.on(UpdateItemCommand).callsFake((input) => {
      validate(input, [input.ConditionExpression, input.UpdateExpression]);
      const key = this.keyOf(input.Key);
      const current = this.table(input.TableName).get(key);
      if (!evaluateCondition(input.ConditionExpression, current, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) this.refuse(input.TableName, key, "UpdateItem");
      const next = applyUpdate(input.UpdateExpression ?? "", current, input.Key as Item, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
      this.table(input.TableName).set(key, next);
      return input.ReturnValues === "ALL_NEW" ? { Attributes: next } : {};
    });
    stub.on(DeleteItemCommand).callsFake((input) => {
      validate(input, [input.ConditionExpression]);
      const key = this.keyOf(input.Key);
      const current = this.table(input.TableName).get(key);
      if (!evaluateCondition(input.ConditionExpression, current, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) this.refuse(input.TableName, key, "DeleteItem");
      this.table(input.TableName).delete(key);
      return {};
    });
  }

  /** Stores an item as it is (no condition): the state a test starts from. */
  put(tableName: string, item: Record<string, Plain>): void {
    this.table(tableName).set(String(item[TABLE_KEY]), toItem(item) as Item);
  }

  /** The item under `key`, unmarshalled; undefined when there is none. */
  get(tableName: string, key: string): Record<string, Plain> | undefined {
    const item = this.table(tableName).get(key);
    return item ? fromItem(item) : undefined;
  }

  private table(name: string | undefined): Map<string, Item> {
    if (!name) throw awsError("ValidationException", "TableName is required");
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = new Map()));
    return table;
  }

  private keyOf(key: Record<string, AttributeValue> | undefined): string {
    const pk = key?.[TABLE_KEY]?.S;
    if (!pk) throw awsError("ValidationException", `The provided key element does not match the schema (${TABLE_KEY})`);
    return pk;
  }

  private refuse(table: string | undefined, key: string, command: string): never {
    this.refused.push({ table: table ?? "", key, command });
    throw conditionFailed();
  }
}
