import type { PlanNodeType } from '../../plans/schema.js';

/**
 * A new step of each type, as the editor adds it: the required fields with sensible values and
 * the transitions empty, so the plan schema names each one the admin still has to fill in.
 * test/web/nodeTemplates.test.ts checks that filling the transitions gives a valid node.
 */
export const NODE_TEMPLATES: Record<PlanNodeType, Record<string, unknown>> = {
  announcement: { type: 'announcement', prompts: [], next: '' },
  menu: { type: 'menu', prompts: [], options: { '1': '' }, timeoutMs: 5000, retries: 2, invalid: ['nl/ongeldige-keuze'], fallback: '' },
  schedule: {
    type: 'schedule',
    timezone: 'Europe/Amsterdam',
    weekly: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
    holidays: { country: 'NL', closed: true },
    open: '',
    closed: '',
  },
  forward: { type: 'forward', to: { account: '' }, ringTimeoutMs: 20000, onBusy: '', onNoAnswer: '', onFailure: '' },
  huntgroup: { type: 'huntgroup', strategy: 'simultaneous', members: [{ account: '' }], ringTimeoutMs: 60000, onNoAnswer: '', onBusy: '' },
  voicemail: { type: 'voicemail', box: '' },
  fax: { type: 'fax', email: [] },
  hangup: { type: 'hangup', cause: 'normal' },
};

export const NODE_TYPES = Object.keys(NODE_TEMPLATES) as PlanNodeType[];

/** What a new plan starts as; each is a valid plan (test/web/nodeTemplates.test.ts parses them). */
export const PLAN_TEMPLATES = ['announcement', 'officeHours', 'hangup'] as const;
export type PlanTemplate = (typeof PLAN_TEMPLATES)[number];

export function planFromTemplate(template: PlanTemplate, name: string): { name: string; start: string; nodes: Record<string, Record<string, unknown>> } {
  const hangup = { type: 'hangup', cause: 'normal' };
  switch (template) {
    case 'announcement':
      return { name, start: 'welkom', nodes: { welkom: { type: 'announcement', prompts: ['nl/welkom'], next: 'ophangen' }, ophangen: hangup } };
    case 'officeHours':
      return {
        name,
        start: 'openingstijden',
        nodes: {
          openingstijden: { ...structuredClone(NODE_TEMPLATES.schedule), open: 'welkom', closed: 'gesloten' },
          welkom: { type: 'announcement', prompts: ['nl/welkom'], next: 'ophangen' },
          gesloten: { type: 'announcement', prompts: ['nl/gesloten'], next: 'ophangen' },
          ophangen: hangup,
        },
      };
    case 'hangup':
      return { name, start: 'ophangen', nodes: { ophangen: hangup } };
  }
}
