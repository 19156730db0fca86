// ESLint's flat config for the agent page's plain JavaScript (web/agent: ES modules in the browser, no build step).
// Run by make lint beside tsc's type check; errors only, no style rules (formatting is not what it guards).
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    files: ["web/agent/**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...js.configs.recommended.rules,
      // "_name": deliberately unused (a destructured field left out of the rest, an ignored argument).
      "no-unused-vars": [
        "error",
        { args: "after-used", argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      eqeqeq: ["error", "always"],
      "no-implicit-globals": "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      // Resident text reaches the DOM through textContent only (docs: "resident text is hostile").
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "Use textContent or dom.js's el(); resident text is hostile." },
        { property: "outerHTML", message: "Use textContent or dom.js's el(); resident text is hostile." },
        { property: "insertAdjacentHTML", message: "Use dom.js's el(); resident text is hostile." },
      ],
    },
  },
  {
    // A classic script: the widget, one tag on an agency's own pages.
    files: ["web/agent/widget.js"],
    languageOptions: { sourceType: "script" },
  },
];
