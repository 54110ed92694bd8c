// Runs the deployed state machine definition (JSONata) with the project's interpreter; its Converse Task is
// the Step Functions AWS SDK integration, so the Task assumes Credentials.RoleArn through STS and calls the
// real SDK's Converse against the same model the relay uses. Arguments and results are PascalCase there.
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CONVERSE_RESOURCE } from "../components/caller/stateMachineDefinition";
import { Interpreter, TaskCall, TaskFailure } from "../emulation/stepFunctions";
import type { KnownCredentials } from "./sigv4";

const recase = (v: unknown, f: (k: string) => string): unknown =>
    Array.isArray(v)
        ? v.map(x => recase(x, f))
        : v && typeof v === "object" && !(v instanceof Date)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), recase(x, f)]))
          : v;
const camel = (k: string) => k[0].toLowerCase() + k.slice(1);
const pascal = (k: string) => k[0].toUpperCase() + k.slice(1);

export async function runStateMachine(
    definition: unknown,
    input: unknown,
    endpoints: Record<string, string>,
    region: string,
    creds: KnownCredentials,
) {
    const task = async (call: TaskCall) => {
        if (call.resource !== CONVERSE_RESOURCE) throw new Error(`the sandbox does not run ${call.resource}`);
        const sts = new STSClient({ region, endpoint: endpoints.AWS_ENDPOINT_URL_STS, credentials: creds });
        try {
            const assumed = await sts.send(
                new AssumeRoleCommand({ RoleArn: call.credentials.RoleArn, RoleSessionName: "sandbox-state-machine" }),
            );
            const c = assumed.Credentials!;
            const bedrock = new BedrockRuntimeClient({
                region,
                endpoint: endpoints.AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
                maxAttempts: 1,
                credentials: {
                    accessKeyId: c.AccessKeyId!,
                    secretAccessKey: c.SecretAccessKey!,
                    sessionToken: c.SessionToken,
                },
            });
            const out = await bedrock.send(new ConverseCommand(recase(call.arguments, camel) as any));
            const { $metadata: _m, ...result } = out;
            return recase(result, pascal);
        } catch (e) {
            // The SDK integration's error names: BedrockRuntime.<Exception>, what the definition's Retry/Catch match.
            throw new TaskFailure(`BedrockRuntime.${(e as Error).name}`, (e as Error).message);
        }
    };
    const exec = await new Interpreter(definition).run(input, task);
    return { status: exec.status, output: exec.output, error: exec.error, cause: exec.cause, states: exec.path };
}
