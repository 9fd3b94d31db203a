// Citations in the chat page. Gradio runs this once when the app loads (page, iframe or
// <gradio-app> web component). Clicking a [n] marker or a chip scrolls the article pane to the
// passage and highlights exactly [start, end) of the article text; where the pane is hidden
// (narrow screen, ?embed=1, web component) the passage opens inline under the answer instead.
// Only textContent and our own fixed markup are written: no article or user text becomes HTML.
if (window.__articleChat) return;
window.__articleChat = true;

const CITE = /#ac-cite-(\d+)-(\d+)$/;
const params = new URLSearchParams(window.location.search);
const hosted = [...document.querySelectorAll("gradio-app[src]")];
const embedded = params.get("embed") === "1" || hosted.length > 0;

if (embedded) {
  // Compact layout for a small box: chat only, passages expand inline. In an iframe the chat
  // fills the frame; a web component cannot see its box, so it takes a 600px-box size.
  const chatHeight = hosted.length ? "440px" : "max(240px, calc(100vh - 140px))";
  const style = document.createElement("style");
  style.id = "ac-embed-style";
  style.textContent = `
    #ac-article-col, #ac-header, #ac-picker, .gradio-container footer { display: none !important; }
    #ac-chatbot { height: ${chatHeight} !important; max-height: ${chatHeight} !important; }
    #ac-root, #ac-chat-col { gap: 6px !important; }
    .gradio-container > .main { padding: 6px 8px !important; }`;
  document.head.appendChild(style);
  document.documentElement.classList.add("ac-embedded"); // shows the title line and its link
}

// Python counts code points, JavaScript counts UTF-16 units: convert within one paragraph.
function units(text, codePoints) {
  let i = 0;
  while (codePoints > 0 && i < text.length) {
    i += text.codePointAt(i) > 0xffff ? 2 : 1;
    codePoints -= 1;
  }
  return i;
}

function clearHighlight(pane) {
  for (const mark of pane.querySelectorAll("mark.ac-hl")) {
    const parent = mark.parentNode;
    parent.replaceChild(document.createTextNode(mark.textContent), mark);
    parent.normalize();
  }
}

// Wrap [start, end) in <mark class="ac-hl"> inside every paragraph it touches; returns the first.
function highlight(pane, start, end) {
  clearHighlight(pane);
  let first = null;
  for (const span of pane.querySelectorAll(".ac-pt")) {
    const pStart = Number(span.dataset.start);
    const pEnd = Number(span.dataset.end);
    if (pEnd <= start || pStart >= end) continue;
    const node = span.firstChild;
    if (!node) continue;
    const text = node.textContent;
    const a = units(text, Math.max(start, pStart) - pStart);
    const b = units(text, Math.min(end, pEnd) - pStart);
    const range = document.createRange();
    range.setStart(node, a);
    range.setEnd(node, b);
    const mark = document.createElement("mark");
    mark.className = "ac-hl";
    range.surroundContents(mark);
    first = first || mark;
  }
  return first;
}

function paneVisible(pane) {
  const details = pane.closest("details");
  return !embedded && pane.getClientRects().length > 0 && (!details || details.open);
}

function toggleInline(link) {
  const answer = link.closest(".ac-answer");
  if (!answer) return;
  const chip = answer.querySelector(`a.ac-chip[href="${link.getAttribute("href")}"]`);
  const passage = chip && chip.nextElementSibling;
  if (passage && passage.classList.contains("ac-passage")) {
    passage.classList.toggle("ac-open");
    chip.classList.toggle("ac-active", passage.classList.contains("ac-open"));
  }
}

