// What the callee hears, in Hindi and English. Pure string building: safe in workflow code.
import type { Language, OrderItem, RejectionReason, RiderAssignmentRequest, VendorOrderConfirmationRequest } from './types';

type Texts = Record<string, string>;

function itemsText(items: OrderItem[]): string {
  return items.map((i) => `${i.quantity} ${i.name}`).join(', ');
}

const SORRY: Record<Language, string> = {
  en: 'Sorry, we did not get a valid answer.',
  hi: 'माफ़ कीजिए, हमें सही जवाब नहीं मिला।',
};

/** The prompt to replay after no input or a wrong key. */
export function retryText(language: Language, question: string): string {
  return `${SORRY[language]} ${question}`;
}

export const PREP_TIME_MENU: Record<string, number> = { '1': 15, '2': 30, '3': 45 };
export const REJECTION_MENU: Record<string, RejectionReason> = {
  '1': 'ITEM_UNAVAILABLE',
  '2': 'SHOP_CLOSED',
  '3': 'TOO_BUSY',
  '4': 'OTHER',
};

export function vendorPrompts(r: VendorOrderConfirmationRequest): Texts {
  const customer = r.customer_name ?? '';
  const payment = r.payment_method ?? '';
  if (r.language === 'en') {
    return {
      summary:
        `Hello ${r.vendor_name}. New order ${r.order_id}${customer && ` for ${customer}`}: ${itemsText(r.order_items)}. ` +
        `Total ${r.order_amount} rupees${payment && `, ${payment}`}. Press 1 to accept, or 0 to reject.`,
      prep_time: 'How long will it take to prepare? Press 1 for 15 minutes, 2 for 30 minutes, 3 for 45 minutes, or type the minutes followed by hash.',
      reason: 'Why are you rejecting? Press 1 if an item is unavailable, 2 if the shop is closed, 3 if you are too busy, 4 for another reason.',
      accepted: 'Thank you. The order is confirmed.',
      rejected: 'Thank you. The order has been rejected.',
      no_response: 'We did not receive a response. Goodbye.',
    };
  }
  return {
    summary:
      `नमस्ते ${r.vendor_name}। नया ऑर्डर ${r.order_id}${customer && `, ${customer} के लिए`}: ${itemsText(r.order_items)}। ` +
      `कुल ${r.order_amount} रुपये${payment && `, ${payment}`}। स्वीकार करने के लिए 1 दबाएँ, अस्वीकार करने के लिए 0 दबाएँ।`,
    prep_time: 'खाना बनने में कितना समय लगेगा? 15 मिनट के लिए 1, 30 मिनट के लिए 2, 45 मिनट के लिए 3 दबाएँ, या मिनट टाइप करके हैश दबाएँ।',
    reason: 'अस्वीकार करने का कारण बताइए। सामान उपलब्ध नहीं है तो 1, दुकान बंद है तो 2, बहुत व्यस्त हैं तो 3, कोई और कारण हो तो 4 दबाएँ।',
    accepted: 'धन्यवाद। ऑर्डर कन्फ़र्म हो गया है।',
    rejected: 'धन्यवाद। ऑर्डर अस्वीकार कर दिया गया है।',
    no_response: 'हमें कोई जवाब नहीं मिला। धन्यवाद।',
  };
}

export function riderPrompts(r: RiderAssignmentRequest): Texts {
  if (r.language === 'en') {
    return {
      summary:
        `Hello ${r.rider_name}. Pickup for order ${r.order_id} from ${r.restaurant_name}, ${r.restaurant_address}, ` +
        `in ${r.pickup_time_minutes} minutes. Press 1 to accept the pickup, or 0 to decline.`,
      accepted: 'Thank you. The pickup is assigned to you.',
      rejected: 'Thank you. We will assign another rider.',
      no_response: 'We did not receive a response. Goodbye.',
    };
  }
  return {
    summary:
      `नमस्ते ${r.rider_name}। ऑर्डर ${r.order_id} का पिकअप ${r.restaurant_name}, ${r.restaurant_address} से ` +
      `${r.pickup_time_minutes} मिनट में है। पिकअप स्वीकार करने के लिए 1 दबाएँ, मना करने के लिए 0 दबाएँ।`,
    accepted: 'धन्यवाद। पिकअप आपको सौंप दिया गया है।',
    rejected: 'धन्यवाद। हम दूसरा राइडर भेजेंगे।',
    no_response: 'हमें कोई जवाब नहीं मिला। धन्यवाद।',
  };
}

/** What the caller hears before a person is dialled (the provider's flow or <Dial> follows). */
export const HANDOVER_LINE: Record<Language, string> = {
  en: 'Please hold, I am connecting you to a colleague.',
  hi: 'कृपया लाइन पर रहें, मैं आपको हमारे साथी से जोड़ रही हूँ।',
};
export const handOverLine = (language: string): string => HANDOVER_LINE[language as Language] ?? HANDOVER_LINE.en;

const keyName: Record<Language, (key: string) => string> = {
  en: (key) => (key === '*' ? 'star' : key),
  hi: (key) => (key === '*' ? 'स्टार' : key),
};

const PERSON_OFFER: Record<Language, (key: string) => string> = {
  en: (key) => `Or press ${keyName.en(key)} to speak to a person.`,
  hi: (key) => `किसी व्यक्ति से बात करने के लिए ${keyName.hi(key)} दबाएँ।`,
};

/**
 * A keypad call with a way to a person: the hand-over line, and the person key offered on the
 * menus that take it (`menus`; a typed number such as the prep time never offers it, its keys are
 * minutes). A caller who can come back from nobody answering (`noAgent: 'bot'`) and asks again is
 * promised a call back: `no_agent`, the voicemail words. Without a handoff path the texts stay as they are.
 */
export function withPersonKey(
  texts: Texts, language: Language, handoff: { handoffKey?: string; noAgent?: 'bot' | 'voicemail'; voicemailText?: string } | undefined, menus: string[],
): Texts {
  if (!handoff) return texts;
  const all: Texts = { ...texts, handover: HANDOVER_LINE[language], ...(handoff.noAgent === 'bot' && handoff.voicemailText && { no_agent: handoff.voicemailText }) };
  const key = handoff.handoffKey;
  if (key) for (const menu of menus) all[menu] = `${texts[menu]} ${PERSON_OFFER[language](key)}`;
  return all;
}

/** Adds a "sorry, again" variant for every question prompt. */
export function withRetries(texts: Texts, language: Language, questions: string[]): Texts {
  const all: Texts = { ...texts };
  for (const q of questions) all[`${q}_retry`] = retryText(language, texts[q]);
  return all;
}

// Digit parsers: undefined means "not a valid answer" and triggers a reprompt.
export function parseAcceptReject(digits: string): 'accept' | 'reject' | undefined {
  return digits === '1' ? 'accept' : digits === '0' ? 'reject' : undefined;
}

export function parsePrepTime(digits: string): number | undefined {
  if (digits in PREP_TIME_MENU) return PREP_TIME_MENU[digits];
  if (/^\d{2,3}$/.test(digits)) {
    const minutes = Number(digits);
    if (minutes >= 5 && minutes <= 180) return minutes;
  }
  return undefined;
}

export function parseRejectionReason(digits: string): RejectionReason | undefined {
  return REJECTION_MENU[digits];
}
