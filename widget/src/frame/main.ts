// The frame's entry point (/widget/frame.js): read the config, start the app.
import "./styles.css";
import { startApp } from "./app";
import { readConfig } from "./config";
import { pickLanguage } from "./i18n";

function main(): void {
  const config = readConfig(document);
  document.documentElement.lang = pickLanguage(config.lang);
  startApp(config);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
