// The program's pulumi.log.info lines are meant for `pulumi preview`, where the engine shows them once among its
// diagnostics. Offline, the SDK prints each as "info: [runtime] ..." on stdout (no engine), in the middle of a
// command's product (a policy on stdout, the sandbox's banner), where they mean nothing. The commands collect them
// instead: synth shows them once in its summary, deploy-policy and the sandbox drop them. Warnings stay as they are.
import * as pulumi from "@pulumi/pulumi";

/** From now on, the program's info lines go into the returned list (each once) instead of stdout. */
export function collectInfo(): string[] {
    const notes: string[] = [];
    Object.assign(pulumi.log, {
        info: (msg: string) => {
            if (!notes.includes(msg)) notes.push(msg);
            return Promise.resolve();
        },
    });
    return notes;
}
