/** Visitors and leads: search by email or id, a person's timeline, attribution and score with its reasoning. */
import { useState } from 'preact/hooks';
import { query } from '../../shared/api-client';
import { ErrorNote, Field, href, html, MoreButton, Section, Status, Time, useLoad, usePaged, type Page } from '../../shared/ui';
import type { WorkflowLink } from '../../shared/webhook-views';
import { v1 } from '../console-api';
import { workflowIds } from '../../../core/platform/temporal/workflow-ids';

interface LeadScoring {
  lead_score: number;
  grade: string;
  lead_potential: string;
  confidence: number;
  reasoning: Array<{ rule_id: string; points: number; reason: string }>;
  summary: string;
  scored_at: string;
}

interface Visitor {
  id: string;
  email: string | null;
  person_details: { name?: string | null; organization?: string | null };
  company_details: { name: string | null; domain: string } | null;
  web_activity_summary: { total_page_visits: number; total_website_sessions: number; first_seen: string | null; last_seen: string | null };
  identified_at: string | null;
  lead_id: string | null;
  lead_scoring: LeadScoring | null;
  qualified_segments: string[];
}

interface Attribution {
  attribution_details: {
    landing_page: string | null;
    landing_page_source: string | null;
    landing_page_medium: string | null;
    last_touch_source: string | null;
    last_touch_medium: string | null;
    click_ids: Record<string, string>;
  };
}

type Activity =
  | { activity_type: 'links'; id: string; page_title: string | null; link: string; form: boolean; created_on: string; page_duration: number | null }
  | { activity_type: 'custom_activity'; id: string; category: string; label: string; created_on: string }
  | { activity_type: 'email'; id: string; subject: string; created_on: string };

interface Lead {
  id: string;
  visitor_id: string | null;
  full_name: string | null;
  email: string | null;
  status: string;
  lead_source: string | null;
  created_at: string;
  lead_scoring: LeadScoring | null;
}

function ScoreView({ scoring }: { scoring: LeadScoring | null }) {
  if (!scoring) return html`<p>Not scored yet.</p>`;
  return html`<dl class="facts">
      <dt>Score</dt><dd><strong class="lead-score">${scoring.lead_score}</strong> / 100, grade ${scoring.grade} (${scoring.lead_potential})</dd>
      <dt>Confidence</dt><dd>${Math.round(scoring.confidence * 100)}%</dd>
      <dt>Summary</dt><dd>${scoring.summary}</dd>
      <dt>Scored</dt><dd><${Time} iso=${scoring.scored_at} /></dd>
    </dl>
    <h3>Reasoning</h3>
    ${scoring.reasoning.length === 0
      ? html`<p>No rule contributed.</p>`
      : html`<ul class="reasoning">${scoring.reasoning.map((r) => html`<li>${r.points > 0 ? '+' : ''}${r.points} — ${r.reason} <small>(${r.rule_id})</small></li>`)}</ul>`}`;
}

function activityText(a: Activity): string {
  if (a.activity_type === 'links') return `Viewed ${a.page_title ? `${a.page_title} — ` : ''}${a.link}${a.form ? ' (submitted a form)' : ''}`;
  if (a.activity_type === 'custom_activity') return `${a.category}: ${a.label}`;
  return `Email: ${a.subject}`;
}

export function PeoplePage() {
  const [q, setQ] = useState('');
  const visitors = usePaged<Visitor>((before) => v1.get<Page<Visitor>>(`/visitors${query({ limit: 20, before })}`), 'visitors');
  const leads = usePaged<Lead>((before) => v1.get<Page<Lead>>(`/leads${query({ limit: 20, before })}`), 'leads');
  return html`<h1 tabindex="-1">Visitors and leads</h1>
    <form class="filters" role="search" onSubmit=${(e: Event) => {
      e.preventDefault();
      if (q.trim()) location.hash = href('visitors', q.trim());
    }}>
      <${Field} id="visitor-search" label="Email or visitor id" value=${q} onValue=${setQ} type="search" />
      <button type="submit">Find</button>
    </form>
    <${Section} title="Recently active visitors">
      <${ErrorNote} error=${visitors.error} />
      <ul>${visitors.items.map((v) => html`<li><a href=${href('visitors', v.id)}>${v.email ?? v.id}</a> — ${v.web_activity_summary.total_page_visits} page views, last seen <${Time} iso=${v.web_activity_summary.last_seen} /></li>`)}</ul>
      <${MoreButton} list=${visitors} />
    <//>
    <${Section} title="Leads">
      <${ErrorNote} error=${leads.error} />
      <ul>${leads.items.map((l) => html`<li><a href=${href('leads', l.id)}>${l.full_name ?? l.email ?? l.id}</a> — <${Status} value=${l.status} />${l.lead_scoring ? ` score ${l.lead_scoring.lead_score} (${l.lead_scoring.grade})` : ''}, <${Time} iso=${l.created_at} /></li>`)}</ul>
      <${MoreButton} list=${leads} />
    <//>`;
}

