// Muse chat page: plain JS, no build step, no network beyond this server.
'use strict';

const $ = (sel) => document.querySelector(sel);
const state = { conversationId: null, history: [], images: [], controller: null, key: localStorage.getItem('muse.key') || '' };

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  if (state.key) h['Authorization'] = 'Bearer ' + state.key;
  return h;
}

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.message) || ('HTTP ' + res.status));
  return data;
}

function banner(text) {
  const b = $('#banner');
  b.textContent = text || '';
  b.hidden = !text;
}

// ---- rendering text: escaped, with fenced code blocks and inline code

function renderText(target, text) {
  target.textContent = '';
  const parts = (text || '').split(/```/);
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      const nl = part.indexOf('\n');
      const pre = el('pre');
      pre.appendChild(el('code', null, nl >= 0 ? part.slice(nl + 1) : part));
      target.appendChild(pre);
    } else {
      part.split(/(`[^`\n]+`)/).forEach((seg) => {
        if (seg.startsWith('`') && seg.endsWith('`') && seg.length > 2) target.appendChild(el('code', null, seg.slice(1, -1)));
        else target.appendChild(document.createTextNode(seg));
      });
    }
  });
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((p) => p.type === 'text').map((p) => p.text).join('');
  return '';
}

function contentImages(content) {
  if (!Array.isArray(content)) return [];
  return content.filter((p) => p.type === 'image_url').map((p) => (typeof p.image_url === 'string' ? p.image_url : p.image_url.url));
}

// ---- messages

function addUserMessage(content) {
  const m = el('div', 'msg user');
  m.appendChild(el('div', 'role', 'You'));
  const t = el('div', 'text');
  renderText(t, contentText(content));
  m.appendChild(t);
  contentImages(content).forEach((url) => { const img = el('img', 'thumb'); img.src = url; m.appendChild(img); });
  $('#messages').appendChild(m);
  scroll();
}

/** An assistant message view that fills as stream events arrive. */
function assistantView() {
  const m = el('div', 'msg assistant');
  const role = el('div', 'role', 'Muse');
  const modeBadge = el('span', 'badge');
  role.appendChild(modeBadge);
  m.appendChild(role);
  const stages = el('div', 'stages');
  const notices = el('div');
  const reasoning = el('details', 'reasoning');
  reasoning.appendChild(el('summary', null, 'Reasoning'));
  const reasoningText = el('div', 'text');
  reasoning.appendChild(reasoningText);
  reasoning.hidden = true;
  const agents = el('div', 'agents');
  const tools = el('div');
  const consensus = el('div', 'consensus');
  consensus.hidden = true;
  const final = el('div', 'final');
  const finalLabel = el('div', 'final-label');
  finalLabel.hidden = true;
  const answer = el('div', 'text final-answer');
  final.append(finalLabel, answer);
  const artifacts = el('div');
  const stats = el('div', 'stats');
  m.append(stages, notices, reasoning, agents, tools, consensus, final, artifacts, stats);
  $('#messages').appendChild(m);
  const v = {
    m, modeBadge, stages, notices, reasoning, reasoningText, agents, tools, consensus, finalLabel, answer, artifacts, stats,
    cards: {}, answerText: '', reasoningBuf: '',
  };
  return v;
}

function card(v, id, role) {
  if (v.cards[id]) return v.cards[id];
  const c = el('div', 'agent-card');
  c.dataset.agent = id;
  const h = el('h4');
  h.append(el('span', null, id + (role ? ' · ' + role : '')), el('span', 'status', 'working…'));
  const r = el('details', 'reasoning');
  r.appendChild(el('summary', null, 'reasoning'));
  const rt = el('div', 'text');
  r.appendChild(rt);
  r.hidden = true;
  const t = el('div', 'text');
  const a = el('div', 'answer');
  c.append(h, r, t, a);
  v.agents.appendChild(c);
  const o = { c, status: h.lastChild, r, rt, t, a, text: '', reasoning: '' };
  v.cards[id] = o;
  return o;
}

function toolLine(parent, text, error) {
  parent.appendChild(el('div', 'tool' + (error ? ' error' : ''), text));
}