function showPassage(link) {
  const match = CITE.exec(link.getAttribute("href") || "");
  if (!match) return;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const scope = link.closest(".gradio-container") || document;
  const pane = scope.querySelector("#ac-article-scroll");
  const folded = pane && pane.closest("details");
  if (link.closest("#ac-outline") && folded && !embedded) folded.open = true; // the outline opens the article
  const mark = pane ? highlight(pane, start, end) : null;
  for (const other of scope.querySelectorAll("a.ac-cite.ac-selected")) other.classList.remove("ac-selected");
  link.classList.add("ac-selected");
  if (mark && paneVisible(pane)) {
    const markTop = mark.getBoundingClientRect().top;
    const paneTop = pane.getBoundingClientRect().top;
    const target = Math.max(0, Math.min(markTop - paneTop + pane.scrollTop - pane.clientHeight / 3,
      pane.scrollHeight - pane.clientHeight));
    pane.scrollTo({ top: target, behavior: "smooth" });
    // Where the passage will be once the pane has scrolled: on a phone the pane is stacked with
    // the chat, so the page itself must scroll too for the passage to come into view.
    const landed = markTop - (target - pane.scrollTop);
    const height = mark.getBoundingClientRect().height;
    if (landed < 0 || landed + height > window.innerHeight) {
      window.scrollBy({ top: landed - window.innerHeight / 3, behavior: "smooth" });
    }
    mark.classList.add("ac-flash");
  } else {
    toggleInline(link);
    const passage = link.closest(".ac-answer")?.querySelector(".ac-passage.ac-open");
    if (passage) passage.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
}

document.addEventListener(
  "click",
  (event) => {
    const link = event.target instanceof Element && event.target.closest("a.ac-cite");
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    hideCard(); // a tap is also a hover on a phone: the card must not stay over the article
    showPassage(link);
  },
  true,
);

// Hover: the passage and its paragraph number in a small card (the title attribute is the
// no-JavaScript fallback; it is moved aside so the browser's own tooltip does not double it).
let card = null;
let cardFor = null;
function hideCard() {
  if (card) card.style.display = "none";
  cardFor = null;
}
function showCard(link) {
  cardFor = link;
  const tip = link.getAttribute("title") || link.dataset.tip;
  if (!tip) return;
  if (link.hasAttribute("title")) {
    link.dataset.tip = tip;
    link.removeAttribute("title");
  }
  const host = link.closest(".gradio-container") || document.body;
  if (!card || card.parentNode !== host) {
    card = document.createElement("div");
    card.className = "ac-card";
    card.setAttribute("role", "tooltip");
    host.appendChild(card);
  }
  card.textContent = tip;
  const box = link.getBoundingClientRect();
  const width = Math.min(360, window.innerWidth - 16);
  card.style.width = `${width}px`;
  card.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - width - 8))}px`;
  card.style.top = `${box.bottom + 6}px`;
  card.style.display = "block";
  const below = card.getBoundingClientRect();
  if (below.bottom > window.innerHeight - 8) card.style.top = `${box.top - below.height - 6}px`;
}

document.addEventListener("mouseover", (event) => {
  const link = event.target instanceof Element && event.target.closest("a.ac-cite");
  if (link && link !== cardFor) showCard(link);
  else if (!link) hideCard();
});
document.addEventListener("mouseout", (event) => {
  const into = event.relatedTarget instanceof Element && event.relatedTarget.closest("a.ac-cite");
  if (!into) hideCard();
});
document.addEventListener(
  "scroll",
  (event) => {
    // The article pane scrolling to a passage does not move the link; the chat scrolling does.
    const moved = event.target instanceof Node && cardFor && event.target.contains(cardFor);
    if (moved || event.target === document) hideCard();
  },
  true,
);
document.addEventListener("focusin", (event) => {
  const link = event.target instanceof Element && event.target.closest("a.ac-cite");
  if (link) showCard(link);
});

// Narrow screens: the article pane starts folded above the chat; wide screens keep it open.
const wide = window.matchMedia("(min-width: 900px)");
function fitPane() {
  for (const id of ["#ac-article", "#ac-outline"]) {
    const details = document.querySelector(id);
    if (details) details.open = wide.matches && !embedded;
  }
}
wide.addEventListener("change", fitPane);

// The page opens at its top, header in view. On a wide screen the question box takes the focus
// without scrolling; a phone is left alone (focusing would scroll and open the keyboard).
function opened() {
  fitPane();
  const box = document.querySelector("#ac-question textarea");
  if (box && wide.matches && !embedded && !hosted.length) box.focus({ preventScroll: true });
  if (!hosted.length && !window.location.hash) window.scrollTo(0, 0);
}

// The embedded view's "Read the article" opens the full page of the same reading in a new tab.
function linkOut() {
  const page = new URL(hosted.length ? hosted[0].getAttribute("src") : window.location.href, window.location.href);
  page.searchParams.delete("embed");
  page.hash = "";
  for (const a of document.querySelectorAll("a.ac-open-article")) a.href = page.href;
}

// The article pane and the embed bar are redrawn whenever a reading is shown (on load, on a
// switch), as new elements or patched in place: each pane not yet fitted is folded to fit the
// screen, each link not yet pointed is pointed at this reading. A redraw drops the marks.
let started = false;
function follow() {
  const pane = document.querySelector("#ac-article");
  if (pane && !pane.dataset.acFitted) {
    pane.dataset.acFitted = "1";
    if (started) fitPane();
    else opened();
    started = true;
  }
  const link = document.querySelector("a.ac-open-article");
  if (link && !link.dataset.acLinked) {
    link.dataset.acLinked = "1";
    linkOut();
  }
}
new MutationObserver(follow).observe(document.body, {
  childList: true,
  subtree: true,
  attributes: true,
  attributeFilter: ["data-ac-fitted", "data-ac-linked"],
});
follow();
