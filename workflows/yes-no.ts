// Yes/no from a spoken answer (English, Hindi, romanized Hinglish) or a keypress.
// Pure and deterministic: imported by workflow code, so no I/O, clocks or randomness here.
//
// Rules:
// - Text is normalized (lowercase, Unicode NFC, chandrabindu folded to anusvara and nukta dropped
//   so हाँ = हां and ज़रूर = जरूर, punctuation incl. the danda । removed, spaces collapsed) and then
//   matched as whole words/phrases, longest phrase first: "know" is not "no", "hana" is not "ha",
//   "bilkul nahi" is one negative phrase rather than "bilkul" + "nahi".
// - A clear negation anywhere wins: "haan nahi", "okay no", "of course not" → no. A caller who
//   says both is safer treated as refusing than as confirming.
// - "na"/"ना" is a negation except straight after a yes phrase, where Hindi uses it as a tag
//   ("haan na", "theek hai na" = "yes, of course") → yes. "na ji" → no.
// - "not" is a negation ("not right" → no), but a few "don't know" phrases ("not sure",
//   "pata nahi", "I don't know", "maybe") make the answer undefined so the caller is asked again,
//   unless a clear negation is also present.
// - "no problem" is a yes.

export type YesNo = 'yes' | 'no';

type Label = YesNo | 'unsure' | 'na';

const LEXICON: Record<Label, string[]> = {
  yes: [
    'yes', 'yeah', 'yep', 'yup', 'sure', 'of course', 'correct', 'right', 'alright', 'ok', 'okay', 'no problem',
    'haan', 'han', 'haa', 'ha', 'haanji', 'ji', 'ji haan', 'bilkul', 'theek hai', 'thik hai', 'sahi', 'zaroor',
    'हाँ', 'हां', 'जी', 'जी हाँ', 'बिल्कुल', 'बिलकुल', 'ठीक है', 'ज़रूर', 'सही',
  ],
  no: [
    'no', 'nope', 'nah', 'not', 'not really', 'nahi', 'nahin', 'nai', 'mat', 'bilkul nahi', 'bilkul nahin', 'ji nahi',
    'नहीं', 'नही', 'बिल्कुल नहीं', 'जी नहीं',
  ],
  na: ['na', 'ना'],
  unsure: ['not sure', 'don t know', 'dont know', 'do not know', 'no idea', 'maybe', 'pata nahi', 'pata nahin', 'shayad', 'पता नहीं', 'शायद'],
};

export function normalize(text: string): string {
  return text
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\u200c\u200d]/g, '') // zero-width (non-)joiners sit inside Devanagari words
    .replace(/\u0901/g, '\u0902') // chandrabindu → anusvara
    .replace(/\u093c/g, '') // nukta (NFC keeps ज़ decomposed, so this catches both spellings)
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
}

const PHRASES = new Map<string, Label>();
for (const [label, phrases] of Object.entries(LEXICON) as [Label, string[]][]) {
  for (const phrase of phrases) PHRASES.set(normalize(phrase), label);
}
const LONGEST = Math.max(...[...PHRASES.keys()].map((p) => p.split(' ').length));

/** Greedy longest-match scan; each word belongs to at most one phrase. */
function labels(text: string): Label[] {
  const words = normalize(text).split(' ').filter(Boolean);
  const found: Label[] = [];
  for (let i = 0; i < words.length; ) {
    let step = 1;
    for (let n = Math.min(LONGEST, words.length - i); n > 0; n--) {
      const label = PHRASES.get(words.slice(i, i + n).join(' '));
      if (label) {
        // "na" right after a yes is a tag particle, not a refusal.
        if (!(label === 'na' && found[found.length - 1] === 'yes')) found.push(label === 'na' ? 'no' : label);
        step = n;
        break;
      }
    }
    i += step;
  }
  return found;
}

export function classifyYesNo(text: string): YesNo | undefined {
  const found = labels(text);
  if (found.includes('no')) return 'no';
  if (found.includes('unsure')) return undefined;
  return found.includes('yes') ? 'yes' : undefined;
}

/**
 * '1' → yes, '2' → no, as the prompts say. Trailing '#' (the terminator key) and spaces are ignored.
 * '0' and anything else are not answers: 0 conventionally means "operator/repeat" in Indian IVRs,
 * and treating it as a refusal would turn a fumbled key into a rejected order.
 */
export function classifyKeypad(digits: string): YesNo | undefined {
  const key = digits.replace(/[\s#]/g, '');
  return key === '1' ? 'yes' : key === '2' ? 'no' : undefined;
}