function onMuse(v, e) {
  switch (e.type) {
    case 'run': v.modeBadge.textContent = e.mode; v.runId = e.run_id; break;
    case 'stage':
      v.stages.appendChild(el('span', null, e.name + (e.detail ? ': ' + e.detail : '')));
      // a new stage starts new calls: the agents' next text is a new section, not a continuation
      Object.values(v.cards).forEach((k) => { if (k.text) k.section = true; });
      break;
    case 'agent_started': { const k = card(v, e.agent, e.role); if (e.task) k.c.title = e.task; break; }
    case 'agent_delta': {
      const k = card(v, e.agent);
      if (k.section) { k.text += '\n\n↻ '; k.section = false; }
      k.text += e.text;
      renderText(k.t, k.text);
      break;
    }
    case 'agent_reasoning': { const k = card(v, e.agent); k.reasoning += e.text; k.r.hidden = false; k.rt.textContent = k.reasoning; break; }
    case 'agent_finished': {
      const k = card(v, e.agent);
      k.status.textContent = e.error ? 'failed' : ((e.elapsed_ms / 1000).toFixed(1) + ' s');
      if (e.error) { k.c.classList.add('failed'); k.a.textContent = e.error; } else if (e.answer) k.a.textContent = '→ ' + e.answer;
      break;
    }
    case 'refined': { const k = card(v, e.agent); k.a.textContent = '→ (refined ' + e.round + ') ' + e.after; break; }
    case 'tool_call': toolLine(e.agent && v.cards[e.agent] ? v.cards[e.agent].c : v.tools, '⚙ ' + e.name + '(' + e.arguments + ')'); break;
    case 'tool_result': toolLine(e.agent && v.cards[e.agent] ? v.cards[e.agent].c : v.tools, '↳ ' + e.name + ': ' + e.result, e.error); break;
    case 'notice': v.notices.appendChild(el('div', 'notice', '⚠ ' + e.message)); break;
    case 'consensus': showConsensus(v, e.consensus); break;
    case 'failed': v.notices.appendChild(el('div', 'notice', (e.agent ? e.agent + ': ' : '') + e.message)); break;
    case 'done': finishView(v, e); break;
    default: break;
  }
  scroll();
}

function showConsensus(v, c) {
  if (!c) return;
  v.consensus.hidden = false;
  v.consensus.textContent = '';
  const pct = Math.round((c.agreement || 0) * 100);
  v.consensus.appendChild(el('div', null, 'Consensus: ' + pct + '% agreement (' + (c.method || '') + ')'));
  const bar = el('div', 'bar');
  const fill = el('div');
  fill.style.width = pct + '%';
  bar.appendChild(fill);
  v.consensus.appendChild(bar);
  (c.clusters || []).forEach((cl) => {
    v.consensus.appendChild(el('div', null, '• ' + (cl.agents || []).join(', ') + ' → ' + cl.answer + ' (weight ' + cl.weight + ')'));
  });
  if (c.rationale) v.consensus.appendChild(el('div', 'muted', c.rationale));
  const winners = c.clusters && c.clusters.length ? c.clusters[0].agents || [] : [];
  winners.forEach((id) => { if (v.cards[id]) v.cards[id].c.classList.add('agreed'); });
  if (winners.length) {
    v.finalLabel.hidden = false;
    v.finalLabel.textContent = '✔ agreed by ' + winners.join(', ');
  }
}

function showArtifacts(v, list) {
  (list || []).forEach((a) => {
    v.artifacts.appendChild(el('div', 'muted', a.kind.toUpperCase() + ' · ' + a.title));
    const f = document.createElement('iframe');
    f.className = 'artifact';
    f.setAttribute('sandbox', 'allow-scripts'); // no same-origin: the artifact cannot read the page or its key
    f.srcdoc = a.kind === 'svg' ? '<!doctype html><body style="margin:0">' + a.content + '</body>' : a.content;
    v.artifacts.appendChild(f);
  });
}

