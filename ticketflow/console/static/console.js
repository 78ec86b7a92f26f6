// The console's one script (the Content-Security-Policy allows no other and no inline
// code): keys for the frequent actions, selects that submit themselves, SLA countdowns.
"use strict";

function typing(event) {
  const t = event.target;
  // A ticked box has the focus after a click; the keys still work there.
  if (t instanceof HTMLInputElement && (t.type === "checkbox" || t.type === "radio")) return false;
  return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable);
}

function rows() { return Array.from(document.querySelectorAll("tr[data-row]")); }

function moveCurrent(step) {
  const all = rows();
  if (!all.length) return;
  let at = all.findIndex((row) => row.classList.contains("current"));
  if (at >= 0) all[at].classList.remove("current");
  at = Math.min(all.length - 1, Math.max(0, at + step));
  all[at].classList.add("current");
  const link = all[at].querySelector("a");
  if (link) link.focus();
}

function focusField(id) {
  const field = document.getElementById(id);
  if (!field) return;
  const folded = field.closest("details");
  if (folded) folded.open = true;
  field.focus();
  field.scrollIntoView({ block: "center" });
  // A search box's old query is selected: what he types replaces it.
  if (field instanceof HTMLInputElement && field.type === "search") field.select();
}

// Off a list (a ticket's page), j opens the queue's next ticket and k goes back.
function walk(step) {
  if (rows().length) { moveCurrent(step); return; }
  if (step < 0) { history.back(); return; }
  const next = document.querySelector("a[data-next]");
  if (next) next.click();
}

function click(selector) {
  const element = document.querySelector(selector);
  if (!element) return false;
  element.click();
  return true;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
  const key = event.key;
  if (key === "j") walk(+1);
  else if (key === "k") walk(-1);
  else if (key === "Enter" && document.querySelector("tr.current[data-href]")) {
    window.location.href = document.querySelector("tr.current[data-href]").dataset.href;
  } else if (key === "Enter" && document.querySelector("a[data-work]")) {
    document.querySelector("a[data-work]").click();  // a queue's next ticket, his alone
  } else if (key === "u") { if (!click("button[data-undo]")) return; }
  else if (key === "x") {
    // A queue view's selection: the current row ticked, or unticked.
    const box = document.querySelector("tr.current input[data-select]");
    if (!box) return;
    box.checked = !box.checked;
    lastTicked = rows().indexOf(box.closest("tr"));
  }
  else if (key === "r") focusField("reply");
  else if (key === "m") focusField("move");
  else if (key === "n") focusField("note");
  else if (key === "/") focusField("q");
  else if (key === "?") { const d = document.getElementById("keys"); if (d) d.showModal(); }
  else if (/^[1-9]$/.test(key)) {
    const button = document.querySelector(`button[data-macro="${key}"]`);
    if (button) button.click(); else return;
  } else return;
  event.preventDefault();
});

// Shift-click on a row's box ticks (or unticks) every row from the last one clicked.
let lastTicked = -1;
document.addEventListener("click", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-select")) return;
  const all = rows();
  const at = all.indexOf(box.closest("tr"));
  if (event.shiftKey && lastTicked >= 0 && at >= 0) {
    const [from, to] = at < lastTicked ? [at, lastTicked] : [lastTicked, at];
    for (const row of all.slice(from, to + 1)) {
      const each = row.querySelector("input[data-select]");
      if (each) each.checked = box.checked;
    }
  }
  lastTicked = at;
});

// A list's whole row opens its ticket (its links still work as links).
document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element) || target.closest("a, button, input, select, textarea")) return;
  const row = target.closest("tr[data-href]");
  if (row) window.location.href = row.dataset.href;
});

// The undo button goes once the desk's window is over (the workflow refuses it then).
for (const button of document.querySelectorAll("button[data-undo]")) {
  const left = Date.parse(button.dataset.until) - Date.now();
  setTimeout(() => button.closest("form").remove(), Math.max(0, left));
}

document.addEventListener("change", (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.hasAttribute("data-submit-on-change")) {
    select.form.requestSubmit();
  }
});

// An escalation's age keeps counting, in the page's words ("in {n} min", "{n} min ago").
function countdowns() {
  for (const el of document.querySelectorAll("time[data-countdown]")) {
    const left = Math.round((Date.parse(el.getAttribute("datetime")) - Date.now()) / 60000);
    el.dataset.left = String(left);
    const age = el.nextElementSibling;
    const words = left >= 0 ? el.dataset.in : el.dataset.ago;
    if (age && age.classList.contains("age") && words) {
      age.textContent = words.replace("{n}", String(Math.abs(left)));
    }
  }
}
countdowns();
setInterval(countdowns, 30000);

