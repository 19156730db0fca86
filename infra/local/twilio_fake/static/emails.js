// The resident's mailbox: the alert emails the local SES (moto) accepted for the address typed here.
// Subject and text are shown with textContent only; the unsubscribe link is a real link to the local stack.
const $ = (id) => document.getElementById(id);
const address = $("email-address");
const list = $("emails");
const shown = new Set();

address.value = sessionStorage.getItem("resident-email") || "";
address.addEventListener("change", () => {
  sessionStorage.setItem("resident-email", address.value);
  list.replaceChildren();
  shown.clear();
});

function render(email) {
  if (shown.has(email.message_id)) return;
  shown.add(email.message_id);
  const item = document.createElement("li");
  item.className = "in";
  const subject = document.createElement("strong");
  subject.textContent = email.subject;
  const text = document.createElement("p");
  text.textContent = email.text;
  item.append(subject, text);
  const link = /^<(https?:\/\/[^>]+)>$/.exec(email.list_unsubscribe || "");
  if (link) {
    const unsubscribe = document.createElement("a");
    unsubscribe.href = link[1];
    unsubscribe.textContent = "Unsubscribe (List-Unsubscribe)";
    item.append(unsubscribe);
  }
  list.append(item);
}

async function poll() {
  try {
    if (address.value) {
      const response = await fetch(`/simulator/api/emails?to=${encodeURIComponent(address.value)}`);
      if (response.ok) (await response.json()).emails.forEach(render);
    }
  } finally {
    setTimeout(poll, 1500);
  }
}

poll();
