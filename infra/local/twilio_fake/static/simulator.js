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

poll();
