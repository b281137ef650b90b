// "Export video" on the replay screen of an ended assist: the options
// (resolution, clicks, pointer, devtools strip, shortened idle), and the
// exports of this assist with their progress, polled every second while
// one runs, their errors, and once done: a player, a download link and a
// share link.

import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "../../shared/api";
import { when } from "../../shared/format";
import { ShareButton } from "../share/dialog";
import { ErrorNote, Icon } from "../common/ui";
import { percent, progressLabel, resolutions, sizeLabel, unfinished, Video, videoApi } from "./api";

/** The export panel of one assist or terminal session. */
export function VideoPanel({ kind, id }: { kind: "assist" | "terminal"; id: string }) {
  const [videos, setVideos] = useState<Video[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [res, setRes] = useState(0);
  const [clicks, setClicks] = useState(true);
  const [pointer, setPointer] = useState(true);
  const [devtools, setDevtools] = useState(false);
  const [skipIdle, setSkipIdle] = useState(false);
  const [tick, setTick] = useState(0);
  const [playing, setPlaying] = useState<string | null>(null);

  const load = () =>
    videoApi
      .list(kind, id)
      .then((r) => setVideos(r.videos ?? []))
      .catch((e) => setErr(errorMessage(e)));

  useEffect(() => {
    load();
  }, [kind, id, tick]);
  // Poll every second while an export runs.
  const running = videos.some(unfinished);
  useEffect(() => {
    if (!running) return;
    const t = setTimeout(() => setTick((n) => n + 1), 1000);
    return () => clearTimeout(t);
  }, [running, videos]);

  const exportVideo = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    const r = resolutions[res];
    try {
      const { video } = await videoApi.request(kind, id, { width: r.width, height: r.height, clicks, pointer, devtools, skipIdle });
      setVideos((vs) => [video, ...vs.filter((v) => v.id !== video.id)]);
    } catch (e) {
      setErr(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async (v: Video) => {
    setErr(null);
    try {
      await videoApi.remove(v.id);
    } catch (e) {
      setErr(errorMessage(e));
    }
    load();
  };

  return (
    <section class="video-panel" data-testid="video-panel">
      <form class="video-form" onSubmit={exportVideo}>
        <label>
          Resolution{" "}
          <select value={res} onChange={(e) => setRes(Number((e.target as HTMLSelectElement).value))} data-testid="video-resolution">
            {resolutions.map((r, i) => (
              <option key={i} value={i}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        <Check label="Clicks" value={clicks} set={setClicks} testid="video-clicks" />
        <Check label="Pointer" value={pointer} set={setPointer} testid="video-pointer" />
        {kind === "assist" && <Check label="Devtools strip" value={devtools} set={setDevtools} testid="video-devtools" />}
        <Check label="Shorten idle" value={skipIdle} set={setSkipIdle} testid="video-skip-idle" />
        <button type="submit" class="btn btn-primary" disabled={busy} data-testid="video-export">
          <Icon name="video" /> Export video
        </button>
      </form>
      <ErrorNote message={err} testid="video-error" />
      {videos.length > 0 && (
        <ul class="video-list" data-testid="video-list">
          {videos.map((v) => (
            <li key={v.id} class={`video-item video-${v.state}`} data-testid="video-item" data-state={v.state}>
              <span class="video-state">{progressLabel(v)}</span>
              {unfinished(v) && (
                <progress max={100} value={percent(v)} data-testid="video-progress">
                  {percent(v)}%
                </progress>
              )}
              <span class="muted small">
                {v.width && v.height ? `${v.width} × ${v.height}` : v.options.width ? `${v.options.width} × ${v.options.height}` : "person's size"}
                {" · "}
                {when(v.createdAt)}
              </span>
              {v.state === "failed" && v.error && <span class="bad-text small" data-testid="video-failure">{v.error}</span>}
              {v.state === "done" && v.fileUrl && (
                <>
                  <button class="btn btn-ghost" onClick={() => setPlaying(playing === v.id ? null : v.id)} data-testid="video-play">
                    <Icon name="video" /> {playing === v.id ? "Close player" : "Play"}
                  </button>
                  <a class="btn btn-ghost" href={v.fileUrl} download data-testid="video-download">
                    <Icon name="replay" /> Download {sizeLabel(v.bytes)}
                  </a>
                  <ShareButton kind="video" id={v.id} testid="video-share" />
                </>
              )}
              <button class="btn btn-ghost" onClick={() => remove(v)} data-testid="video-remove">
                {unfinished(v) ? "Cancel" : "Delete"}
              </button>
              {playing === v.id && v.fileUrl && (
                // The file route answers a <video> (server.go) with ranges, so seeking works.
                <video class="video-player" src={v.fileUrl} controls preload="metadata" data-testid="video-player" />
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Check(props: { label: string; value: boolean; set: (v: boolean) => void; testid: string }) {
  return (
    <label class="video-check">
      <input type="checkbox" checked={props.value} onChange={(e) => props.set((e.target as HTMLInputElement).checked)} data-testid={props.testid} />{" "}
      {props.label}
    </label>
  );
}
