// A tiny interpreter for JSONata state machines, enough for the states the StepFunctionsInvoker uses
// (Choice, Pass, Task with Retry/Catch, Fail, Succeed). Every {% %} is evaluated with the jsonata package;
// Task results come from the test. Follows the Step Functions rules that matter here: Assign sees the
// variables as they were when the state was entered; an expression that yields nothing is
// States.QueryEvaluationError; a Choice condition must be a boolean.
import { strict as assert } from "assert";
import jsonata = require("jsonata");

export class TaskFailure extends Error {
    constructor(
        readonly error: string,
        readonly causeText = "",
    ) {
        super(`${error}: ${causeText}`);
    }
}

export interface TaskCall {
    state: string;
    resource: string;
    credentials: any;
    arguments: any;
}

export type TaskHandler = (call: TaskCall) => unknown;

export interface Execution {
    status: "SUCCEEDED" | "FAILED";
    output?: any;
    error?: string;
    cause?: string;
    /** Names of the states entered, in order. */
    path: string[];
    calls: TaskCall[];
    /** Wait before each retry as the retrier's parameters give it (before jitter). */
    retryDelays: number[];
}

const EXPRESSION = /^\{%(.*)%\}$/s;

export function isExpression(v: unknown): v is string {
    return typeof v === "string" && EXPRESSION.test(v);
}

/** Every {% %} string anywhere in a definition, with where it is. */
export function expressions(value: unknown, at = ""): { at: string; text: string }[] {
    if (isExpression(value)) return [{ at, text: value }];
    if (Array.isArray(value)) return value.flatMap((v, i) => expressions(v, `${at}[${i}]`));
    if (value && typeof value === "object")
        return Object.entries(value).flatMap(([k, v]) => expressions(v, at ? `${at}/${k}` : k));
    return [];
}

class QueryEvaluationError extends TaskFailure {}

export class Interpreter {
    /** The expressions evaluated so far (across executions), for coverage checks. */
    readonly evaluated = new Set<string>();

    constructor(private readonly definition: any) {
        if (definition.QueryLanguage !== "JSONata") throw new Error("only JSONata state machines");
    }

