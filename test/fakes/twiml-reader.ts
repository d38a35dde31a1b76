// Reads the TwiML our gateway answers, as Twilio would: a <Response> of verbs, with <Say>,
// <Play> (and <Pause>) nested in <Gather>, and a <Pause> holding the line after a stream. Only the verbs our calls use are known; anything else,
// or malformed markup, throws, because Twilio would answer it with an application error.
export interface TwimlSpeech {
  verb: 'Play' | 'Say';
  /** The audio URL (Play) or the text (Say), entities decoded. */
  value: string;
  attrs: Record<string, string>;
}

export type TwimlVerb =
  | TwimlSpeech
  | { verb: 'Gather'; attrs: Record<string, string>; nested: TwimlSpeech[] }
  | { verb: 'Hangup' }
  | { verb: 'Pause'; length: number }
  | { verb: 'Connect'; streamUrl: string; parameters: Record<string, string> }
  | { verb: 'Dial'; attrs: Record<string, string>; target: { noun: 'Number' | 'Sip'; value: string; attrs: Record<string, string> } };

/** The call progress events Twilio knows for a <Number>/<Sip> statusCallbackEvent. */
const LEG_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => ENTITIES[name]).replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)));

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

/** A strict little XML reader: elements, attributes in double quotes, text, the XML declaration. */
function parseXml(xml: string): Node {
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  const token = /<\?xml[^?]*\?>|<(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(xml))) {
    consumed = token.lastIndex;
    const [whole, closing, name, attrText, selfClosing, text] = match;
    if (whole.startsWith('<?xml')) continue;
    const top = stack.at(-1)!;
    if (text !== undefined) {
      top.text += decode(text);
      continue;
    }
    if (closing) {
      if (top.name !== name) throw new Error(`TwiML: </${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const [, key, value] of attrText.matchAll(/([A-Za-z]+)="([^"]*)"/g)) attrs[key] = decode(value);
    const node: Node = { name, attrs, children: [], text: '' };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (consumed !== xml.length) throw new Error(`TwiML: cannot read from offset ${consumed}: ${xml.slice(consumed, consumed + 40)}`);
  if (stack.length !== 1) throw new Error(`TwiML: <${stack.at(-1)!.name}> is not closed`);
  return root;
}

function speech(node: Node): TwimlSpeech {
  if (node.name !== 'Play' && node.name !== 'Say') throw new Error(`TwiML: <${node.name}> cannot be nested in <Gather>`);
  const value = node.text.trim();
  if (!value) throw new Error(`TwiML: empty <${node.name}>`);
  return { verb: node.name, value, attrs: node.attrs };
}

export function readTwiml(xml: string): TwimlVerb[] {
  const root = parseXml(xml.trim());
  const [response, ...extra] = root.children;
  if (!response || response.name !== 'Response' || extra.length > 0 || root.text.trim()) throw new Error('TwiML: the document must be one <Response>');
  return response.children.map((node): TwimlVerb => {
    switch (node.name) {
      case 'Play':
      case 'Say':
        return speech(node);
      case 'Gather':
        return { verb: 'Gather', attrs: node.attrs, nested: node.children.map(speech) };
      case 'Hangup':
        return { verb: 'Hangup' };
      case 'Pause': // length defaults to 1 second
        return { verb: 'Pause', length: node.attrs.length === undefined ? 1 : Number(node.attrs.length) };
      case 'Connect': {
        const stream = node.children.find((c) => c.name === 'Stream');
        if (!stream?.attrs.url) throw new Error('TwiML: <Connect> needs a <Stream url>');
        const parameters = Object.fromEntries(stream.children.filter((c) => c.name === 'Parameter').map((p) => [p.attrs.name, p.attrs.value]));
        return { verb: 'Connect', streamUrl: stream.attrs.url, parameters };
      }
      case 'Dial': {
        // One <Number> or <Sip> to call; Twilio fetches its url (the whisper) when it answers.
        const [target, ...more] = node.children;
        if (!target || more.length > 0 || (target.name !== 'Number' && target.name !== 'Sip')) throw new Error('TwiML: <Dial> needs one <Number> or <Sip>');
        const value = target.text.trim();
        if (target.name === 'Number' && !/^\+[1-9]\d{7,14}$/.test(value)) throw new Error(`TwiML: <Number> ${value} is not E.164`);
        if (target.name === 'Sip' && !value.startsWith('sip:')) throw new Error(`TwiML: <Sip> ${value} is not a sip: URI`);
        const events = (target.attrs.statusCallbackEvent ?? '').split(' ').filter(Boolean);
        if (events.some((e) => !LEG_EVENTS.has(e))) throw new Error(`TwiML: unknown statusCallbackEvent ${target.attrs.statusCallbackEvent}`);
        const timeout = Number(node.attrs.timeout ?? 30);
        if (!Number.isInteger(timeout) || timeout < 5 || timeout > 600) throw new Error(`TwiML: <Dial timeout> ${node.attrs.timeout} is not 5-600`);
        return { verb: 'Dial', attrs: node.attrs, target: { noun: target.name, value, attrs: target.attrs } };
      }
      default:
        throw new Error(`TwiML: unknown verb <${node.name}>`);
    }
  });
}
