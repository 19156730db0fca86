// @ts-check
// SMS segment arithmetic, so the agent sees what a reply costs before sending it (GSM-7: 160 characters, 153 when split;
// any character outside GSM-7, such as a smart quote or an emoji, makes the whole message UCS-2: 70, 67 when split).

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION = "^{}\\[~]|€\f";

const BASIC = new Set(GSM7_BASIC);
const EXTENSION = new Set(GSM7_EXTENSION);

export const MAX_REPLY_LENGTH = 1600;

/** @returns {{encoding: "GSM-7"|"UCS-2", units: number, segments: number, perSegment: number, firstUnicode: string|null}} */
export function smsSegments(text) {
  let septets = 0;
  let firstUnicode = null;
  for (const ch of text) {
    if (BASIC.has(ch)) septets += 1;
    else if (EXTENSION.has(ch)) septets += 2;
    else {
      firstUnicode = ch;
      break;
    }
  }
  if (firstUnicode === null) {
    const perSegment = septets <= 160 ? 160 : 153;
    return { encoding: "GSM-7", units: septets, segments: Math.ceil(septets / perSegment), perSegment, firstUnicode };
  }
  const units = text.length; // UTF-16 code units: an emoji counts twice, as it does on the wire.
  const perSegment = units <= 70 ? 70 : 67;
  return { encoding: "UCS-2", units, segments: Math.ceil(units / perSegment), perSegment, firstUnicode };
}

/** One short sentence for the composer. */
export function segmentHint(text, channel) {
  if (channel === "whatsapp") return "WhatsApp: sent as one message.";
  if (!text) return "SMS: up to 160 plain characters fit in one segment.";
  const info = smsSegments(text);
  const count = `${info.segments} SMS segment${info.segments === 1 ? "" : "s"}`;
  if (info.encoding === "GSM-7") return `${count} (${info.perSegment} characters each).`;
  return `${count} (${info.perSegment} characters each: “${info.firstUnicode}” makes this a Unicode message).`;
}
