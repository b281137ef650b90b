// Ending an assist cannot be undone (the person's sharing stops, any call
// ends), so the End button asks first, in a modal dialog that the keyboard
// reaches and Escape closes.

import { Dialog } from "../common/ui";

/** The question the End button asks. inCall: a call is on and ends too. */
export function EndConfirm({ inCall, onConfirm, onCancel }: { inCall: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <Dialog title="End this assist?" onClose={onCancel} testid="end-confirm">
      <p id="end-confirm-text">
        The person stops sharing their page{inCall ? " and the call ends" : ""}. This cannot be undone; the replay stays.
      </p>
      <div class="form-actions">
        <button class="btn" data-testid="end-cancel" onClick={onCancel}>
          Keep assisting
        </button>
        <button class="btn btn-danger" data-testid="end-confirm-yes" onClick={onConfirm} aria-describedby="end-confirm-text">
          End assist
        </button>
      </div>
    </Dialog>
  );
}