export function VisitorPage({ idOrEmail, workspaceId, workflowLink }: { idOrEmail: string; workspaceId: string; workflowLink: WorkflowLink }) {
  const visitor = useLoad(() => v1.get<Visitor>(`/visitors/${encodeURIComponent(idOrEmail)}`), idOrEmail);
  const v = visitor.value;
  return html`<h1 tabindex="-1">${v ? (v.email ?? v.id) : idOrEmail}</h1>
    <${ErrorNote} error=${visitor.error} />
    ${v && html`<${VisitorDetail} v=${v} workspaceId=${workspaceId} workflowLink=${workflowLink} />`}`;
}

function VisitorDetail({ v, workspaceId, workflowLink }: { v: Visitor; workspaceId: string; workflowLink: WorkflowLink }) {
  const timeline = usePaged<Activity>((before) => v1.get<Page<Activity>>(`/visitors/${encodeURIComponent(v.id)}/activities${query({ limit: 25, before })}`), v.id);
  const attribution = useLoad(() => v1.get<Attribution>(`/visitors/${encodeURIComponent(v.id)}/attribution`), v.id);
  const a = attribution.value?.attribution_details;
  const person = workflowLink(workflowIds.person(workspaceId, v.id));
  return html`<dl class="facts">
      <dt>Visitor id</dt><dd><code>${v.id}</code></dd>
      <dt>Name</dt><dd>${v.person_details.name ?? '—'}</dd>
      <dt>Company</dt><dd>${v.company_details ? `${v.company_details.name ?? ''} (${v.company_details.domain})` : '—'}</dd>
      <dt>Identified</dt><dd><${Time} iso=${v.identified_at} /></dd>
      <dt>Activity</dt><dd>${v.web_activity_summary.total_page_visits} page views in ${v.web_activity_summary.total_website_sessions} sessions, first seen <${Time} iso=${v.web_activity_summary.first_seen} /></dd>
      <dt>Segments</dt><dd>${v.qualified_segments.join(', ') || '—'}</dd>
      <dt>Lead</dt><dd>${v.lead_id ? html`<a href=${href('leads', v.lead_id)}>${v.lead_id}</a>` : '—'}</dd>
      ${person && html`<dt>Workflow</dt><dd><a href=${person} target="_blank" rel="noopener noreferrer">${workflowIds.person(workspaceId, v.id)}</a></dd>`}
    </dl>
    <${Section} title="Score"><${ScoreView} scoring=${v.lead_scoring} /><//>
    <${Section} title="Attribution">
      <${ErrorNote} error=${attribution.error} />
      ${a
        ? html`<dl class="facts">
            <dt>Landing page</dt><dd>${a.landing_page ?? '—'}</dd>
            <dt>First touch</dt><dd>${a.landing_page_source ?? '—'} / ${a.landing_page_medium ?? '—'}</dd>
            <dt>Last touch</dt><dd>${a.last_touch_source ?? '—'} / ${a.last_touch_medium ?? '—'}</dd>
            <dt>Click ids</dt><dd>${Object.entries(a.click_ids).map(([k, val]) => `${k}=${val}`).join(', ') || '—'}</dd>
          </dl>`
        : html`<p>No attribution yet.</p>`}
    <//>
    <${Section} title="Timeline">
      <${ErrorNote} error=${timeline.error} />
      ${timeline.items.length === 0 && !timeline.loading && html`<p>No activity yet.</p>`}
      <ol class="timeline">${timeline.items.map((item) => html`<li><${Time} iso=${item.created_on} /> — ${activityText(item)}</li>`)}</ol>
      <${MoreButton} list=${timeline} />
    <//>`;
}

export function LeadPage({ id }: { id: string }) {
  const lead = useLoad(() => v1.get<Lead & { enrichment: { person?: Record<string, unknown>; company?: Record<string, unknown> } | null }>(`/leads/${encodeURIComponent(id)}`), id);
  const l = lead.value;
  return html`<h1 tabindex="-1">Lead ${l ? (l.full_name ?? l.email ?? id) : id}</h1>
    <${ErrorNote} error=${lead.error} />
    ${l &&
    html`<dl class="facts">
        <dt>Email</dt><dd>${l.email ?? '—'}</dd>
        <dt>Status</dt><dd><${Status} value=${l.status} /></dd>
        <dt>Source</dt><dd>${l.lead_source ?? '—'}</dd>
        <dt>Created</dt><dd><${Time} iso=${l.created_at} /></dd>
        <dt>Visitor</dt><dd>${l.visitor_id ? html`<a href=${href('visitors', l.visitor_id)}>${l.visitor_id}</a>` : '—'}</dd>
      </dl>
      <${Section} title="Score"><${ScoreView} scoring=${l.lead_scoring} /><//>
      <${Section} title="Enrichment">${l.enrichment ? html`<pre tabindex="0">${JSON.stringify(l.enrichment, null, 2)}</pre>` : html`<p>Not enriched yet.</p>`}
        <p><small>IP-to-network data (the ip-network provider) by <a href="https://db-ip.com">DB-IP</a>, licensed CC BY 4.0.</small></p><//>`}`;
}
