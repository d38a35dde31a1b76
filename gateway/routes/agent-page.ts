// The page a human agent opens on a handoff (/agent/calls/:id?sig=...): the summary, the entities
// and the live transcript, refreshed every two seconds from /agent/calls/:id/context. The link's
// signature (lib/agent-page-link.ts) opens that one call and nothing else.
import { type Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { type Request, Router } from 'express';
import { validAgentPageSignature } from '../../lib/agent-page-link';
import type { Config } from '../../lib/config';
import { db } from '../../lib/db';
import { HttpError } from '../../lib/http-error';
import { callContextQuery } from '../../workflows/messages';
import { CallIdSchema } from '../schemas';

/** Transcript lines the page shows (the latest). */
const TRANSCRIPT_LINES = 200;

export function agentPage(client: Client, config: Config): Router {
  const router = Router();

  const authorized = (req: Request) => {
    const callId = CallIdSchema.safeParse(req.params.id);
    const sig = typeof req.query.sig === 'string' ? req.query.sig : '';
    if (!callId.success || !validAgentPageSignature(config, callId.data, sig)) throw new HttpError(403, 'forbidden', 'this link does not open that call');
    return callId.data;
  };

  async function contextOf(callId: string) {
    let context;
    try {
      context = await client.withDeadline(Date.now() + config.UPDATE_DEADLINE_MS, () => client.workflow.getHandle(callId).query(callContextQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || err instanceof QueryNotRegisteredError) throw new HttpError(404, 'unknown_call', `no call ${callId}`);
      throw err;
    }
    const lines = await db().transcriptEntry.findMany({ where: { callId }, orderBy: [{ seq: 'desc' }, { id: 'desc' }], take: TRANSCRIPT_LINES });
    const transcript = lines.reverse().map((l) => ({ seq: l.seq, speaker: l.speaker, text: l.text, at: l.spokenAt.toISOString() }));
    return { ...context, transcript };
  }

  router.get('/calls/:id/context', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await contextOf(authorized(req)));
  });

  router.get('/calls/:id', async (req, res) => {
    const callId = authorized(req);
    const context = await contextOf(callId);
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" });
    res.type('html').send(page(callId, context, `${req.baseUrl}/calls/${encodeURIComponent(callId)}/context?sig=${encodeURIComponent(String(req.query.sig))}`));
  });

  return router;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface PageContext {
  summary: string;
  state: string;
  entities: Record<string, string>;
  handoff?: { reason: string; requestedBy: string };
  transcript: { seq: number | null; speaker: string; text: string; at: string }[];
}

function page(callId: string, context: PageContext, contextUrl: string): string {
  const entities = Object.entries(context.entities).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('');
  const lines = context.transcript.map((l) => `<li class="${escape(l.speaker)}"><b>${escape(l.speaker)}</b> ${escape(l.text)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Call ${escape(callId)}</title>
<style>body{font:15px system-ui,sans-serif;margin:2em;max-width:60em}#summary{background:#f3f6fa;padding:1em;border-radius:6px}
th{text-align:left;padding-right:1em}li{margin:.3em 0}li.caller b{color:#a33}li.bot b,li.agent b{color:#36a}</style></head>
<body><h1>Call <code>${escape(callId)}</code> <small id="state">${escape(context.state)}</small></h1>
${context.handoff ? `<p id="handoff">Handed off: ${escape(context.handoff.reason)} (by ${escape(context.handoff.requestedBy)})</p>` : ''}
<h2>Summary</h2><p id="summary">${escape(context.summary)}</p>
<h2>What we know</h2><table id="entities">${entities || '<tr><td>nothing yet</td></tr>'}</table>
<h2>Transcript</h2><ol id="transcript">${lines}</ol>
<script>
const esc = (t) => String(t).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
async function refresh() {
  try {
    const r = await fetch(${JSON.stringify(contextUrl)});
    if (!r.ok) return;
    const c = await r.json();
    document.getElementById('state').textContent = c.state;
    document.getElementById('summary').textContent = c.summary;
    document.getElementById('entities').innerHTML = Object.entries(c.entities).map(([k, v]) => '<tr><th>' + esc(k) + '</th><td>' + esc(v) + '</td></tr>').join('') || '<tr><td>nothing yet</td></tr>';
    document.getElementById('transcript').innerHTML = c.transcript.map((l) => '<li class="' + esc(l.speaker) + '"><b>' + esc(l.speaker) + '</b> ' + esc(l.text) + '</li>').join('');
  } catch {}
}
setInterval(refresh, 2000);
</script></body></html>`;
}
