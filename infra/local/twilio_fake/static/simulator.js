// The resident's phone. Every text from the agency is shown with textContent: it is never HTML.
const $ = (id) => document.getElementById(id);
const resident = $("resident");
const conversation = $("conversation");
const shown = new Map();

resident.value = sessionStorage.getItem("resident") || "+1555" + String(Math.floor(1e6 + Math.random() * 9e6));
resident.addEventListener("change", () => {
  sessionStorage.setItem("resident", resident.value);
  conversation.replaceChildren();
  shown.clear();
});

function render(item) {
  let li = shown.get(item.sid);
  if (!li) {
    li = document.createElement("li");
    li.className = item.direction;
    li.append(document.createTextNode(item.body || (item.media ? "(photo)" : "")));
    const meta = document.createElement("span");
    meta.className = "meta";
    li.append(meta);
    conversation.append(li);
    shown.set(item.sid, li);
    conversation.scrollTop = conversation.scrollHeight;
  }
  const who = item.direction === "in" ? "Agency" : "You";
  const time = new Date(item.at * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  li.querySelector(".meta").textContent = `${who} · ${time}` + (item.direction === "in" ? ` · ${item.status}` : "");
}

async function poll() {
  try {
    const response = await fetch(`/simulator/api/messages?resident=${encodeURIComponent(resident.value)}`);
    if (response.ok) {
      const data = await response.json();
      $("agency").textContent = data.agency || "the agency";
      data.messages.forEach(render);
    }
  } finally {
    setTimeout(poll, 1000);
  }
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1]);
    reader.onerror = reject;
    reader.readAsDataURL(file);
  });
}

$("compose").addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = $("status");
  if (!resident.checkValidity()) {
    status.textContent = "Enter your phone number first.";
    resident.focus();
    return;
  }
  const file = $("photo").files[0];
  const media = file ? [{ content_type: file.type, data: await readFile(file) }] : [];
  status.textContent = "Sending…";
  const response = await fetch("/simulator/api/send", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ from: resident.value, body: $("body").value, media }),
  });
  status.textContent = response.ok ? "Sent." : "The agency's number did not accept the text.";
  if (response.ok) {
    $("body").value = "";
    $("photo").value = "";
  }
});

// The resident's phone call: what the agency says is shown with textContent, in the language it is said in.
let callSid = null;
let heardCount = 0;
const controls = () => [...document.querySelectorAll("#keypad .key"), $("speech"), $("call-say"), $("call-silent"), $("call-hangup")];

function showCall(call) {
  const list = $("call-heard");
  for (const item of call.heard.slice(heardCount)) {
    const li = document.createElement("li");
    li.lang = String(item.language || "en").split("-")[0];
    li.textContent = item.text;
    list.append(li);
  }
  heardCount = call.heard.length;
  list.scrollTop = list.scrollHeight;
  const waiting = call.waiting && !call.ended;
  for (const control of controls()) control.disabled = !waiting;
  $("call-hangup").disabled = call.ended;
  $("call-start").disabled = !call.ended;
  $("call-status").textContent = call.ended ? "The call ended." : waiting ? "The agency is waiting for you: press a key or say something." : "";
  if (call.ended) callSid = null;
}

async function callApi(path, payload) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });
  if (!response.ok) {
    $("call-status").textContent = response.status === 400 ? "Enter a valid phone number first." : "The call could not go on.";
    return;
  }
  showCall(await response.json());
}

$("call-start").addEventListener("click", async () => {
  if (!resident.checkValidity() || resident.value.startsWith("whatsapp:")) {
    $("call-status").textContent = "Enter your phone number first (calls are not made over WhatsApp).";
    resident.focus();
    return;
  }
  $("call-heard").replaceChildren();
  heardCount = 0;
  $("call-start").disabled = true;
  $("call-status").textContent = "Calling…";
  const response = await fetch("/simulator/api/call", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ from: resident.value }) });
  if (!response.ok) {
    $("call-start").disabled = false;
    $("call-status").textContent = "The agency's number did not answer.";
    return;
  }
  const call = await response.json();
  callSid = call.sid;
  showCall(call);
});

for (const key of document.querySelectorAll("#keypad .key")) {
  key.addEventListener("click", () => callSid && callApi("/simulator/api/call/press", { sid: callSid, digits: key.dataset.key }));
}
$("call-speech").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!callSid) return;
  const words = $("speech").value;
  $("speech").value = "";
  callApi("/simulator/api/call/press", { sid: callSid, speech: words });
});
$("call-silent").addEventListener("click", () => callSid && callApi("/simulator/api/call/press", { sid: callSid }));
$("call-hangup").addEventListener("click", () => callSid && callApi("/simulator/api/call/hangup", { sid: callSid }));

poll();
