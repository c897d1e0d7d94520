/**
 * The drill model's stand-in for one AWS SDK v3 client class: it replaces the class's `send` and answers each
 * command with the behaviour routed to the command's class.
 *
 * Why not aws-sdk-client-mock (which the handlers' unit tests use, and which the model used before): the model is an
 * emulator that answers thousands of commands per scenario, never a mock whose calls a test inspects. Its
 * `on(Command)` adds a sinon `withArgs` fake per command, sinon deep-matches the arguments of every `send` against
 * each of them, and it records every call (arguments, client, result and a captured stack) for assertions nobody
 * makes: measured on four prod doubles, the matching was 2.3 s of 5.4 s and the recording 0.8 s of the remaining
 * 3.1 s. Here a `send` costs one map lookup. A test may still put its own aws-sdk-client-mock stub over a router:
 * sinon stubs the router's `send` and puts it back on `restore()`.
 */

/** A modelled command: its input, and a function that returns the client instance that sent it. */
export type CommandHandler<I = never> = (input: I, getClient: () => unknown) => unknown;

export type CommandClass = abstract new (...args: never[]) => unknown;

/** An SDK v3 client class: commands are sent with `send` on its prototype. */
export type ClientClass = { readonly prototype: object; readonly name: string };

interface Route {
  readonly when: ((input: Record<string, unknown>) => boolean) | undefined;
  readonly handler: CommandHandler;
}

interface SentCommand {
  readonly input: Record<string, unknown>;
}

const ROUTED = Symbol.for("drill.commandRouter");

/** The route added last that takes the command, so that a later, narrower route (an index's Query) goes first. */
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
  private readonly previous: PropertyDescriptor | undefined;
  private installed = true;

  /**
   * Replaces `send` of every instance of `client` until `restore()`.
   * @param notModelled what a command that no route takes does (the model throws, naming the input)
   */
  static install(client: ClientClass, notModelled: (input: unknown) => unknown): CommandRouter {
    return new CommandRouter(client, notModelled);
  }

  private constructor(
    private readonly client: ClientClass,
    notModelled: (input: unknown) => unknown,
  ) {
    const prototype = client.prototype as Record<PropertyKey, unknown>;
    if ((prototype.send as { [ROUTED]?: boolean } | undefined)?.[ROUTED]) {
      throw new Error(`CommandRouter: ${client.name} already has a router; restore() it first`);
    }
    this.previous = Object.getOwnPropertyDescriptor(prototype, "send");
    const routes = this.routes;
    const send = function routedSend(this: unknown, command: SentCommand): Promise<unknown> {
      const sender = this;
      // Like a real client's send, the answer is always a promise and an error a rejection (a native promise passes
      // through Promise.resolve unchanged, so an async handler's timing is its own).
      try {
        const route = routeOf(routes, command);
        return Promise.resolve(route ? route.handler(command.input as never, () => sender) : notModelled(command.input));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    Object.defineProperty(send, ROUTED, { value: true });
    Object.defineProperty(prototype, "send", { value: send, writable: true, configurable: true, enumerable: false });
    this.send = send;
  }

  private readonly send: unknown;

  /** Routes `command` to `handler`; with `when`, only the inputs it accepts (the others go to the routes added before). */
  on<I>(command: CommandClass, handler: CommandHandler<I>, when?: (input: Record<string, unknown>) => boolean): this {
    const list = this.routes.get(command) ?? [];
    list.push({ when, handler: handler as CommandHandler });
    this.routes.set(command, list);
    return this;
  }

  /**
   * Gives the client class its own `send` back. Refused while something else (an aws-sdk-client-mock stub) sits on top
   * of this router: restoring under it would let that stub put a stale router back when it is restored in turn.
   */
  restore(): void {
    if (!this.installed) return;
    const prototype = this.client.prototype as Record<PropertyKey, unknown>;
    if (prototype.send !== this.send) {
      throw new Error(`CommandRouter: ${this.client.name}.send was replaced after this router was installed; restore that stub first`);
    }
    this.installed = false;
    if (this.previous) Object.defineProperty(prototype, "send", this.previous);
    else delete prototype.send;
  }
}