    private async evaluate(template: unknown, bindings: Record<string, unknown>, field: string): Promise<any> {
        if (isExpression(template)) {
            this.evaluated.add(template);
            let value: unknown;
            try {
                value = await jsonata(EXPRESSION.exec(template)![1].trim()).evaluate(null, bindings);
            } catch (e) {
                throw new QueryEvaluationError("States.QueryEvaluationError", `${field}: ${(e as Error).message}`);
            }
            if (value === undefined)
                throw new QueryEvaluationError(
                    "States.QueryEvaluationError",
                    `The JSONata expression '${template}' specified for the field '${field}' returned nothing (undefined).`,
                );
            return JSON.parse(JSON.stringify(value));
        }
        if (Array.isArray(template)) {
            const out = [];
            for (let i = 0; i < template.length; i++)
                out.push(await this.evaluate(template[i], bindings, `${field}[${i}]`));
            return out;
        }
        if (template && typeof template === "object") {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(template)) out[k] = await this.evaluate(v, bindings, `${field}/${k}`);
            return out;
        }
        return template;
    }

    async run(input: unknown, handler: TaskHandler, maxTransitions = 100): Promise<Execution> {
        const exec: Execution = { status: "FAILED", path: [], calls: [], retryDelays: [] };
        let vars: Record<string, unknown> = {};
        let name: string = this.definition.StartAt;
        let stateInput = input;
        const bind = (extra: Record<string, unknown> = {}) => ({
            ...vars,
            states: { input: stateInput, context: {}, ...extra },
        });
        const assign = async (
            block: Record<string, unknown> | undefined,
            bindings: Record<string, unknown>,
            field: string,
        ) => {
            if (block) vars = { ...vars, ...(await this.evaluate(block, bindings, field)) };
        };
        try {
            for (let step = 0; step < maxTransitions; step++) {
                const state = this.definition.States[name];
                if (!state) throw new Error(`no state ${name}`);
                exec.path.push(name);
                let next: string | undefined = state.Next;
                let output: unknown = stateInput;
                let end = !!state.End;
                switch (state.Type) {
                    case "Choice": {
                        const b = bind();
                        let matched: any;
                        for (const [i, rule] of state.Choices.entries()) {
                            const ok = await this.evaluate(rule.Condition, b, `Choices[${i}]/Condition`);
                            if (typeof ok !== "boolean")
                                throw new QueryEvaluationError(
                                    "States.QueryEvaluationError",
                                    `Choices[${i}]/Condition is not a boolean`,
                                );
                            if (ok) {
                                matched = rule;
                                break;
                            }
                        }
                        if (!matched && !state.Default) throw new TaskFailure("States.NoChoiceMatched", name);
                        if (state.Output !== undefined) output = await this.evaluate(state.Output, b, "Output");
                        await assign(matched?.Assign, b, "Choices/Assign");
                        next = matched ? matched.Next : state.Default;
                        break;
                    }
                    case "Pass": {
                        const b = bind();
                        if (state.Output !== undefined) output = await this.evaluate(state.Output, b, "Output");
                        await assign(state.Assign, b, "Assign");
                        break;
                    }
                    case "Task": {
                        const b = bind();
                        const call: TaskCall = {
                            state: name,
                            resource: state.Resource,
                            credentials: await this.evaluate(state.Credentials, b, "Credentials"),
                            arguments:
                                state.Arguments === undefined
                                    ? {}
                                    : await this.evaluate(state.Arguments, b, "Arguments"),
                        };
                        const attempts = new Map<unknown, number>();
                        let result: unknown;
                        let failure: TaskFailure | undefined;
                        for (;;) {
                            exec.calls.push(call);
                            try {
                                result = await handler(call);
                                failure = undefined;
                                break;
                            } catch (e) {
                                if (!(e instanceof TaskFailure)) throw e;
                                failure = e;
                                const retrier = (state.Retry ?? []).find((r: any) => matches(r.ErrorEquals, e.error));
                                if (!retrier) break;
                                const n = attempts.get(retrier) ?? 0;
                                if (n >= (retrier.MaxAttempts ?? 3)) break;
                                attempts.set(retrier, n + 1);
                                const delay = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, n);
                                exec.retryDelays.push(Math.min(delay, retrier.MaxDelaySeconds ?? Infinity));
                            }
                        }
                        if (failure) {
                            const errorOutput = { Error: failure.error, Cause: failure.causeText };
                            const catcher = (state.Catch ?? []).find((c: any) => matches(c.ErrorEquals, failure.error));
                            if (!catcher) throw failure;
                            const cb = bind({ errorOutput });
                            output =
                                catcher.Output === undefined
                                    ? errorOutput
                                    : await this.evaluate(catcher.Output, cb, "Catch/Output");
                            await assign(catcher.Assign, cb, "Catch/Assign");
                            next = catcher.Next;
                            end = false;
                            break;
                        }
                        const rb = bind({ result });
                        output = state.Output === undefined ? result : await this.evaluate(state.Output, rb, "Output");
                        await assign(state.Assign, rb, "Assign");
                        break;
                    }
                    case "Fail": {
                        exec.error = await this.evaluate(state.Error, bind(), "Error");
                        exec.cause = await this.evaluate(state.Cause, bind(), "Cause");
                        return exec;
                    }
                    case "Succeed":
                        exec.status = "SUCCEEDED";
                        exec.output =
                            state.Output === undefined
                                ? stateInput
                                : await this.evaluate(state.Output, bind(), "Output");
                        return exec;
                    default:
                        throw new Error(`state type ${state.Type} is not simulated`);
                }
                if (end) {
                    exec.status = "SUCCEEDED";
                    exec.output = output;
                    return exec;
                }
                if (!next) throw new Error(`state ${name} has neither Next nor End`);
                name = next;
                stateInput = output;
            }
            throw new Error(`more than ${maxTransitions} transitions`);
        } catch (e) {
            if (!(e instanceof TaskFailure)) throw e;
            exec.error = e.error;
            exec.cause = e.causeText;
            return exec;
        }
    }
}

function matches(errorEquals: string[], error: string): boolean {
    return errorEquals.includes(error) || (errorEquals.includes("States.ALL") && error !== "States.Runtime");
}

/** Step Functions' AWS SDK integration takes PascalCase; the SDK's members are camelCase. */
export function camel(v: any): any {
    if (Array.isArray(v)) return v.map(camel);
    if (v && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k[0].toLowerCase() + k.slice(1), camel(x)]));
    return v;
}

/**
 * What the real Bedrock Runtime SDK puts on the wire for these Task Arguments. The SDK drops members
 * Converse does not have, so a body that keeps every argument means Converse accepts them all.
 */
export async function converseOnTheWire(args: unknown): Promise<{ path: string; body: any }> {
    const { BedrockRuntimeClient, ConverseCommand } = await import("@aws-sdk/client-bedrock-runtime");
    let request: any;
    const client = new BedrockRuntimeClient({
        region: "ap-northeast-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        requestHandler: {
            handle: async (req: any) => {
                request = req;
                throw new Error("captured");
            },
        } as any,
        maxAttempts: 1,
    });
    await assert.rejects(client.send(new ConverseCommand(camel(args))), /captured/);
    return { path: decodeURIComponent(request.path), body: JSON.parse(new TextDecoder().decode(request.body)) };
}
