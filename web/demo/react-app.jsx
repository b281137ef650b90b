// The demo site's React app (React from npm): a task list whose text box
// and check boxes are controlled by component state. The box is cleared by
// React when a task is added (Enter), and "All done" checks or unchecks
// every task through state. React assigns these values through the
// browser's setters it captured at load, on fields mounted before the
// person allowed: the agent's mirror must follow them all the same.
/** @jsxImportSource react */
import { useState } from "react";
import { createRoot } from "react-dom/client";

const first = [
  { id: 1, title: "Pack the tote", done: false },
  { id: 2, title: "Print the label", done: false },
  { id: 3, title: "Book the courier", done: true },
];

function Tasks() {
  const [text, setText] = useState("");
  const [tasks, setTasks] = useState(first);
  const all = tasks.length > 0 && tasks.every((t) => t.done);
  const left = tasks.filter((t) => !t.done).length;
  const add = (e) => {
    e.preventDefault();
    const title = text.trim();
    if (!title) return;
    setTasks((ts) => [...ts, { id: ts.length + 1, title, done: false }]);
    setText("");
  };
  const mark = (id, done) => setTasks((ts) => ts.map((t) => (t.id === id ? { ...t, done } : t)));
  return (
    <form id="react-form" className="card" onSubmit={add}>
      <label>
        New task <input id="react-new" value={text} autoComplete="off" onChange={(e) => setText(e.target.value)} />
      </label>
      <button id="react-add" type="submit">Add</button>
      <label className="inline">
        <input id="react-all" type="checkbox" checked={all} onChange={(e) => setTasks((ts) => ts.map((t) => ({ ...t, done: e.target.checked })))} /> All done
      </label>
      <ul id="react-tasks">
        {tasks.map((t) => (
          <li key={t.id}>
            <label className="inline">
              <input id={"react-done-" + t.id} type="checkbox" checked={t.done} onChange={(e) => mark(t.id, e.target.checked)} />{" "}
              <span id={"react-title-" + t.id}>{t.title}</span>
            </label>
          </li>
        ))}
      </ul>
      <p id="react-left">{left === 1 ? "1 task left" : left + " tasks left"}</p>
    </form>
  );
}

createRoot(document.getElementById("react-root")).render(<Tasks />);
