// Which bot answers a call we did not place, by the number the caller dialled: INBOUND_ROUTES
// (number → route) and INBOUND_DEFAULT_ROUTE (numbers not listed), validated at start-up.
// Numbers are matched in E.164, so "+918047112233" in the configuration matches Exotel's
// "08047112233".
import { z } from 'zod';
import { normalisePhone } from './phone';

const language = z.enum(['hi', 'en']).default('hi');

const QuestionnaireRoute = z
  .object({
    bot: z.literal('questionnaire'),
    language,
    /** voicebot: spoken answers over a media stream; ivr: the provider's keypad flow (1 yes, 2 no). */
    mode: z.enum(['voicebot', 'ivr']).default('voicebot'),
  })
  .strict();

const AppointmentRoute = z.object({ bot: z.literal('appointment-agent'), language }).strict();

const LeadQualificationRoute = z
  .object({
    bot: z.literal('lead-qualification'),
    language,
    /** What the line is about, for the greeting and the model. */
    topic: z.string().trim().min(1).max(100),
    fields: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'snake_case field names')).min(1).max(10),
  })
  .strict();

export const InboundRouteSchema = z.discriminatedUnion('bot', [QuestionnaireRoute, AppointmentRoute, LeadQualificationRoute]);
export type InboundRoute = z.infer<typeof InboundRouteSchema>;
export type InboundBot = InboundRoute['bot'];

/** How the route's bot talks to the caller; only the questionnaire has a keypad version. */
export function routeMode(route: InboundRoute): 'voicebot' | 'ivr' {
  return route.bot === 'questionnaire' ? route.mode : 'voicebot';
}

/** A JSON setting: the text is parsed, then checked by `schema`; bad JSON is an issue like any other. */
function json<T extends z.ZodTypeAny>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Dialled number (E.164) → route. Two spellings of one number are refused: which would win? */
const RouteTable = z.record(z.string(), InboundRouteSchema).transform((table, ctx) => {
  const routes = new Map<string, InboundRoute>();
  for (const [number, route] of Object.entries(table)) {
    const e164 = normalisePhone(number);
    if (!e164) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [number], message: 'is not a phone number' });
    else if (routes.has(e164)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [number], message: `is listed twice (as ${e164})` });
    else routes.set(e164, route);
  }
  return routes as ReadonlyMap<string, InboundRoute>;
});

export const InboundRoutesSetting = json(RouteTable);
export const InboundDefaultRouteSetting = json(InboundRouteSchema);

/** The route for a dialled number, else the default route, else none (the call is refused). */
export function routeFor(routes: ReadonlyMap<string, InboundRoute>, fallback: InboundRoute | undefined, dialled: string): InboundRoute | undefined {
  const e164 = normalisePhone(dialled);
  return (e164 && routes.get(e164)) || fallback;
}