// A queue view: rows for the tickets that arrive while it is open (built with textContent:
// a subject is never markup).
function addRow(ticket) {
  const body = document.querySelector("tbody[data-rows]");
  if (!body) return;
  for (const link of body.querySelectorAll("a")) {
    if (link.textContent === ticket.number) return;
  }
  const empty = body.querySelector("td[colspan]");
  if (empty) empty.parentElement.remove();
  const row = document.createElement("tr");
  row.setAttribute("data-row", "");
  row.dataset.priority = String(ticket.priority);
  row.classList.add("arrived");
  const href = `/t/${encodeURIComponent(ticket.number)}`;
  row.dataset.href = href;
  const link = document.createElement("a");
  link.href = href;
  link.textContent = ticket.number;
  const subject = document.createElement("a");
  subject.href = href;
  subject.tabIndex = -1;
  subject.textContent = ticket.subject || body.dataset.noSubject || "";
  const cells = [link, subject, ticket.customer, ticket.queue, String(ticket.priority),
    ticket.owner || "–", ticket.escalation_shown || "–"];
  if (body.dataset.selectable) {
    // A selectable view's new row has its box too (its label: "Select {number}").
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = `t-${ticket.number}`;
    box.value = "1";
    box.setAttribute("data-select", "");
    box.setAttribute("aria-label", body.dataset.selectable.replace("{number}", ticket.number));
    cells.unshift(box);
  }
  for (const value of cells) {
    const cell = document.createElement("td");
    if (value instanceof Node) cell.appendChild(value); else cell.textContent = value;
    row.appendChild(cell);
  }
  // Oldest first: a new ticket is the last. Highest priority first: it goes above the
  // first ticket of a lower priority (the newest of its own priority).
  let before = null;
  if (body.dataset.order === "priority") {
    before = [...body.querySelectorAll("tr[data-priority]")].find(
      (other) => Number(other.dataset.priority) < ticket.priority) || null;
  }
  body.insertBefore(row, before);
}

const queueLive = document.querySelector("[data-live]");
if (queueLive && window.EventSource) {
  const events = new EventSource(queueLive.getAttribute("data-live"));
  events.addEventListener("ticket", (event) => addRow(JSON.parse(event.data)));
  for (const name of ["gone", "signed-out"]) events.addEventListener(name, () => events.close());
}

// A ticket's page: who owns it now, and who else has it open.
const ticketLive = document.querySelector("[data-live-ticket]");
if (ticketLive && window.EventSource) {
  const events = new EventSource(ticketLive.getAttribute("data-live-ticket"));
  events.addEventListener("status", (event) => {
    const now = JSON.parse(event.data);
    const owner = document.querySelector("[data-owner]");
    if (owner && now.owner) owner.textContent = now.owner;
    const state = document.querySelector("[data-state]");
    if (state) state.textContent = JSON.parse(state.dataset.words || "{}")[now.state] || now.state;
    // Taken by someone else meanwhile: his Take button goes (it would be refused).
    const take = document.querySelector("button[data-take]");
    if (take && now.owner && now.owner !== ticketLive.dataset.me) take.closest("form").remove();
    const viewers = document.querySelector("[data-viewers]");
    const label = document.querySelector("[data-viewers-label]");
    if (viewers) viewers.textContent = now.viewers.join(", ");
    if (label) label.hidden = now.viewers.length === 0;
  });
  for (const name of ["gone", "signed-out"]) events.addEventListener(name, () => events.close());
}

// The customer form: while he writes, help articles that match are suggested.
const writing = document.querySelector("textarea[data-suggest]");
if (writing) {
  const list = document.querySelector("[data-suggestions]");
  const box = list ? list.closest("section") : null;
  let timer = null;
  let asked = "";
  writing.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const text = writing.value.trim();
      if (text.length < 3 || text === asked || !list || !box) return;
      asked = text;
      const url = `${writing.dataset.suggest}&q=${encodeURIComponent(text.slice(-500))}`;
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const found = await response.json();
      list.replaceChildren(...found.map((article) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = article.url;
        link.textContent = article.title;
        link.target = "_blank";
        item.appendChild(link);
        return item;
      }));
      box.hidden = found.length === 0;
    }, 300);
  });
}

// A ticket's account panel: filled once the page has shown, so a slow account directory
// never holds the page up; a failure says the directory is unavailable.
const accountPanel = document.querySelector("[data-account]");
if (accountPanel) {
  const unavailable = () => {
    const line = document.createElement("p");
    line.className = "refused";
    line.textContent = accountPanel.dataset.unavailable;
    accountPanel.replaceChildren(line);
  };
  fetch(accountPanel.dataset.account, { headers: { Accept: "text/html" } })
    .then(async (response) => {
      if (!response.ok) { unavailable(); return; }
      // Our own server's fragment, rendered with autoescaping like every page.
      const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
      accountPanel.replaceChildren(...parsed.body.childNodes);
    })
    .catch(unavailable);
}
