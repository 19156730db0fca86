// @ts-check
// Web chat on the agent page: the one line an agency pastes into its site (and which sites may use it), and the
// "agent is typing" signal a web chat resident sees while the agent writes a reply.

import { setText } from "./dom.js";

const TYPING_EVERY_MS = 3000;

export function snippetFor(origin) {
  return `<script src="${origin}/widget.js" async></script>`;
}

export function wireWebChat({ api, reply, channelBadge, currentThreadId, setup }) {
  let lastTyping = 0;
  reply.addEventListener("input", () => {
    const threadId = currentThreadId();
    if (!threadId || channelBadge.textContent !== "Web chat" || Date.now() - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = Date.now();
    api.request(`/api/webchat/threads/${encodeURIComponent(threadId)}/typing`, { method: "POST" }).catch(() => {});
  });

  setText(setup.snippet, snippetFor(location.origin));
  setup.copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(setup.snippet.textContent);
      setText(setup.status, "Copied.");
    } catch {
      setText(setup.status, "Select the line and copy it.");
    }
  });
  setup.details.addEventListener("toggle", async () => {
    if (!setup.details.open) return;
    try {
      const config = await api.request("/api/webchat/config");
      const origins = config.allowed_origins;
      setText(
        setup.origins,
        origins.length
          ? `It works on pages of: ${origins.join(", ")}.`
          : "No site may use it yet: set the ChatAllowedOrigins parameter when deploying.",
      );
      setText(setup.hours, config.business_hours ? `Business hours: ${config.business_hours} (${config.timezone}).` : "");
    } catch {
      setText(setup.origins, "The allowed sites could not be loaded.");
    }
  });
}
