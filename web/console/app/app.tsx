// The console's shell: who is signed in, the sidebar, and the screen for the
// current address.

import { useEffect, useState } from "preact/hooks";
import { api, ApiError, setUnauthorizedHandler, User } from "../../shared/api";
import { AdminScreen } from "../admin/screen";
import { inviteToken } from "../admin/api";
import { RedeemScreen } from "../admin/redeem";
import { AssistScreen } from "../live/assist";
import { BotScreen } from "../bots/detail";
import { BotsScreen } from "../bots/page";
import { ChatContext } from "../chat/context";
import { ConversationsScreen } from "../chat/screen";
import { ChatStore, useChatStore } from "../chat/store";
import { HistoryScreen } from "../replay/history";
import { LoginScreen } from "./login";
import { SignInsScreen } from "../passport/screen";
import { QueueScreen, useQueue } from "../queue/queue";
import { QueueStore } from "../queue/queuestore";
import { InviteRedirect } from "../queue/inviteredirect";
import { AvailabilityBar } from "../alerts/availability";
import { ReplayScreen } from "../replay/replay";
import { ScreenMappingScreen } from "../screens/screen";
import { Link, navigate, useRoute } from "./router";
import { paths, Route } from "./routes";
import { TerminalsScreen } from "../terminals/terminals";
import { Avatar, Empty, Icon, Spinner } from "../common/ui";

type Auth = { status: "checking" } | { status: "out" } | { status: "in"; user: User };

/** The application. */
export function App() {
  const [auth, setAuth] = useState<Auth>({ status: "checking" });

  useEffect(() => {
    setUnauthorizedHandler(() => setAuth({ status: "out" }));
    api
      .me()
      .then((r) => setAuth({ status: "in", user: r.user }))
      .catch((e) => {
        if (!(e instanceof ApiError) || e.status !== 401) console.warn("tandem: /me:", e);
        setAuth({ status: "out" });
      });
    return () => setUnauthorizedHandler(null);
  }, []);

  if (auth.status === "checking") {
    return (
      <div class="boot">
        <Spinner />
      </div>
    );
  }
  // An invited agent's link (#invite=TOKEN) asks for their new password first.
  const invite = auth.status === "out" ? inviteToken(location.hash) : "";
  if (invite) return <RedeemScreen token={invite} onRedeemed={(user) => setAuth({ status: "in", user })} />;
  if (auth.status === "out") return <LoginScreen onLogin={(user) => setAuth({ status: "in", user })} />;
  return <SignedIn user={auth.user} onSignedOut={() => setAuth({ status: "out" })} />;
}

function SignedIn({ user, onSignedOut }: { user: User; onSignedOut(): void }) {
  const route = useRoute();
  const [store] = useState(() => new QueueStore(onSignedOut));
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, []);
  const q = useQueue(store);
  const waiting = q.waiting;
  // The agent is taken to the assist an invite of theirs started.
  const [invites] = useState(
    () => new InviteRedirect({ queue: store, me: user.id, details: (id) => api.assist(id), go: (id) => navigate(paths.assist(id)), now: Date.now }),
  );
  useEffect(() => () => invites.stop(), []);
  const [chat] = useState(() => new ChatStore(`user:${user.id}`, onSignedOut));
  useEffect(() => {
    chat.start();
    return () => chat.stop();
  }, []);
  const [env] = useState(() => ({ store: chat, me: user }));

  useEffect(() => {
    const name = titles[route.name] ?? "Tandem";
    document.title = `${waiting ? `(${waiting}) ` : ""}${name} · Tandem`;
  }, [route.name, waiting]);

  const signOut = async () => {
    try {
      await api.logout();
    } catch {
      // the session is gone either way
    }
    onSignedOut();
  };

  const live = q.assists.filter((a) => a.state === "live" || a.state === "consenting").length;

  return (
    <div class="layout">
      <nav class="sidebar" aria-label="Main">
        <div class="brand">
          <span class="brand-mark">T</span> Tandem
        </div>
        <AvailabilityBar store={store} />
        <NavItem href={paths.queue} icon="queue" label="Queue" active={route.name === "queue" || route.name === "assist"} badge={waiting} badgeTitle="waiting" />
        <ConversationsNav chat={chat} active={route.name === "conversations"} />
        <NavItem href={paths.history} icon="history" label="History" active={route.name === "history" || route.name === "replay"} />
        <NavItem href={paths.terminals} icon="terminal" label="Terminals" active={route.name === "terminals"} />
        <NavItem href={paths.bots} icon="bot" label="Bots" active={route.name === "bots" || route.name === "bot"} />
        {user.role === "admin" && <NavItem href={paths.signins} icon="user" label="Sign-ins" active={route.name === "signins"} />}
        {user.role === "admin" && <NavItem href={paths.screens} icon="bot" label="Screen mapping" active={route.name === "screens"} />}
        {user.role === "admin" && <NavItem href={paths.admin} icon="user" label="Administration" active={route.name === "admin"} />}
        {live > 0 && (
          <div class="nav-note">
            <span class="dot live" /> {live} under way
          </div>
        )}
        <div class="sidebar-fill" />
        <div class="me" data-testid="me">
          <Avatar name={user.name || user.email} size={28} />
          <div class="me-text">
            <div class="me-name" data-testid="agent-name">
              {user.name || user.email}
            </div>
            <div class="me-role">{user.role}</div>
          </div>
          <button class="btn btn-ghost btn-icon side-btn" onClick={signOut} title="Sign out" aria-label="Sign out" data-testid="sign-out">
            <Icon name="logout" />
          </button>
        </div>
      </nav>
      <main class="main">
        <ChatContext.Provider value={env}>
          <Screen route={route} user={user} store={store} invites={invites} onSignedOut={onSignedOut} />
        </ChatContext.Provider>
      </main>
    </div>
  );
}

