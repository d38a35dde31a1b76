// The lines `npm start` gives the simulator when INBOUND_ROUTES is unset: one per bot, so a
// developer can ring each of them from /simulator without configuring anything.
export const DEV_SIMULATOR_LINES = {
  '+911800100001': { bot: 'questionnaire', language: 'en' },
  '+911800100002': { bot: 'questionnaire', language: 'hi' },
  '+911800100003': { bot: 'lead-qualification', language: 'en', topic: 'home loans', fields: ['city', 'budget'] },
  '+911800100004': { bot: 'appointment-agent', language: 'en' },
};
