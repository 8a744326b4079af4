import { describe, expect, it } from "vitest";
import { pickLanguage, translator } from "../src/frame/i18n";

describe("i18n", () => {
  it.each([
    ["de-AT", "de"],
    ["de", "de"],
    ["fr_CA", "fr"],
    ["EN-gb", "en"],
    ["pt-BR", "en"],
    ["", "en"],
    [undefined, "en"],
  ])("%s -> %s", (lang, expected) => {
    expect(pickLanguage(lang)).toBe(expected);
  });

  it("translates with variables and falls back to English", () => {
    expect(translator("de-AT")("rateLimited", { n: 12 })).toBe(
      "Zu viele Nachrichten: bitte 12 s warten.",
    );
    expect(translator("xx")("send")).toBe("Send");
    expect(translator("fr")("send")).toBe("Envoyer");
  });
});
