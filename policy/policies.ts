// The rules wrapped as @pulumi/policy resource validations (kept apart from index.ts, which starts the pack).
import { ResourceValidationPolicy } from "@pulumi/policy";
import { accountFromProvider, RULES } from "./rules";

export const policies: ResourceValidationPolicy[] = RULES.map(r => ({
    name: r.name,
    description: r.description,
    enforcementLevel: "mandatory",
    configSchema: r.configSchema,
    validateResource: (args, reportViolation) => {
        const ctx = { accountId: accountFromProvider(args.provider?.props), config: args.getConfig<Record<string, any>>() };
        for (const message of r.check({ type: args.type, name: args.name, urn: args.urn, props: args.props }, ctx)) {
            reportViolation(message);
        }
    },
}));
