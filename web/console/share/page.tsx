// The page of a share link (/s/TOKEN): the console's replay player,
// read-only, without the console around it — no sidebar, no actions, no
// conversation. The recording comes from /s/TOKEN/recording, which the
// token authorizes; for a video link that answers the video's shape (JSON)
// and the page plays /s/TOKEN/video. A link for console users asks a visitor who is not
// signed in to sign in, then opens again.

import { useEffect, useState } from "preact/hooks";
import { ApiError, Assist, errorMessage, fetchRecording, readRecording } from "../../shared/api";
import { LoginScreen } from "../app/login";
import { Replay, ReplayBuilder } from "../../shared/replay/recording";
import { ReplayBody } from "../replay/replay";
import { shortURL, when } from "../../shared/format";
import { Empty, ErrorNote, Loading } from "../common/ui";
import { tokenOf } from "./api";
import "./share.css";

type Status = "loading" | "ready" | "invalid" | "signin" | "terminal" | "video";

/** What a video link's /recording says of its video. */
interface SharedVideo {
  kind: "assist" | "terminal";
  durationMs: number;
  width: number;
  height: number;
  bytes: number;
}

/** The shared replay page. */
export function SharedPage({ pathname }: { pathname: string }) {
  const token = tokenOf(pathname);
  const [status, setStatus] = useState<Status>(token ? "loading" : "invalid");
  const [assist, setAssist] = useState<Assist | null>(null);
  const [replay, setReplay] = useState<Replay | null>(null);
  const [loading, setLoading] = useState(true);
  const [err, setErr] = useState<string | null>(null);
  const [video, setVideo] = useState<SharedVideo | null>(null);
  const url = `/s/${token}/recording`;

  useEffect(() => {
    document.title = "Shared replay · Tandem";
    if (!token) return;
    const abort = new AbortController();
    const builder = new ReplayBuilder();
    let shown = false;
    (async () => {
      const res = await fetchRecording(url, abort.signal);
      if (res.status === 401) return setStatus("signin");
      if (res.status === 404) return setStatus("invalid");
      if (res.ok && (res.headers.get("Content-Type") ?? "").startsWith("application/x-asciicast")) {
        res.body?.cancel();
        return setStatus("terminal");
      }
      if (res.ok && (res.headers.get("Content-Type") ?? "").startsWith("application/json")) {
        const body = (await res.json()) as { video?: SharedVideo };
        if (body.video) {
          setVideo(body.video);
          return setStatus("video");
        }
      }
      setStatus("ready");
      await readRecording(
        res,
        {
          assist: setAssist,
          frames: (fs) => {
            builder.add(fs);
            const r = builder.replay();
            if (r.events.length >= 2 || shown) {
              shown = true;
              setReplay(r);
            }
          },
        },
        abort.signal,
      );
      setReplay(builder.replay());
    })()
      .catch((e) => {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.status === 404) setStatus("invalid");
        else setErr(errorMessage(e));
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [token]);

  if (status === "signin") return <LoginScreen onLogin={() => location.reload()} />;
  if (status === "invalid") {
    return (
      <div class="shared-invalid" data-testid="share-invalid">
        <Empty title="This link is not valid" icon="history">
          It may have expired or been revoked. Ask whoever shared it for a new one.
        </Empty>
      </div>
    );
  }
  if (status === "video" && video) {
    return (
      <div class="shared-page" data-testid="shared-video">
        <header class="shared-head">
          <strong>Shared video</strong>
          <span class="muted">{video.kind === "terminal" ? "Terminal session" : "Assist"}</span>
          <span class="muted small">Read-only</span>
        </header>
        <video class="shared-video" src={`/s/${token}/video`} width={video.width} height={video.height} controls preload="metadata" data-testid="shared-video-player" />
      </div>
    );
  }
  return (
    <div class="shared-page" data-testid="shared-replay">
      <header class="shared-head">
        <strong>Shared replay</strong>
        {assist?.siteName && <span class="qi-site">{assist.siteName}</span>}
        {assist?.pageUrl && <span class="muted">{shortURL(assist.pageUrl)}</span>}
        {assist?.startedAt && <span class="muted">{when(assist.startedAt)}</span>}
        <span class="muted small">Read-only</span>
      </header>
      <ErrorNote message={err} />
      {status === "terminal" ? (
        <Empty title="A terminal session's recording" icon="terminal">
          <a href={url} download="session.cast" data-testid="share-cast">
            Download the recording (asciicast)
          </a>{" "}
          and play it with asciinema.
        </Empty>
      ) : !replay ? (
        !err && <Loading>Loading the recording…</Loading>
      ) : (
        <ReplayBody replay={replay} details={assist ? { assist } : null} loading={loading} shared />
      )}
    </div>
  );
}
