// Entry point of the agent console.

import { render } from "preact";
import { App } from "./app";
import { exposeDebug } from "./debug";
import "./styles.css";

exposeDebug();
const root = document.getElementById("app");
if (root) render(<App />, root);
