// The agent's availability in the console's header: available or away
// (stored on the server, so every node and the queue know), and the
// alert sound's mute. Setting oneself available is the moment the
// browser is asked for notifications.

import { useEffect, useState } from "preact/hooks";
import { api } from "../../shared/api";
import { navigate } from "../app/router";
import { paths } from "../app/routes";
import type { QueueStore } from "../queue/queuestore";
import { Alerter, askPermission, beep, notify } from "./alerts";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** AvailabilityBar shows and sets the agent's availability, and raises the alerts of new requests. */
export function AvailabilityBar({ store }: { store: QueueStore }) {
  const [alerter] = useState(() => new Alerter({ beep, notify, open: (id) => navigate(paths.assist(id)) }, storage()));
  const [available, setAvailable] = useState<boolean | null>(null);
  const [muted, setMuted] = useState(alerter.muted);
  const [err, setErr] = useState("");

  useEffect(() => {
    api
      .availability()
      .then((a) => {
        alerter.available = a.available;
        setAvailable(a.available);
      })
      .catch(() => setAvailable(false));
    // Only listings from the server count: the empty list before the
    // first one would make every request already waiting look new.
    const feed = () => {
      if (store.loaded) alerter.onQueue(store.assists);
    };
    feed();
    return store.subscribe(feed);
  }, []);

  const toggle = async () => {
    const next = !available;
    if (next) askPermission(); // in the click: browsers ask only then
    setErr("");
    try {
      const a = await api.setAvailability(next);
      alerter.available = a.available;
      setAvailable(a.available);
    } catch {
      setErr("Could not change your availability");
    }
  };
  const mute = () => {
    alerter.setMuted(!muted);
    setMuted(!muted);
  };

  return (
    <div class="availability" data-testid="availability-bar">
      <button
        class={"btn btn-small availability-toggle" + (available ? " is-available" : "")}
        data-testid="availability"
        data-available={available === null ? undefined : String(available)}
        aria-pressed={available === true}
        disabled={available === null}
        onClick={toggle}
        title={available ? "You are alerted of new requests; click to go away" : "You get no alerts; click to take requests"}
      >
        <span class={"dot" + (available ? " live" : "")} aria-hidden="true" /> {available ? "Available" : "Away"}
      </button>
      <button
        class="btn btn-ghost btn-small"
        data-testid="alerts-mute"
        aria-pressed={muted}
        onClick={mute}
        title={muted ? "Alert sound off; click to turn it on" : "Alert sound on; click to mute it"}
      >
        {muted ? "Sound off" : "Sound on"}
      </button>
      {err && (
        <span class="error-note" role="alert">
          {err}
        </span>
      )}
    </div>
  );
}
