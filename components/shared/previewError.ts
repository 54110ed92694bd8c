// Errors raised at preview from inside an apply (a referenced stack's outputs, a data source's answer).
import * as pulumi from "@pulumi/pulumi";

const SERIALIZING_PREFIX = /^(error serializing property "[^"]*": )+/;

/**
 * A RunError whose message stays what we wrote. Pulumi prefixes the *same* error object with
 * `error serializing property "<name>": ` every time another resource's input awaits it (runtime/rpc.js), so one
 * missing stack output reads "error serializing property "environment": error serializing property "policy": …"
 * five times over before the actual reason. The prefixes say nothing the message does not, so they are dropped.
 */
export function previewError(message: string): pulumi.RunError {
    const e = new pulumi.RunError(message);
    let text = message;
    Object.defineProperty(e, "message", {
        get: () => text,
        set: (v: string) => {
            text = String(v).replace(SERIALIZING_PREFIX, "");
        },
        configurable: true,
    });
    return e;
}
