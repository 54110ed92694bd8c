// typescript-eslint with type information (recommended-type-checked) on every TypeScript file, and the AppSync
// rules on the APPSYNC_JS handler. `npm run lint`; npm test runs it too (tests/style/lint.test.ts).
import tseslint from "typescript-eslint";
import appsync from "@aws-appsync/eslint-plugin";

/** Code that handles untyped JSON by design: plans, mock inputs, fakes' wire payloads, test fixtures. */
const UNTYPED_JSON = ["tests/**", "emulation/**", "sandbox/**", "tools/**", "bench/**", "policy/**"];

export default tseslint.config(
    { ignores: ["**/node_modules/", "web/dist/", ".synth/", ".sandbox/", ".test-output/", "bin/"] },
    {
        files: ["**/*.ts"],
        extends: [tseslint.configs.recommendedTypeChecked],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            // CommonJS: a lazy require() keeps heavy modules (Pulumi, SDK clients) off start-up paths and lets tests
            // load the program after the mocks.
            "@typescript-eslint/no-require-imports": "off",
            // An async function without await keeps an interface's promise contract and turns a throw into a rejection.
            "@typescript-eslint/require-await": "off",
            // A closure may read a binding assigned later (stop handlers installed before a slow start).
            "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
            // `_name` marks a parameter or binding kept for its position or its type.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
            ],
        },
    },
    {
        // Product code (functions/, components/, config/, client/, web/, program.ts) keeps the `any` rules; here a
        // type per access of parsed JSON would buy nothing.
        files: UNTYPED_JSON,
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-return": "off",
        },
    },
    {
        files: ["functions/chat/appsync/*.js"],
        ...appsync.configs.base,
        languageOptions: { ...appsync.configs.base.languageOptions, sourceType: "module" },
    },
);
