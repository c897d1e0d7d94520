/**
 * One fake per mocked client class that routes each command to its modelled behaviour by the command's class.
 *
 * Why not `stub.on(Command).callsFake(...)` for each command: aws-sdk-client-mock turns each `on()` into a sinon
 * `withArgs` fake, and sinon deep-matches the arguments of every `send` against every fake of that client. The drill
 * sends thousands of commands per scenario; that matching was about a third of its CPU time. Here a `send` costs one
 * map lookup. The stub is still aws-sdk-client-mock's (`mockClient`), so `restore()` and call history are unchanged,
 * and a test may still add its own `on(...)` behaviour, which sinon prefers to this default.
 */
import type { AwsClientStub } from "aws-sdk-client-mock";

/** A modelled command: its input, and a function that returns the client instance that sent it. */
export type CommandHandler<I = never> = (input: I, getClient: () => unknown) => unknown;

interface Route {
  readonly when: ((input: Record<string, unknown>) => boolean) | undefined;
  readonly handler: CommandHandler;
}

interface SentCommand {
  readonly input: Record<string, unknown>;
}

export type CommandClass = abstract new (...args: never[]) => unknown;

/** The route added last that takes the command, as the last `on()` of aws-sdk-client-mock wins. */
function routeOf(routes: ReadonlyMap<unknown, readonly Route[]>, command: SentCommand): Route | undefined {
  const candidates = routes.get(command.constructor) ?? [];
  for (let i = candidates.length - 1; i >= 0; i--) {
    const route = candidates[i] as Route;
    if (!route.when || route.when(command.input)) return route;
  }
  return undefined;
}

export class CommandRouter {
  private readonly routes = new Map<unknown, Route[]>();

  /**
   * @param stub the client's stub from `mockClient`
   * @param notModelled what a command that no route takes does (the model throws, naming the input)
   */
  constructor(stub: AwsClientStub<never>, notModelled: (input: unknown) => unknown) {
    const send = (stub as unknown as { send: { callsFake(fn: (this: unknown, command: SentCommand) => unknown): unknown } }).send;
    const routes = this.routes;
    send.callsFake(function (this: unknown, command: SentCommand) {
      const client = this;
      const getClient = () => client;
      // Like a real client's send, the answer is always a promise, and an error is a rejection (a native promise
      // passes through Promise.resolve unchanged, so an async handler's timing is its own).
      try {
        const route = routeOf(routes, command);
        return Promise.resolve(route ? route.handler(command.input as never, getClient) : notModelled(command.input));
      } catch (error) {
        return Promise.reject(error);
      }
    });
  }

  /**
   * Routes `command` to `handler`; with `when`, only the inputs it accepts (the others go to the routes added before).
   */
  on<I>(command: CommandClass, handler: CommandHandler<I>, when?: (input: Record<string, unknown>) => boolean): this {
    const list = this.routes.get(command) ?? [];
    list.push({ when, handler: handler as CommandHandler });
    this.routes.set(command, list);
    return this;
  }
}