function showStats(v, meta) {
  const u = meta.usage || {};
  const r = (u.completion_tokens_details || {}).reasoning_tokens || 0;
  v.stats.textContent = [
    'mode ' + (meta.mode || '?') + (meta.requested_mode && meta.requested_mode !== meta.mode ? ' (asked ' + meta.requested_mode + ')' : ''),
    (u.prompt_tokens || 0) + ' in / ' + (u.completion_tokens || 0) + ' out / ' + r + ' reasoning tokens',
    ((meta.elapsed_ms || 0) / 1000).toFixed(1) + ' s',
    meta.agents ? meta.agents + ' agent' + (meta.agents > 1 ? 's' : '') : '',
  ].filter(Boolean).join(' · ');
  v.modeBadge.textContent = meta.mode || v.modeBadge.textContent;
}

function finishView(v, meta) {
  showStats(v, meta);
  if (meta.consensus) showConsensus(v, meta.consensus);
  showArtifacts(v, meta.artifacts);
  (meta.tool_calls || []).forEach((t) => toolLine(v.tools, '⇢ client tool ' + t.name + '(' + t.arguments + ')'));
}

function showAssistant(msg) {
  const v = assistantView();
  const meta = msg.meta || {};
  v.answerText = contentText(msg.content);
  renderText(v.answer, v.answerText);
  if (msg.reasoning_content) { v.reasoning.hidden = false; v.reasoningText.textContent = msg.reasoning_content; }
  finishView(v, meta);
  if (msg.run_id && meta.agents > 1) {
    const b = el('button', 'badge', 'show agents');
    b.type = 'button';
    b.onclick = async () => {
      b.remove();
      const run = await api('GET', '/v1/muse/runs/' + msg.run_id);
      (run.agents || []).forEach((a) => {
        const k = card(v, a.id, a.role);
        k.text = a.reasoning ? '' : '';
        k.status.textContent = a.error ? 'failed' : ((a.elapsed_ms / 1000).toFixed(1) + ' s');
        k.a.textContent = a.error ? a.error : '→ ' + (a.answer || '');
      });
      if (run.consensus) showConsensus(v, run.consensus);
    };
    v.stats.appendChild(b);
  }
}

function scroll() {
  const m = $('#messages');
  m.scrollTop = m.scrollHeight;
}

// ---- conversations

async function loadConversations() {
  const list = await api('GET', '/v1/muse/conversations');
  const ul = $('#conversations');
  ul.textContent = '';
  list.data.forEach((c) => {
    const li = el('li');
    li.dataset.id = c.id;
    if (c.id === state.conversationId) li.classList.add('active');
    li.appendChild(el('span', null, c.title));
    const del = el('span', 'del', '✕');
    del.title = 'Delete';
    del.onclick = async (ev) => {
      ev.stopPropagation();
      await api('DELETE', '/v1/muse/conversations/' + c.id);
      if (state.conversationId === c.id) newConversation();
      loadConversations();
    };
    li.appendChild(del);
    li.onclick = () => openConversation(c.id);
    ul.appendChild(li);
  });
}

async function openConversation(id) {
  const c = await api('GET', '/v1/muse/conversations/' + id);
  state.conversationId = c.id;
  state.history = [];
  $('#messages').textContent = '';
  c.messages.forEach((m) => {
    if (m.role === 'user') addUserMessage(m.content);
    else showAssistant(m);
    state.history.push({ role: m.role, content: m.content });
  });
  loadConversations();
}

function newConversation() {
  state.conversationId = null;
  state.history = [];
  $('#messages').textContent = '';
  document.querySelectorAll('#conversations li').forEach((li) => li.classList.remove('active'));
  $('#input').focus();
}

// ---- images

function addImageFile(file) {
  if (!file || !file.type.startsWith('image/')) return;
  const reader = new FileReader();
  reader.onload = () => { state.images.push(reader.result); renderAttachments(); };
  reader.readAsDataURL(file);
}

function renderAttachments() {
  const box = $('#attachments');
  box.textContent = '';
  state.images.forEach((url, i) => {
    const a = el('span', 'att');
    const img = el('img');
    img.src = url;
    const x = el('button', null, '✕');
    x.type = 'button';
    x.onclick = () => { state.images.splice(i, 1); renderAttachments(); };
    a.append(img, x);
    box.appendChild(a);
  });
}

// ---- sending and streaming

