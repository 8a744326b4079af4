// Entry of /widget.js: start the widget for the <script> that loaded it.
import { findScript, start } from "./loader";

const script = findScript(document);
if (script) start(script);
