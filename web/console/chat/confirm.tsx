// A dialog that asks before something that cannot be undone.

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { Dialog, ErrorNote, Spinner } from "../common/ui";

/** Asks to confirm; onConfirm runs with a spinner, and its error is shown in the dialog. */
export function ConfirmDialog(props: {
  title: string;
  confirm: string;
  danger?: boolean;
  testid?: string;
  onConfirm(): Promise<unknown>;
  onClose(): void;
  children: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const go = async () => {
    setBusy(true);
    setErr(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (e) {
      setErr(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Dialog title={props.title} onClose={props.onClose} testid={props.testid ?? "confirm-dialog"}>
      <div class="form">
        <div class="muted">{props.children}</div>
        <ErrorNote message={err} />
        <div class="form-actions">
          <button type="button" class="btn btn-ghost" onClick={props.onClose} data-testid="confirm-cancel">
            Cancel
          </button>
          <button type="button" class={`btn ${props.danger ? "btn-danger" : "btn-primary"}`} disabled={busy} onClick={go} data-testid="confirm-ok">
            {busy && <Spinner />} {props.confirm}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
