// Jupiter's requests, validated at the edge; everything past here trusts these types.
import { z } from 'zod';
import { PROVIDER_NAMES } from '../providers/registry';
import type { RiderAssignmentRequest, VendorOrderConfirmationRequest } from '../workflows/types';

const e164 = z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number such as +919812345678');
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _ . : -');
const name = z.string().trim().min(1).max(100);
const language = z.enum(['hi', 'en']).default('hi');
const provider = z.enum(PROVIDER_NAMES).optional();
/** How a keypad call reaches the callee: the provider's IVR (default) or our media stream. */
const keypadMode = z.enum(['ivr', 'voicebot']).default('ivr');

export const VendorOrderConfirmationSchema = z.object({
  order_id: id,
  vendor_id: id,
  vendor_phone: e164,
  vendor_name: name,
  vendor_address: z.string().trim().max(200).optional(),
  customer_name: name.optional(),
  order_items: z
    .array(z.object({ name, quantity: z.number().int().positive().max(999), price: z.number().nonnegative().optional() }))
    .min(1)
    .max(50),
  order_amount: z.number().nonnegative(),
  payment_method: z.string().trim().max(40).optional(),
  language,
  rider: z.object({ rider_id: id, rider_phone: e164, rider_name: name }).optional(),
  provider,
  mode: keypadMode,
});

export const RiderAssignmentSchema = z.object({
  order_id: id,
  rider_id: id,
  rider_phone: e164,
  rider_name: name,
  restaurant_name: name,
  restaurant_address: z.string().trim().min(1).max(200),
  pickup_time_minutes: z.number().int().min(0).max(24 * 60),
  language,
  provider,
  mode: keypadMode,
});

export const QuestionnaireSchema = z.object({
  call_key: id,
  phone: e164,
  name,
  language,
  provider,
  /** A shorter limit than VOICE_MAX_CALL_SECONDS for this call. */
  max_call_seconds: z.number().int().min(5).optional(),
});

export const LeadQualificationSchema = z.object({
  lead_id: id,
  phone: e164,
  name,
  language,
  fields: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'snake_case field names')).min(1).max(10).default(['property_type', 'location', 'budget']),
  topic: z.string().trim().min(1).max(100).default('property options'),
  provider,
  max_call_seconds: z.number().int().min(5).optional(),
});

/** QUESTIONNAIRE_CONFIG: the questions per language and how many yes answers qualify. */
export const QuestionnaireConfigSchema = z.object({
  questions: z.object({ en: z.array(z.string().min(1)).min(1).max(10), hi: z.array(z.string().min(1)).min(1).max(10) }),
  minYes: z.number().int().min(0).optional(),
});

/**
 * Outbound calls: <call type>-<business key>; inbound calls: inbound-<provider>-<CallSid> (workflows/messages.ts inboundCallId);
 * calls registered from outside: call-<key> (registeredCallId).
 */
export const CallIdSchema = z
  .string()
  .regex(new RegExp(`^((vendor-order-confirmation|rider-assignment|questionnaire|lead-qualification|call)|inbound-(${PROVIDER_NAMES.join('|')}))-[A-Za-z0-9_.:-]{1,64}$`), 'not a call id');

// The workflow input types and these schemas must agree.
const vendorCheck: VendorOrderConfirmationRequest = {} as z.infer<typeof VendorOrderConfirmationSchema>;
const riderCheck: RiderAssignmentRequest = {} as z.infer<typeof RiderAssignmentSchema>;
void vendorCheck;
void riderCheck;
