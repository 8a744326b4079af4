// The frame's strings: English, German and French, chosen from config.lang ("de-AT" -> de),
// English for anything else or any missing string.
const en = {
  chat: "Chat",
  close: "Close chat",
  newConversation: "New conversation",
  talkToHuman: "Talk to a human",
  emailLabel: "Your email (optional)",
  connect: "Connect me",
  cancel: "Cancel",
  send: "Send",
  placeholder: "Type your message…",
  messageLabel: "Message",
  helpful: "Helpful",
  notHelpful: "Not helpful",
  commentLabel: "Tell us more (optional)",
  sendFeedback: "Send feedback",
  thanks: "Thanks for your feedback!",
  sources: "Sources",
  source: "Source",
  handoffOffer: "Would you like to talk to a human?",
  yesConnect: "Yes, connect me",
  noThanks: "No, thanks",
  agentJoined: "An agent joined the conversation.",
  agentJoinedNamed: "{name} joined the conversation.",
  handedOff: "You are in the queue: an agent will be with you soon.",
  resolved: "This conversation was marked as resolved.",
  typing: "Typing…",
  typingNamed: "{name} is typing…",
  offline: "You are offline. Check your connection.",
  rateLimited: "Too many messages: please wait {n} s.",
  serverError: "Something went wrong.",
  retry: "Retry",
  replyFailed: "The reply failed.",
  identityRequired: "Please sign in to the website to chat with us.",
  poweredBy: "Powered by CustomerCareGPT",
  you: "You",
  assistant: "Assistant",
  agent: "Agent",
  suggestions: "Suggested questions",
  newAnswer: "New answer:",
};
export type Strings = typeof en;
export type StringKey = keyof Strings;

const de: Partial<Strings> = {
  chat: "Chat",
  close: "Chat schließen",
  newConversation: "Neues Gespräch",
  talkToHuman: "Mit einem Menschen sprechen",
  emailLabel: "Ihre E-Mail (optional)",
  connect: "Verbinden",
  cancel: "Abbrechen",
  send: "Senden",
  placeholder: "Nachricht eingeben…",
  messageLabel: "Nachricht",
  helpful: "Hilfreich",
  notHelpful: "Nicht hilfreich",
  commentLabel: "Mehr dazu (optional)",
  sendFeedback: "Feedback senden",
  thanks: "Danke für Ihr Feedback!",
  sources: "Quellen",
  source: "Quelle",
  handoffOffer: "Möchten Sie mit einem Menschen sprechen?",
  yesConnect: "Ja, bitte verbinden",
  noThanks: "Nein, danke",
  agentJoined: "Ein Mitarbeiter ist dem Gespräch beigetreten.",
  agentJoinedNamed: "{name} ist dem Gespräch beigetreten.",
  handedOff: "Sie sind in der Warteschlange: gleich meldet sich jemand.",
  resolved: "Dieses Gespräch wurde als gelöst markiert.",
  typing: "Schreibt…",
  typingNamed: "{name} schreibt…",
  offline: "Sie sind offline. Bitte prüfen Sie Ihre Verbindung.",
  rateLimited: "Zu viele Nachrichten: bitte {n} s warten.",
  serverError: "Etwas ist schiefgelaufen.",
  retry: "Erneut versuchen",
  replyFailed: "Die Antwort ist fehlgeschlagen.",
  identityRequired: "Bitte melden Sie sich auf der Website an, um mit uns zu chatten.",
  poweredBy: "Bereitgestellt von CustomerCareGPT",
  you: "Sie",
  assistant: "Assistent",
  agent: "Mitarbeiter",
  suggestions: "Vorgeschlagene Fragen",
  newAnswer: "Neue Antwort:",
};

const fr: Partial<Strings> = {
  chat: "Discussion",
  close: "Fermer la discussion",
  newConversation: "Nouvelle conversation",
  talkToHuman: "Parler à un humain",
  emailLabel: "Votre e-mail (facultatif)",
  connect: "Me mettre en relation",
  cancel: "Annuler",
  send: "Envoyer",
  placeholder: "Écrivez votre message…",
  messageLabel: "Message",
  helpful: "Utile",
  notHelpful: "Pas utile",
  commentLabel: "Dites-nous en plus (facultatif)",
  sendFeedback: "Envoyer l’avis",
  thanks: "Merci pour votre avis !",
  sources: "Sources",
  source: "Source",
  handoffOffer: "Voulez-vous parler à un humain ?",
  yesConnect: "Oui, mettez-moi en relation",
  noThanks: "Non, merci",
  agentJoined: "Un conseiller a rejoint la conversation.",
  agentJoinedNamed: "{name} a rejoint la conversation.",
  handedOff: "Vous êtes en file d’attente : un conseiller arrive bientôt.",
  resolved: "Cette conversation a été marquée comme résolue.",
  typing: "En train d’écrire…",
  typingNamed: "{name} écrit…",
  offline: "Vous êtes hors ligne. Vérifiez votre connexion.",
  rateLimited: "Trop de messages : veuillez patienter {n} s.",
  serverError: "Une erreur s’est produite.",
  retry: "Réessayer",
  replyFailed: "La réponse a échoué.",
  identityRequired: "Veuillez vous connecter au site pour discuter avec nous.",
  poweredBy: "Propulsé par CustomerCareGPT",
  you: "Vous",
  assistant: "Assistant",
  agent: "Conseiller",
  suggestions: "Questions suggérées",
  newAnswer: "Nouvelle réponse :",
};

const catalogs: Record<string, Partial<Strings>> = { en, de, fr };

export function pickLanguage(lang: string | undefined): string {
  const primary = (lang ?? "").trim().toLowerCase().split(/[-_]/)[0] ?? "";
  return primary in catalogs ? primary : "en";
}

export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

export function translator(lang: string | undefined): Translate {
  const catalog = catalogs[pickLanguage(lang)] ?? en;
  return (key, vars) => {
    let text = catalog[key] ?? en[key];
    for (const [name, value] of Object.entries(vars ?? {})) {
      text = text.replace(`{${name}}`, String(value));
    }
    return text;
  };
}
