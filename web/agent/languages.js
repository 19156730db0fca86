// @ts-check
// Before an alert or a notice goes out: who will get a language they did not choose (the preview's `fallbacks`),
// and, for each such language, a machine translation offered as a draft in that language's text box. A draft is
// never sent from here: it fills the box, says it is a machine draft, and the person reads, corrects and sends.

import { el, setText } from "./dom.js";

export const LANGUAGE_NAMES = { en: "English", es: "Spanish", zh: "Chinese", vi: "Vietnamese", tl: "Tagalog", ko: "Korean", ar: "Arabic", ru: "Russian", fr: "French", ht: "Haitian Creole" };
export const languageName = (code) => LANGUAGE_NAMES[code] || code;
const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/**
 * The warnings (and translate offers) for a preview's fallbacks.
 * @param {{ fallbacks?: { reads: string, gets: string, residents: number }[] }} preview
 * @param {{ api: any, texts: Record<string, string>, boxPrefix: string, status: HTMLElement, onDraft: (area: HTMLTextAreaElement) => void }} how
 */
export function fallbackWarnings(preview, { api, texts, boxPrefix, status, onDraft }) {
  const lines = [];
  for (const fallback of preview.fallbacks || []) {
    lines.push(
      el("p", {
        class: "alert-warning",
        "data-fallback": fallback.reads,
        text: `${plural(fallback.residents, "resident reads", "residents read")} ${languageName(fallback.reads)} and will get the ${languageName(fallback.gets)} text: no ${languageName(fallback.reads)} text is written.`,
      }),
    );
    const area = document.getElementById(`${boxPrefix}-${fallback.reads}`);
    if (!texts[fallback.gets] || !(area instanceof HTMLTextAreaElement)) continue;
    const offer = el("button", {
      type: "button",
      class: "button button-small",
      "data-translate": fallback.reads,
      text: `Draft the ${languageName(fallback.reads)} text by machine translation (you review it before sending)`,
    });
    offer.addEventListener("click", async () => {
      offer.disabled = true;
      try {
        const draft = await api.request("/api/alerts/translate", {
          method: "POST",
          json: { text: texts[fallback.gets], source: fallback.gets, target: fallback.reads },
        });
        area.value = draft.text;
        area.dataset.machine = "true";
        setText(
          status,
          `${languageName(fallback.reads)} text drafted by machine translation (${plural(draft.preview.segments, "segment", "segments")}, ${draft.preview.encoding}${draft.preview.forced_by?.length ? `, Unicode because of ${draft.preview.forced_by.map((c) => `“${c}”`).join(" ")}` : ""}). ${draft.stand_in ? "This is the local stand-in's output, not a real translation. " : ""}Read and correct it before it goes out.`,
        );
        onDraft(area);
        area.focus();
      } catch (error) {
        offer.disabled = false;
        setText(status, error.status === 503 ? "Machine translation is not available now: write the text yourself." : "The translation did not work.");
      }
    });
    lines.push(offer);
  }
  return lines;
}
