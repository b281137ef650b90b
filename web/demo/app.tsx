// The demo site's app built with a real framework (Preact, from npm): a
// checkout form whose inputs are controlled by component state, as in most
// React and Preact apps. Remote control must change this state, not just
// the DOM: the greeting and the summary below are rendered from it.
import { render } from "preact";
import { useState } from "preact/hooks";

function Checkout() {
  const [name, setName] = useState("");
  const [quantity, setQuantity] = useState(1);
  const [gift, setGift] = useState(false);
  const [placed, setPlaced] = useState(false);
  const [clicks, setClicks] = useState(0);
  const [secret, setSecret] = useState("");
  return (
    <form
      class="card"
      id="app-form"
      onSubmit={(e) => {
        e.preventDefault();
        setPlaced(true);
      }}
    >
      <label>
        Name on the order
        <input id="app-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Account password
        <input id="app-password" type="password" value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
      </label>
      <p id="app-greeting">{name ? `Hello, ${name}!` : "Type your name"}</p>
      <div class="row">
        <button type="button" id="app-less" onClick={() => setQuantity((q) => Math.max(1, q - 1))}>−</button>
        <span id="app-quantity">{quantity}</span>
        <button type="button" id="app-more" onClick={() => { setQuantity((q) => q + 1); setClicks((c) => c + 1); }}>+</button>
      </div>
      <label class="inline">
        <input id="app-gift" type="checkbox" checked={gift} onChange={(e) => setGift((e.target as HTMLInputElement).checked)} /> Gift wrap
      </label>
      <p id="app-summary">{`${quantity} × tote${gift ? ", gift wrapped" : ""}${clicks ? ` (${clicks} clicks)` : ""}`}</p>
      <button id="app-place" type="submit">Place order</button>
      <p id="app-result">{placed ? `Order placed for ${name || "a guest"}` : ""}</p>
      <p id="app-secret-length">{`password: ${secret.length} characters`}</p>
    </form>
  );
}

render(<Checkout />, document.getElementById("app")!);