async function send(ev) {
  ev.preventDefault();
  const text = $('#input').value.trim();
  if (!text && state.images.length === 0) return;
  if (state.controller) return;
  banner('');
  try {
    if (!state.conversationId) {
      const c = await api('POST', '/v1/muse/conversations', { title: text.slice(0, 60) || 'Image' });
      state.conversationId = c.id;
    }
  } catch (e) { banner(e.message); return; }
  const content = state.images.length
    ? [...(text ? [{ type: 'text', text }] : []), ...state.images.map((url) => ({ type: 'image_url', image_url: { url } }))]
    : text;
  $('#input').value = '';
  state.images = [];
  renderAttachments();
  addUserMessage(content);
  state.history.push({ role: 'user', content });
  const mode = $('#mode').value;
  const body = {
    model: 'muse-' + mode,
    messages: state.history,
    stream: true,
    stream_options: { include_usage: true },
    muse: { mode, conversation_id: state.conversationId },
  };
  if (mode === 'contemplating' || mode === 'auto') body.muse.agents = parseInt($('#agents').value, 10) || 4;
  const v = assistantView();
  setBusy(true);
  state.controller = new AbortController();
  try {
    const res = await fetch('/v1/chat/completions', { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal: state.controller.signal });
    if (!res.ok) {
      const data = await res.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || ('HTTP ' + res.status));
    }
    await readStream(res, v);
    state.history.push({ role: 'assistant', content: v.answerText });
  } catch (e) {
    if (e.name === 'AbortError') v.notices.appendChild(el('div', 'notice', 'Stopped.'));
    else v.answer.appendChild(el('div', 'error-text', e.message));
  } finally {
    state.controller = null;
    setBusy(false);
    loadConversations().catch(() => {});
  }
}

async function readStream(res, v) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let idx;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        onChunk(v, chunk);
      }
    }
  }
}

function onChunk(v, chunk) {
  if (chunk.muse) onMuse(v, chunk.muse);
  const c = chunk.choices && chunk.choices[0];
  if (!c || !c.delta) return;
  if (c.delta.reasoning_content) {
    v.reasoning.hidden = false;
    v.reasoningBuf += c.delta.reasoning_content;
    v.reasoningText.textContent = v.reasoningBuf;
  }
  if (c.delta.content) {
    v.answerText += c.delta.content;
    renderText(v.answer, v.answerText);
  }
  if (c.delta.tool_calls) c.delta.tool_calls.forEach((t) => toolLine(v.tools, '⇢ client tool ' + t.function.name + '(' + t.function.arguments + ')'));
  scroll();
}

function setBusy(busy) {
  $('#send').hidden = busy;
  $('#stop').hidden = !busy;
}

// ---- start

async function init() {
  $('#composer').addEventListener('submit', send);
  $('#input').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.shiftKey) send(e); });
  $('#stop').onclick = () => { if (state.controller) state.controller.abort(); };
  $('#new-chat').onclick = newConversation;
  $('#mode').onchange = () => { const m = $('#mode').value; $('#agents-label').hidden = !(m === 'contemplating' || m === 'auto'); };
  $('#file').onchange = (e) => { [...e.target.files].forEach(addImageFile); e.target.value = ''; };
  const composer = $('#composer');
  composer.addEventListener('dragover', (e) => { e.preventDefault(); composer.classList.add('drag'); });
  composer.addEventListener('dragleave', () => composer.classList.remove('drag'));
  composer.addEventListener('drop', (e) => { e.preventDefault(); composer.classList.remove('drag'); [...e.dataTransfer.files].forEach(addImageFile); });
  $('#input').addEventListener('paste', (e) => { [...(e.clipboardData || {}).files || []].forEach(addImageFile); });
  $('#save-key').onclick = () => { state.key = $('#api-key').value.trim(); localStorage.setItem('muse.key', state.key); start(); };
  $('#api-key').value = state.key;
  await start();
}

async function start() {
  try {
    const info = await api('GET', '/v1/muse/info');
    $('#key-box').hidden = !info.auth_required;
    $('#server-info').textContent = 'backends: ' + info.backends.join(', ');
    $('#mode').value = info.default_mode || 'auto';
    $('#mode').onchange();
    if (info.auth_required && !state.key) { banner('This server needs an API key: enter it in the sidebar.'); return; }
    banner('');
    await loadConversations();
  } catch (e) {
    banner(e.message);
  }
}

init();