const titles: Record<string, string> = {
  queue: "Queue",
  assist: "Assist",
  replay: "Replay",
  history: "History",
  terminals: "Terminals",
  conversations: "Conversations",
  bots: "Bots",
  bot: "Bot",
  signins: "Sign-ins",
  admin: "Administration",
};

/** The Conversations entry with the unread count; it alone follows the conversations list. */
function ConversationsNav({ chat, active }: { chat: ChatStore; active: boolean }) {
  const unread = useChatStore(chat).index.totalUnread();
  return (
    <NavItem href={paths.conversations} icon="chat" label="Conversations" active={active} badge={unread} badgeTitle="unread" badgeTestid="conversations-badge" />
  );
}

function NavItem(props: { href: string; icon: string; label: string; active: boolean; badge?: number; badgeTitle?: string; badgeTestid?: string }) {
  return (
    <Link href={props.href} class={`nav-item${props.active ? " active" : ""}`} aria-current={props.active ? "page" : undefined}>
      <Icon name={props.icon} />
      <span>{props.label}</span>
      {!!props.badge && (
        <span class="badge" title={`${props.badge} ${props.badgeTitle ?? ""}`} aria-label={`${props.badge} ${props.badgeTitle ?? ""}`} data-testid={props.badgeTestid ?? "queue-badge"}>
          {props.badge}
        </span>
      )}
    </Link>
  );
}

function Screen(props: { route: Route; user: User; store: QueueStore; invites: InviteRedirect; onSignedOut(): void }) {
  const { route, user, store, invites, onSignedOut } = props;
  switch (route.name) {
    case "queue":
      return <QueueScreen store={store} onInvite={(inv) => invites.expect(inv)} />;
    case "assist":
      return <AssistScreen key={route.id} id={route.id} me={user} onUnauthorized={onSignedOut} />;
    case "replay":
      return <ReplayScreen key={route.id} id={route.id} />;
    case "history":
      return <HistoryScreen />;
    case "terminals":
      return <TerminalsScreen />;
    case "conversations":
      return <ConversationsScreen id={route.id} />;
    case "bots":
      return <BotsScreen />;
    case "bot":
      return <BotScreen key={route.id} id={route.id} />;
    case "signins":
      return user.role === "admin" ? (
        <SignInsScreen />
      ) : (
        <div class="screen">
          <div class="screen-body">
            <Empty title="For admins" icon="user">
              Only admins see the passport's sign-ins.
            </Empty>
          </div>
        </div>
      );
    case "screens":
      return user.role === "admin" ? (
        <ScreenMappingScreen />
      ) : (
        <div class="screen">
          <div class="screen-body">
            <Empty title="For admins" icon="user">
              Only admins edit screen mappings.
            </Empty>
          </div>
        </div>
      );
    case "admin":
      return user.role === "admin" ? (
        <AdminScreen me={user} />
      ) : (
        <div class="screen">
          <div class="screen-body">
            <Empty title="For admins" icon="user">
              Only admins manage agents and sites.
            </Empty>
          </div>
        </div>
      );
    case "notfound":
      return (
        <div class="screen">
          <div class="screen-body">
            <Empty title="Nothing here" icon="search">
              There is no page at {route.path}.
              <div class="empty-actions">
                <button class="btn" onClick={() => navigate(paths.queue)}>
                  Go to the queue
                </button>
              </div>
            </Empty>
          </div>
        </div>
      );
  }
}
